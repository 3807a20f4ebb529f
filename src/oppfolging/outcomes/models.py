"""Outcome data per person: hospital stays, municipal service use, risk-score snapshots.

Every row belongs to a person in the register, matched on identity number when imported; rows
that match nobody are reported by the import and never stored. Each row names the import that
last wrote it. An import records the period its source covers, so a person without any stay in
that period counts as having had none (see docs/effect.md).

FHIR: HospitalStay ~ Encounter (class IMP/ACUTE), ServiceUse ~ the month's home and community
Encounters (class HH/FLD/VR) summed, RiskSnapshot ~ RiskAssessment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    GP_EXTRACT = "gp_extract", _("Uttrekk fra fastlegen (zip med hospital_stays.csv)")
    ADMISSIONS_CSV = "admissions_csv", _("Innleggelser og utskrivninger (CSV)")
    FHIR_BUNDLE = "fhir_bundle", _("FHIR R4 Bundle med Encounter-ressurser")
    SERVICE_USE_CSV = "service_use_csv", _("Bruk av kommunale tjenester per måned (CSV)")


class OutcomeImport(models.Model):
    """One imported file: who imported it, what it covered, and what matched."""

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, related_name="outcome_imports"
    )
    kind = models.CharField(_("type"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("filnavn"), max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)
    # The period the source covers: stays (or service use) outside it are unknown, inside it a
    # person without any had none.
    period_start = models.DateField(_("gjelder fra"))
    period_end = models.DateField(_("gjelder til"))
    covers_register = models.BooleanField(
        default=True,
        help_text=_("Sann når kilden dekker alle i personregisteret; et fastlegeuttrekk dekker "
                    "bare pasientene på listen."),
    )
    covered = models.ManyToManyField("people.Person", blank=True, related_name="+")
    covers_stays = models.BooleanField(default=False)
    covers_service_use = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    matched_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    # [{"where": "linje 7" or "pasient P123", "reason": "<code>", "rows": n}, ...]; never an
    # identity number: the persons behind them are not the municipality's to know.
    unmatched = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("import av utfallsdata")
        verbose_name_plural = _("importer av utfallsdata")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="outcome_import_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d})"

    @property
    def unmatched_rows(self) -> int:
        return self.rows - self.matched_rows


class HospitalStay(models.Model):
    """One hospital stay of a person: admitted, discharged (empty while still in), acute or not."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="hospital_stays")
    admitted = models.DateField(_("innlagt"))
    discharged = models.DateField(_("utskrevet"), null=True, blank=True)
    acute = models.BooleanField(_("akutt"))
    source = models.ForeignKey(OutcomeImport, on_delete=models.PROTECT, related_name="stays")

    class Meta:
        ordering = ["person", "admitted"]
        verbose_name = _("sykehusopphold")
        verbose_name_plural = _("sykehusopphold")
        constraints = [
            # Importing the same stay again updates it instead of adding it.
            models.UniqueConstraint(
                fields=["person", "admitted", "acute"], name="one_stay_per_person_day_kind"
            ),
            models.CheckConstraint(
                condition=Q(discharged__isnull=True) | Q(discharged__gte=models.F("admitted")),
                name="stay_discharged_after_admitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.admitted}"

    @property
    def nights(self) -> int | None:
        return (self.discharged - self.admitted).days if self.discharged else None


class ServiceUse(models.Model):
    """A person's use of one municipal service in one month: hours, visits, or both."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="service_use")
    service = models.CharField(_("tjeneste"), max_length=200)
    month = models.DateField(_("måned"), help_text=_("Første dag i måneden."))
    hours = models.DecimalField(_("timer"), max_digits=8, decimal_places=2, null=True, blank=True)
    visits = models.PositiveIntegerField(_("besøk"), null=True, blank=True)
    source = models.ForeignKey(OutcomeImport, on_delete=models.PROTECT, related_name="service_rows")

    class Meta:
        ordering = ["person", "month", "service"]
        verbose_name = _("tjenestebruk")
        verbose_name_plural = _("tjenestebruk")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service", "month"], name="one_service_use_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="service_use_month_first_day"),
            models.CheckConstraint(
                condition=Q(hours__isnull=False) | Q(visits__isnull=False),
                name="service_use_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=0), name="service_use_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.service} {self.month:%Y-%m}"


class RiskSnapshot(models.Model):
    """The GP extract's reference risk score and its parts for one person on one date.

    Kept so the effect estimate can compare persons of similar risk; never shown per person.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="risk_snapshots")
    extracted_at = models.DateField()
    risk_score = models.FloatField()
    comorbidity = models.FloatField()
    components = models.JSONField(default=dict)
    source = models.ForeignKey(OutcomeImport, on_delete=models.PROTECT, related_name="snapshots")

    class Meta:
        ordering = ["person", "extracted_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "extracted_at"], name="one_snapshot_per_extract")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.extracted_at}"
