"""HealthcareService: a service in the municipality's catalogue (catalogue.Service)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.healthcareservice import HealthcareService

from oppfolging.catalogue.models import Sector, Service
from oppfolging.fhir.resources.base import (
    CODE_BASE,
    Param,
    Part,
    ResourceType,
    clean,
    concept,
    meta,
    ref,
)
from oppfolging.fhir.search import code_filter, string_filter

SECTOR_SYSTEM = CODE_BASE + "sector"


def to_fhir(service: Service) -> dict[str, Any]:
    telecom = []
    if service.contact_phone:
        telecom.append({"system": "phone", "value": service.contact_phone})
    if service.contact_email:
        telecom.append({"system": "email", "value": service.contact_email})
    if service.website:
        telecom.append({"system": "url", "value": service.website})
    return clean({
        "resourceType": "HealthcareService",
        "id": str(service.pk),
        "meta": meta(version=service.version, updated=service.updated_at),
        "active": service.is_active,
        "providedBy": ref("Organization", service.municipality_id, service.municipality.name),
        "category": [concept(SECTOR_SYSTEM, service.sector, str(Sector(service.sector).label))],
        "name": service.name,
        "comment": service.description,
        "extraDetails": service.how_to_get,
        "telecom": telecom,
    })


def rows(caller: Any) -> QuerySet:
    return Service.objects.filter(municipality__in=caller.municipalities()).select_related("municipality")


RESOURCE = ResourceType(
    name="HealthcareService",
    fhir_class=HealthcareService,
    documentation="The municipality's catalogue of services (catalogue.Service).",
    parts=[Part(key="", model=Service, rows=rows, to_fhir=to_fhir, updated="updated_at", portal=True,
                filters={"name": string_filter("name"),
                         "service-category": code_filter("sector", system=SECTOR_SYSTEM),
                         "active": code_filter("is_active", {"true": True, "false": False})})],
    params=[
        Param("name", "string", "Name, starts with."),
        Param("service-category", "token", f"Sector ({SECTOR_SYSTEM})."),
        Param("active", "token", "true or false."),
    ],
    versioned=True,
)
