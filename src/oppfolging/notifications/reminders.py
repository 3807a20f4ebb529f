"""The reminder sweep: every job that finds what has come due, and the retry of deliveries.

One job for the worker (`send_reminders`), enqueued every 15 minutes by `oppfolging scheduler`
or run once by `oppfolging send_reminders` from cron. It also runs the purges that come due by
date: withdrawn documents' files, GP risk lists past the GP's review period and old one-time form
tokens; and it queues again the scoring of a GP's list whose job was never queued. Every part is
idempotent: a notification is keyed by what it is about, so runs that repeat or overlap remind
nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.tasks import task
from django.utils import timezone

from oppfolging.calendars.tasks import tasks_remind_due
from oppfolging.documents.tasks import documents_purge_due
from oppfolging.gp.services import risk_lists_purge
from oppfolging.gp.tasks import risk_lists_requeue_lost
from oppfolging.meetings.tasks import run_meeting_jobs
from oppfolging.notifications.tasks import deliveries_retry_due
from oppfolging.plans.tasks import flag_idle_plans, remind_checkpoints
from oppfolging.submissions.tasks import submissions_forget_old

logger = logging.getLogger(__name__)


class RemindersIncomplete(Exception):
    """One or more parts of a reminder run failed (each is logged); the others ran."""


def run_all(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every reminder job once and return how many notifications each made.

    Each part runs even when one before it fails: a part that raises on one bad row must not stop
    the reminders, the purges or the retry of messages that come after it. The failure is logged
    with its traceback, and the run ends with RemindersIncomplete, so the job is marked failed
    (the operations metrics count it) once everything else has had its turn.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    counts: dict[str, int] = {}
    failed: list[str] = []

    def part(name: str, run: Callable[[], int | dict[str, int]]) -> None:
        try:
            result = run()
        except Exception:  # noqa: BLE001 - logged, the run goes on, and the job fails at the end
            logger.exception("Reminder part %s failed; the other parts run", name)
            failed.append(name)
            return
        counts.update(result if isinstance(result, dict) else {name: result})

    part("checkpoints", lambda: remind_checkpoints(today))
    part("idle_plans", lambda: flag_idle_plans(now))
    part("meetings", lambda: run_meeting_jobs(now=now))
    part("task_reminders", lambda: tasks_remind_due(today=today))
    part("documents_purged", lambda: documents_purge_due(today=today))
    # The cut-off is a date, so the first run of a day deletes what came due and the rest find
    # nothing: a daily purge, whatever the scheduler's interval.
    part("gp_risk_lists", lambda: {f"gp_risk_{what}_purged": n
                                   for what, n in risk_lists_purge(now=today).items()})
    part("gp_risk_lists_requeued", lambda: risk_lists_requeue_lost(now=now))
    part("submission_tokens_forgotten", lambda: submissions_forget_old(now=now))
    part("deliveries_retried", deliveries_retry_due)
    if failed:
        raise RemindersIncomplete(f"failed parts: {', '.join(failed)}; the others ran: {counts}")
    return counts


@task()
def send_reminders() -> dict[str, int]:
    """The background job: every reminder, idempotent, safe to enqueue as often as you like."""
    return run_all()
