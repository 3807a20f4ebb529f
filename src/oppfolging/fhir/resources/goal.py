"""Goal: a goal or sub-goal of the individual plan (plans.Goal), in the person's own words."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.goal import Goal as FhirGoal

from oppfolging.fhir.resources.base import (
    CODE_BASE,
    Param,
    Part,
    ResourceType,
    clean,
    day,
    meta,
    patient_ref,
    persons_rows,
    ref,
    user_ref,
)
from oppfolging.fhir.search import code_filter, date_filter
from oppfolging.plans.models import AuthorKind, EvaluationResult, Goal, GoalStatus

ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"
ACHIEVEMENT: dict[str, str] = {EvaluationResult.ACHIEVED: "achieved", EvaluationResult.PARTLY: "in-progress",
               EvaluationResult.NOT_ACHIEVED: "not-achieved"}
PARENT_EXTENSION = CODE_BASE.replace("codesystem", "extension") + "parent-goal"
LIFECYCLE: dict[str, str] = {GoalStatus.ACTIVE: "active", GoalStatus.ACHIEVED: "completed", GoalStatus.CLOSED: "completed"}


def expressed_by(goal: Goal, person: Any) -> dict[str, Any] | None:
    if goal.author_kind == AuthorKind.PERSON:
        return patient_ref(person)
    if goal.author_kind == AuthorKind.NEXT_OF_KIN and goal.author_related is not None:
        return ref("RelatedPerson", goal.author_related_id, goal.author_related.full_name)
    return user_ref(goal.author_user)


def to_fhir(goal: Goal) -> dict[str, Any]:
    person = goal.plan.person
    evaluations = list(goal.evaluations.all())
    latest = evaluations[0] if evaluations else None
    achievement = None
    if goal.status == GoalStatus.ACHIEVED:
        achievement = "achieved"
    elif latest is not None:
        achievement = ACHIEVEMENT.get(latest.result)
    return clean({
        "resourceType": "Goal",
        "id": str(goal.pk),
        "meta": meta(version=goal.version),
        "extension": [{"url": PARENT_EXTENSION, "valueReference": ref("Goal", goal.parent_id)}]
        if goal.parent_id else [],
        "lifecycleStatus": LIFECYCLE[goal.status],
        "achievementStatus": {"coding": [{"system": ACHIEVEMENT_SYSTEM, "code": achievement}]}
        if achievement else None,
        "description": {"text": goal.text},
        "subject": patient_ref(person),
        "startDate": day(goal.created_at.date()),
        "target": [{"dueDate": day(goal.next_evaluation_on)}] if goal.is_open else [],
        "statusDate": day(goal.closed_at.date()) if goal.closed_at else None,
        "expressedBy": expressed_by(goal, person),
    })


def rows(caller: Any) -> QuerySet:
    return persons_rows(Goal.objects.select_related(
        "plan__person", "author_user", "author_related").prefetch_related("evaluations"),
        "plan__person")(caller)


RESOURCE = ResourceType(
    name="Goal",
    fhir_class=FhirGoal,
    documentation="Goals and sub-goals of the individual plan (plans.Goal); target.dueDate is the next evaluation.",
    parts=[Part(key="", model=Goal, rows=rows, to_fhir=to_fhir, person_of=lambda g: g.plan.person,
                person_field="plan__person_id", portal=True,
                filters={"lifecycle-status": code_filter("status", {
                    "active": GoalStatus.ACTIVE, "completed": [GoalStatus.ACHIEVED, GoalStatus.CLOSED]}),
                    "target-date": date_filter("next_evaluation_on", is_date=True)})],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("subject", "reference", "Patient/id."),
        Param("lifecycle-status", "token", "active | completed."),
        Param("target-date", "date", "The next evaluation date."),
    ],
    versioned=True,
)
