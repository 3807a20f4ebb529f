"""The GP's risk list in the app: an uploaded extract, its scored list, and the GP's reviews.

The list is the GP's. The municipality sees a patient only when the GP refers them. Raw extract
files are deleted after scoring unless the GP keeps them; each entry keeps what the list needs.
Lists are deleted after the GP's review period (``GP_RISK_LIST_RETENTION_DAYS``) except the
entries of referred patients; what the GP decided is remembered by identity number for
``GP_RISK_DECISION_RETENTION_DAYS`` so the next extract shows it (docs/risk.md, "Retention").
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from oppfolging.risk.reader import MAX_NAME, MAX_PATIENT_ID


class ListStatus(models.TextChoices):
    QUEUED = "queued", _("I kø")
    SCORING = "scoring", _("Beregner")
    DONE = "done", _("Ferdig")
    FAILED = "failed", _("Feilet")


class RiskList(models.Model):
    """One scoring of one GP's patient list (FHIR RiskAssessment per entry)."""

    gp = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="risk_lists")
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT, related_name="risk_lists")
    authorised = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="authorised_risk_lists",
        verbose_name=_("andre på kontoret som kan se listen"),
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    extract_file = models.FileField(upload_to="gp_extracts/", blank=True)
    previous_file = models.FileField(upload_to="gp_extracts/", blank=True)
    keep_files = models.BooleanField(_("behold uttrekksfilene etter beregningen"), default=False)
    status = models.CharField(max_length=10, choices=ListStatus.choices, default=ListStatus.QUEUED)
    progress = models.FloatField(default=0)
    progress_step = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    extracted_at = models.DateField(null=True, blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    risk_is_probability = models.BooleanField(
        default=False, help_text=_("Sann for en lært modell; referanseskåren er en rangering, ikke en sannsynlighet."))
    input_sha256 = models.CharField(max_length=64, blank=True)
    previous_sha256 = models.CharField(max_length=64, blank=True)
    patient_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    input_format = models.CharField(max_length=10, blank=True)
    # Well-formed codes not in the engine's reference tables: count, per file, up to 20
    # examples with file and line (the engine's UnknownCodes.as_dict()).
    unknown_codes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("risikoliste")
        verbose_name_plural = _("risikolister")

    def __str__(self) -> str:
        return f"{self.gp} {self.uploaded_at:%Y-%m-%d}"


class RiskEntry(models.Model):
    """One patient on the scored list: only what the list needs."""

    risk_list = models.ForeignKey(RiskList, on_delete=models.CASCADE, related_name="entries")
    patient_id = models.CharField(max_length=MAX_PATIENT_ID)
    national_id = models.CharField(max_length=11, blank=True)
    given_name = models.CharField(max_length=MAX_NAME, blank=True)
    family_name = models.CharField(max_length=MAX_NAME, blank=True)
    name_from_register = models.BooleanField(default=False)
    age = models.PositiveSmallIntegerField(null=True)
    sex = models.CharField(max_length=1, blank=True)
    risk = models.FloatField()
    # The reference score's points (null for a learned model) and the share of the list ranked
    # below the patient (0–100): with the rank they tell apart what a rounded risk does not.
    points = models.FloatField(null=True)
    percentile = models.FloatField(null=True)
    rank = models.PositiveIntegerField()
    new_priority = models.PositiveIntegerField(db_index=True)
    reasons = models.TextField(blank=True)
    rising = models.BooleanField(default=False)
    not_followed_up = models.BooleanField(null=True)
    is_high = models.BooleanField(default=False)

    class Meta:
        ordering = ["new_priority"]
        constraints = [models.UniqueConstraint(fields=["risk_list", "patient_id"], name="one_entry_per_patient")]

    def __str__(self) -> str:
        return f"{self.patient_id} ({self.risk:.2f})"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def risk_percent(self) -> float:
        return 100 * self.risk

    @property
    def points_whole(self) -> int | None:
        return None if self.points is None else round(self.points)


class ReviewDecision(models.TextChoices):
    FOLLOWED_UP = "followed_up", _("Følges allerede opp")
    NOT_RELEVANT = "not_relevant", _("Ikke aktuelt nå")
    REFER = "refer", _("Meld behov til kommunen")


class RiskReview(models.Model):
    """The GP's review of one patient on the list."""

    entry = models.OneToOneField(RiskEntry, on_delete=models.CASCADE, related_name="review")
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    note = models.CharField(_("merknad"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    referral = models.ForeignKey("referrals.Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    look_again = models.DateField(_("se på igjen"), null=True, blank=True)
    # True when the review was carried over from the GP's decision on an earlier list.
    carried = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("gjennomgang")
        verbose_name_plural = _("gjennomganger")

    def __str__(self) -> str:
        return f"{self.entry}: {self.get_decision_display()}"

    @property
    def label(self) -> str:
        """Say what was decided and when, in Norwegian dates ("henvist 12.11")."""
        return decision_label(self.decision, timezone.localdate(self.reviewed_at), self.look_again)


def short_date(day: date) -> str:
    """Write a date as Norwegians do on a list: 12.11, with the year when it is not this year."""
    if day.year == timezone.localdate().year:
        return date_format(day, "j.n")
    return date_format(day, "j.n.Y")


def decision_label(decision: str, decided: date, look_again: date | None) -> str:
    if decision == ReviewDecision.REFER:
        return gettext("henvist %(date)s") % {"date": short_date(decided)}
    if decision == ReviewDecision.FOLLOWED_UP:
        return gettext("følges allerede opp (vurdert %(date)s)") % {"date": short_date(decided)}
    if look_again is not None:
        return gettext("ikke aktuelt nå (vurdert %(date)s, se igjen %(again)s)") % {
            "date": short_date(decided), "again": short_date(look_again)}
    return gettext("ikke aktuelt nå (vurdert %(date)s)") % {"date": short_date(decided)}


class RiskDecision(models.Model):
    """What a GP last decided about a patient, kept across uploads by identity number.

    When a new list is scored, each patient with a decision still in force gets it as a carried
    review, so the list shows "henvist 12.11" instead of the patient as new. "Not relevant now"
    is in force until its date to look again.
    """

    gp = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey("accounts.Municipality", on_delete=models.PROTECT, related_name="+")
    national_id = models.CharField(max_length=11)
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    note = models.CharField(max_length=300, blank=True)
    look_again = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gp", "national_id"], name="one_decision_per_gp_patient")]

    def __str__(self) -> str:
        return f"{self.national_id}: {self.get_decision_display()}"

    def in_force(self, on: date) -> bool:
        """Tell whether the decision still stands on a date (not relevant: until look_again)."""
        if self.decision == ReviewDecision.NOT_RELEVANT and self.look_again is not None:
            return on < self.look_again
        return True
