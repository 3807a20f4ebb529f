"""Nothing handed to the worker is lost: a message is written whole, sent, or shown as failed.

What test_delivery.py proves (once-only, after commit, refused at send time, retried after an
SMTP error) is not repeated here; these are the ways a message could otherwise vanish or come
back for ever: a notification written without its messages, a failure outside the mail server,
a worker that died mid-send, a queue that could not be reached after commit, one broken part of
the reminder run, a mail server that never answers.
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

from oppfolging.notifications import delivery as delivery_module
from oppfolging.notifications import reminders
from oppfolging.notifications import services as notification_services
from oppfolging.notifications import tasks as notification_tasks
from oppfolging.notifications.models import Delivery, Kind, Notification
from oppfolging.notifications.services import Recipient, notify
from oppfolging.notifications.tasks import deliveries_retry_due
from oppfolging.teams.models import CoordinatorAssignment, Team


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
