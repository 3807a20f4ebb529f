"""PractitionerRole: a user's role in a municipality, and the service they work in."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.practitionerrole import PractitionerRole

from oppfolging.accounts.models import Role, RoleAssignment
from oppfolging.fhir.resources.base import CODE_BASE, Param, Part, ResourceType, clean, concept, ref
from oppfolging.fhir.search import code_filter, reference_filter

ROLE_SYSTEM = CODE_BASE + "role"


def to_fhir(assignment: RoleAssignment) -> dict[str, Any]:
    assert assignment.municipality is not None  # rows() lists the caller's municipalities only
    return clean({
        "resourceType": "PractitionerRole",
        "id": str(assignment.pk),
        "active": assignment.user.is_active,
        "practitioner": ref("Practitioner", assignment.user_id, assignment.user.full_name),
        "organization": ref("Organization", assignment.municipality_id, assignment.municipality.name),
        "code": [concept(ROLE_SYSTEM, assignment.role, str(Role(assignment.role).label))],
        "healthcareService": [ref("HealthcareService", assignment.service_id, assignment.service.name)]
        if assignment.service is not None else [],
    })


def rows(caller: Any) -> QuerySet:
    return RoleAssignment.objects.filter(municipality__in=caller.municipalities()).select_related(
        "user", "municipality", "service")


RESOURCE = ResourceType(
    name="PractitionerRole",
    fhir_class=PractitionerRole,
    documentation="Roles of staff in the caller's municipalities (accounts.RoleAssignment).",
    parts=[Part(key="", model=RoleAssignment, rows=rows, to_fhir=to_fhir, filters={
        "practitioner": reference_filter("user_id", "Practitioner"),
        "organization": reference_filter("municipality_id", "Organization"),
        "role": code_filter("role", system=ROLE_SYSTEM),
    })],
    params=[
        Param("practitioner", "reference", "Practitioner/id."),
        Param("organization", "reference", "Organization/id (the municipality)."),
        Param("role", "token", f"Role code ({ROLE_SYSTEM})."),
    ],
)
