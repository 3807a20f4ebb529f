"""Communication: a message in the person's thread with the team (portal.Message).

Creating one sends a message through portal.services.message_send with the caller's grant:
staff who serve the person, or the person and next of kin through «Min plan».
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from fhir.resources.R4B.communication import Communication

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
from oppfolging.fhir.resources.questionnaire_response import _subject
from oppfolging.fhir.search import code_filter, date_filter
from oppfolging.portal.models import Message, SenderKind
from oppfolging.portal.services import message_send


def sender(message: Message) -> dict[str, Any] | None:
    if message.sender_kind == SenderKind.PROFESSIONAL:
        return user_ref(message.sender_user)
    if message.sender_kind == SenderKind.PERSON:
        return patient_ref(message.person)
    return {"display": message.sender_user.full_name}


def to_fhir(message: Message) -> dict[str, Any]:
    return clean({
        "resourceType": "Communication",
        "id": str(message.pk),
        "meta": meta(updated=message.created_at),
        "status": "completed",
        "subject": patient_ref(message.person),
        "sent": instant(message.created_at),
        "received": instant(message.read_by_team_at if message.sender_kind != SenderKind.PROFESSIONAL
                            else message.read_by_person_at),
        "sender": sender(message),
        "payload": [{"contentString": message.body}],
    })


def create(caller: Any, resource: dict[str, Any]) -> tuple[Part, Any]:
    """Send a message in the person's thread (status completed, payload[0].contentString)."""
    caller.require("Communication", scopes.WRITE)
    person = _subject(caller, resource)
    payloads = resource.get("payload") or []
    body = next((str(p.get("contentString", "")) for p in payloads if isinstance(p, dict)), "")
    if not body.strip():
        raise FhirError(UNPROCESSABLE, "The message goes in payload[0].contentString.")
    grant = caller.person_grant(person, resource_type="Communication")
    if grant is None:
        raise PermissionDenied("No access to this person.")
    return PART, message_send(grant=grant, body=body)


PART = Part(key="", model=Message,
            rows=persons_rows(Message.objects.select_related("person", "sender_user"), "person"),
            to_fhir=to_fhir, person_of=lambda m: m.person, person_field="person_id", updated="created_at",
            portal=True, filters={"sent": date_filter("created_at"),
                                  "status": code_filter("pk__isnull", {"completed": False})})

RESOURCE = ResourceType(
    name="Communication",
    fhir_class=Communication,
    documentation="Messages between the person (or next of kin) and the team (portal.Message).",
    parts=[PART],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("subject", "reference", "Patient/id."),
        Param("status", "token", "completed."),
        Param("sent", "date", "When the message was sent."),
    ],
    create=create,
)
