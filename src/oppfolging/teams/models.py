"""The coordinator pool, follow-up teams, their members, and consent.

FHIR: Team ~ CareTeam, TeamMembership ~ CareTeam.participant, CoordinatorAssignment ~ the
CareTeam participant with role "coordinator" over time, Consent ~ Consent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.dates import PAST_EVENT, WORK_DATE

if TYPE_CHECKING:
    from oppfolging.accounts.models import User


class CoordinatorProfile(models.Model):
    """A user in the municipality's coordinator pool."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator_profiles"
    )
    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, related_name="coordinator_pool"
    )
    is_active = models.BooleanField(_("tar imot nye personer"), default=True)
    max_caseload = models.PositiveSmallIntegerField(
        _("største antall personer"),
        default=8,
        help_text=_("Over dette regnes koordinatoren som overbelastet."),
    )
    note = models.CharField(_("merknad"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # Set by teams.selectors.coordinator_pool for the pool page (with the annotated caseload).
    overloaded: bool
    at_limit: bool
    trainings: list[Training]
    courses: int

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("koordinator i poolen")
        verbose_name_plural = _("koordinatorpoolen")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="one_profile_per_municipality"),
            models.CheckConstraint(condition=Q(max_caseload__gte=1), name="caseload_at_least_one"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Training(models.Model):
    """A course a coordinator has completed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings"
    )
    course = models.CharField(_("kurs"), max_length=200)
    provider = models.CharField(_("arrangør"), max_length=200, blank=True)
    completed_on = models.DateField(_("fullført"), validators=[PAST_EVENT])
    hours = models.PositiveSmallIntegerField(_("timer"), null=True, blank=True)

    class Meta:
        ordering = ["-completed_on"]
        verbose_name = _("opplæring")
        verbose_name_plural = _("opplæring")

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on})"


class WishKind(models.TextChoices):
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")
    PROFESSIONAL = "professional", _("Ansatt, på vegne av personen")


class CoordinatorWish(models.Model):
    """The person's wish for a coordinator: a named person or a service. The latest one counts."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="coordinator_wishes"
    )
    wished_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ønsket koordinator"),
    )
    wished_service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ønsket tjeneste"),
    )
    text = models.TextField(_("ønsket med personens egne ord"), blank=True)
    stated_by = models.CharField(_("ønsket kommer fra"), max_length=20, choices=WishKind.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("ønske om koordinator")
        verbose_name_plural = _("ønsker om koordinator")

    def __str__(self) -> str:
        return f"{self.person}: {self.wished_user or self.wished_service or self.text[:40]}"

    def is_met_by(self, coordinator: User) -> bool:
        """Tell whether appointing this coordinator meets the wish."""
        if self.wished_user_id:
            return self.wished_user_id == getattr(coordinator, "pk", None)
        if self.wished_service_id:
            return any(
                a.service_id == self.wished_service_id
                for a in coordinator.role_assignments.all()
            )
        return False


class TeamStatus(models.TextChoices):
    ACTIVE = "active", _("Aktivt")
    CLOSED = "closed", _("Avsluttet")


class Team(models.Model):
    """A person's oppfølgingsteam: as few as possible, as many as necessary."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="teams")
    status = models.CharField(max_length=10, choices=TeamStatus.choices, default=TeamStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    meeting_interval_weeks = models.PositiveSmallIntegerField(
        _("møtes hver … uke"), null=True, blank=True,
        help_text=_("Tomt betyr at teamet møtes ved behov."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("oppfølgingsteam")
        verbose_name_plural = _("oppfølgingsteam")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status=TeamStatus.ACTIVE), name="one_active_team_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"Team {self.person}"

    @property
    def current_coordinator_assignment(self) -> CoordinatorAssignment | None:
        """Return the team's coordinator now: during a handover's overlap, the incoming one."""
        now = timezone.now()
        active = [a for a in self.coordinator_assignments.all() if a.is_active_at(now)]
        return max(active, key=lambda a: (a.ended_at is None, a.started_at), default=None)


def coordinating_q(prefix: str = "", at: dt.datetime | None = None) -> Q:
    """Return the condition for a coordinator's period that is going on at a moment (now).

    A handover gives an overlap: the outgoing coordinator's period ends some days after the
    incoming one's starts, and both coordinate (and see the person) in between.
    """
    at = at or timezone.now()
    return Q(**{f"{prefix}started_at__lte": at}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gt": at}))


class CoordinatorAssignmentQuerySet(models.QuerySet["CoordinatorAssignment"]):
    def active(self, at: dt.datetime | None = None) -> CoordinatorAssignmentQuerySet:
        """Return the periods going on at a moment (now), both sides of a handover's overlap."""
        return self.filter(coordinating_q(at=at))


class CoordinatorAssignment(models.Model):
    """One coordinator's period with a team. History is kept; a change needs a handover note.

    A handover starts the incoming coordinator's period on a date and ends the outgoing one's
    a few days later, so both coordinate during the overlap. The outgoing coordinator (or the
    unit) writes the handover note; the incoming one acknowledges that it is read.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="coordinator_assignments")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coordinator_assignments"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handover_note = models.TextField(
        _("overføringsnotat"),
        blank=True,
        help_text=_("Hva den nye koordinatoren må vite: status, avtaler, hva som er viktig for personen."),
    )
    wish_met = models.BooleanField(null=True, help_text=_("Tom når personen ikke hadde uttrykt et ønske."))
    handover_note_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handover_note_at = models.DateTimeField(null=True, blank=True)
    handover_read_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # of the handover note

    objects = CoordinatorAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("koordinator")
        verbose_name_plural = _("koordinatorer")
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(ended_at__isnull=True), name="one_current_coordinator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.coordinator} ({self.started_at:%Y-%m-%d})"

    def is_active_at(self, at: dt.datetime) -> bool:
        return self.started_at <= at and (self.ended_at is None or self.ended_at > at)

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.team.person_id


class MemberKind(models.TextChoices):
    PROFESSIONAL = "professional", _("Tjenesteyter")
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")


class TeamMembership(models.Model):
    """Someone taking part in the team for a period. Professional membership drives access."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    kind = models.CharField(max_length=20, choices=MemberKind.choices, default=MemberKind.PROFESSIONAL)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team_memberships",
        verbose_name=_("person i tjenesten"),
    )
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team_memberships",
        verbose_name=_("tjeneste"),
    )
    related_person = models.ForeignKey(
        "people.RelatedPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team_memberships",
        verbose_name=_("pårørende"),
    )
    role_in_team = models.CharField(_("rolle i teamet"), max_length=150, blank=True)
    is_medically_responsible = models.BooleanField(_("har medisinsk ansvar"), default=False)
    joined_on = models.DateField(_("med fra"), default=timezone.localdate, validators=[WORK_DATE])
    left_on = models.DateField(_("sluttet"), null=True, blank=True, validators=[WORK_DATE])
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["left_on", "-is_medically_responsible", "joined_on"]
        verbose_name = _("teamdeltaker")
        verbose_name_plural = _("teamdeltakere")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MemberKind.NEXT_OF_KIN) | Q(related_person__isnull=False),
                name="next_of_kin_member_names_them",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.team.person_id

    @property
    def display_name(self) -> str:
        if self.kind == MemberKind.PERSON:
            return str(self.team.person)
        if self.related_person_id:
            return str(self.related_person)
        if self.user_id:
            return str(self.user)
        return str(self.service)

    def is_active_on(self, day: dt.date) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


