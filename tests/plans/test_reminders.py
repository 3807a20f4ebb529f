import datetime as dt

import time_machine
from django.core import mail
from django.utils import timezone

from oppfolging.plans import tasks
from oppfolging.plans.models import IndividualPlan
from oppfolging.plans.selectors import idle_plans


def test_it_reminds_the_coordinator_once_about_a_checkpoint_coming_due(cast, plan):
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()
    assert tasks.remind_checkpoints() == 1
    assert tasks.remind_checkpoints() == 0
    assert [m.to for m in mail.outbox] == [["kim@example.invalid"]]
    assert "Gå tur med hunden hver dag" in mail.outbox[0].body


def test_it_reminds_again_when_the_checkpoint_becomes_overdue(cast, plan):
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()
    tasks.remind_checkpoints()
    later = timezone.localdate() + dt.timedelta(days=5)
    assert tasks.remind_checkpoints(today=later) == 1
    assert "overtid" in mail.outbox[-1].subject


def test_it_flags_a_plan_idle_after_ninety_days_with_frozen_time(cast, plan, settings):
    settings.PLAN_IDLE_DAYS = 90
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()
    start = timezone.now()
    IndividualPlan.objects.filter(pk=plan.pk).update(last_activity_at=start)
    with time_machine.travel(start + dt.timedelta(days=89)):
        assert list(idle_plans(municipality=cast.municipality)) == []
        assert tasks.flag_idle_plans() == 0
    with time_machine.travel(start + dt.timedelta(days=91)):
        assert list(idle_plans(municipality=cast.municipality)) == [plan]
        assert tasks.flag_idle_plans() == 1
        assert tasks.flag_idle_plans() == 0
    assert "står stille" in mail.outbox[-1].subject


def test_it_runs_every_job_through_the_task_framework(cast, plan):
    result = tasks.send_reminders.enqueue()
    assert result.status == "SUCCESSFUL"
    assert result.return_value["checkpoints"] == 0  # the coordinator has no e-mail address


def test_it_retries_a_reminder_the_mail_server_refused(cast, plan, monkeypatch):
    from oppfolging.notifications.models import SentNotification

    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(tasks, "send_mail", refuse)
    assert tasks.remind_checkpoints() == 0
    assert not SentNotification.objects.exists()
    monkeypatch.undo()
    assert tasks.remind_checkpoints() == 1
