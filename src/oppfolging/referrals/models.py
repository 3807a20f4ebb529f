"""Reports of need (melding om behov) and the coordinating unit's triage.

FHIR: Referral ~ ServiceRequest (what is asked for) + Task (its handling: status, owner,
deadline).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.dates import BIRTH_DATE, WORK_DATE


class Source(models.TextChoices):
    """Who reported, as the indicators break reports down."""

    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")
    GP_RISK_LIST = "gp_risk_list", _("Fastlege, fra risikolisten")
    GP = "gp", _("Fastlege")
    HOSPITAL = "hospital", _("Sykehus eller spesialisthelsetjeneste")
    MUNICIPAL_SERVICE = "municipal_service", _("Kommunal tjeneste")
    KINDERGARTEN = "kindergarten", _("Barnehage")
    SCHOOL = "school", _("Skole eller PPT")
    NAV = "nav", _("NAV")
    CHILD_WELFARE = "child_welfare", _("Barnevern")
    OTHER = "other", _("Andre")


class Channel(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Nettskjema")
    IN_APP = "in_app", _("I Oppfølging")
    GP_RISK_LIST = "gp_risk_list", _("Fra fastlegens risikoliste")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Vanlig")
    SOON = "soon", _("Snart – innen en uke")
    URGENT = "urgent", _("Haster")


class ConsentToReport(models.TextChoices):
    GIVEN = "given", _("Personen har samtykket til meldingen")
    NOT_GIVEN = "not_given", _("Personen har ikke samtykket")
    NOT_ABLE = "not_able", _("Personen kan ikke samtykke nå")
    SELF = "self", _("Personen melder selv")


class Status(models.TextChoices):
    RECEIVED = "received", _("Mottatt")
    IN_ASSESSMENT = "in_assessment", _("Under utredning")
    DECIDED = "decided", _("Avgjort")
    DECLINED = "declined", _("Avslått")
    WITHDRAWN = "withdrawn", _("Trukket")


OPEN_STATUSES = (Status.RECEIVED, Status.IN_ASSESSMENT)


class Referral(models.Model):
    """One report that a person may need coordinated services."""

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, related_name="referrals"
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
        help_text=_("Koblet når personen er funnet eller registrert i personregisteret."),
    )
    # The person as the reporter described them, kept even after matching.
    subject_given_name = models.CharField(_("fornavn"), max_length=100)
    subject_family_name = models.CharField(_("etternavn"), max_length=100)
    subject_identity_number = models.CharField(_("fødselsnummer"), max_length=11, blank=True)
    subject_birth_date = models.DateField(_("fødselsdato"), null=True, blank=True, validators=[BIRTH_DATE])
    subject_phone = models.CharField(_("telefon til personen"), max_length=30, blank=True)
    subject_address = models.CharField(_("adresse til personen"), max_length=200, blank=True)

    source = models.CharField(_("hvem melder"), max_length=30, choices=Source.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_reported",
    )
    reporter_name = models.CharField(
        _("ditt navn"), max_length=200, blank=True, help_text=_("Du kan melde uten å oppgi navn.")
    )
    reporter_organisation = models.CharField(
        _("tjeneste, skole eller virksomhet"), max_length=200, blank=True
    )
    reporter_email = models.EmailField(_("din e-post"), blank=True)
    reporter_phone = models.CharField(_("ditt telefonnummer"), max_length=30, blank=True)

    observations = models.TextField(_("hva har du sett, og hva er vanskelig?"))
    person_wants = models.TextField(_("hva ønsker personen selv?"), blank=True)
    urgency = models.CharField(
        _("hvor raskt trengs hjelp?"), max_length=10, choices=Urgency.choices,
        default=Urgency.NORMAL,
    )
    consent = models.CharField(
        _("samtykke til meldingen"), max_length=20, choices=ConsentToReport.choices
    )
    consent_absent_reason = models.TextField(_("hvorfor samtykke mangler"), blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    deadline = models.DateField(_("frist"), validators=[WORK_DATE])
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_assigned",
        verbose_name=_("saksbehandler"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("begrunnelse for avslag"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    receipt_code = models.CharField(max_length=12, unique=True)
    submitter_ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("melding om behov")
        verbose_name_plural = _("meldinger om behov")
        indexes = [models.Index(fields=["municipality", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.receipt_code} {self.subject_given_name} {self.subject_family_name}"

    @property
    def subject_name(self) -> str:
        return f"{self.subject_given_name} {self.subject_family_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.localdate()

    @property
    def age_days(self) -> int:
        end = self.closed_at or timezone.now()
        return (end - self.received_at).days

    @staticmethod
    def default_deadline(received: dt.datetime, days: int) -> dt.date:
        return timezone.localtime(received).date() + dt.timedelta(days=days)


class PublicFormToken(models.Model):
    """A public form's minimum-time token that has been sent once, and so is spent.

    The token (a signed start time and a random nonce, `forms.PublicReferralForm`) proves the
    form was open for `PUBLIC_FORM_MIN_SECONDS`; kept here, the same token cannot be replayed
    to send many reports. Tokens older than a day are refused anyway and are deleted.
    """

    nonce = models.CharField(max_length=32, unique=True)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The report this token sent, so "back and send again" is shown the report already made.
    referral = models.ForeignKey("Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("brukt skjemanøkkel")
        verbose_name_plural = _("brukte skjemanøkler")

    def __str__(self) -> str:
        return self.nonce
