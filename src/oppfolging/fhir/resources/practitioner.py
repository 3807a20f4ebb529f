"""Practitioner: a member of staff (accounts.User), with the HPR number for health personnel."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.practitioner import Practitioner

from oppfolging.accounts.models import User
from oppfolging.fhir.resources.base import HPR_SYSTEM, Param, Part, ResourceType, clean
from oppfolging.fhir.search import string_filter, token_values


def to_fhir(user: User) -> dict[str, Any]:
    telecom = [{"system": "email", "value": user.email}] if user.email else []
    if user.phone:
        telecom.append({"system": "phone", "value": user.phone})
    return clean({
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "identifier": [{"system": HPR_SYSTEM, "value": user.hpr_number}] if user.hpr_number else [],
        "active": user.is_active,
        "name": [{"family": user.last_name, "given": [user.first_name] if user.first_name else [],
                  "text": user.full_name}],
        "telecom": telecom,
    })


def rows(caller: Any) -> QuerySet:
    """Staff of the caller's municipalities: everyone holding a role there."""
    return User.objects.filter(role_assignments__municipality__in=caller.municipalities()).distinct()


def hpr_filter(qs: QuerySet, values: list[str]) -> QuerySet:
    for value in values:
        codes = [code for system, code in token_values(value) if system in (None, "", HPR_SYSTEM)]
        qs = qs.filter(hpr_number__in=codes)
    return qs


RESOURCE = ResourceType(
    name="Practitioner",
    fhir_class=Practitioner,
    documentation="Staff of the caller's municipalities (accounts.User).",
    parts=[Part(key="", model=User, rows=rows, to_fhir=to_fhir,
                filters={"identifier": hpr_filter, "name": string_filter("last_name", "first_name")})],
    params=[
        Param("identifier", "token", f"HPR number ({HPR_SYSTEM}|…)."),
        Param("name", "string", "Given or family name, starts with."),
    ],
)
