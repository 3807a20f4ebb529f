"""The GP's risk list in the app: an uploaded extract, its scored list, and the GP's reviews.

The list is the GP's. The municipality sees a patient only when the GP refers them. Raw extract
files are deleted after scoring unless the GP keeps them; each entry keeps what the list needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("risikoliste")
        verbose_name_plural = _("risikolister")

    def __str__(self) -> str:
        return f"{self.gp} {self.uploaded_at:%Y-%m-%d}"


class RiskEntry(models.Model):
    """One patient on the scored list: only what the list needs."""

    risk_list = models.ForeignKey(RiskList, on_delete=models.CASCADE, related_name="entries")
    patient_id = models.CharField(max_length=64)
    national_id = models.CharField(max_length=11, blank=True)
    age = models.PositiveSmallIntegerField(null=True)
    sex = models.CharField(max_length=1, blank=True)
    risk = models.FloatField()
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

    class Meta:
        verbose_name = _("gjennomgang")
        verbose_name_plural = _("gjennomganger")

    def __str__(self) -> str:
        return f"{self.entry}: {self.get_decision_display()}"
