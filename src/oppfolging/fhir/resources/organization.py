"""Organization: a municipality (kommune), identified by its kommunenummer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.organization import Organization

from oppfolging.accounts.models import Municipality
from oppfolging.fhir.resources.base import MUNICIPALITY_SYSTEM, Param, Part, ResourceType, clean
from oppfolging.fhir.search import string_filter, token_values


def to_fhir(municipality: Municipality) -> dict[str, Any]:
    return clean({
        "resourceType": "Organization",
        "id": str(municipality.pk),
        "identifier": [{"system": MUNICIPALITY_SYSTEM, "value": municipality.number}],
        "active": True,
        "type": [{"text": "Kommune"}],
        "name": municipality.name,
        "telecom": [{"system": "email", "value": municipality.contact_email}]
        if municipality.contact_email else [],
    })


def number_filter(qs: QuerySet, values: list[str]) -> QuerySet:
    for value in values:
        codes = [c for s, c in token_values(value) if s in (None, "", MUNICIPALITY_SYSTEM)]
        qs = qs.filter(number__in=codes)
    return qs


RESOURCE = ResourceType(
    name="Organization",
    fhir_class=Organization,
    documentation="The caller's municipalities (accounts.Municipality).",
    parts=[Part(key="", model=Municipality, rows=lambda caller: caller.municipalities(), to_fhir=to_fhir,
                portal=True, filters={"identifier": number_filter, "name": string_filter("name")})],
    params=[
        Param("identifier", "token", f"Kommunenummer ({MUNICIPALITY_SYSTEM}|…)."),
        Param("name", "string", "Name, starts with."),
    ],
)
