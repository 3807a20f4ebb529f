import datetime as dt

import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from oppfolging.notifications import reminders
from oppfolging.notifications.models import Delivery, Notification
from oppfolging.notifications.tasks import deliveries_retry_due
from oppfolging.plans import tasks
from oppfolging.plans.models import IndividualPlan
from oppfolging.plans.selectors import idle_plans


def test_it_reminds_the_coordinator_once_about_a_checkpoint_coming_due(deliver, cast, plan):
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()
    assert tasks.remind_checkpoints() == 1
    assert tasks.remind_checkpoints() == 0
    deliver()
    assert [m.to for m in mail.outbox] == [["kim@example.invalid"]]
    assert "Et mål skal snart evalueres." in mail.outbox[0].body
    assert "Gå tur med hunden hver dag" not in mail.outbox[0].body
    assert "Petra" not in mail.outbox[0].body + mail.outbox[0].subject
    (item,) = Notification.objects.filter(recipient_user=cast.colleague, done_at__isnull=True)
    assert item.kind == "checkpoint_due" and item.url.startswith(f"/plan/person/{cast.person.pk}/")


def test_it_reminds_again_when_the_checkpoint_becomes_overdue(deliver, cast, plan):
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()
    tasks.remind_checkpoints()
    later = timezone.localdate() + dt.timedelta(days=5)
    assert tasks.remind_checkpoints(today=later) == 1
    deliver()
    assert "forfalt" in mail.outbox[-1].subject


def test_it_flags_a_plan_idle_after_ninety_days_with_frozen_time(deliver, cast, plan, settings):
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
        deliver()
    assert "Plan uten aktivitet" in mail.outbox[-1].subject


def test_it_runs_every_job_through_the_task_framework(cast, plan):
    result = reminders.send_reminders.enqueue()
    assert result.status == "SUCCESSFUL"
    assert result.return_value["checkpoints"] == 1  # in the inbox, even without an e-mail address
    assert Delivery.objects.count() == 0


def test_it_retries_a_reminder_the_mail_server_refused_and_shows_it_failed_at_last(cast, plan, monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    assert tasks.remind_checkpoints() == 1
    assert deliveries_retry_due() == 0
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "ConnectionRefusedError")
    assert deliveries_retry_due() == 0  # not yet due again
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert deliveries_retry_due() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    monkeypatch.undo()
    assert tasks.remind_checkpoints() == 0  # the reminder itself is made once
    assert mail.outbox == []
