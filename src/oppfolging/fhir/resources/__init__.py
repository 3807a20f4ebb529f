"""The resource types the API serves, one module each, all of the same shape (base.py)."""

from __future__ import annotations

from oppfolging.fhir.resources import (
    appointment,
    audit_event,
    care_plan,
    care_team,
    communication,
    consent,
    goal,
    healthcare_service,
    measure_report,
    organization,
    patient,
    practitioner,
    practitioner_role,
    questionnaire,
    questionnaire_response,
    related_person,
    risk_assessment,
    service_request,
    task,
)
from oppfolging.fhir.resources.base import ResourceType

REGISTRY: dict[str, ResourceType] = {
    module.RESOURCE.name: module.RESOURCE
    for module in (
        patient, related_person, practitioner, practitioner_role, organization, healthcare_service,
        service_request, task, care_team, care_plan, goal, consent, appointment, questionnaire,
        questionnaire_response, communication, risk_assessment, audit_event, measure_report,
    )
}
