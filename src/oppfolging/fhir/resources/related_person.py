"""RelatedPerson: next of kin, a guardian or a parent (people.RelatedPerson)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.relatedperson import RelatedPerson as FhirRelatedPerson

from oppfolging.fhir.resources.base import (
    CODE_BASE,
    Param,
    Part,
    ResourceType,
    clean,
    meta,
    patient_ref,
    persons_rows,
)
from oppfolging.fhir.resources.patient import identifier_filter, identifier_of
from oppfolging.people.models import RelatedPerson, Relationship

ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
RELATIONSHIP_CODES: dict[str, str] = {
    Relationship.PARENT: "PRN", Relationship.GUARDIAN: "GUARD", Relationship.SPOUSE: "SPS",
    Relationship.CHILD: "CHILD", Relationship.SIBLING: "SIB", Relationship.OTHER_FAMILY: "FAMMEMB",
    Relationship.FRIEND: "FRND",
}
GUARDIAN_EXTENSION = CODE_BASE.replace("codesystem", "extension") + "guardian"
PARENTAL_EXTENSION = CODE_BASE.replace("codesystem", "extension") + "parental-responsibility"


def to_fhir(related: RelatedPerson) -> dict[str, Any]:
    label = Relationship(related.relationship).label
    code = RELATIONSHIP_CODES.get(related.relationship)
    relationship: dict[str, Any] = {"text": str(label)}
    if code:
        relationship["coding"] = [{"system": ROLE_CODE, "code": code}]
    telecom = [{"system": "phone", "value": related.phone}] if related.phone else []
    if related.email:
        telecom.append({"system": "email", "value": related.email})
    return clean({
        "resourceType": "RelatedPerson",
        "id": str(related.pk),
        "meta": meta(version=related.version, updated=related.updated_at),
        "extension": [
            {"url": GUARDIAN_EXTENSION, "valueBoolean": related.is_guardian},
            {"url": PARENTAL_EXTENSION, "valueBoolean": related.has_parental_responsibility},
        ],
        "identifier": [identifier_of(related.identity_number)] if related.identity_number else [],
        "active": True,
        "patient": patient_ref(related.person),
        "relationship": [relationship],
        "name": [{"family": related.family_name, "given": [related.given_name]}],
        "telecom": telecom,
    })


RESOURCE = ResourceType(
    name="RelatedPerson",
    fhir_class=FhirRelatedPerson,
    documentation="Next of kin, guardians and parents (people.RelatedPerson).",
    parts=[Part(
        key="", model=RelatedPerson,
        rows=persons_rows(RelatedPerson.objects.select_related("person"), "person"),
        to_fhir=to_fhir, person_of=lambda r: r.person, person_field="person_id",
        updated="updated_at",
        filters={"identifier": identifier_filter("identity_number")},
    )],
    params=[
        Param("patient", "reference", "The person (Patient/id) they are related to."),
        Param("identifier", "token", "Fødselsnummer or D-nummer."),
    ],
    versioned=True,
)
