"""Reminders about plans: checkpoints coming due and overdue, idle plans. Safe to run twice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.notifications.services import send_once
from oppfolging.plans.models import Goal, GoalStatus, IndividualPlan, PlanStatus
from oppfolging.teams.models import CoordinatorAssignment


def _coordinator(plan: IndividualPlan):  # noqa: ANN202
    assignment = CoordinatorAssignment.objects.filter(
        team=plan.team_id, ended_at__isnull=True
    ).select_related("coordinator").first() if plan.team_id else None
    return assignment.coordinator if assignment else None


def _mail(user, subject: str, template: str, context: dict) -> None:  # noqa: ANN001
    body = render_to_string(template, {**context, "user": user, "site_url": settings.SITE_URL})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def remind_checkpoints(today: dt.date | None = None) -> int:
    """Tell each coordinator about goals due within the reminder window and goals overdue."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=settings.CHECKPOINT_REMINDER_DAYS)
    sent = 0
    goals = Goal.objects.filter(
        status=GoalStatus.ACTIVE, next_evaluation_on__lte=soon, plan__status=PlanStatus.ACTIVE
    ).select_related("plan__person")
    for goal in goals:
        coordinator = _coordinator(goal.plan)
        if coordinator is None or not coordinator.email:
            continue
        overdue = goal.next_evaluation_on < today
        key = f"checkpoint-{'overdue' if overdue else 'due'}:{goal.pk}:{goal.next_evaluation_on}:{coordinator.pk}"
        subject = (_("Evaluering på overtid: %(name)s") if overdue else _("Evaluering snart: %(name)s")) % {
            "name": goal.plan.person.full_name}
        if send_once(key=key, recipient=coordinator.email, send=lambda g=goal, c=coordinator, s=subject, o=overdue: _mail(
                c, s, "plans/email/checkpoint.txt", {"goal": g, "overdue": o})):
            sent += 1
    return sent


def flag_idle_plans(now: dt.datetime | None = None) -> int:
    """Tell each coordinator about their plans with no activity for the idle period."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PLAN_IDLE_DAYS)
    sent = 0
    for plan in IndividualPlan.objects.filter(status=PlanStatus.ACTIVE, last_activity_at__lt=cutoff).select_related("person"):
        if plan.team_id and plan.team.meetings.filter(status="held", starts_at__gte=cutoff).exists():
            continue
        coordinator = _coordinator(plan)
        if coordinator is None or not coordinator.email:
            continue
        key = f"idle-plan:{plan.pk}:{plan.last_activity_at:%Y%m%d%H%M%S}:{coordinator.pk}"
        if send_once(key=key, recipient=coordinator.email, send=lambda p=plan, c=coordinator: _mail(
                c, _("Planen står stille: %(name)s") % {"name": p.person.full_name},
                "plans/email/idle.txt", {"plan": p, "days": settings.PLAN_IDLE_DAYS})):
            sent += 1
    return sent


def run_all(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every reminder job once and return how many notifications each sent."""
    from oppfolging.meetings.tasks import run_meeting_jobs

    now = now or timezone.now()
    counts = {
        "checkpoints": remind_checkpoints(timezone.localtime(now).date()),
        "idle_plans": flag_idle_plans(now),
    }
    counts.update(run_meeting_jobs(now=now))
    return counts


@task()
def send_reminders() -> dict[str, int]:
    """The background job: every reminder, idempotent, safe to enqueue as often as you like."""
    return run_all()
