"""What is on someone's calendar and task list: meetings, evaluations due, action items and
measures they are responsible for. Decided by the access policy at the moment of asking, so a
member who has left a team, or a parent who is excluded, no longer sees anything of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.grants import PortalGrant
from oppfolging.accounts.models import User
from oppfolging.meetings.models import ActionItem, Meeting, MeetingStatus
from oppfolging.people.models import Person
from oppfolging.plans.models import Goal, GoalStatus, Measure, MeasureStatus, PlanStatus
from oppfolging.teams.models import MemberKind, TeamMembership, TeamStatus

OPEN_MEASURE = (MeasureStatus.PLANNED, MeasureStatus.ONGOING)
# The ids of the persons a user may see, as a subquery (`.values("pk")`).
VisibleIds = QuerySet[Person, Any]


class ItemKind:
    MEETING = "meeting"
    EVALUATION = "evaluation"
    ACTION_ITEM = "action_item"
    MEASURE = "measure"


@dataclass(frozen=True)
class CalendarItem:
    """One thing on a calendar or a task list."""

    kind: str
    pk: int
    day: dt.date
    title: str  # shown in the app; never in the feed
    person_id: int
    person_name: str
    url: str
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str = ""
    overdue: bool = False
    has_due: bool = True

    @property
    def uid(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def kind_label(self) -> str:
        return {ItemKind.MEETING: _("Møte"), ItemKind.EVALUATION: _("Evaluering"),
                ItemKind.ACTION_ITEM: _("Oppgave"), ItemKind.MEASURE: _("Tiltak")}[self.kind]


def _member_of_service(user: User, team_field: str, service_field: str) -> Exists:
    """An active membership of the user in the record's team, for the record's service."""
    today = timezone.localdate()
    return Exists(TeamMembership.objects.filter(
        team=OuterRef(team_field), user=user, service=OuterRef(service_field), joined_on__lte=today,
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=today)))


def _staff_action_items(user: User, person_ids: VisibleIds) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(
        Q(owner_user=user) | Q(owner_membership__user=user)
        | Q(owner_service__isnull=False) & _member_of_service(user, "team", "owner_service"),
        done_at__isnull=True, team__status=TeamStatus.ACTIVE, team__person_id__in=person_ids,
    ).select_related("team__person")


def _staff_measures(user: User, person_ids: VisibleIds) -> QuerySet[Measure]:
    return Measure.objects.filter(
        Q(responsible_user=user) | Q(responsible_membership__user=user)
        | Q(responsible_service__isnull=False) & _member_of_service(user, "goal__plan__team", "responsible_service"),
        status__in=OPEN_MEASURE, goal__status=GoalStatus.ACTIVE, goal__plan__status=PlanStatus.ACTIVE,
        goal__plan__person_id__in=person_ids,
    ).select_related("goal__plan__person")


def _visible_person_ids(user: User) -> VisibleIds:
    # A subquery, not a list: the coordinating unit sees every person of the municipality, and
    # thousands of ids sent back as parameters cost more than the policy's filter in the query.
    return policy.persons_visible_to(user=user).values("pk")


def _action_item(item: ActionItem, url: str, today: dt.date) -> CalendarItem:
    return CalendarItem(ItemKind.ACTION_ITEM, item.pk, item.due_on, item.description[:200],
                        item.team.person_id, item.team.person.full_name, url, overdue=item.due_on < today)


def _measure(measure: Measure, url: str, today: dt.date) -> CalendarItem:
    due = measure.ends_on
    return CalendarItem(ItemKind.MEASURE, measure.pk, due or today, measure.description[:200],
                        measure.goal.plan.person_id, measure.goal.plan.person.full_name, url, overdue=due is not None and due < today,
                        has_due=due is not None)


def _meeting(meeting: Meeting, url: str) -> CalendarItem:
    start = timezone.localtime(meeting.starts_at)
    return CalendarItem(ItemKind.MEETING, meeting.pk, start.date(), _("Møte i oppfølgingsteam"),
                        meeting.team.person_id, meeting.team.person.full_name, url, starts_at=meeting.starts_at,
                        ends_at=meeting.ends_at_or_default, place=meeting.location or meeting.video_link)


def _evaluation(goal: Goal, url: str, today: dt.date) -> CalendarItem:
    return CalendarItem(ItemKind.EVALUATION, goal.pk, goal.next_evaluation_on, goal.text[:200],
                        goal.plan.person_id, goal.plan.person.full_name, url, overdue=goal.next_evaluation_on < today)


def staff_calendar(*, user: User, start: dt.date, end: dt.date) -> list[CalendarItem]:
    """Return the user's calendar from start to end (inclusive), by the policy as it stands now.

    Meetings they are invited to or coordinate; evaluations due in the plans they coordinate;
    open action items and measures they (or their service in the team) are responsible for.
    """
    today = timezone.localdate()
    person_ids = _visible_person_ids(user)
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    coordinated = Q(team__coordinator_assignments__coordinator=user, team__coordinator_assignments__ended_at__isnull=True)
    meetings = (
        Meeting.objects.filter(team__person_id__in=person_ids, starts_at__gte=first, starts_at__lt=last)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(Q(invitations__user=user) | Q(invitations__membership__user=user) | coordinated)
        .distinct().select_related("team__person")
    )
    items = [_meeting(m, reverse("meetings:detail", args=[m.team.person_id, m.pk])) for m in meetings]
    goals = Goal.objects.filter(
        status=GoalStatus.ACTIVE, plan__status=PlanStatus.ACTIVE, plan__person_id__in=person_ids,
        next_evaluation_on__gte=start, next_evaluation_on__lte=end,
        plan__team__coordinator_assignments__coordinator=user, plan__team__coordinator_assignments__ended_at__isnull=True,
    ).distinct().select_related("plan__person")
    items += [_evaluation(g, reverse("plans:detail", args=[g.plan.person_id]) + f"#goal-{g.pk}", today) for g in goals]
    for item in _staff_action_items(user, person_ids).filter(due_on__gte=start, due_on__lte=end):
        items.append(_action_item(item, reverse("meetings:action_items", args=[item.team.person_id]), today))
    for measure in _staff_measures(user, person_ids).filter(ends_on__gte=start, ends_on__lte=end):
        items.append(_measure(measure, reverse("plans:detail", args=[measure.goal.plan.person_id])
                              + f"#goal-{measure.goal_id}", today))
    return sorted(items, key=_order)


def staff_tasks(*, user: User) -> list[CalendarItem]:
    """Return the user's open tasks (action items and measures), most urgent first."""
    today = timezone.localdate()
    person_ids = _visible_person_ids(user)
    items = [_action_item(i, reverse("meetings:action_items", args=[i.team.person_id]), today)
             for i in _staff_action_items(user, person_ids)]
    items += [_measure(m, reverse("plans:detail", args=[m.goal.plan.person_id]) + f"#goal-{m.goal_id}", today)
              for m in _staff_measures(user, person_ids)]
    return sorted(items, key=_order)


