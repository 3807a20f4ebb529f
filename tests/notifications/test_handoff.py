"""Nothing handed to the worker is lost: a message is written whole, sent, or shown as failed.

What test_delivery.py proves (once-only, after commit, refused at send time, retried after an
SMTP error) is not repeated here; these are the ways a message could otherwise vanish or come
back for ever: a notification written without its messages, a failure outside the mail server,
a worker that died mid-send, a queue that could not be reached after commit, one broken part of
the reminder run, a mail server that never answers; and a message sent to an address or on a
channel the recipient has given up since it was written.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.notifications import delivery as delivery_module
from oppfolging.notifications import reminders
from oppfolging.notifications import services as notification_services
from oppfolging.notifications import tasks as notification_tasks
from oppfolging.notifications.models import Delivery, Kind, Notification
from oppfolging.notifications.services import Recipient, notify
from oppfolging.notifications.sms import MemoryBackend
from oppfolging.notifications.tasks import deliveries_retry_due
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team


@pytest.fixture
def coordinated(cast):
    """The colleague coordinates the person's team and wants e-mail only."""
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    cast.colleague.email, cast.colleague.notify_sms = "kim@example.invalid", False
    cast.colleague.save()
    return team


def _notify(cast, key: str) -> Notification:
    made = notify(kind=Kind.MESSAGE, key=key, recipient=Recipient(user=cast.colleague), person=cast.person)
    assert made is not None
    return made


def test_it_writes_a_notification_only_together_with_its_messages(cast, coordinated, monkeypatch):
    """A reminder job calls notify outside any transaction; a notification left without its
    messages would hold its key, and every later run would skip it: the e-mail never written."""
    channels_for = notification_services.channels_for
    calls = []

    def fail_once(recipient):
        calls.append(recipient)
        if len(calls) == 1:
            raise RuntimeError("the worker stopped here")
        return channels_for(recipient)

    monkeypatch.setattr(notification_services, "channels_for", fail_once)
    with pytest.raises(RuntimeError):
        notify(kind=Kind.TASK_DUE, key="task-due:1", recipient=Recipient(user=cast.colleague), person=cast.person)
    assert not Notification.objects.exists()

    again = notify(kind=Kind.TASK_DUE, key="task-due:1", recipient=Recipient(user=cast.colleague), person=cast.person)

    assert again is not None
    assert list(Delivery.objects.values_list("notification", "channel", "status")) == [
        (again.pk, "email", "pending")]


def test_it_counts_a_failure_outside_the_mail_server_and_lets_the_other_messages_go(cast, coordinated,
                                                                                   monkeypatch, settings):
    """A message whose policy check or row breaks is retried, then shown as failed; it neither
    stays claimed for ever nor stops the sweep before the messages behind it."""
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    broken = _notify(cast, "broken")
    _notify(cast, "fine")
    waits_for_access = delivery_module.waits_for_access

    def break_one(notification):
        if notification.pk == broken.pk:
            raise LookupError("a row the policy cannot read")
        return waits_for_access(notification)

    monkeypatch.setattr(delivery_module, "waits_for_access", break_one)

    assert deliveries_retry_due() == 1

    assert [m.to for m in mail.outbox] == [["kim@example.invalid"]]
    poisoned = Delivery.objects.get(notification=broken)
    assert (poisoned.status, poisoned.attempts, poisoned.last_error, poisoned.claimed_at) == (
        "pending", 1, "LookupError", None)
    now = timezone.now()
    for hours in (1, 2):
        with time_machine.travel(now + dt.timedelta(hours=hours)):
            deliveries_retry_due()
    poisoned.refresh_from_db()
    assert (poisoned.status, poisoned.attempts) == ("failed", 3)
    page = cast.client_for(cast.admin).get(reverse("notifications:failed")).content.decode()
    assert "LookupError" in page
    assert len(mail.outbox) == 1


def test_it_counts_a_send_cut_off_by_a_dead_worker_and_fails_it_after_the_last_attempt(cast, coordinated,
                                                                                      settings):
    """A message that kills its worker each time (or hangs it) must not be put back for ever."""
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    _notify(cast, "dies")
    stuck = Delivery.objects.filter(channel="email")
    stuck.update(status="sending", claimed_at=timezone.now() - dt.timedelta(minutes=30))

    assert delivery_module.release_stale_claims() == 1
    assert stuck.values_list("status", "attempts", "last_error").get() == ("pending", 1, "WorkerLost")

    stuck.update(status="sending", claimed_at=timezone.now() - dt.timedelta(minutes=30))
    deliveries_retry_due()

    assert stuck.values_list("status", "attempts", "last_error", "claimed_at").get() == (
        "failed", 2, "WorkerLost", None)
    assert mail.outbox == []
    assert "WorkerLost" in cast.client_for(cast.admin).get(reverse("notifications:failed")).content.decode()


def test_it_leaves_a_fresh_claim_to_the_worker_that_holds_it(cast, coordinated):
    _notify(cast, "busy")
    Delivery.objects.update(status="sending", claimed_at=timezone.now() - dt.timedelta(minutes=2))

    assert delivery_module.release_stale_claims() == 0
    assert Delivery.objects.values_list("status", "attempts").get() == ("sending", 0)


