"""The person register: persons followed up and the people around them.

FHIR: Person ~ Patient (identifier system urn:oid:2.16.578.1.12.4.1.4.1 for fødselsnummer,
…4.2 for D-nummer), RelatedPerson ~ RelatedPerson.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.dates import BIRTH_DATE


class Gender(models.TextChoices):
    """Administrative gender, with FHIR's codes."""

    FEMALE = "female", _("Kvinne")
    MALE = "male", _("Mann")
    OTHER = "other", _("Annet")
    UNKNOWN = "unknown", _("Ukjent")


class Person(models.Model):
    """Someone with large and complex needs whom the municipality follows up (bruker/pasient)."""

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, related_name="persons"
    )
    given_name = models.CharField(_("fornavn"), max_length=100)
    family_name = models.CharField(_("etternavn"), max_length=100)
    identity_number = models.CharField(
        _("fødselsnummer eller D-nummer"), max_length=11, blank=True,
        help_text=_("Kan stå tomt til nummeret er kjent; personen er merket til det er lagt inn."),
    )
    identity_kind = models.CharField(max_length=20, editable=False, blank=True)
    birth_date = models.DateField(_("fødselsdato"), validators=[BIRTH_DATE])
    gender = models.CharField(_("kjønn"), max_length=10, choices=Gender.choices)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=4, blank=True)
    postal_place = models.CharField(_("poststed"), max_length=100, blank=True)
    needs_interpreter = models.BooleanField(_("trenger tolk"), default=False)
    preferred_language = models.CharField(_("foretrukket språk"), max_length=50, blank=True)
    notify_email = models.BooleanField(_("varsle på e-post"), default=True)
    notify_sms = models.BooleanField(_("varsle på SMS"), default=False)
    gp = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gp_patients",
        verbose_name=_("fastlege"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person_record",
        help_text=_("Brukerkontoen personen logger inn med i «Min plan»."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "identity_number"], name="person_identity_unique",
                condition=~models.Q(identity_number=""),
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def identity_missing(self) -> bool:
        """Tell whether the person was registered before their identity number was known."""
        return not self.identity_number

    def age(self, on: dt.date | None = None) -> int:
        """Return the person's age in whole years on a date (today by default)."""
        on = on or timezone.localdate()
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def is_child(self) -> bool:
        return self.age() < 18


class Relationship(models.TextChoices):
    """The relation of a related person to the person (FHIR v3-RoleCode where one exists)."""

    PARENT = "parent", _("Forelder")
    GUARDIAN = "guardian", _("Verge")
    SPOUSE = "spouse", _("Ektefelle eller samboer")
    CHILD = "child", _("Barn")
    SIBLING = "sibling", _("Søsken")
    OTHER_FAMILY = "family", _("Annen familie")
    FRIEND = "friend", _("Venn")
    OTHER = "other", _("Annen pårørende")


class RelatedPerson(models.Model):
    """Next of kin, a guardian or a parent (pårørende, verge, foresatt)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="related_persons")
    given_name = models.CharField(_("fornavn"), max_length=100)
    family_name = models.CharField(_("etternavn"), max_length=100)
    identity_number = models.CharField(_("fødselsnummer"), max_length=11, blank=True)
    relationship = models.CharField(_("relasjon"), max_length=20, choices=Relationship.choices)
    is_guardian = models.BooleanField(
        _("verge eller foresatt"),
        default=False,
        help_text=_("Har rett til å representere personen (verge, eller foreldreansvar for barn)."),
    )
    has_parental_responsibility = models.BooleanField(_("har foreldreansvar"), default=False)
    is_primary_contact = models.BooleanField(_("nærmeste pårørende"), default=False)
    scores_for_person = models.BooleanField(
        _("skårer «Hva er viktig for deg?» for personen"), default=False,
        help_text=_("Bare når personen selv uttrykkelig ønsker det. Skårene merkes med hvem som skåret, "
                    "og holdes atskilt fra personens egne."),
    )
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=4, blank=True)
    postal_place = models.CharField(_("poststed"), max_length=100, blank=True)
    notify_email = models.BooleanField(_("varsle på e-post"), default=True)
    notify_sms = models.BooleanField(_("varsle på SMS"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="related_person_records",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-is_primary_contact", "family_name", "given_name"]
        verbose_name = _("pårørende")
        verbose_name_plural = _("pårørende")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