def _order(item: CalendarItem) -> tuple[dt.date, bool, dt.time, str, int]:
    start = timezone.localtime(item.starts_at).time() if item.starts_at else dt.time.min
    return (item.day, item.starts_at is None, start, item.kind, item.pk)


def _portal_memberships(grant: PortalGrant) -> Q:
    """The team memberships that stand for the reader: the person's own, or this next of kin's."""
    if grant.is_self:
        return Q(kind=MemberKind.PERSON)
    return Q(related_person=grant.related_person) if grant.related_person is not None else Q(pk__in=[])


def _portal_action_items(grant: PortalGrant) -> QuerySet[ActionItem]:
    memberships = TeamMembership.objects.filter(_portal_memberships(grant), team__person=grant.person)
    return ActionItem.objects.filter(owner_membership__in=memberships, done_at__isnull=True,
                                     team__status=TeamStatus.ACTIVE).select_related("team__person")


def _portal_measures(grant: PortalGrant) -> QuerySet[Measure]:
    memberships = TeamMembership.objects.filter(_portal_memberships(grant), team__person=grant.person)
    return Measure.objects.filter(responsible_membership__in=memberships, status__in=OPEN_MEASURE,
                                  goal__status=GoalStatus.ACTIVE,
                                  goal__plan__status=PlanStatus.ACTIVE).select_related("goal__plan__person")


def portal_calendar(*, user: User, start: dt.date, end: dt.date) -> list[CalendarItem]:
    """Return what «Min plan» shows on the calendar for every person the user may follow now.

    The team's meetings, the evaluations of the plan's goals, and the tasks the reader (the
    person, or this next of kin) is responsible for.
    """
    today = timezone.localdate()
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    last = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    items: list[CalendarItem] = []
    for grant in policy.portal_grants(user=user):
        person = grant.person
        meetings_url = reverse("portal:meetings", args=[person.pk])
        plan_url = reverse("portal:plan", args=[person.pk])
        for meeting in Meeting.objects.filter(team__person=person, starts_at__gte=first, starts_at__lt=last).exclude(
                status=MeetingStatus.CANCELLED).select_related("team__person"):
            items.append(_meeting(meeting, meetings_url))
        for goal in Goal.objects.filter(plan__person=person, status=GoalStatus.ACTIVE, plan__status=PlanStatus.ACTIVE,
                                        next_evaluation_on__gte=start, next_evaluation_on__lte=end
                                        ).select_related("plan__person"):
            items.append(_evaluation(goal, plan_url, today))
        for item in _portal_action_items(grant).filter(due_on__gte=start, due_on__lte=end):
            items.append(_action_item(item, meetings_url, today))
        for measure in _portal_measures(grant).filter(ends_on__gte=start, ends_on__lte=end):
            items.append(_measure(measure, plan_url, today))
    return sorted(items, key=_order)


def portal_tasks(*, user: User) -> list[CalendarItem]:
    """Return the open tasks the person or next of kin is responsible for, in every plan they follow."""
    today = timezone.localdate()
    items: list[CalendarItem] = []
    for grant in policy.portal_grants(user=user):
        items += [_action_item(i, reverse("portal:meetings", args=[grant.person.pk]), today)
                  for i in _portal_action_items(grant)]
        items += [_measure(m, reverse("portal:plan", args=[grant.person.pk]), today) for m in _portal_measures(grant)]
    return sorted(items, key=_order)


def is_staff(user: User) -> bool:
    """Tell whether the user works in a municipality (their calendar is the staff one)."""
    return bool(policy.role_assignments(user))
