"""CarePlan: the individual plan (plans.IndividualPlan); its measures are CarePlan.activity.

`_include=CarePlan:goal` and `_include=CarePlan:care-team` add the plan's Goals and its CareTeam
to a search in the same round trip.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from fhir.resources.R4B.careplan import CarePlan

from oppfolging.fhir.resources import care_team, goal
from oppfolging.fhir.resources.base import (
    CODE_BASE,
    Param,
    Part,
    ResourceType,
    clean,
    concept,
    day,
    instant,
    meta,
    patient_ref,
    persons_rows,
    ref,
    user_ref,
)
from oppfolging.fhir.search import code_filter, date_filter
from oppfolging.plans.models import Goal, IndividualPlan, Measure, MeasureStatus, PlanStatus
from oppfolging.teams.models import MemberKind

CATEGORY_SYSTEM = CODE_BASE + "careplan-category"
ACTIVITY_STATUS: dict[str, str] = {MeasureStatus.PLANNED: "not-started", MeasureStatus.ONGOING: "in-progress",
                   MeasureStatus.DONE: "completed", MeasureStatus.STOPPED: "stopped"}


def performer(measure: Measure, person: Any) -> dict[str, Any] | None:
    membership = measure.responsible_membership
    if membership is not None:
        if membership.user_id:
            return user_ref(membership.user)
        if membership.related_person is not None:
            return ref("RelatedPerson", membership.related_person_id, membership.related_person.full_name)
        if membership.kind == MemberKind.PERSON:
            return patient_ref(person)
        if membership.service is not None:
            return ref("HealthcareService", membership.service_id, membership.service.name)
    if measure.responsible_service is not None:
        return ref("HealthcareService", measure.responsible_service_id, measure.responsible_service.name)
    return None


def activity(measure: Measure, person: Any) -> dict[str, Any]:
    text = measure.description
    if measure.extent:
        text += f"\nOmfang: {measure.extent}"
    if measure.how:
        text += f"\nSlik gjennomføres tiltaket: {measure.how}"
    return {"detail": {
        "status": ACTIVITY_STATUS[measure.status],
        "description": text,
        "goal": [ref("Goal", measure.goal_id)],
        "performer": [p for p in [performer(measure, person)] if p],
        "scheduledPeriod": {"start": day(measure.starts_on), "end": day(measure.ends_on)},
    }}


def to_fhir(plan: IndividualPlan) -> dict[str, Any]:
    person = plan.person
    goals = list(plan.goals.all())
    notes = [
        ("Mine ressurser", plan.resources), ("Mine behov", plan.needs),
        ("Dette bidrar jeg med", plan.person_contribution),
        ("Dette bidrar pårørende med", plan.next_of_kin_contribution),
        ("Samarbeid med andre etater", plan.cooperation),
        ("Neste revisjon av planen", day(plan.next_revision_on) or ""),
    ]
    return clean({
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "meta": meta(version=plan.version, updated=plan.last_activity_at),
        "status": "active" if plan.status == PlanStatus.ACTIVE else "completed",
        "intent": "plan",
        "category": [concept(CATEGORY_SYSTEM, "individuell-plan", "Individuell plan")],
        "title": "Individuell plan",
        "description": plan.what_matters,
        "subject": patient_ref(person),
        "period": {"start": day(plan.period_start), "end": day(plan.period_end)},
        "created": instant(plan.created_at),
        "author": user_ref(plan.created_by),
        "careTeam": [ref("CareTeam", plan.team_id)] if plan.team_id else [],
        "goal": [ref("Goal", g.pk) for g in goals],
        "activity": [activity(m, person) for g in goals for m in g.measures.all()],
        "note": [{"text": f"{label}: {text}"} for label, text in notes if text],
    })


def rows(caller: Any) -> QuerySet:
    measures = Measure.objects.select_related(
        "responsible_membership__user", "responsible_membership__related_person",
        "responsible_membership__service", "responsible_service")
    return persons_rows(IndividualPlan.objects.select_related("person__municipality", "created_by")
                        .prefetch_related(Prefetch("goals", queryset=Goal.objects.prefetch_related(
                            Prefetch("measures", queryset=measures)))), "person")(caller)


def include_goals(plans: list[IndividualPlan], caller: Any) -> list[tuple[str, Part, Any]]:
    part = goal.RESOURCE.parts[0]
    rows = part.rows(caller).filter(plan__in=[p.pk for p in plans]).order_by("plan_id", "position", "pk")
    return [("Goal", part, g) for g in rows]


def include_care_teams(plans: list[IndividualPlan], caller: Any) -> list[tuple[str, Part, Any]]:
    part = care_team.RESOURCE.parts[0]
    team_ids = {p.team_id for p in plans if p.team_id}
    return [("CareTeam", part, t) for t in part.rows(caller).filter(pk__in=team_ids).order_by("pk")]


RESOURCE = ResourceType(
    name="CarePlan",
    fhir_class=CarePlan,
    documentation="The individual plan (plans.IndividualPlan); measures are activities.",
    parts=[Part(key="", model=IndividualPlan, rows=rows, to_fhir=to_fhir, person_of=lambda p: p.person,
                person_field="person_id", updated="last_activity_at", portal=True,
                filters={"status": code_filter("status", {"active": PlanStatus.ACTIVE,
                                                          "completed": PlanStatus.CLOSED}),
                         "date": date_filter("period_start", is_date=True)})],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("subject", "reference", "Patient/id."),
        Param("status", "token", "active | completed."),
        Param("date", "date", "Start of the plan period."),
    ],
    # "CarePlan:careTeam" is the element-name form some clients (fhirclient) send.
    includes={"CarePlan:goal": include_goals, "CarePlan:care-team": include_care_teams,
              "CarePlan:careTeam": include_care_teams},
    include_types={"CarePlan:goal": "Goal", "CarePlan:care-team": "CareTeam", "CarePlan:careTeam": "CareTeam"},
    versioned=True,
)
