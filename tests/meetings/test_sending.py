import datetime as dt
import re

import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.audit.models import AuditEvent
from oppfolging.meetings import services
from oppfolging.meetings.models import ActionItem, Meeting
from oppfolging.meetings.tasks import (
    remind_overdue_action_items,
    run_meeting_jobs,
    send_due_agendas,
)
from oppfolging.notifications.models import Delivery, Notification
from oppfolging.teams.models import Consent, TeamMembership

from .conftest import at, grant_for


def _calendar(message) -> Calendar:
    (attachment,) = message.attachments
    assert attachment.mimetype.startswith("text/calendar; method=")
    return Calendar.from_ical(attachment.content)


def test_it_sends_the_invitation_with_a_calendar_file_and_no_health_information(deliver, cast, meeting, due_goal, settings):
    settings.DEFAULT_FROM_EMAIL = "oppfolging@testvik.kommune.invalid"
    services.agenda_item_add(grant=PersonGrant(cast.person, Basis.PERSON_SELF, "person", "", False),
                             meeting=meeting, title="Transport til dagsenteret")
    response = cast.client_for(cast.cu).post(reverse("meetings:agenda_send", args=[cast.person.pk, meeting.pk]),
                                             follow=True)
    deliver()
    html = response.content.decode()
    assert "Innkallingen er sendt til 3 innkalte" in html
    assert "Kim Kollega (innboks, E-post)" in html and "Nils Person (E-post)" in html
    assert sorted(m.to[0] for m in mail.outbox) == [
        "kim@example.invalid", "nils@example.invalid", "petra@example.invalid"]
    message = next(m for m in mail.outbox if m.to == ["petra@example.invalid"])
    assert message.body.startswith("Hei Petra,")
    assert "Du er innkalt til møte i oppfølgingsteamet." in message.body
    assert "/mote/svar/" in message.body  # the person answers from the message, without signing in
    for forbidden in ("Gå tur med hunden alene", "Transport til dagsenteret", "Helsehuset", "Nils", "Kim"):
        # As words: the answer link's random token may hold the letters «Kim».
        pattern = rf"\b{re.escape(forbidden)}\b"
        assert not re.search(pattern, message.body) and not re.search(pattern, message.subject)
    staff_message = next(m for m in mail.outbox if m.to == ["kim@example.invalid"])
    assert f"/mote/person/{cast.person.pk}/{meeting.pk}/" in staff_message.body
    calendar = _calendar(message)
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"meeting-{meeting.pk}@testvik.kommune.invalid"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(hours=1)
    assert str(event["LOCATION"]) == "Helsehuset, møterom 2"
    assert str(event["SUMMARY"]) == "Møte i oppfølgingsteam"
    assert "Gå tur med hunden alene" not in str(event["DESCRIPTION"])
    meeting.refresh_from_db()
    assert meeting.agenda_sent_at is not None
    assert AuditEvent.objects.filter(resource="notification", action="send", person=cast.person).count() == 3


def test_it_sends_nothing_to_next_of_kin_once_consent_is_withdrawn(deliver, cast, meeting):
    Consent.objects.filter(scope="next_of_kin").update(withdrawn_at=timezone.now())
    report = services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["kim@example.invalid", "petra@example.invalid"]
    assert sorted(name for name, _channels in report.reached) == ["Kim Kollega", "Petra Person"]


def test_it_sends_due_agendas_once_however_often_the_job_runs(deliver, cast, team, meeting):
    far = services.meeting_schedule(grant=grant_for(cast.cu, cast.person), team=team,
                                    starts_at=at(30), video_link="https://video.example.invalid/rom")
    assert run_meeting_jobs() == {"agendas_sent": 3, "action_item_reminders": 0}
    assert run_meeting_jobs() == {"agendas_sent": 0, "action_item_reminders": 0}
    # Even when the sent mark is lost, each recipient gets one e-mail.
    Meeting.objects.filter(pk=meeting.pk).update(agenda_sent_at=None)
    send_due_agendas.enqueue()
    deliver()
    assert len(mail.outbox) == 3
    assert len({m.to[0] for m in mail.outbox}) == 3
    far.refresh_from_db()
    assert far.agenda_sent_at is None
    with time_machine.travel(at(25), tick=False):
        assert run_meeting_jobs()["agendas_sent"] == 3
        deliver()
    event = _calendar(mail.outbox[-1]).walk("VEVENT")[0]
    assert str(event["URL"]) == "https://video.example.invalid/rom"


def test_it_sends_an_update_when_time_changes_after_the_agenda_went_out(deliver, cast, meeting):
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    cast.client_for(cast.cu).post(reverse("meetings:edit", args=[cast.person.pk, meeting.pk]), {
        "day": (timezone.localdate() + dt.timedelta(days=4)).isoformat(), "start": "13:00", "end": "14:30",
        "location": "Helsehuset, møterom 2", "video_link": "", "version": meeting.version})
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and meeting.agenda_sent_at is not None
    deliver()  # the update goes out at once, not when the next invitation would be due
    assert len(mail.outbox) == 6
    update = mail.outbox[-1]
    assert "er endret" in update.body
    event = _calendar(update).walk("VEVENT")[0]
    assert str(event["UID"]) == f"meeting-{meeting.pk}@localhost"
    assert event["SEQUENCE"] == 1 and event.decoded("DTSTART") == at(4, 13)
    run_meeting_jobs()
    deliver()
    assert len(mail.outbox) == 6  # nothing sent twice


