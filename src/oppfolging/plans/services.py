"""Writes to the individual plan. Each is checked, saved, put in the plan's history and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import PersonGrant
from oppfolging.accounts.models import User
from oppfolging.assessments.models import Assessment, PsfsActivity
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
from oppfolging.lib.versioning import save_versioned
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, notify
from oppfolging.plans.history import record_change, snapshot
from oppfolging.plans.models import (
    AuthorKind,
    ChangeAction,
    EvaluationResult,
    Goal,
    GoalEvaluation,
    GoalStatus,
    IndividualPlan,
    Measure,
    MeasureStatus,
    NextStep,
    PlanStatus,
)
from oppfolging.teams.models import Consent, ConsentScope

PLAN_FIELDS = ("what_matters", "resources", "needs", "person_contribution",
               "next_of_kin_contribution", "period_start", "period_end", "next_revision_on",
               "cooperation")
GOAL_FIELDS = ("text", "author_kind", "author_related", "next_evaluation_on", "parent", "psfs_activity")
MEASURE_FIELDS = ("description", "responsible_membership", "responsible_service", "responsible_user", "extent",
                  "how", "starts_on", "ends_on", "status")


class ConsentMissing(ValidationError):
    """No individual plan without the person's consent to it."""


def _from_assessment(plan: IndividualPlan, assessment: Assessment) -> None:
    """Carry «Hva er viktig for deg?» and the life areas' needs and resources into a new plan."""
    plan.what_matters = assessment.what_matters
    plan.needs = "\n".join(f"{heading}: {needs}" for heading, needs, _res in assessment.life_areas() if needs.strip())
    plan.resources = "\n".join(
        f"{heading}: {resources}" for heading, _needs, resources in assessment.life_areas() if resources.strip())


def _latest_assessment(person: Any) -> Assessment | None:
    """Return the person's newest assessment, completed ones first: the one a new plan starts from."""
    return (Assessment.objects.filter(person=person)
            .order_by(F("completed_at").desc(nulls_last=True), "-started_on", "-pk").first())


@transaction.atomic
def plan_create(*, grant: PersonGrant, team: Any = None, assessment: Assessment | None = None) -> IndividualPlan:
    """Create the person's individual plan; refused without an active consent to the plan.

    The plan starts from the assessment (the given one, or the person's latest): what matters to
    the person and the life areas are carried over; its PSFS activities are offered as goals.
    """
    grant.require_write()
    grant.require_owns(team, assessment)
    actor = grant.require_user()
    person = grant.person
    if not Consent.objects.active().filter(person=person, scope=ConsentScope.TEAM_AND_PLAN).exists():
        raise ConsentMissing(
            _("Personen har ikke samtykket til individuell plan. Registrer samtykket først.")
        )
    if IndividualPlan.objects.filter(person=person).exists():
        raise ValidationError(_("Personen har allerede en individuell plan."))
    plan = IndividualPlan(person=person, team=team, created_by=actor)
    assessment = assessment or _latest_assessment(person)
    if assessment is not None:
        _from_assessment(plan, assessment)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        # Someone else created the plan at the same moment: the loser is sent to it.
        raise ValidationError(_("Planen ble opprettet av noen andre akkurat nå. Den ligger klar.")) from None
    record_change(plan=plan, actor=grant.user, item=plan, action=ChangeAction.CREATE, summary=_("Planen er opprettet"))
    _audit(grant, Action.CREATE, "individual_plan", plan)
    return plan


def _audit(grant: PersonGrant, action: str, resource: str, item: Any) -> None:
    audit_grant(grant=grant, action=action, resource=resource, resource_id=item.pk)


@transaction.atomic
def plan_update(
    *, grant: PersonGrant, plan: IndividualPlan, expected_version: int, **fields: Any
) -> IndividualPlan:
    """Change the plan's own parts; a save based on an old version is refused."""
    grant.require_write()
    grant.require_owns(plan)
    before = snapshot(plan)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    save_versioned(plan, expected_version=expected_version, fields=[f for f in PLAN_FIELDS if f in fields])
    record_change(plan=plan, actor=grant.user, item=plan, action=ChangeAction.UPDATE,
                  summary=_("Planen er endret"), before=before)
    _audit(grant, Action.UPDATE, "individual_plan", plan)
    return plan


