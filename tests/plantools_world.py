"""A person's team for the plan-tool tests: two services, a coordinator, the person and a next
of kin in «Min plan», with the consents that let each of them in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.access.grants import PersonGrant, PortalGrant
from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.assessments.models import Decision
from oppfolging.catalogue.models import Sector, Service
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.teams.models import (
    Consent,
    CoordinatorAssignment,
    CoordinatorProfile,
    MemberKind,
    Team,
    TeamMembership,
)


@dataclass
class World:
    cast: object
    coordinator: User
    physio: User
    physio_service: Service
    emergency: User
    person_user: User
    kin_user: User
    team: Team
    plan: IndividualPlan
    goal: Goal
    colleague_membership: TeamMembership
    physio_membership: TeamMembership
    person_membership: TeamMembership
    kin_membership: TeamMembership

    def grant(self, user: User, person: object | None = None) -> PersonGrant:
        user._role_assignments_cache = None  # type: ignore[attr-defined]
        grant = policy.person_grant(user=user, person=person or self.cast.person)  # type: ignore[attr-defined]
        assert grant is not None, user
        return grant

    def portal(self, user: User) -> PortalGrant:
        grant = policy.portal_grant(user=user, person_id=self.cast.person.pk)  # type: ignore[attr-defined]
        assert grant is not None, user
        return grant

    def client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def make(username: str, first: str, last: str) -> User:
    user = User.objects.create(username=username, first_name=first, last_name=last, email=f"{username}@example.invalid")
    user.set_password("correct-horse-battery")
    user.save()
    return user


def build_world(cast: object) -> World:
    c = cast  # the conftest's Cast
    today = timezone.localdate()
    coordinator = make("koord", "Kai", "Koordinator")
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, municipality=c.municipality)
    CoordinatorProfile.objects.create(user=coordinator, municipality=c.municipality)
    physio_service = Service.objects.create(municipality=c.municipality, name="Fysioterapi", sector=Sector.HEALTH_AND_CARE,
                                            description="Trening.", how_to_get="Ring.")
    physio = make("fysio", "Frida", "Fysio")
    RoleAssignment.objects.create(user=physio, role=Role.TEAM_MEMBER, municipality=c.municipality, service=physio_service)
    emergency = make("nod", "Nora", "Nød")
    RoleAssignment.objects.create(user=emergency, role=Role.TEAM_MEMBER, municipality=c.municipality, service=c.service)
    person_user = make("petra", "Petra", "Person")
    c.person.user = person_user
    c.person.save()
    kin_user = make("nils", "Nils", "Person")
    c.next_of_kin.user = kin_user
    c.next_of_kin.save()
    Decision.objects.create(person=c.person, outcome="team_with_plan", reason="Mange tjenester.", decided_by=c.cu)
    team = Team.objects.create(person=c.person, created_by=c.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=coordinator, appointed_by=c.cu)
    Consent.objects.create(person=c.person, scope="team_and_plan", given_by="person", method="paper")
    for service in (c.service, physio_service):
        Consent.objects.create(person=c.person, scope="share_with_service", service=service, given_by="person",
                               method="paper")
    Consent.objects.create(person=c.person, scope="next_of_kin", related_person=c.next_of_kin, given_by="person",
                           method="verbal")
    colleague_membership = TeamMembership.objects.create(team=team, user=c.colleague, service=c.service,
                                                         role_in_team="Sykepleier", added_by=c.cu)
    physio_membership = TeamMembership.objects.create(team=team, user=physio, service=physio_service,
                                                      role_in_team="Fysioterapeut", added_by=c.cu)
    person_membership = TeamMembership.objects.create(team=team, kind=MemberKind.PERSON, added_by=c.cu)
    kin_membership = TeamMembership.objects.create(team=team, kind=MemberKind.NEXT_OF_KIN,
                                                   related_person=c.next_of_kin, added_by=c.cu)
    plan = IndividualPlan.objects.create(person=c.person, team=team, created_by=c.cu)
    goal = Goal.objects.create(plan=plan, text="Gå tur med hunden alene hver dag", author_kind="person",
                               next_evaluation_on=today + dt.timedelta(days=2))
    BreakGlassAccess.objects.create(user=emergency, person=c.person, reason="Akutt innleggelse i natt",
                                    expires_at=timezone.now() + dt.timedelta(hours=4))
    for user in (c.colleague, c.cu, c.gp):
        user._role_assignments_cache = None
    return World(c, coordinator, physio, physio_service, emergency, person_user, kin_user, team, plan, goal,
                 colleague_membership, physio_membership, person_membership, kin_membership)
