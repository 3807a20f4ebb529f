"""Reminders about plans: checkpoints coming due and overdue, idle plans. Safe to run twice.

Each reminder is a notification to the person's coordinator (or, for a team without one, to
the coordinating unit), keyed by what it is about, so a run that repeats or overlaps another
reminds nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from oppfolging.meetings.models import Meeting, MeetingStatus
from oppfolging.notifications.models import Kind
from oppfolging.notifications.services import Recipient, notify
from oppfolging.plans.models import Goal, GoalStatus, IndividualPlan, PlanStatus
from oppfolging.teams.selectors import coordinators_of


def remind_checkpoints(today: dt.date | None = None) -> int:
    """Tell each coordinator about goals due within the reminder window and goals overdue."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=settings.CHECKPOINT_REMINDER_DAYS)
    made = 0
    goals = Goal.objects.filter(
        status=GoalStatus.ACTIVE, next_evaluation_on__lte=soon, plan__status=PlanStatus.ACTIVE
    ).select_related("plan__person__municipality")
    for goal in goals:
        overdue = goal.next_evaluation_on < today
        kind = Kind.CHECKPOINT_OVERDUE if overdue else Kind.CHECKPOINT_DUE
        url = reverse("plans:detail", args=[goal.plan.person_id]) + f"#goal-{goal.pk}"
        for coordinator in coordinators_of(goal.plan.person):
            made += notify(
                kind=kind, key=f"{kind}:{goal.pk}:{goal.next_evaluation_on}", recipient=Recipient(user=coordinator),
                person=goal.plan.person, url=url, subject=goal,
            ) is not None
    return made


def flag_idle_plans(now: dt.datetime | None = None) -> int:
    """Tell each coordinator about their plans with no activity for the idle period."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PLAN_IDLE_DAYS)
    recent_meeting = Meeting.objects.filter(team=OuterRef("team"), status=MeetingStatus.HELD, starts_at__gte=cutoff)
    made = 0
    plans = (
        IndividualPlan.objects.filter(status=PlanStatus.ACTIVE, last_activity_at__lt=cutoff)
        .exclude(Exists(recent_meeting))
        .select_related("person__municipality")
    )
    for plan in plans:
        for coordinator in coordinators_of(plan.person):
            made += notify(
                kind=Kind.IDLE_PLAN, key=f"idle-plan:{plan.pk}:{plan.last_activity_at:%Y%m%d%H%M%S}",
                recipient=Recipient(user=coordinator), person=plan.person,
                url=reverse("plans:detail", args=[plan.person_id]), subject=plan,
            ) is not None
    return made
