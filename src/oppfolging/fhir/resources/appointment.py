"""Appointment: a meeting of the follow-up team (meetings.Meeting) with who is invited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.appointment import Appointment

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
from oppfolging.fhir.search import code_filter, date_filter
from oppfolging.meetings.models import Attendance, InviteeKind, Meeting, MeetingStatus

STATUS: dict[str, str] = {MeetingStatus.PLANNED: "booked", MeetingStatus.HELD: "fulfilled", MeetingStatus.CANCELLED: "cancelled"}
PARTICIPATION: dict[str, str] = {Attendance.PRESENT: "accepted", Attendance.ABSENT_WITH_NOTICE: "declined",
                 Attendance.ABSENT_WITHOUT_NOTICE: "declined"}


def actor(invitation: Any, person: Any) -> dict[str, Any]:
    if invitation.kind == InviteeKind.PERSON:
        return patient_ref(person)
    membership = invitation.membership
    if membership is not None and membership.related_person_id:
        return ref("RelatedPerson", membership.related_person_id, invitation.name)
    if invitation.user_id:
        return user_ref(invitation.user) or {}
    if membership is not None and membership.user_id:
        return ref("Practitioner", membership.user_id, invitation.name)
    return {"display": invitation.name}


def to_fhir(meeting: Meeting) -> dict[str, Any]:
    person = meeting.team.person
    agenda = [f"{n}. {item.title}" for n, item in enumerate(meeting.agenda_items.all(), start=1)]
    participants = [{"actor": actor(i, person), "required": "required",
                     "status": PARTICIPATION.get(i.attendance, "needs-action")} for i in meeting.invitations.all()]
    if not participants:
        participants = [{"actor": patient_ref(person), "status": "needs-action"}]
    place = " – ".join(x for x in (meeting.location, meeting.video_link) if x)
    return clean({
        "resourceType": "Appointment",
        "id": str(meeting.pk),
        "meta": meta(version=meeting.version),
        "status": STATUS[meeting.status],
        "cancelationReason": {"text": meeting.cancel_reason} if meeting.cancel_reason else None,
        "description": "Møte i oppfølgingsteamet" + ("\n" + "\n".join(agenda) if agenda else ""),
        "start": instant(meeting.starts_at),
        "end": instant(meeting.ends_at_or_default),
        "created": instant(meeting.created_at),
        "comment": place,
        "participant": participants,
    })


def rows(caller: Any) -> QuerySet:
    return persons_rows(Meeting.objects.select_related("team__person").prefetch_related(
        "agenda_items", "invitations__membership", "invitations__user"), "team__person")(caller)


RESOURCE = ResourceType(
    name="Appointment",
    fhir_class=Appointment,
    documentation="Team meetings (meetings.Meeting): agenda in the description, invitees with attendance.",
    parts=[Part(key="", model=Meeting, rows=rows, to_fhir=to_fhir, person_of=lambda m: m.team.person,
                person_field="team__person_id", portal=True,
                filters={"status": code_filter("status", {v: k for k, v in STATUS.items()}),
                         "date": date_filter("starts_at")})],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("status", "token", "booked | fulfilled | cancelled."),
        Param("date", "date", "When the meeting starts."),
    ],
    versioned=True,
)
