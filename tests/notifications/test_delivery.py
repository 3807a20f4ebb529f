"""Notifications: once-only, after commit, checked at send time, no health information, retried."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from oppfolging.access.grants import PortalBasis, PortalGrant
from oppfolging.audit.models import AuditEvent
from oppfolging.notifications import delivery as delivery_module
from oppfolging.notifications.models import Delivery, Kind, Notification
from oppfolging.notifications.services import Recipient, notify
from oppfolging.notifications.sms import MemoryBackend, normalise_phone
from oppfolging.notifications.tasks import deliveries_retry_due
from oppfolging.portal import services as portal_services
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team

from ..conftest import make_user


@pytest.fixture
def coordinated(cast):
    """The colleague coordinates the person's team, and wants e-mail and SMS."""
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    cast.colleague.email, cast.colleague.phone, cast.colleague.notify_sms = "kim@example.invalid", "41234567", True
    cast.colleague.save()
    MemoryBackend.outbox.clear()
    return team


def test_it_makes_a_notification_once_per_key(cast):
    first = notify(kind=Kind.MESSAGE, key="k", recipient=Recipient(user=cast.cu), person=cast.person)
    second = notify(kind=Kind.MESSAGE, key="k", recipient=Recipient(user=cast.cu), person=cast.person)
    assert first is not None and second is None
    assert Notification.objects.count() == 1


def test_it_tells_the_coordinator_of_a_message_from_the_person_without_saying_what(deliver, cast, coordinated):
    grant = PortalGrant(cast.person, PortalBasis.SELF, None, make_user("petra", "Petra", "Person")).as_person_grant()
    portal_services.message_send(grant=grant, body="Jeg har vondt i brystet og er redd for diagnosen")
    deliver()
    (email,) = mail.outbox
    (sms,) = MemoryBackend.outbox
    assert email.to == ["kim@example.invalid"] and sms.to == "+4741234567"
    for text in (email.body, email.subject, sms.text):
        assert "vondt" not in text and "diagnosen" not in text and "Petra" not in text
    assert email.body.startswith("Hei Kim,")
    item = Notification.objects.get(recipient_user=cast.colleague)
    assert (item.kind, item.person) == ("message", cast.person)
    assert AuditEvent.objects.filter(resource="notification", action="send").count() == 2


def test_it_reaches_the_inbox_and_marks_a_message_done_when_the_thread_is_read(cast, coordinated):
    grant = PortalGrant(cast.person, PortalBasis.SELF, None, make_user("petra", "Petra", "Person")).as_person_grant()
    portal_services.message_send(grant=grant, body="Hei")
    client = cast.client_for(cast.colleague)
    start = client.get(reverse("home:start")).content.decode()
    assert "Innboks (1)" in start and "Ny melding fra personen eller pårørende" in start
    client.get(reverse("portal:staff_messages", args=[cast.person.pk]))
    assert Notification.objects.get().done_at is not None
    assert "Innboks (1)" not in client.get(reverse("home:start")).content.decode()


def test_it_sends_nothing_until_the_transaction_commits_and_nothing_if_it_rolls_back(cast, coordinated,
                                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            notify(kind=Kind.MESSAGE, key="a", recipient=Recipient(user=cast.colleague), person=cast.person)
    assert mail.outbox == [] and len(callbacks) == 2  # e-mail and SMS, queued for after commit
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(kind=Kind.MESSAGE, key="b", recipient=Recipient(user=cast.colleague), person=cast.person)
                raise RuntimeError("the save failed")
        except RuntimeError:
            pass
    assert callbacks == [] and not Notification.objects.filter(key__startswith="b:").exists()


def test_it_refuses_at_send_time_when_the_recipient_lost_access(deliver, cast, coordinated):
    notify(kind=Kind.MESSAGE, key="m", recipient=Recipient(user=cast.colleague), person=cast.person)
    CoordinatorAssignment.objects.update(ended_at=timezone.now())
    deliver()
    assert mail.outbox == [] and MemoryBackend.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"refused"}
    assert cast.client_for(cast.colleague).get(reverse("notifications:inbox")).content.decode().count(
        "Ny melding") == 0


def test_it_stops_messages_to_a_next_of_kin_once_consent_is_withdrawn(deliver, cast):
    kin = cast.next_of_kin
    kin.email = "nils@example.invalid"
    kin.save()
    consent = Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=kin,
                                     given_by="person", method="verbal")
    notify(kind=Kind.MEETING_INVITATION, key="x", recipient=Recipient(related=kin), person=cast.person)
    consent.withdrawn_at = timezone.now()
    consent.save()
    deliver()
    assert mail.outbox == []
    assert Delivery.objects.get().status == "refused"


