"""CareTeam: a person's follow-up team (teams.Team), its members over time and its coordinator."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from fhir.resources.R4B.careteam import CareTeam

from oppfolging.fhir.resources.base import (
    CODE_BASE,
    Param,
    Part,
    ResourceType,
    clean,
    concept,
    day,
    instant,
    patient_ref,
    persons_rows,
    ref,
    user_ref,
)
from oppfolging.fhir.search import code_filter, date_filter
from oppfolging.teams.models import MemberKind, Team, TeamMembership, TeamStatus

ROLE_SYSTEM = CODE_BASE + "team-role"


def member_ref(membership: TeamMembership, person: Any) -> dict[str, Any]:
    if membership.kind == MemberKind.PERSON:
        return patient_ref(person)
    if membership.related_person is not None:
        return ref("RelatedPerson", membership.related_person_id, membership.related_person.full_name)
    if membership.user_id:
        return user_ref(membership.user) or {}
    # A service without a named member: CareTeam.member cannot point at a HealthcareService.
    return {"display": str(membership.service or "")}


def to_fhir(team: Team) -> dict[str, Any]:
    person = team.person
    participants = []
    for assignment in team.coordinator_assignments.all():
        participants.append({
            "role": [concept(ROLE_SYSTEM, "coordinator", "Koordinator")],
            "member": user_ref(assignment.coordinator),
            "period": {"start": instant(assignment.started_at), "end": instant(assignment.ended_at)},
        })
    for membership in team.memberships.all():
        roles = [{"text": membership.role_in_team or str(MemberKind(membership.kind).label)}]
        if membership.is_medically_responsible:
            roles.append(concept(ROLE_SYSTEM, "medically-responsible", "Medisinsk ansvarlig"))
        participants.append({
            "role": roles,
            "member": member_ref(membership, person),
            "onBehalfOf": ref("Organization", person.municipality_id)
            if membership.service_id and membership.user_id else None,
            "period": {"start": day(membership.joined_on), "end": day(membership.left_on)},
        })
    return clean({
        "resourceType": "CareTeam",
        "id": str(team.pk),
        "status": "active" if team.status == TeamStatus.ACTIVE else "inactive",
        "category": [concept("http://loinc.org", "LA27976-2", "Coordinated care team")],
        "name": f"Oppfølgingsteam for {person.full_name}",
        "subject": patient_ref(person),
        "period": {"start": instant(team.created_at), "end": instant(team.closed_at)},
        "participant": participants,
        "managingOrganization": [ref("Organization", person.municipality_id, person.municipality.name)],
        "note": [{"text": team.close_reason}] if team.close_reason else [],
    })


def rows(caller: Any) -> QuerySet:
    return persons_rows(Team.objects.select_related("person__municipality").prefetch_related(
        "coordinator_assignments__coordinator", "memberships__user", "memberships__service",
        "memberships__related_person"), "person")(caller)


RESOURCE = ResourceType(
    name="CareTeam",
    fhir_class=CareTeam,
    documentation="Follow-up teams (teams.Team), with every member's period and the coordinators over time.",
    parts=[Part(key="", model=Team, rows=rows, to_fhir=to_fhir, person_of=lambda t: t.person,
                person_field="person_id", portal=True,
                filters={"status": code_filter("status", {"active": TeamStatus.ACTIVE,
                                                          "inactive": TeamStatus.CLOSED}),
                         "date": date_filter("created_at")})],
    params=[
        Param("patient", "reference", "Patient/id."),
        Param("subject", "reference", "Patient/id."),
        Param("status", "token", "active | inactive."),
        Param("date", "date", "When the team was formed."),
    ],
)
