"""Task: the handling of a report of need (`referral-<id>`), a request to the GP for a medical
assessment (`medical-<id>`, answered by updating the Task), and a meeting's action item
(`action-<id>`, marked done or reopened by updating the Task).

Only `status` (and, for a medical assessment, `output`) is taken from an update; the write goes
through the same service as the page, with the caller's grant.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from fhir.resources.R4B.task import Task

from oppfolging.assessments.models import MedicalAssessment
from oppfolging.assessments.services import medical_assessment_answer
from oppfolging.fhir import scopes
from oppfolging.fhir.errors import UNPROCESSABLE, FhirError
from oppfolging.fhir.resources.base import (
    Param,
    Part,
    ResourceType,
    clean,
    day,
    instant,
    meta,
    patient_ref,
    persons_rows,
    ref,
    user_ref,
)
from oppfolging.fhir.resources.service_request import medical_rows, referrals_for
from oppfolging.fhir.search import code_filter, date_filter, int_id, reference_filter, reference_id
from oppfolging.meetings.models import ActionItem
from oppfolging.meetings.services import action_item_done, action_item_reopen
from oppfolging.referrals.models import Referral, Status
from oppfolging.teams.models import MemberKind

REFERRAL_TASK_STATUS: dict[str, str] = {
    Status.RECEIVED: "received", Status.IN_ASSESSMENT: "in-progress", Status.DECIDED: "completed",
    Status.DECLINED: "rejected", Status.WITHDRAWN: "cancelled",
}
OPEN_STATUSES = ("requested", "received", "accepted", "ready", "in-progress")


def referral_to_fhir(referral: Referral) -> dict[str, Any]:
    return clean({
        "resourceType": "Task",
        "id": f"referral-{referral.pk}",
        "meta": meta(version=referral.version),
        "status": REFERRAL_TASK_STATUS[referral.status],
        "intent": "order",
        "description": "Behandle melding om behov",
        "focus": ref("ServiceRequest", f"referral-{referral.pk}"),
        "for": patient_ref(referral.person) if referral.person_id else {"display": referral.subject_name},
        "authoredOn": instant(referral.received_at),
        "owner": user_ref(referral.assigned_to)
        or ref("Organization", referral.municipality_id, referral.municipality.name),
        "restriction": {"period": {"end": day(referral.deadline)}},
        "statusReason": {"text": referral.decline_reason} if referral.decline_reason else None,
    })


def medical_to_fhir(medical: MedicalAssessment) -> dict[str, Any]:
    answered = medical.is_answered
    return clean({
        "resourceType": "Task",
        "id": f"medical-{medical.pk}",
        "meta": meta(version=medical.version, updated=medical.answered_at or medical.requested_at),
        "status": "completed" if answered else "requested",
        "intent": "order",
        "description": medical.question,
        "focus": ref("ServiceRequest", f"medical-{medical.pk}"),
        "for": patient_ref(medical.assessment.person),
        "authoredOn": instant(medical.requested_at),
        "lastModified": instant(medical.answered_at or medical.requested_at),
        "requester": user_ref(medical.requested_by),
        "owner": user_ref(medical.gp),
        "output": [{"type": {"text": "Medisinsk vurdering"}, "valueString": medical.answer}] if answered else [],
    })


def action_owner(item: ActionItem) -> dict[str, Any] | None:
    if item.owner_user_id:
        return user_ref(item.owner_user)
    membership = item.owner_membership
    if membership is None:
        service = item.owner_service  # a task the team gave a service, not a named person
        return ref("HealthcareService", service.pk, service.name) if service is not None else None
    if membership.user_id:
        return user_ref(membership.user)
    if membership.related_person is not None:
        return ref("RelatedPerson", membership.related_person_id, membership.related_person.full_name)
    if membership.kind == MemberKind.PERSON:
        return patient_ref(item.team.person)
    if membership.service is not None:
        return ref("HealthcareService", membership.service_id, membership.service.name)
    return None


def action_to_fhir(item: ActionItem) -> dict[str, Any]:
    return clean({
        "resourceType": "Task",
        "id": f"action-{item.pk}",
        "meta": meta(version=item.version, updated=item.updated_at),
        "status": "completed" if item.is_done else "requested",
        "intent": "plan",
        "description": item.description,
        "for": patient_ref(item.team.person),
        "encounter": None,
        "authoredOn": instant(item.created_at),
        "lastModified": instant(item.updated_at),
        "requester": user_ref(item.created_by),
        "owner": action_owner(item),
        "restriction": {"period": {"end": day(item.due_on)}},
        "executionPeriod": {"end": instant(item.done_at)} if item.done_at else None,
    })


def action_rows(caller: Any) -> QuerySet:
    return persons_rows(ActionItem.objects.select_related(
        "team__person", "owner_user", "owner_membership__user", "owner_membership__related_person",
        "owner_membership__service", "owner_service", "created_by"), "team__person")(caller)


def action_owner_filter(qs: QuerySet, values: list[str]) -> QuerySet:
    """Owner = Practitioner/<id>: owned directly or through the user's team membership."""
    for value in values:
        ids = [i for i in (int_id(reference_id(v, "Practitioner")) for v in value.split(",")) if i is not None]
        qs = qs.filter(Q(owner_user_id__in=ids) | Q(owner_membership__user_id__in=ids))
    return qs