def test_it_writes_a_letter_for_someone_with_neither_email_nor_phone(cast):
    cast.person.address, cast.person.postal_code, cast.person.postal_place = "Storgata 1", "9999", "Testvik"
    cast.person.save()
    notify(kind=Kind.DECISION, key="d", recipient=Recipient(person=cast.person), person=cast.person,
           url=reverse("portal:plan", args=[cast.person.pk]))
    letter = Delivery.objects.get()
    assert (letter.channel, letter.status) == ("letter", "to_print")
    assert letter.address == "Petra Person\nStorgata 1\n9999 Testvik"
    client = cast.client_for(cast.cu)
    listing = client.get(reverse("notifications:letters")).content.decode()
    assert "Storgata 1" in listing
    page = client.get(reverse("notifications:letter_print", args=[letter.pk])).content.decode()
    assert "Koordinerende enhet har svart deg" in page
    client.post(reverse("notifications:letter_print", args=[letter.pk]))
    letter.refresh_from_db()
    assert letter.status == "printed"
    assert cast.client_for(cast.stranger).get(reverse("notifications:letter_print", args=[letter.pk])).status_code == 404


def test_it_retries_a_failing_mail_server_and_shows_the_administrator_what_never_arrived(cast, coordinated,
                                                                                       monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    cast.colleague.notify_sms = False
    cast.colleague.save()

    def refuse(self, *args, **kwargs):
        raise TimeoutError("smtp")

    monkeypatch.setattr(delivery_module.EmailMessage, "send", refuse)
    notify(kind=Kind.MESSAGE, key="r", recipient=Recipient(user=cast.colleague), person=cast.person)
    now = timezone.now()
    for minutes in (0, 2, 10):
        with time_machine.travel(now + dt.timedelta(minutes=minutes)):
            deliveries_retry_due()
    failed = Delivery.objects.get()
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 3, "TimeoutError")
    admin = cast.client_for(cast.admin)
    assert "1 melding kom ikke fram" in admin.get(reverse("home:start")).content.decode()
    page = admin.get(reverse("notifications:failed")).content.decode()
    assert "TimeoutError" in page and "Petra" not in page
    monkeypatch.undo()
    admin.post(reverse("notifications:failed"), {"delivery": failed.pk})
    deliveries_retry_due()
    assert [m.to for m in mail.outbox] == [["kim@example.invalid"]]
    assert cast.client_for(cast.colleague).get(reverse("notifications:failed")).status_code == 403
    assert "TimeoutError" not in cast.client_for(cast.stranger).get(reverse("notifications:failed")).content.decode()


def test_it_puts_back_a_delivery_whose_worker_died_while_sending(deliver, cast, coordinated):
    notify(kind=Kind.MESSAGE, key="s", recipient=Recipient(user=cast.colleague), person=cast.person)
    stuck = Delivery.objects.filter(channel="email")
    stuck.update(status="sending", claimed_at=timezone.now() - dt.timedelta(minutes=30))
    deliver()
    assert stuck.get().status == "sent" and len(mail.outbox) == 1


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        type(self).received.append({"auth": self.headers["Authorization"],
                                    "body": json.loads(self.rfile.read(length))})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received, _Gateway.status = [], 200
    settings.SMS_BACKEND = "oppfolging.notifications.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.SMS_GATEWAY_TOKEN = "hemmelig"
    settings.SMS_SENDER = "Testvik"
    yield _Gateway
    server.shutdown()


def test_it_sends_sms_through_an_http_gateway_and_retries_when_it_refuses(deliver, cast, coordinated, gateway):
    cast.colleague.notify_email = False
    cast.colleague.save()
    gateway.status = 503
    notify(kind=Kind.HANDOVER, key="h", recipient=Recipient(user=cast.colleague), person=cast.person)
    deliver()
    sms = Delivery.objects.get()
    assert (sms.status, sms.attempts, sms.last_error) == ("pending", 1, "SmsError")
    gateway.status = 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        deliver()
    sms.refresh_from_db()
    assert sms.status == "sent"
    last = gateway.received[-1]
    assert last["auth"] == "Bearer hemmelig"
    assert last["body"]["to"] == "+4741234567" and last["body"]["from"] == "Testvik"
    assert "overføringsnotat" in last["body"]["message"] and "Petra" not in last["body"]["message"]