class ConsentScope(models.TextChoices):
    TEAM_AND_PLAN = "team_and_plan", _("Oppfølgingsteam og individuell plan")
    SHARE_WITH_SERVICE = "share_with_service", _("Deling av opplysninger med en tjeneste")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende deltar")


class ConsentMethod(models.TextChoices):
    DIGITAL = "digital", _("Digitalt")
    VERBAL = "verbal", _("Muntlig")
    PAPER = "paper", _("På papir")


class GivenBy(models.TextChoices):
    PERSON = "person", _("Personen selv")
    GUARDIAN = "guardian", _("Verge eller foresatt")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self, today: dt.date | None = None) -> ConsentQuerySet:
        today = today or timezone.localdate()
        return self.filter(withdrawn_at__isnull=True).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )


class Consent(models.Model):
    """A consent the person (or a guardian) gave, its scope, and its withdrawal."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="consents")
    scope = models.CharField(_("gjelder"), max_length=30, choices=ConsentScope.choices)
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("tjeneste"),
    )
    related_person = models.ForeignKey(
        "people.RelatedPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("pårørende"),
    )
    given_by = models.CharField(_("gitt av"), max_length=20, choices=GivenBy.choices)
    given_by_related = models.ForeignKey(
        "people.RelatedPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_given",
        verbose_name=_("verge eller foresatt som samtykket"),
    )
    method = models.CharField(_("hvordan"), max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("gitt"), default=timezone.now)
    valid_until = models.DateField(_("gyldig til"), null=True, blank=True, validators=[WORK_DATE])
    note = models.TextField(_("merknad"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = models.TextField(blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("samtykke")
        verbose_name_plural = _("samtykker")
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope=ConsentScope.SHARE_WITH_SERVICE) | Q(service__isnull=False),
                name="share_consent_names_a_service",
            ),
            models.CheckConstraint(
                condition=~Q(scope=ConsentScope.NEXT_OF_KIN) | Q(related_person__isnull=False),
                name="next_of_kin_consent_names_them",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_scope_display()}"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.withdrawn_at is None and (self.valid_until is None or self.valid_until >= today)