def _grant(caller: Any, person: Any) -> Any:
    grant = caller.person_grant(person, resource_type="Task")
    if grant is None:  # the row was visible a moment ago; treat a lost grant as not found
        raise PermissionDenied("No access to this person.")
    return grant


def update(caller: Any, part: Part, obj: Any, resource: dict[str, Any]) -> Any:
    """Apply a Task update: answer a medical assessment, or mark an action item done or open."""
    caller.require("Task", scopes.WRITE)
    status = resource.get("status")
    if part.key == "medical":
        if status != "completed":
            raise FhirError(UNPROCESSABLE, "Answer a medical assessment by setting status to "
                                           "'completed' with the answer as output[0].valueString.")
        outputs = resource.get("output") or []
        answer = next((str(o.get("valueString", "")) for o in outputs if isinstance(o, dict)), "")
        grant = _grant(caller, obj.assessment.person)
        if grant.break_glass is not None:
            raise PermissionDenied("Emergency access cannot answer a request.")
        return medical_assessment_answer(grant=grant, medical=obj, answer=answer)
    if part.key == "action":
        grant = _grant(caller, obj.team.person)
        if status == "completed":
            return obj if obj.is_done else action_item_done(grant=grant, item=obj)
        if status in OPEN_STATUSES:
            return action_item_reopen(grant=grant, item=obj) if obj.is_done else obj
        raise FhirError(UNPROCESSABLE, "An action item's status is 'requested' (open) or 'completed' (done).")
    raise FhirError(UNPROCESSABLE, "A report of need is handled in Oppfølging itself, not through the API.")


RESOURCE = ResourceType(
    name="Task",
    fhir_class=Task,
    documentation=(
        "Handling of reports of need (`referral-<id>`, read-only), requests for a medical assessment "
        "(`medical-<id>`: the addressed GP answers with status=completed and output[0].valueString) and "
        "action items (`action-<id>`: status completed or requested)."
    ),
    parts=[
        Part(key="referral", model=Referral, rows=referrals_for, to_fhir=referral_to_fhir,
             person_of=lambda r: r.person, person_field="person_id",
             filters={"status": code_filter("status", {v: k for k, v in REFERRAL_TASK_STATUS.items()}),
                      "authored-on": date_filter("received_at"),
                      "owner": reference_filter("assigned_to_id", "Practitioner")}),
        Part(key="medical", model=MedicalAssessment,
             rows=lambda caller: medical_rows(caller).annotate(
                 last_updated=Coalesce("answered_at", "requested_at")),
             to_fhir=medical_to_fhir, person_of=lambda m: m.assessment.person,
             person_field="assessment__person_id", updated="last_updated",
             filters={"status": code_filter("answered_at__isnull", {"requested": True, "completed": False}),
                      "authored-on": date_filter("requested_at"),
                      "modified": date_filter("last_updated"),
                      "owner": reference_filter("gp_id", "Practitioner")}),
        Part(key="action", model=ActionItem, rows=action_rows, to_fhir=action_to_fhir,
             person_of=lambda a: a.team.person, person_field="team__person_id", updated="updated_at",
             filters={"status": code_filter("done_at__isnull", {"requested": True, "completed": False}),
                      "authored-on": date_filter("created_at"),
                      "modified": date_filter("updated_at"),
                      "owner": action_owner_filter}),
    ],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("subject", "reference", "Patient/id."),
        Param("status", "token", "requested | received | in-progress | completed | rejected | cancelled."),
        Param("authored-on", "date", "When the task was created."),
        Param("modified", "date", "When the task last changed (medical assessments and action items)."),
        Param("owner", "reference", "Practitioner/id who owns the task."),
    ],
    update=update,
    versioned=True,
)