@pytest.mark.parametrize(("raw", "expected"), [("412 34 567", "+4741234567"), ("0047 41234567", "+4741234567"),
                                               ("+46701234567", "+46701234567")])
def test_it_normalises_phone_numbers(raw, expected):
    assert normalise_phone(raw) == expected


def test_it_refuses_to_print_a_letter_once_the_next_of_kin_lost_the_consent(cast):
    """A letter waits in the print queue; it is checked when it goes out, like e-mail and SMS (#12.2)."""
    kin = cast.next_of_kin
    kin.address, kin.postal_code, kin.postal_place = "Storgata 2", "9999", "Testvik"
    kin.save()
    consent = Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=kin,
                                     given_by="person", method="verbal")
    notify(kind=Kind.MEETING_INVITATION, key="brev", recipient=Recipient(related=kin), person=cast.person)
    letter = Delivery.objects.get()
    assert (letter.channel, letter.status) == ("letter", "to_print")
    consent.withdrawn_at = timezone.now()
    consent.save()
    client = cast.client_for(cast.cu)

    page = client.get(reverse("notifications:letter_print", args=[letter.pk]), follow=True).content.decode()
    posted = client.post(reverse("notifications:letter_print", args=[letter.pk]))

    letter.refresh_from_db()
    assert letter.status == "refused" and letter.sent_at is None
    assert "Storgata 2" not in page and "mottakeren har ikke lenger tilgang" in page
    assert posted.status_code == 404
    assert AuditEvent.objects.filter(resource="notification", purpose__startswith="Varsel ikke sendt").count() == 1


def test_it_keeps_what_waits_on_an_incoming_coordinator_until_their_period_begins(deliver, cast, coordinated):
    from oppfolging.access import policy
    from oppfolging.accounts.models import Role, RoleAssignment
    from oppfolging.teams.models import CoordinatorProfile
    from oppfolging.teams.services import coordinator_appoint

    incoming = make_user("ny", "Nina", "Ny")
    incoming.email = "nina@example.invalid"
    incoming.save()
    RoleAssignment.objects.create(user=incoming, role=Role.COORDINATOR, municipality=cast.municipality)
    CoordinatorProfile.objects.create(user=incoming, municipality=cast.municipality)
    starts_on = timezone.localdate() + dt.timedelta(days=7)
    grant = policy.person_grant(user=cast.cu, person=cast.person)
    assignment = coordinator_appoint(grant=grant, team=coordinated, coordinator=incoming, starts_on=starts_on,
                                     handover_note="Petra vil ha møter hjemme.")
    deliver()
    assert not [m for m in mail.outbox if m.to == ["nina@example.invalid"]]
    waiting = Delivery.objects.get(notification__recipient_user=incoming, notification__kind=Kind.HANDOVER)
    assert (waiting.status, waiting.next_attempt_at) == ("pending", assignment.started_at)
    with time_machine.travel(assignment.started_at + dt.timedelta(minutes=15)):
        deliveries_retry_due()
    waiting.refresh_from_db()
    assert waiting.status == "sent"
    (sent,) = [m for m in mail.outbox if m.to == ["nina@example.invalid"]]
    assert "overføringsnotat venter" in sent.body and "Petra" not in sent.body


def test_it_tells_a_next_of_kin_of_a_new_coordinator_in_words_for_a_next_of_kin(deliver, cast, coordinated):
    from oppfolging.access import policy
    from oppfolging.teams.models import CoordinatorProfile
    from oppfolging.teams.services import coordinator_appoint

    cast.next_of_kin.email = "nils@example.invalid"
    cast.next_of_kin.save()
    Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=cast.next_of_kin,
                           given_by="person", method="verbal")
    CoordinatorProfile.objects.create(user=cast.cu, municipality=cast.municipality)
    coordinator_appoint(grant=policy.person_grant(user=cast.cu, person=cast.person), team=coordinated,
                        coordinator=cast.cu, handover_note="Ta over.")
    deliver()
    (told,) = [m for m in mail.outbox if m.to == ["nils@example.invalid"]]
    assert told.body.startswith("Hei Nils,")
    assert "Den du er pårørende for, får ny koordinator i Oppfølging." in told.body
    assert "Du har fått ny koordinator" not in told.body and "Petra" not in told.body