def test_it_refuses_a_stale_edit_of_the_meeting_and_keeps_what_was_typed(cast, meeting):
    url = reverse("meetings:edit", args=[cast.person.pk, meeting.pk])
    data = {"day": (timezone.localdate() + dt.timedelta(days=4)).isoformat(), "start": "13:00", "end": "14:30",
            "location": "Helsehuset, møterom 2", "video_link": "", "version": meeting.version}
    cast.client_for(cast.cu).post(url, {**data, "location": "Rådhuset"})
    response = cast.client_for(cast.cu).post(url, {**data, "location": "Biblioteket"})
    html = response.content.decode()
    assert response.status_code == 200 and "Noen andre endret møtet" in html
    assert 'value="Biblioteket"' in html and "Rådhuset" in html
    meeting.refresh_from_db()
    assert meeting.location == "Rådhuset"
    # A form sent without the version it started from is refused too, never taken as "the latest".
    response = cast.client_for(cast.cu).post(url, {**data, "version": "", "location": "Biblioteket"})
    assert "Noen andre endret møtet" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.location == "Rådhuset"


def test_it_tells_invitees_once_a_day_when_the_agenda_changes_after_sending(deliver, cast, meeting):
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    sent = len(mail.outbox)
    grant = PersonGrant(cast.person, Basis.PERSON_SELF, "person", "", False)
    services.agenda_item_add(grant=grant, meeting=meeting, title="Ny sak")
    services.agenda_item_add(grant=grant, meeting=meeting, title="Enda en sak")
    deliver()
    updates = mail.outbox[sent:]
    assert sorted(m.to[0] for m in updates) == ["kim@example.invalid", "nils@example.invalid", "petra@example.invalid"]
    assert all("Ny sak" not in m.body for m in updates)


def test_it_cancels_after_confirmation_and_tells_those_who_got_the_agenda(deliver, cast, meeting):
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    client = cast.client_for(cast.cu)
    url = reverse("meetings:cancel", args=[cast.person.pk, meeting.pk])
    html = client.get(url).content.decode()
    assert "Avlys møtet" in html and "Nils Person" in html
    meeting.refresh_from_db()
    assert meeting.status == "planned"
    client.post(url, {"reason": "Koordinatoren er syk."})
    deliver()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "Koordinatoren er syk.")
    cancellations = mail.outbox[3:]
    assert len(cancellations) == 3 and "er avlyst" in cancellations[0].body
    assert "Koordinatoren er syk." not in cancellations[0].body
    assert _calendar(cancellations[0])["METHOD"] == "CANCEL"
    assert run_meeting_jobs()["agendas_sent"] == 0


def test_it_reminds_owners_of_overdue_action_items_once(deliver, cast, meeting):
    ActionItem.objects.create(team=meeting.team, description="Søke om BPA", owner_user=cast.colleague,
                              due_on=timezone.localdate() - dt.timedelta(days=1), created_by=cast.cu)
    ActionItem.objects.create(team=meeting.team, description="Ikke forfalt", owner_user=cast.colleague,
                              due_on=timezone.localdate(), created_by=cast.cu)
    assert remind_overdue_action_items.enqueue().return_value == 1
    assert run_meeting_jobs()["action_item_reminders"] == 0
    deliver()
    (message,) = [m for m in mail.outbox if "passert fristen" in m.body]
    assert message.to == ["kim@example.invalid"] and "Søke om BPA" not in message.body
    assert Notification.objects.get(kind="action_item_overdue").recipient_user == cast.colleague


def test_it_sends_nothing_to_a_member_whose_service_lost_the_consent(deliver, cast, meeting):
    """Withdrawn sharing consent stops the invitation at send time, as it stops the pages (#12.2)."""
    Consent.objects.filter(scope="share_with_service").update(withdrawn_at=timezone.now())
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    assert "kim@example.invalid" not in [m.to[0] for m in mail.outbox]
    refused = Delivery.objects.get(notification__recipient_user=cast.colleague)
    assert refused.status == "refused"
    assert AuditEvent.objects.filter(resource="notification", purpose__startswith="Varsel ikke sendt").exists()


def test_it_does_not_remind_an_owner_who_left_the_team(deliver, cast, meeting):
    ActionItem.objects.create(team=meeting.team, description="Søke om BPA", owner_user=cast.colleague,
                              due_on=timezone.localdate() - dt.timedelta(days=1), created_by=cast.cu)
    TeamMembership.objects.filter(user=cast.colleague).update(left_on=timezone.localdate())
    run_meeting_jobs()
    deliver()
    assert [m for m in mail.outbox if "passert fristen" in m.body] == []
    assert Delivery.objects.get(notification__kind="action_item_overdue").status == "refused"


def test_it_does_not_remind_an_owner_whose_service_lost_the_consent(deliver, cast, meeting):
    """The overdue reminder is queued, then consent is withdrawn: it is refused when it goes out (#12.2)."""
    ActionItem.objects.create(team=meeting.team, description="Søke om BPA", owner_user=cast.colleague,
                              due_on=timezone.localdate() - dt.timedelta(days=1), created_by=cast.cu)
    run_meeting_jobs()
    Consent.objects.filter(scope="share_with_service").update(withdrawn_at=timezone.now())
    deliver()
    assert [m for m in mail.outbox if "passert fristen" in m.body] == []
    assert Delivery.objects.get(notification__kind="action_item_overdue").status == "refused"
