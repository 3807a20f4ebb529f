"""Reads for the coordinator pool, a person's team, and the coordinating unit's overview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.access.grants import CLINICAL_ROLES
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.meetings.models import ActionItem
from oppfolging.people.models import Person
from oppfolging.people.selectors import AGE_GROUPS, born_between
from oppfolging.plans.models import IndividualPlan, Measure, MeasureStatus
from oppfolging.referrals.models import OPEN_STATUSES, Referral
from oppfolging.teams.models import (
    CoordinatorAssignment,
    CoordinatorProfile,
    MemberKind,
    Team,
    TeamMembership,
    TeamStatus,
    Training,
    coordinating_q,
)


class OverviewStatus(models.TextChoices):
    """The coordinating unit's overview filtered by where the person's follow-up stands."""

    TEAM = "team", _("Har aktivt team")
    NO_COORDINATOR = "no_coordinator", _("Team uten koordinator")
    PLAN = "plan", _("Har individuell plan")
    CLOSED = "closed", _("Avsluttet team")


def staff_of(municipality: Municipality | int) -> QuerySet[User]:
    """Return the municipality's staff who meet persons (never leaders, administrators, evaluators)."""
    return (
        User.objects.filter(role_assignments__municipality=municipality,
                            role_assignments__role__in=CLINICAL_ROLES, is_active=True)
        .distinct()
        .order_by("last_name", "first_name")
    )


def pool_users(municipality: Municipality | int) -> QuerySet[User]:
    """Return the municipality's coordinator pool: the staff a team's coordinator is chosen from."""
    return User.objects.filter(
        coordinator_profiles__municipality=municipality, is_active=True
    ).order_by("last_name", "first_name")


@dataclass(frozen=True)
class CoordinatorChange:
    """A handover the person and next of kin are told about: who comes, from when, who leaves."""

    incoming: CoordinatorAssignment
    outgoing: CoordinatorAssignment
    starts_on: dt.date
    has_started: bool


def coordinator_change_of(team: Team | None) -> CoordinatorChange | None:
    """Return the team's handover that is coming or still in its overlap, or None.

    Told in «Min plan» from the day the unit sets it until the outgoing coordinator's period
    ends, so the person and next of kin know who to call on each side of the date.
    """
    if team is None:
        return None
    now = timezone.now()
    # .all(): the page's prefetched periods (with their coordinators), when it has them.
    assignments = sorted(team.coordinator_assignments.all(), key=lambda a: a.started_at)
    for outgoing, incoming in zip(assignments, assignments[1:], strict=False):
        if incoming.ended_at is None and outgoing.ended_at is not None and outgoing.ended_at > now:
            return CoordinatorChange(incoming=incoming, outgoing=outgoing,
                                     starts_on=timezone.localtime(incoming.started_at).date(),
                                     has_started=incoming.started_at <= now)
    return None


def coordinators_of(person: Person | int) -> list[User]:
    """Return who coordinates the person now (both during a handover's overlap).

    A team without a coordinator is the coordinating unit's responsibility, so its staff are
    returned instead, and what waits reaches someone.
    """
    now = timezone.now()
    coordinators = list(
        User.objects.filter(
            coordinating_q("coordinator_assignments__", at=now),
            coordinator_assignments__team__person=person,
            coordinator_assignments__team__status=TeamStatus.ACTIVE,
            is_active=True,
        ).distinct().order_by("pk")
    )
    if coordinators:
        return coordinators
    municipality_id = person.municipality_id if isinstance(person, Person) else Person.objects.values_list(
        "municipality_id", flat=True).get(pk=person)
    return list(User.objects.filter(
        role_assignments__municipality_id=municipality_id, role_assignments__role=Role.COORDINATING_UNIT,
        is_active=True,
    ).distinct().order_by("pk"))


def _current_assignments() -> QuerySet[CoordinatorAssignment]:
    return CoordinatorAssignment.objects.active().filter(team__status=TeamStatus.ACTIVE)


