"""The individual plan (individuell plan): goals, sub-goals, measures, timed evaluations.

One plan per person, never without consent. FHIR: IndividualPlan ~ CarePlan, Goal ~ Goal,
Measure ~ CarePlan.activity, GoalEvaluation ~ an Observation on the Goal, PlanChange ~ the
resource history (Provenance).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.dates import FOLLOW_UP, PAST_EVENT, WORK_DATE


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Aktiv")
    CLOSED = "closed", _("Avsluttet")


class IndividualPlan(models.Model):
    """The person's one plan across sectors (FHIR CarePlan)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="individual_plan"
    )
    team = models.ForeignKey(
        "teams.Team", on_delete=models.PROTECT, related_name="plans", null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # (1) the person's goals, resources and needs — goals are their own model.
    what_matters = models.TextField(_("hva er viktig for meg"), blank=True)
    resources = models.TextField(_("mine ressurser"), blank=True,
                                 help_text=_("Det som fungerer, og folk og ting som hjelper."))
    needs = models.TextField(_("mine behov"), blank=True)
    # (4) what the person and next of kin contribute; providers contribute through measures.
    person_contribution = models.TextField(_("dette bidrar jeg med"), blank=True)
    next_of_kin_contribution = models.TextField(_("dette bidrar pårørende med"), blank=True)
    # (7) plan period and times for revision.
    period_start = models.DateField(_("planperiode fra"), default=timezone.localdate, validators=[WORK_DATE])
    period_end = models.DateField(_("planperiode til"), null=True, blank=True, validators=[WORK_DATE])
    next_revision_on = models.DateField(_("neste revisjon av planen"), null=True, blank=True, validators=[FOLLOW_UP])
    # (9) cooperation with other agencies.
    cooperation = models.TextField(
        _("samarbeid med andre etater"), blank=True,
        help_text=_("For eksempel spesialisthelsetjenesten, NAV, skole eller barnevern: hvem, og hvordan."),
    )
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The template version the plan started from (plantemplates); versions never change.
    template_version = models.ForeignKey(
        "plantemplates.TemplateVersion", on_delete=models.PROTECT, null=True, blank=True,
        related_name="plans", verbose_name=_("startet fra planmal"),
    )

    class Meta:
        verbose_name = _("individuell plan")
        verbose_name_plural = _("individuelle planer")

    def __str__(self) -> str:
        return f"Plan {self.person}"


class AuthorKind(models.TextChoices):
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")
    PROFESSIONAL = "professional", _("Tjenesteyter")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Aktivt")
    ACHIEVED = "achieved", _("Nådd")
    CLOSED = "closed", _("Avsluttet")


class Goal(models.Model):
    """A goal (mål) or, with a parent, a sub-goal (delmål), in the person's own words."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.PROTECT, related_name="goals")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="sub_goals",
        verbose_name=_("hovedmål"),
    )
    text = models.TextField(_("målet med personens egne ord"))
    author_kind = models.CharField(_("skrevet av"), max_length=20, choices=AuthorKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_related = models.ForeignKey(
        "people.RelatedPerson", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    next_evaluation_on = models.DateField(_("evalueres"), validators=[FOLLOW_UP])
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The «Hva er viktig for deg?» activity the goal is about; its scores are shown at evaluation.
    psfs_activity = models.ForeignKey(
        "assessments.PsfsActivity", on_delete=models.PROTECT, null=True, blank=True, related_name="goals",
        verbose_name=_("aktivitet fra kartleggingen"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    # A main goal's sub-goals, set by the plan pages from the goals they loaded; never stored.
    children: list[Goal]

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        indexes = [models.Index(fields=["status", "next_evaluation_on"])]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.plan.person_id

    @property
    def is_open(self) -> bool:
        return self.status == GoalStatus.ACTIVE

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.is_open and self.next_evaluation_on < (today or timezone.localdate())


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planlagt")
    ONGOING = "ongoing", _("Pågår")
    DONE = "done", _("Fullført")
    STOPPED = "stopped", _("Avsluttet")


class Measure(models.Model):
    """A measure (tiltak) towards a goal: what, how much, how, and who is responsible."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="measures")
    description = models.TextField(_("tiltak"))
    responsible_membership = models.ForeignKey(
        "teams.TeamMembership", on_delete=models.PROTECT, null=True, blank=True, related_name="measures",
        verbose_name=_("ansvarlig i teamet"),
    )
    responsible_service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="measures",
        verbose_name=_("ansvarlig tjeneste"),
    )
    extent = models.CharField(_("omfang"), max_length=200, blank=True,
                              help_text=_("For eksempel «2 timer i uka» eller «hver morgen»."))
    how = models.TextField(_("slik gjennomføres tiltaket"), blank=True)
    starts_on = models.DateField(_("fra"), default=timezone.localdate, validators=[WORK_DATE])
    ends_on = models.DateField(_("til"), null=True, blank=True, validators=[WORK_DATE])
    status = models.CharField(max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The coordinator (or another staff user) as responsible, when not a member or a service.
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="measures",
        verbose_name=_("ansvarlig ansatt"),
    )

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("tiltak")
        verbose_name_plural = _("tiltak")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(responsible_membership__isnull=False) | models.Q(responsible_service__isnull=False)
                           | models.Q(responsible_user__isnull=False)),
                name="measure_has_someone_responsible",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="measure_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.goal.plan.person_id

    @property
    def responsible_label(self) -> str:
        if self.responsible_membership is not None:
            return self.responsible_membership.display_name
        if self.responsible_user is not None:
            return self.responsible_user.full_name
        return str(self.responsible_service or "")

    @property
    def is_open(self) -> bool:
        return self.status in (MeasureStatus.PLANNED, MeasureStatus.ONGOING)


