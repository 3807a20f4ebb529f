"""ServiceRequest: what is asked for. A report of need (referrals.Referral, `referral-<id>`) or a
request to the GP for a medical assessment (assessments.MedicalAssessment, `medical-<id>`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.servicerequest import ServiceRequest

from oppfolging.access import policy
from oppfolging.assessments.models import MedicalAssessment
from oppfolging.fhir.resources.base import (
    Param,
    Part,
    ResourceType,
    clean,
    instant,
    meta,
    patient_ref,
    persons_rows,
    ref,
    user_ref,
)
from oppfolging.fhir.resources.patient import identifier_of
from oppfolging.fhir.search import code_filter, date_filter
from oppfolging.referrals.models import Referral, Status, Urgency

PRIORITY: dict[str, str] = {Urgency.NORMAL: "routine", Urgency.SOON: "urgent", Urgency.URGENT: "asap"}
REFERRAL_STATUS: dict[str, str] = {
    Status.RECEIVED: "active", Status.IN_ASSESSMENT: "active", Status.DECIDED: "completed",
    Status.DECLINED: "revoked", Status.WITHDRAWN: "revoked",
}
REFERRAL_STATUS_FILTER = {"active": [Status.RECEIVED, Status.IN_ASSESSMENT], "completed": [Status.DECIDED],
                          "revoked": [Status.DECLINED, Status.WITHDRAWN]}


def referrals_for(caller: Any) -> QuerySet:
    """Return the reports of need the caller may open: the policy's rule per municipality."""
    if caller.user is None:
        result = Referral.objects.filter(municipality__in=caller.municipalities())
    elif not caller.is_staff:
        return Referral.objects.none()
    else:
        result = Referral.objects.none()
        for municipality in caller.municipalities():
            result = result | policy.referrals_visible_to(user=caller.user, municipality=municipality)
    # For a system client too: to_fhir reads all four, one query per report otherwise.
    return result.select_related("person", "reporter_user", "assigned_to", "municipality")


def referral_subject(referral: Referral) -> dict[str, Any]:
    if referral.person_id:
        return patient_ref(referral.person)
    subject: dict[str, Any] = {"display": referral.subject_name}
    if referral.subject_identity_number:
        subject["identifier"] = identifier_of(referral.subject_identity_number)
    return subject


def referral_to_fhir(referral: Referral) -> dict[str, Any]:
    requester = user_ref(referral.reporter_user) or {
        "display": " – ".join(x for x in (referral.reporter_name, referral.reporter_organisation) if x)
        or "Anonym melder"}
    notes = [{"text": referral.observations}]
    if referral.person_wants:
        notes.append({"text": "Personen ønsker: " + referral.person_wants})
    return clean({
        "resourceType": "ServiceRequest",
        "id": f"referral-{referral.pk}",
        "meta": meta(version=referral.version),
        "identifier": [{"system": "urn:oppfolging:receipt-code", "value": referral.receipt_code}],
        "status": REFERRAL_STATUS[referral.status],
        "intent": "proposal",
        "priority": PRIORITY.get(referral.urgency, "routine"),
        "code": {"text": "Melding om behov for koordinerte tjenester"},
        "subject": referral_subject(referral),
        "authoredOn": instant(referral.received_at),
        "requester": requester,
        "performer": [ref("Organization", referral.municipality_id, referral.municipality.name)],
        "note": notes,
    })


def medical_to_fhir(medical: MedicalAssessment) -> dict[str, Any]:
    person = medical.assessment.person
    return clean({
        "resourceType": "ServiceRequest",
        "id": f"medical-{medical.pk}",
        "meta": meta(version=medical.version),
        "status": "completed" if medical.is_answered else "active",
        "intent": "order",
        "code": {"text": "Medisinsk vurdering fra fastlegen"},
        "subject": patient_ref(person),
        "authoredOn": instant(medical.requested_at),
        "requester": user_ref(medical.requested_by),
        "performer": [user_ref(medical.gp)],
        "note": [{"text": medical.question}],
    })


def medical_rows(caller: Any) -> QuerySet:
    return persons_rows(MedicalAssessment.objects.select_related(
        "assessment__person", "gp", "requested_by"), "assessment__person")(caller)


RESOURCE = ResourceType(
    name="ServiceRequest",
    fhir_class=ServiceRequest,
    documentation="Reports of need (`referral-<id>`) and requests for a medical assessment (`medical-<id>`).",
    parts=[
        Part(key="referral", model=Referral, rows=referrals_for, to_fhir=referral_to_fhir,
             person_of=lambda r: r.person, person_field="person_id",
             filters={"status": code_filter("status", REFERRAL_STATUS_FILTER),
                      "authored": date_filter("received_at")}),
        Part(key="medical", model=MedicalAssessment, rows=medical_rows, to_fhir=medical_to_fhir,
             person_of=lambda m: m.assessment.person, person_field="assessment__person_id",
             filters={"status": code_filter("answered_at__isnull", {"active": True, "completed": False}),
                      "authored": date_filter("requested_at")}),
    ],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("subject", "reference", "Patient/id."),
        Param("status", "token", "active | completed | revoked."),
        Param("authored", "date", "When the request was made."),
    ],
    versioned=True,
)
