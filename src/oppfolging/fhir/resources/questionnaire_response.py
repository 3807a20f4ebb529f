"""QuestionnaireResponse: PSFS and IPLOS as scored in an assessment (`psfs-<assessment id>`,
`iplos-<assessment id>`), and the person's own PSFS scores between meetings (`self-<id>`).

Creating one records a self-score from another app through portal.services.psfs_self_score, with
the person's (or next of kin's) own «Min plan» grant: one activity per response.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from oppfolging.assessments.models import Assessment, AssessmentStatus
from oppfolging.fhir import scopes
from oppfolging.fhir.errors import UNPROCESSABLE, FhirError
from oppfolging.fhir.resources.base import (
    Param,
    Part,
    ResourceType,
    clean,
    instant,
    meta,
    patient_ref,
    persons_rows,
    user_ref,
)
from oppfolging.fhir.resources.questionnaire import IPLOS_URL, PSFS_URL
from oppfolging.fhir.search import code_filter, date_filter, reference_id
from oppfolging.lib.params import id_param
from oppfolging.portal.models import PsfsSelfScore, ScoredBy
from oppfolging.portal.services import psfs_self_score

STATUS: dict[str, str] = {AssessmentStatus.IN_PROGRESS: "in-progress", AssessmentStatus.COMPLETED: "completed"}


def _activity(text: str, score: int) -> dict[str, Any]:
    return {"linkId": "activity", "item": [
        {"linkId": "activity.text", "answer": [{"valueString": text}]},
        {"linkId": "activity.score", "answer": [{"valueInteger": score}]},
    ]}


def psfs_to_fhir(assessment: Assessment) -> dict[str, Any]:
    items = [{"linkId": "direction", "answer": [{"valueCoding": {"system": PSFS_URL,
                                                                  "code": assessment.psfs_direction}}]}]
    items += [_activity(a.activity, a.score) for a in assessment.psfs_activities.all()]
    return _assessment_response(assessment, f"psfs-{assessment.pk}", PSFS_URL, items)


def iplos_to_fhir(assessment: Assessment) -> dict[str, Any]:
    items = [{"linkId": s.variable, "answer": [{"valueInteger": s.score}]} for s in assessment.iplos_scores.all()]
    return _assessment_response(assessment, f"iplos-{assessment.pk}", IPLOS_URL, items)


def _assessment_response(assessment: Assessment, rid: str, url: str, items: list[Any]) -> dict[str, Any]:
    return clean({
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "meta": meta(version=assessment.version, updated=assessment.updated_at),
        "questionnaire": url,
        "status": STATUS[assessment.status],
        "subject": patient_ref(assessment.person),
        "authored": instant(assessment.completed_at or assessment.created_at),
        "author": user_ref(assessment.created_by),
        "item": items,
    })


def self_to_fhir(score: PsfsSelfScore) -> dict[str, Any]:
    author = patient_ref(score.person) if score.scored_by_kind == ScoredBy.PERSON else {"display": "Pårørende"}
    return clean({
        "resourceType": "QuestionnaireResponse",
        "id": f"self-{score.pk}",
        "meta": meta(updated=score.scored_at),
        "questionnaire": PSFS_URL,
        "status": "completed",
        "subject": patient_ref(score.person),
        "authored": instant(score.scored_at),
        "author": author,
        "source": author,
        "item": [_activity(score.activity, score.score)],
    })


def _assessments(caller: Any, related: str) -> QuerySet:
    return persons_rows(Assessment.objects.filter(**{f"{related}__isnull": False}).distinct()
                        .select_related("person", "created_by").prefetch_related(related), "person")(caller)


def create(caller: Any, resource: dict[str, Any]) -> tuple[Part, Any]:
    """Record a PSFS self-score: the person (or next of kin) scores one activity 0–10."""
    caller.require("QuestionnaireResponse", scopes.WRITE)
    if resource.get("questionnaire") not in (PSFS_URL, "Questionnaire/psfs"):
        raise FhirError(UNPROCESSABLE, f"Only PSFS self-scores ({PSFS_URL}) can be created.")
    person = _subject(caller, resource)
    grant = caller.portal_grant(person)
    if grant is None:
        raise PermissionDenied("Only the person, or their next of kin in «Min plan», score PSFS themselves.")
    activities = [i for i in resource.get("item") or [] if isinstance(i, dict) and i.get("linkId") == "activity"]
    if len(activities) != 1:
        raise FhirError(UNPROCESSABLE, "A self-score response holds exactly one 'activity' item.")
    answers = {sub.get("linkId"): (sub.get("answer") or [{}])[0] for sub in activities[0].get("item") or []
               if isinstance(sub, dict)}
    text = str(answers.get("activity.text", {}).get("valueString", "")).strip()
    score = answers.get("activity.score", {}).get("valueInteger")
    if not text or not isinstance(score, int):
        raise FhirError(UNPROCESSABLE, "The activity needs activity.text (valueString) and activity.score (valueInteger).")
    row = psfs_self_score(grant=grant, scores={text: score})[0]
    return SELF_PART, row


def _subject(caller: Any, resource: dict[str, Any]) -> Any:
    subject = (resource.get("subject") or {}).get("reference", "")
    try:
        pk = reference_id(str(subject), "Patient")
    except FhirError:
        pk = ""
    person = caller.persons().filter(pk=id_param(pk)).first() if id_param(pk) is not None else None
    if person is None:
        raise FhirError(UNPROCESSABLE, "subject must reference a Patient you have access to.")
    return person


SELF_PART = Part(
    key="self", model=PsfsSelfScore,
    rows=persons_rows(PsfsSelfScore.objects.select_related("person"), "person"),
    to_fhir=self_to_fhir, person_of=lambda s: s.person, person_field="person_id", updated="scored_at",
    portal=True,
    filters={"status": code_filter("pk__isnull", {"completed": False}), "authored": date_filter("scored_at")},
)

RESOURCE = ResourceType(
    name="QuestionnaireResponse",
    fhir_class=QuestionnaireResponse,
    documentation=("PSFS and IPLOS of an assessment (`psfs-<id>`, `iplos-<id>`) and PSFS self-scores "
                   "(`self-<id>`); create records a self-score (one activity) for the person."),
    parts=[
        Part(key="psfs", model=Assessment, rows=lambda caller: _assessments(caller, "psfs_activities"),
             to_fhir=psfs_to_fhir, person_of=lambda a: a.person, person_field="person_id", updated="updated_at",
             filters={"status": code_filter("status", {v: k for k, v in STATUS.items()}),
                      "authored": date_filter("created_at")}),
        Part(key="iplos", model=Assessment, rows=lambda caller: _assessments(caller, "iplos_scores"),
             to_fhir=iplos_to_fhir, person_of=lambda a: a.person, person_field="person_id", updated="updated_at",
             filters={"status": code_filter("status", {v: k for k, v in STATUS.items()}),
                      "authored": date_filter("created_at")}),
        SELF_PART,
    ],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("subject", "reference", "Patient/id."),
        Param("status", "token", "in-progress | completed."),
        Param("authored", "date", "When the response was made."),
    ],
    create=create,
)