@transaction.atomic
def goal_create(
    *,
    grant: PersonGrant,
    plan: IndividualPlan,
    text: str,
    author_kind: str,
    next_evaluation_on: dt.date,
    parent: Goal | None = None,
    author_related: Any = None,
    author_user: User | None = None,
    psfs_activity: PsfsActivity | None = None,
) -> Goal:
    """Add a goal (or a sub-goal) in the person's own words, with the date it is evaluated.

    A goal may be linked to one of the person's PSFS activities, whose scores its evaluation shows.
    """
    grant.require_write()
    grant.require_owns(plan, parent, psfs_activity)
    if parent is not None and parent.plan_id != plan.pk:
        raise ValidationError({"parent": _("Hovedmålet hører til en annen plan.")})
    goal = Goal(
        plan=plan, parent=parent, text=text.strip(), author_kind=author_kind,
        author_related=author_related, author_user=author_user or (grant.user if author_kind == AuthorKind.PROFESSIONAL else None),
        next_evaluation_on=next_evaluation_on, psfs_activity=psfs_activity,
        position=plan.goals.filter(parent=parent).count(),
    )
    goal.full_clean()
    goal.save()
    record_change(plan=plan, actor=grant.user, item=goal, action=ChangeAction.CREATE,
                  summary=(_("Nytt delmål: %(text)s") if parent else _("Nytt mål: %(text)s")) % {"text": goal.text[:200]},
                  actor_name="" if grant.user else str(grant.person))
    _audit(grant, Action.CREATE, "goal", goal)
    return goal


@transaction.atomic
def goal_update(
    *, grant: PersonGrant, goal: Goal, expected_version: int, **fields: Any
) -> Goal:
    """Change a goal; a save based on an old version is refused and shown, never overwritten."""
    grant.require_write()
    grant.require_owns(goal, fields.get("parent"), fields.get("psfs_activity"))
    before = snapshot(goal)
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.full_clean()
    save_versioned(goal, expected_version=expected_version, fields=[f for f in GOAL_FIELDS if f in fields])
    record_change(plan=goal.plan, actor=grant.user, item=goal, action=ChangeAction.UPDATE,
                  summary=_("Mål endret: %(text)s") % {"text": goal.text[:200]}, before=before)
    _audit(grant, Action.UPDATE, "goal", goal)
    return goal


@transaction.atomic
def measure_create(*, grant: PersonGrant, goal: Goal, **fields: Any) -> Measure:
    """Add a measure to a goal, with who is responsible, its extent and how it is done."""
    grant.require_write()
    grant.require_owns(goal, fields.get("responsible_membership"))
    measure = Measure(goal=goal, **fields)
    _check_responsible(goal, measure)
    measure.full_clean()
    measure.save()
    _notify_responsible(grant, measure)
    record_change(plan=goal.plan, actor=grant.user, item=measure, action=ChangeAction.CREATE,
                  summary=_("Nytt tiltak: %(text)s") % {"text": measure.description[:200]})
    _audit(grant, Action.CREATE, "measure", measure)
    return measure


@transaction.atomic
def measure_update(
    *, grant: PersonGrant, measure: Measure, expected_version: int, **fields: Any
) -> Measure:
    """Change a measure; a stale save is refused."""
    grant.require_write()
    grant.require_owns(measure, fields.get("responsible_membership"))
    before = snapshot(measure)
    for name, value in fields.items():
        setattr(measure, name, value)
    _check_responsible(measure.goal, measure)
    measure.full_clean()
    save_versioned(measure, expected_version=expected_version, fields=[f for f in MEASURE_FIELDS if f in fields])
    record_change(plan=measure.goal.plan, actor=grant.user, item=measure, action=ChangeAction.UPDATE,
                  summary=_("Tiltak endret: %(text)s") % {"text": measure.description[:200]}, before=before)
    _audit(grant, Action.UPDATE, "measure", measure)
    return measure


@transaction.atomic
def measure_report(*, grant: PersonGrant, measure: Measure, status: str, expected_version: int) -> Measure:
    """Let the member responsible for a measure (or a writer of the plan) report its progress.

    ``expected_version`` is the version the reporter saw; a report made on an older version
    raises EditConflict instead of overwriting someone else's report. Reporting the status the
    measure already has (a double click) changes nothing.
    """
    grant.require_owns(measure)
    actor = grant.require_user()
    responsible = measure.responsible_membership
    is_responsible = measure.responsible_user_id == actor.pk or (
        responsible is not None and responsible.user_id == actor.pk)
    if not grant.can_write and not is_responsible:
        raise PermissionDenied("Only the member responsible or a writer of the plan reports this.")
    if status not in MeasureStatus.values:
        raise ValidationError(_("Ukjent status."))
    if status == measure.status and expected_version == measure.version:
        return measure
    before = snapshot(measure)
    measure.status = status
    save_versioned(measure, expected_version=expected_version, fields=["status"])
    record_change(plan=measure.goal.plan, actor=grant.user, item=measure, action=ChangeAction.UPDATE,
                  summary=_("Tiltak %(status)s: %(text)s") % {"status": measure.get_status_display().lower(),
                                                            "text": measure.description[:150]}, before=before)
    _audit(grant, Action.UPDATE, "measure", measure)
    return measure


def _check_responsible(goal: Goal, measure: Measure) -> None:
    if not (measure.responsible_membership_id or measure.responsible_service_id or measure.responsible_user_id):
        raise ValidationError({"responsible_membership": _("Velg hvem som er ansvarlig for tiltaket.")})
    membership = measure.responsible_membership
    if membership is not None and membership.team.person_id != goal.plan.person_id:
        raise ValidationError({"responsible_membership": _("Velg en deltaker i personens team.")})
    user = measure.responsible_user
    if user is not None and not user.role_assignments.filter(municipality_id=goal.plan.person.municipality_id).exists():
        raise ValidationError({"responsible_user": _("Velg en ansatt i personens kommune.")})


