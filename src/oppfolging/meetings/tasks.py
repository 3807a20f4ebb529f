"""Background jobs: send agendas that are due, remind owners of overdue action items.

Each job reloads its state and is safe to run twice: every notification is keyed by the meeting
or item and the recipient, so nobody is told twice. The plain functions are what
the `oppfolging send_reminders` command calls; the tasks wrap them for the task worker.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from oppfolging.access.grants import PersonGrant
from oppfolging.meetings import selectors, services
from oppfolging.meetings.models import Meeting


def agendas_send_due(*, now: dt.datetime | None = None) -> int:
    """Send every invitation whose time has come; return how many invitees it reached."""
    now = now or timezone.now()
    sent = 0
    for due in selectors.due_for_agenda(now=now, days_before=settings.AGENDA_SEND_DAYS_BEFORE):
        # Two overlapping runs both see the meeting as due: the first to lock it sends, and the
        # other skips it (locked, or already sent once the lock is released).
        with transaction.atomic():
            meeting = (Meeting.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(pk=due.pk, agenda_sent_at__isnull=True).select_related("team__person").first())
            if meeting is None:
                continue
            sent += services.agenda_send(grant=PersonGrant.system(meeting.team.person), meeting=meeting).count
    return sent


def action_items_remind_overdue(*, now: dt.datetime | None = None) -> int:
    """Remind the owner of each overdue action item, once per item; return reminders sent."""
    today = timezone.localdate(now) if now else timezone.localdate()
    sent = 0
    items = selectors.open_action_items().filter(due_on__lt=today).select_related("team__person")
    for item in items.order_by("due_on", "pk"):
        sent += services.action_item_remind(grant=PersonGrant.system(item.team.person), item=item)
    return sent


@task
def send_due_agendas() -> int:
    """Send the agendas that are due (task for the worker)."""
    return agendas_send_due()


@task
def remind_overdue_action_items() -> int:
    """Remind owners of overdue action items (task for the worker)."""
    return action_items_remind_overdue()


def run_meeting_jobs(now: dt.datetime | None = None) -> dict[str, int]:
    """Run both meeting jobs now, in this process, and say how much each sent."""
    return {
        "agendas_sent": agendas_send_due(now=now),
        "action_item_reminders": action_items_remind_overdue(now=now),
    }
