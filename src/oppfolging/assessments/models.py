"""Needs assessments (utredning), the GP's medical assessment and the decision that follows.

An assessment is repeated over time and never overwritten: once completed it is read-only, and
a later one is started beside it. FHIR: Assessment ~ QuestionnaireResponse (IPLOS, PSFS) within
an Encounter; MedicalAssessment ~ ServiceRequest + Task to the GP; Decision ~ the outcome of the
referral's Task.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.assessments import iplos, scoring
from oppfolging.lib.dates import WORK_DATE


class AssessmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("Pågår")
    COMPLETED = "completed", _("Fullført")


class PsfsDirection(models.TextChoices):
    HIGHER_IS_BETTER = scoring.HIGHER_IS_BETTER, _("0 = klarer ikke, 10 = klarer som før")
    LOWER_IS_BETTER = scoring.LOWER_IS_BETTER, _("0 = klarer som før, 10 = klarer ikke")


class PsfsScorer(models.TextChoices):
    """Who gave the PSFS scores. Only the person's own scores enter averages and changes; a
    proxy score (a guardian, a parent of a child, a next of kin at the person's explicit wish) is
    labelled with who scored and kept apart."""

    PERSON = "person", _("Personen selv")
    GUARDIAN = "guardian", _("Verge på vegne av personen")
    PARENT = "parent", _("Forelder på vegne av barnet")
    NEXT_OF_KIN_BY_WISH = "next_of_kin_by_wish", _("Pårørende på vegne av personen, etter personens ønske")


# (field prefix, Norwegian heading) for the four life areas, each with needs and resources.
LIFE_AREAS = (
    ("school_work", _("Skole eller arbeid")),
    ("family_network", _("Familie og nettverk")),
    ("housing_economy", _("Bolig og økonomi")),
    ("own_health", _("Egen helse")),
)


class Assessment(models.Model):
    """One interdisciplinary needs assessment of a person at one time."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="assessments"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("melding om behov"),
    )
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS
    )
    started_on = models.DateField(_("startet"), default=timezone.localdate, validators=[WORK_DATE])
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    what_matters = models.TextField(
        _("hva er viktig for deg?"),
        blank=True,
        help_text=_("Med personens egne ord."),
    )
    psfs_direction = models.CharField(
        _("retning på skalaen"),
        max_length=20,
        choices=PsfsDirection.choices,
        default=PsfsDirection.HIGHER_IS_BETTER,
    )
    psfs_scored_by = models.CharField(
        _("hvem skåret aktivitetene"), max_length=20, choices=PsfsScorer.choices, default=PsfsScorer.PERSON,
        help_text=_("Skårer satt av andre enn personen merkes og holdes utenfor gjennomsnitt og endring."),
    )
    school_work_needs = models.TextField(_("behov"), blank=True)
    school_work_resources = models.TextField(_("ressurser"), blank=True)
    family_network_needs = models.TextField(_("behov"), blank=True)
    family_network_resources = models.TextField(_("ressurser"), blank=True)
    housing_economy_needs = models.TextField(_("behov"), blank=True)
    housing_economy_resources = models.TextField(_("ressurser"), blank=True)
    own_health_needs = models.TextField(_("behov"), blank=True)
    own_health_resources = models.TextField(_("ressurser"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("utredning")
        verbose_name_plural = _("utredninger")

    def __str__(self) -> str:
        return f"{self.person} {self.started_on:%Y-%m-%d}"

    @property
    def is_locked(self) -> bool:
        return self.status == AssessmentStatus.COMPLETED

    def iplos_dict(self) -> dict[str, int]:
        return {s.variable: s.score for s in self.iplos_scores.all()}

    @property
    def iplos_mean(self) -> float | None:
        return iplos.need_for_help_mean(self.iplos_dict())

    def psfs_pairs(self) -> list[tuple[str, int]]:
        return [(a.activity, a.score) for a in self.psfs_activities.all()]

    @property
    def psfs_is_proxy(self) -> bool:
        return self.psfs_scored_by != PsfsScorer.PERSON

    @property
    def psfs_mean(self) -> float | None:
        return scoring.psfs_mean([s for _, s in self.psfs_pairs()], self.psfs_direction)

    def life_areas(self) -> list[tuple[str, str, str]]:
        """Return (heading, needs, resources) for each life area."""
        return [
            (str(label), getattr(self, f"{prefix}_needs"), getattr(self, f"{prefix}_resources"))
            for prefix, label in LIFE_AREAS
        ]


class AssessmentParticipant(models.Model):
    """A professional, a service or someone else who took part in the assessment."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment_participations",
    )
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role_description = models.CharField(_("rolle"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.assessment.person_id

    @property
    def display_name(self) -> str:
        parts = [str(x) for x in (self.user, self.service) if x]
        if self.role_description:
            parts.append(self.role_description)
        return " – ".join(parts)


class IplosScore(models.Model):
    """One IPLOS variable's score in one assessment."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="iplos_scores"
    )
    variable = models.CharField(
        max_length=40, choices=[(v.code, v.label) for v in iplos.VARIABLES]
    )
    score = models.PositiveSmallIntegerField(choices=[(s, str(s)) for s in iplos.SCORES])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "variable"], name="iplos_once_per_variable"),
            models.CheckConstraint(
                condition=models.Q(score__in=iplos.SCORES), name="iplos_score_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variable}={self.score}"

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.assessment.person_id


class PsfsActivity(models.Model):
    """One activity that matters to the person, in their own words, scored 0–10."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="psfs_activities"
    )
    position = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    activity = models.CharField(_("aktivitet"), max_length=200)
    score = models.PositiveSmallIntegerField(
        _("skår"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "position"], name="psfs_position_unique"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="psfs_score_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.score}"

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.assessment.person_id


class MedicalAssessment(models.Model):
    """A request to the GP for a medical assessment, and the GP's answer."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="medical_assessments"
    )
    gp = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="medical_assessment_requests",
        verbose_name=_("fastlege"),
    )
    question = models.TextField(_("hva ønsker dere at fastlegen vurderer?"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("medisinsk vurdering"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("medisinsk vurdering")
        verbose_name_plural = _("medisinske vurderinger")

    def __str__(self) -> str:
        return f"{self.assessment} → {self.gp}"

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.assessment.person_id

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class DecisionOutcome(models.TextChoices):
    NONE = "none", _("Ingen koordinerte tjenester nødvendig")
    CONTACT_PERSON = "contact_person", _("Kontaktperson")
    TEAM = "team", _("Oppfølgingsteam")
    TEAM_WITH_PLAN = "team_with_plan", _("Oppfølgingsteam med individuell plan")


class Decision(models.Model):
    """The coordinating unit's decision after an assessment: what follow-up the person gets."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="decisions")
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("melding om behov"),
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("utredning"),
    )
    outcome = models.CharField(_("avgjørelse"), max_length=20, choices=DecisionOutcome.choices)
    reason = models.TextField(_("begrunnelse"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    person_informed_at = models.DateTimeField(null=True, blank=True)
    reporter_informed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("avgjørelse")
        verbose_name_plural = _("avgjørelser")

    def __str__(self) -> str:
        return f"{self.person}: {self.get_outcome_display()}"