def _notify_responsible(grant: PersonGrant, measure: Measure) -> None:
    """Tell a staff user named responsible for a measure that it waits on them (not themself)."""
    membership = measure.responsible_membership
    user = measure.responsible_user or (membership.user if membership is not None else None)
    if user is not None and user != grant.user:
        notify(kind=Kind.TASK_ASSIGNED, key=f"measure-responsible:{measure.pk}:{user.pk}", recipient=Recipient(user=user),
               person=grant.person, subject=measure,
               url=reverse("plans:detail", args=[grant.person.pk]) + f"#goal-{measure.goal_id}")


@transaction.atomic
def goal_evaluate(
    *,
    grant: PersonGrant,
    goal: Goal,
    result: str,
    learned: str,
    next_step: str,
    next_evaluation_on: dt.date | None = None,
    psfs_score: int | None = None,
    meeting: Any = None,
    new_goal_text: str = "",
) -> GoalEvaluation:
    """Evaluate a goal at its checkpoint and decide what happens next.

    Continue or change set a new checkpoint; close ends the goal (achieved or not); a new goal
    closes this one and starts its successor. A closed goal stays in the plan, visible.
    """
    grant.require_write()
    grant.require_owns(goal, meeting)
    actor = grant.require_user()
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if not goal.is_open:
        raise ValidationError(_("Målet er allerede avsluttet."))
    if result not in EvaluationResult.values or next_step not in NextStep.values:
        raise ValidationError(_("Velg resultat og hva som skjer videre."))
    if next_step in (NextStep.CONTINUE, NextStep.CHANGE, NextStep.NEW_GOAL) and next_evaluation_on is None:
        raise ValidationError({"next_evaluation_on": _("Sett datoen for neste evaluering.")})
    if next_evaluation_on is not None and next_evaluation_on <= timezone.localdate() and next_step != NextStep.CLOSE:
        raise ValidationError({"next_evaluation_on": _("Neste evaluering må være fram i tid.")})
    if next_step == NextStep.NEW_GOAL and not new_goal_text.strip():
        raise ValidationError({"new_goal_text": _("Skriv det nye målet.")})
    if psfs_score is not None and not 0 <= psfs_score <= 10:
        raise ValidationError({"psfs_score": _("PSFS-skåren er fra 0 til 10.")})
    evaluation = GoalEvaluation.objects.create(
        goal=goal, due_on=goal.next_evaluation_on, result=result, learned=learned.strip(),
        next_step=next_step, psfs_score=psfs_score, evaluated_by=actor, meeting=meeting,
    )
    before = snapshot(goal)
    if next_step in (NextStep.CONTINUE, NextStep.CHANGE):
        assert next_evaluation_on is not None  # checked above
        goal.next_evaluation_on = next_evaluation_on
    else:
        goal.status = GoalStatus.ACHIEVED if result == EvaluationResult.ACHIEVED else GoalStatus.CLOSED
        goal.closed_at = timezone.now()
    save_versioned(goal, expected_version=goal.version, fields=["next_evaluation_on", "status", "closed_at"])
    record_change(plan=goal.plan, actor=grant.user, item=evaluation, action=ChangeAction.EVALUATE,
                  summary=_("Evaluert: %(goal)s – %(result)s") % {"goal": goal.text[:150], "result": evaluation.get_result_display()})
    record_change(plan=goal.plan, actor=grant.user, item=goal, action=ChangeAction.UPDATE if goal.is_open else ChangeAction.CLOSE,
                  summary=_("Neste evaluering %(date)s") % {"date": goal.next_evaluation_on} if goal.is_open
                  else _("Mål avsluttet: %(text)s") % {"text": goal.text[:200]}, before=before)
    if next_step == NextStep.NEW_GOAL:
        assert next_evaluation_on is not None  # checked above
        goal_create(grant=grant, plan=goal.plan, text=new_goal_text,
                    author_kind=goal.author_kind, author_related=goal.author_related,
                    author_user=goal.author_user, next_evaluation_on=next_evaluation_on, parent=goal.parent)
    _audit(grant, Action.CREATE, "goal_evaluation", evaluation)
    return evaluation


@transaction.atomic
def plan_close(*, grant: PersonGrant, plan: IndividualPlan, reason: str) -> IndividualPlan:
    """Close the plan when the person no longer wants or needs it; it stays readable."""
    grant.require_write()
    grant.require_owns(plan)
    plan.status = PlanStatus.CLOSED
    plan.period_end = plan.period_end or timezone.localdate()
    plan.save(update_fields=["status", "period_end"])
    record_change(plan=plan, actor=grant.user, item=plan, action=ChangeAction.CLOSE, summary=_("Planen er avsluttet: %(reason)s") % {"reason": reason[:200]})
    _audit(grant, Action.UPDATE, "individual_plan", plan)
    return plan
