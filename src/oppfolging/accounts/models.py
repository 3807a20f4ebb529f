"""Municipalities, the people who work there, and their roles.

FHIR: Municipality ~ Organization (kommune), User ~ Practitioner, RoleAssignment ~ PractitionerRole.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WrittenLanguage(models.TextChoices):
    """The written standards the user interface is offered in (Norwegian first)."""

    BOKMAL = "nb", _("Bokmål")
    NYNORSK = "nn", _("Nynorsk")
    ENGLISH = "en", _("English")


class Municipality(models.Model):
    """A kommune. Every piece of personal data belongs to exactly one."""

    number = models.CharField(
        _("kommunenummer"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("Kommunenummeret har fire siffer."))],
    )
    name = models.CharField(_("navn"), max_length=100)
    referral_deadline_days = models.PositiveSmallIntegerField(
        _("frist for å behandle en vanlig melding (dager)"),
        default=14,
        help_text=_("Dager fra en melding om behov kommer inn til den skal være avklart."),
    )
    referral_deadline_soon_days = models.PositiveSmallIntegerField(
        _("frist for en melding som må behandles snart (dager)"), default=7,
    )
    referral_deadline_urgent_days = models.PositiveSmallIntegerField(
        _("frist for en melding som haster (dager)"), default=3,
    )
    contact_email = models.EmailField(_("e-post til koordinerende enhet"), blank=True)
    language = models.CharField(
        _("målform"), max_length=2, choices=WrittenLanguage.choices, default=WrittenLanguage.BOKMAL,
        help_text=_("Kommunens offisielle målform: standard for ansatte som ikke har valgt selv, og for brev og varsler."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        constraints = [
            models.CheckConstraint(condition=Q(referral_deadline_days__gte=1), name="referral_deadline_at_least_a_day"),
            models.CheckConstraint(
                condition=Q(referral_deadline_soon_days__gte=1) & Q(referral_deadline_urgent_days__gte=1),
                name="referral_urgency_deadlines_at_least_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    def referral_deadline_days_for(self, urgency: str) -> int:
        """Return the days the unit has to handle a report of this urgency ("urgent", "soon", else ordinary)."""
        return {"urgent": self.referral_deadline_urgent_days,
                "soon": self.referral_deadline_soon_days}.get(urgency, self.referral_deadline_days)


class Role(models.TextChoices):
    """The professional roles from domain.md; a user holds one or more per municipality."""

    COORDINATING_UNIT = "coordinating_unit", _("Koordinerende enhet")
    COORDINATOR = "coordinator", _("Koordinator")
    TEAM_MEMBER = "team_member", _("Teamdeltaker")
    GP = "gp", _("Fastlege")
    LEADER = "leader", _("Leder")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """Anyone who signs in: staff now, the person and next of kin later (the portal)."""

    title = models.CharField(_("stilling"), max_length=100, blank=True)
    hpr_number = models.CharField(
        _("HPR-nummer"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{1,9}$", _("HPR-nummeret består av inntil ni siffer."))],
        help_text=_("Helsepersonellregisteret, for helsepersonell."),
    )
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    language = models.CharField(
        _("målform"), max_length=2, choices=WrittenLanguage.choices, blank=True,
        help_text=_("Tom: kommunens målform."),
    )
    notify_email = models.BooleanField(_("varsle meg på e-post"), default=True)
    notify_sms = models.BooleanField(_("varsle meg på SMS"), default=False)
    # For HelseID sign-in of staff without an HPR number (HelseID's `pid` claim). Never shown.
    national_id = models.CharField(
        _("fødselsnummer"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^\d{11}$", _("Fødselsnummeret har 11 siffer."))],
        help_text=_("Brukes bare til å kjenne igjen den ansatte ved innlogging med HelseID."),
    )
    # The version of the user's own settings (notification channels, målform), for versioned saves.
    version = models.PositiveIntegerField(default=1, editable=False)

    # The access policy's caches for one request (access/policy.py), set on first use. The
    # portal grants are access.grants.PortalGrant, a layer above the models.
    _role_assignments_cache: list[RoleAssignment] | None
    _portal_grants_cache: list[Any] | None
    _citizen_number_cache: str | None

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")

    @property
    def full_name(self) -> str:
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.full_name


def written_standard(user: User | None, municipality: Municipality | None) -> str:
    """Return the language code a reader gets: their own choice, else their municipality's målform."""
    offered = dict(settings.LANGUAGES)
    if user is not None and user.language in offered:
        return user.language
    if municipality is not None and municipality.language in offered:
        return municipality.language
    return settings.LANGUAGE_CODE


class RoleAssignment(models.Model):
    """A user's role in one municipality, and the service (unit) they work in."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        null=True,
        blank=True,
        help_text=_("Tom bare for evaluatorer, som ser samlede tall på tvers av kommuner."),
    )
    role = models.CharField(_("rolle"), max_length=30, choices=Role.choices)
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name=_("tjeneste eller enhet"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality__name", "role"]
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "role"], name="role_unique_per_municipality"
            ),
            models.CheckConstraint(
                condition=Q(municipality__isnull=False) | Q(role=Role.EVALUATOR),
                name="role_has_municipality_unless_evaluator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.municipality or '—'})"


class SignInThrottle(models.Model):
    """Failed sign-ins counted for one key (an account, an address, or both), with a back-off.

    Each password check reserves a count here first, under a row lock, so parallel guesses can
    never check more passwords than the count allows (accounts/services.py).
    """

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    # No password is checked for this key before this time.
    next_attempt_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