def coordinator_pool(*, municipality: Municipality) -> Sequence[CoordinatorProfile]:
    """Return the pool with each coordinator's caseload, training, whether they are overloaded,
    and whether they are at their limit (one more person would put them over it)."""
    caseload = (
        _current_assignments()
        .filter(coordinator=OuterRef("user"), team__person__municipality=municipality)
        .values("coordinator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    profiles = (
        CoordinatorProfile.objects.filter(municipality=municipality)
        .select_related("user")
        .prefetch_related(Prefetch("user__trainings", queryset=Training.objects.order_by("-completed_on")))
        .annotate(caseload=Subquery(caseload))
    )
    result = list(profiles)
    for profile in result:
        profile.caseload = profile.caseload or 0
        profile.overloaded = profile.caseload > profile.max_caseload
        # One more would put them over: appointing them asks the unit to confirm (coordinator_appoint).
        profile.at_limit = profile.caseload >= profile.max_caseload
        profile.trainings = list(profile.user.trainings.all())
        profile.courses = len(profile.trainings)
    return result


def team_of(person: Person) -> Team | None:
    """Return the person's active team, or their latest closed one."""
    return (
        Team.objects.filter(person=person)
        .prefetch_related("coordinator_assignments__coordinator", "coordinator_assignments__appointed_by",
                          "memberships__user", "memberships__service", "memberships__related_person")
        .order_by("status", "-created_at")
        .first()
    )


def followed_up_persons(
    *,
    municipality: Municipality,
    age_group: str = "",
    service_id: int | None = None,
    coordinator_id: int | None = None,
    status: str = "",
) -> QuerySet[Person]:
    """Return everyone with a coordinator, a team or a plan, for the coordinating unit's overview."""
    today = timezone.localdate()
    current = _current_assignments().filter(team__person=OuterRef("pk"))
    persons = (
        Person.objects.filter(municipality=municipality)
        .annotate(
            has_team=Exists(Team.objects.filter(person=OuterRef("pk"), status=TeamStatus.ACTIVE)),
            has_closed_team=Exists(Team.objects.filter(person=OuterRef("pk"), status=TeamStatus.CLOSED)),
            has_plan=Exists(IndividualPlan.objects.filter(person=OuterRef("pk"))),
            coordinator_first=Subquery(current.values("coordinator__first_name")[:1]),
            coordinator_last=Subquery(current.values("coordinator__last_name")[:1]),
            coordinator_id=Subquery(current.values("coordinator_id")[:1]),
            member_count=Count(
                "teams__memberships",
                filter=Q(teams__status=TeamStatus.ACTIVE, teams__memberships__left_on__isnull=True),
                distinct=True,
            ),
        )
        .filter(Q(has_team=True) | Q(has_plan=True) | Q(has_closed_team=True))
    )
    for index, (_label, lo, hi) in enumerate(AGE_GROUPS):
        if age_group == str(index):
            persons = persons.filter(born_between(lo, hi, today))
    if service_id:
        persons = persons.filter(
            Exists(TeamMembership.objects.filter(
                team__person=OuterRef("pk"), team__status=TeamStatus.ACTIVE, service_id=service_id,
                left_on__isnull=True,
            ))
        )
    if coordinator_id:
        persons = persons.filter(coordinator_id=coordinator_id)
    if status == OverviewStatus.NO_COORDINATOR:
        persons = persons.filter(has_team=True, coordinator_id__isnull=True)
    elif status == OverviewStatus.TEAM:
        persons = persons.filter(has_team=True)
    elif status == OverviewStatus.PLAN:
        persons = persons.filter(has_plan=True)
    elif status == OverviewStatus.CLOSED:
        persons = persons.filter(has_team=False, has_closed_team=True)
    return persons.order_by("family_name", "given_name")


def age_group_choices() -> list[tuple[str, Any]]:
    return [("", "—")] + [(str(i), label) for i, (label, _lo, _hi) in enumerate(AGE_GROUPS)]


def caseload_of(coordinator: User, municipality_id: int) -> tuple[int, int | None]:
    """Return how many persons the coordinator coordinates now, and their pool's ceiling (if any)."""
    count = CoordinatorAssignment.objects.active().filter(
        coordinator=coordinator, team__status=TeamStatus.ACTIVE, team__person__municipality_id=municipality_id
    ).count()
    ceiling = CoordinatorProfile.objects.filter(user=coordinator, municipality_id=municipality_id).values_list(
        "max_caseload", flat=True).first()
    return count, ceiling


@dataclass(frozen=True)
class Holdings:
    """What a staff member holds in one municipality, and must hand over before they leave it."""

    coordinating: list[CoordinatorAssignment]  # going on now, or from a later date
    referrals: list[Referral]  # reports of need assigned to them, still open
    memberships: list[TeamMembership]  # teams they serve on now or from a later date
    action_items: int  # open action items from meetings that they own
    measures: int  # measures in a plan they are responsible for, not done

    @property
    def must_hand_over_first(self) -> bool:
        """Someone must take these over by name before the access ends: nobody else holds them."""
        return bool(self.coordinating or self.referrals)


def holdings_of(user: User, municipality: Municipality) -> Holdings:
    """Return what the user holds in the municipality: what would be left without anyone if they left."""
    now, today = timezone.now(), timezone.localdate()
    coordinating = list(
        CoordinatorAssignment.objects.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=now), coordinator=user, team__status=TeamStatus.ACTIVE,
            team__person__municipality=municipality,
        ).select_related("team__person").order_by("team__person__family_name", "team__person__given_name")
    )
    referrals = list(
        Referral.objects.filter(assigned_to=user, municipality=municipality, status__in=OPEN_STATUSES)
        .select_related("person").order_by("received_at")
    )
    memberships = list(
        TeamMembership.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gt=today), user=user, kind=MemberKind.PROFESSIONAL,
            team__status=TeamStatus.ACTIVE, team__person__municipality=municipality,
        ).select_related("team__person")
    )
    action_items = ActionItem.objects.filter(
        Q(owner_user=user) | Q(owner_membership__user=user), done_at__isnull=True,
        team__status=TeamStatus.ACTIVE, team__person__municipality=municipality,
    ).count()
    measures = Measure.objects.filter(
        responsible_user=user, status__in=[MeasureStatus.PLANNED, MeasureStatus.ONGOING],
        goal__plan__person__municipality=municipality,
    ).count()
    return Holdings(coordinating, referrals, memberships, action_items, measures)