class EvaluationResult(models.TextChoices):
    ACHIEVED = "achieved", _("Nådd")
    PARTLY = "partly", _("Delvis nådd")
    NOT_ACHIEVED = "not_achieved", _("Ikke nådd")


class NextStep(models.TextChoices):
    CONTINUE = "continue", _("Fortsette")
    CHANGE = "change", _("Endre målet eller tiltakene")
    CLOSE = "close", _("Avslutte målet")
    NEW_GOAL = "new_goal", _("Lage nytt mål")


class GoalEvaluation(models.Model):
    """The evaluation at a goal's checkpoint."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="evaluations")
    evaluated_on = models.DateField(_("evaluert"), default=timezone.localdate, validators=[PAST_EVENT])
    due_on = models.DateField(_("skulle evalueres"), validators=[FOLLOW_UP])
    result = models.CharField(_("resultat"), max_length=20, choices=EvaluationResult.choices)
    learned = models.TextField(_("hva har vi lært"), blank=True)
    next_step = models.CharField(_("hva nå"), max_length=20, choices=NextStep.choices)
    psfs_score = models.PositiveSmallIntegerField(
        _("ny PSFS-skår (0–10)"), null=True, blank=True,
        help_text=_("Hvis målet er knyttet til en aktivitet personen har skåret."),
    )
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="evaluations"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-evaluated_on", "-created_at"]
        verbose_name = _("evaluering")
        verbose_name_plural = _("evalueringer")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(psfs_score__isnull=True) | models.Q(psfs_score__lte=10),
                name="evaluation_psfs_score_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.get_result_display()}"

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.goal.plan.person_id

    @property
    def on_time(self) -> bool:
        return self.evaluated_on <= self.due_on


class ChangeAction(models.TextChoices):
    CREATE = "create", _("opprettet")
    UPDATE = "update", _("endret")
    CLOSE = "close", _("avsluttet")
    EVALUATE = "evaluate", _("evaluert")


class PlanChange(models.Model):
    """One change to the plan: who changed what, when, and the item as it was after the change."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200)
    item_type = models.CharField(max_length=20)  # plan, goal, measure, evaluation
    item_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=20, choices=ChangeAction.choices)
    summary = models.CharField(max_length=300)
    changed_fields = models.JSONField(default=list)
    snapshot = models.JSONField()

    # The changed fields by their form labels, set by the history page; never stored.
    field_labels: list[str]

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("endring i planen")
        verbose_name_plural = _("endringer i planen")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.plan.person_id
