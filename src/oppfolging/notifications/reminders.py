"""The reminder sweep: every job that finds what has come due, and the retry of deliveries.

One job for the worker (`send_reminders`), enqueued every 15 minutes by `oppfolging scheduler`
or run once by `oppfolging send_reminders` from cron. It also runs the purges that come due by
date: withdrawn documents' files, GP risk lists past the GP's review period and old one-time form
tokens. Every part is idempotent: a notification
is keyed by what it is about, so runs that repeat or overlap remind nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from oppfolging.calendars.tasks import tasks_remind_due
from oppfolging.documents.tasks import documents_purge_due
from oppfolging.gp.services import risk_lists_purge
from oppfolging.meetings.tasks import run_meeting_jobs
from oppfolging.notifications.tasks import deliveries_retry_due
from oppfolging.plans.tasks import flag_idle_plans, remind_checkpoints
from oppfolging.submissions.tasks import submissions_forget_old


def run_all(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every reminder job once and return how many notifications each made."""
    now = now or timezone.now()
    counts = {
        "checkpoints": remind_checkpoints(timezone.localtime(now).date()),
        "idle_plans": flag_idle_plans(now),
    }
    counts.update(run_meeting_jobs(now=now))
    counts["task_reminders"] = tasks_remind_due(today=timezone.localtime(now).date())
    counts["documents_purged"] = documents_purge_due(today=timezone.localtime(now).date())
    # The cut-off is a date, so the first run of a day deletes what came due and the rest find
    # nothing: a daily purge, whatever the scheduler's interval.
    purged = risk_lists_purge(now=timezone.localtime(now).date())
    counts["gp_risk_lists_purged"] = purged["lists"]
    counts["gp_risk_entries_purged"] = purged["entries"]
    counts["gp_risk_decisions_purged"] = purged["decisions"]
    counts["submission_tokens_forgotten"] = submissions_forget_old(now=now)
    counts["deliveries_retried"] = deliveries_retry_due()
    return counts


@task()
def send_reminders() -> dict[str, int]:
    """The background job: every reminder, idempotent, safe to enqueue as often as you like."""
    return run_all()
