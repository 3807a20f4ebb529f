"""Patient: a person followed up (people.Person), with no-basis identifiers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from fhir.resources.R4B.patient import Patient

from oppfolging.fhir.resources.base import (
    DNR_SYSTEM,
    FNR_SYSTEM,
    Param,
    Part,
    ResourceType,
    clean,
    day,
    meta,
    ref,
)
from oppfolging.fhir.search import date_filter, string_filter, token_values
from oppfolging.people.models import Person

IDENTITY_TYPES = {"h_number": "H-nummer", "fh_number": "FH-nummer"}


def identifier_of(number: str, kind: str = "") -> dict[str, Any]:
    """Return a no-basis identifier: fødselsnummer or D-nummer by the number's day digits."""
    if kind in IDENTITY_TYPES:
        return {"use": "official", "type": {"text": IDENTITY_TYPES[kind]}, "value": number}
    system = DNR_SYSTEM if number[:1] in "4567" else FNR_SYSTEM
    return {"use": "official", "system": system, "value": number}


def identifier_filter(field: str) -> Any:
    """Filter by `system|value` (fødselsnummer or D-nummer OID) or a bare value."""
    def apply(qs: QuerySet, values: list[str]) -> QuerySet:
        for value in values:
            q = Q(pk__in=[])
            for system, code in token_values(value):
                if system in (None, "") or (system == FNR_SYSTEM and code[:1] not in "4567") or (
                    system == DNR_SYSTEM and code[:1] in "4567"
                ):
                    q |= Q(**{field: code})
            qs = qs.filter(q)
        return qs
    return apply


def to_fhir(person: Person) -> dict[str, Any]:
    telecom = []
    if person.phone:
        telecom.append({"system": "phone", "value": person.phone})
    if person.email:
        telecom.append({"system": "email", "value": person.email})
    return clean({
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": meta(version=person.version, updated=person.updated_at),
        "identifier": [identifier_of(person.identity_number, person.identity_kind)] if person.identity_number else [],
        "active": True,
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "telecom": telecom,
        "gender": person.gender,
        "birthDate": day(person.birth_date),
        "address": [{"line": [person.address] if person.address else [], "postalCode": person.postal_code,
                     "city": person.postal_place}] if person.address or person.postal_code else [],
        "generalPractitioner": [ref("Practitioner", person.gp_id, person.gp.full_name)] if person.gp is not None else [],
        "managingOrganization": ref("Organization", person.municipality_id, person.municipality.name),
        "communication": [{"language": {"text": person.preferred_language}, "preferred": True}]
        if person.preferred_language else [],
    })


RESOURCE = ResourceType(
    name="Patient",
    fhir_class=Patient,
    documentation="A person followed up by the municipality (people.Person).",
    parts=[Part(
        key="", model=Person,
        rows=lambda caller: caller.persons().select_related("gp", "municipality"),
        to_fhir=to_fhir,
        person_of=lambda person: person,
        updated="updated_at",
        portal=True,
        filters={
            "identifier": identifier_filter("identity_number"),
            "birthdate": date_filter("birth_date", is_date=True),
            "family": string_filter("family_name"),
            "name": string_filter("family_name", "given_name"),
        },
    )],
    params=[
        Param("identifier", "token", f"Fødselsnummer ({FNR_SYSTEM}|…) or D-nummer ({DNR_SYSTEM}|…)."),
        Param("birthdate", "date", "Date of birth."),
        Param("family", "string", "Family name, starts with."),
        Param("name", "string", "Given or family name, starts with."),
    ],
    versioned=True,
)