def test_it_keeps_the_save_and_sends_later_when_the_queue_cannot_be_reached_after_commit(
        cast, coordinated, monkeypatch, django_capture_on_commit_callbacks):
    """The change has committed when the job is queued: a failure there must not show an error
    page saying nothing was saved (the user would save again), nor skip the other messages."""
    cast.colleague.notify_sms, cast.colleague.phone = True, "41234567"
    cast.colleague.save()
    queued = []

    def database_gone(delivery_id):
        queued.append(delivery_id)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(notification_services, "deliver_notification", SimpleNamespace(enqueue=database_gone))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        made = _notify(cast, "after-commit")

    deliveries = Delivery.objects.filter(notification=made)
    assert sorted(queued) == sorted(deliveries.values_list("pk", flat=True)) and len(queued) == 2
    assert set(deliveries.values_list("status", flat=True)) == {"pending"}
    monkeypatch.undo()
    deliveries_retry_due()
    assert set(deliveries.values_list("status", flat=True)) == {"sent"}


def test_it_runs_every_part_of_the_reminder_run_when_one_fails_and_then_says_so(cast, coordinated, monkeypatch):
    """One part that breaks on a bad row must not stop the retry of messages after it."""
    _notify(cast, "waiting")

    def broken(today):
        raise ValueError("a checkpoint the reminder cannot read")

    monkeypatch.setattr(reminders, "remind_checkpoints", broken)

    with pytest.raises(reminders.RemindersIncomplete, match="checkpoints") as raised:
        reminders.run_all()

    assert "'deliveries_retried': 1" in str(raised.value)
    assert Delivery.objects.get().status == "sent"
    assert [m.to for m in mail.outbox] == [["kim@example.invalid"]]


def test_it_goes_on_with_the_sweep_when_one_delivery_cannot_be_handled(cast, coordinated, monkeypatch):
    first, second = _notify(cast, "locked"), _notify(cast, "free")
    locked = Delivery.objects.get(notification=first).pk
    deliver = delivery_module.deliver

    def row_locked(delivery_id):
        if delivery_id == locked:
            raise OperationalError("could not obtain lock")
        return deliver(delivery_id)

    monkeypatch.setattr(notification_tasks.delivery, "deliver", row_locked)

    assert deliveries_retry_due() == 1
    assert Delivery.objects.get(notification=second).status == "sent"


def test_it_gives_up_on_a_mail_server_that_never_answers(tmp_path):
    """With production settings the SMTP connection has a timeout: a silent server fails the
    attempt (retried later) instead of holding the worker, whose lease stays fresh, for ever."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never says a word
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "OPPFOLGING_TESTING", "OPPFOLGING_DEMO", "EMAIL_BACKEND"}}
    env.update(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.invalid",
               DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", DJANGO_SETTINGS_MODULE="oppfolging.settings",
               EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(silent.getsockname()[1]), EMAIL_TIMEOUT="1")
    script = ("import django; django.setup()\n"
              "from django.core.mail import EmailMessage\n"
              "try:\n"
              "    EmailMessage('s', 'b', 'a@example.invalid', ['b@example.invalid']).send()\n"
              "except OSError as error:\n"
              "    print('gave up:', type(error).__name__, error)\n")
    try:
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                timeout=60)
    finally:
        silent.close()
    assert result.stdout.strip() == "gave up: SMTPServerDisconnected Connection unexpectedly closed: timed out", (
        result.stderr)


def test_it_sends_to_the_address_the_next_of_kin_has_when_the_message_goes_out(cast):
    """A number or address given up since the message was written may belong to someone else now."""
    kin = cast.next_of_kin
    kin.email = "nils.gammel@example.invalid"
    kin.save()
    Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=kin, given_by="person",
                           method="verbal")
    notify(kind=Kind.MEETING_INVITATION, key="moved", recipient=Recipient(related=kin), person=cast.person)
    kin.email = "nils.ny@example.invalid"
    kin.save()

    deliveries_retry_due()

    assert [m.to for m in mail.outbox] == [["nils.ny@example.invalid"]]
    assert Delivery.objects.values_list("status", "address").get() == ("sent", "nils.ny@example.invalid")


def test_it_does_not_send_on_a_channel_the_recipient_turned_off_before_it_went_out(cast, coordinated):
    cast.colleague.notify_sms, cast.colleague.phone = True, "41234567"
    cast.colleague.save()
    MemoryBackend.outbox.clear()
    _notify(cast, "turned-off")
    cast.colleague.notify_sms = False
    cast.colleague.save()

    deliveries_retry_due()

    assert dict(Delivery.objects.values_list("channel", "status")) == {"email": "sent", "sms": "opted_out"}
    assert MemoryBackend.outbox == [] and [m.to for m in mail.outbox] == [["kim@example.invalid"]]
    assert AuditEvent.objects.filter(
        resource="notification", purpose="Varsel ikke sendt, mottakeren har valgt det bort: "
                                         "Ny melding fra personen eller pårørende (SMS)").count() == 1


def test_it_writes_a_letter_when_the_person_gave_up_every_other_way_before_it_went_out(cast):
    person = cast.person
    person.email, person.address, person.postal_code, person.postal_place = (
        "petra@example.invalid", "Storgata 1", "9999", "Testvik")
    person.save()
    notify(kind=Kind.DECISION, key="decision", recipient=Recipient(person=person), person=person)
    person.notify_email = False
    person.save()

    deliveries_retry_due()

    assert mail.outbox == []
    assert sorted(Delivery.objects.values_list("channel", "status", "address")) == [
        ("email", "opted_out", "petra@example.invalid"), ("letter", "to_print", "Petra Person\nStorgata 1\n9999 Testvik")]
