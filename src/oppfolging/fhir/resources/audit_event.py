"""AuditEvent: the append-only access log (audit.AuditEvent).

Readable by the coordinating unit of the municipality (as `/logg/`) and by the municipality's
own system; reading it is itself logged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

from oppfolging.accounts.models import Role
from oppfolging.audit.models import Action, AuditEvent
from oppfolging.fhir.resources.base import (
    CODE_BASE,
    Param,
    Part,
    ResourceType,
    clean,
    concept,
    instant,
    ref,
)
from oppfolging.fhir.search import date_filter, reference_filter

ACTION: dict[str, str] = {Action.READ: "R", Action.LIST: "R", Action.SEARCH: "E", Action.CREATE: "C", Action.UPDATE: "U",
          Action.DELETE: "D", Action.EXPORT: "R", Action.BREAK_GLASS: "E"}
CLIENT_SYSTEM = "urn:oppfolging:api-client"


def to_fhir(event: AuditEvent) -> dict[str, Any]:
    purpose = [{"text": event.purpose}] if event.purpose else []
    if event.break_glass:
        purpose.insert(0, concept("http://terminology.hl7.org/CodeSystem/v3-ActReason", "BTG", "break the glass"))
    agents: list[dict[str, Any]] = [{
        "who": ref("Practitioner", event.actor_id, event.actor_name) if event.actor_id else {"display": event.actor_name},
        "name": event.actor_name,
        "requestor": True,
        "role": [{"text": event.actor_role}] if event.actor_role else [],
        "network": {"address": event.ip, "type": "2"} if event.ip else None,
        "purposeOfUse": purpose,
    }]
    if event.client:
        agents.append({"who": {"identifier": {"system": CLIENT_SYSTEM, "value": event.client}},
                       "requestor": False, "type": {"text": "API-klient"}})
    entities: list[dict[str, Any]] = []
    if event.person_id:
        entities.append({"what": ref("Patient", event.person_id)})
    entities.append({"what": {"display": f"{event.resource} {event.resource_id}".strip()},
                     "type": {"system": CODE_BASE + "audit-resource", "code": event.resource[:50] or "unknown"}})
    return clean({
        "resourceType": "AuditEvent",
        "id": str(event.pk),
        "meta": {"lastUpdated": instant(event.at)},
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110",
                 "display": "Patient Record"},
        "subtype": [{"system": CODE_BASE + "audit-action", "code": event.action}],
        "action": ACTION.get(event.action, "E"),
        "recorded": instant(event.at),
        # A refused sign-in is a failure (4, minor); everything else the log records happened.
        "outcome": "4" if event.action == Action.SIGN_IN_REFUSED else "0",
        "purposeOfEvent": purpose,
        "agent": agents,
        "source": {"site": "Oppfølging", "observer": {"display": "Oppfølging"}},
        "entity": entities,
    })


def rows(caller: Any) -> QuerySet:
    return AuditEvent.objects.filter(municipality__in=caller.municipalities_with_role(Role.COORDINATING_UNIT))


RESOURCE = ResourceType(
    name="AuditEvent",
    fhir_class=FhirAuditEvent,
    documentation="The access log (audit.AuditEvent) of the municipality: coordinating unit and the municipality's system.",
    parts=[Part(key="", model=AuditEvent, rows=rows, to_fhir=to_fhir, updated="at",
                filters={"patient": reference_filter("person_id", "Patient"),
                         "date": date_filter("at"),
                         "agent": reference_filter("actor_id", "Practitioner")})],
    params=[
        Param("patient", "reference", "Patient/id whose data was accessed."),
        Param("date", "date", "When it happened."),
        Param("agent", "reference", "Practitioner/id who acted."),
    ],
)
