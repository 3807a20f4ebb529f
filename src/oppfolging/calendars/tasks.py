"""Reminders of tasks coming due: open action items and measures, to whoever is responsible.

A task a service owns (not a named person) reminds the service's members in the team, or the
team's coordinator when the service has no one there: a task is never left without anyone told.
Once per task and due date (a moved deadline reminds again); safe to run twice. Sent through
the outbox, so the message says only that a task is due soon, checked against the policy when
it goes out.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from oppfolging.meetings.models import ActionItem
from oppfolging.meetings.selectors import answering_for_service
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, notify
from oppfolging.plans.models import GoalStatus, Measure, MeasureStatus, PlanStatus
from oppfolging.teams.models import MemberKind, TeamMembership, TeamStatus


def membership_recipient(membership: TeamMembership | None) -> Recipient | None:
    """Return who a team membership stands for: a staff user, the person, or a next of kin."""
    if membership is None:
        return None
    if membership.user_id:
        return Recipient(user=membership.user)
    if membership.related_person_id:
        return Recipient(related=membership.related_person)
    if membership.kind == MemberKind.PERSON:
        return Recipient(person=membership.team.person)
    return None


def _service_recipients(item: ActionItem, today: dt.date) -> list[Recipient]:
    """Who answers for a task owned by a service: its members in the team, else the coordinator."""
    service_id = item.owner_service_id or (item.owner_membership.service_id if item.owner_membership else None)
    if service_id is None:
        return []
    return [Recipient(user=user) for user in answering_for_service(team_id=item.team_id, service_id=service_id,
                                                                   today=today)]


def _url(recipient: Recipient, staff_url: str, portal_url: str) -> str:
    return staff_url if recipient.user is not None else portal_url


def tasks_remind_due(*, today: dt.date | None = None) -> int:
    """Remind the one responsible for each task due within TASK_REMINDER_DAYS; return how many."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=settings.TASK_REMINDER_DAYS)
    sent = 0
    items = ActionItem.objects.filter(done_at__isnull=True, team__status=TeamStatus.ACTIVE, due_on__gte=today,
                                      due_on__lte=until).select_related(
        "team__person", "owner_user", "owner_membership__user", "owner_membership__related_person",
        "owner_membership__team__person", "owner_membership__service")
    for item in items.order_by("due_on", "pk"):
        recipient = Recipient(user=item.owner_user) if item.owner_user_id else membership_recipient(item.owner_membership)
        recipients = [recipient] if recipient is not None else _service_recipients(item, today)
        person = item.team.person
        for recipient in recipients:
            url = _url(recipient, reverse("meetings:action_items", args=[person.pk]),
                       reverse("portal:meetings", args=[person.pk]))
            sent += notify(kind=Kind.TASK_DUE, key=f"task-due:action-item:{item.pk}:{item.due_on.isoformat()}",
                           recipient=recipient, person=person, url=url, subject=item) is not None
    measures = Measure.objects.filter(
        status__in=(MeasureStatus.PLANNED, MeasureStatus.ONGOING), goal__status=GoalStatus.ACTIVE,
        goal__plan__status=PlanStatus.ACTIVE, ends_on__gte=today, ends_on__lte=until,
    ).select_related("goal__plan__person", "responsible_user", "responsible_membership__user",
                     "responsible_membership__related_person", "responsible_membership__team__person")
    for measure in measures.order_by("ends_on", "pk"):
        recipient = (Recipient(user=measure.responsible_user) if measure.responsible_user_id
                     else membership_recipient(measure.responsible_membership))
        if recipient is None or measure.ends_on is None:
            continue
        person = measure.goal.plan.person
        url = _url(recipient, reverse("plans:detail", args=[person.pk]) + f"#goal-{measure.goal_id}",
                   reverse("portal:plan", args=[person.pk]))
        sent += notify(kind=Kind.TASK_DUE, key=f"task-due:measure:{measure.pk}:{measure.ends_on.isoformat()}",
                       recipient=recipient, person=person, url=url, subject=measure) is not None
    return sent
