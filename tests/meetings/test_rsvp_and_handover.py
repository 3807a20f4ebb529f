"""Invitees answer from the message or in the app; planned meetings follow a handover (#14)."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from oppfolging.access.grants import PersonGrant
from oppfolging.meetings import services
from oppfolging.meetings.models import Invitation
from oppfolging.teams.models import CoordinatorAssignment, CoordinatorProfile
from oppfolging.teams.services import coordinator_appoint

from .conftest import grant_for


def test_it_takes_an_answer_from_the_link_in_the_message_without_signing_in(deliver, cast, client, meeting):
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    body = next(m.body for m in mail.outbox if m.to == ["petra@example.invalid"])
    link = next(word for word in body.split() if "/mote/svar/" in word)
    path = link[link.index("/mote/svar/"):]
    page = client.get(path).content.decode()
    assert "Møte i oppfølgingsteamet" in page and "Petra" not in page
    client.post(path, {"response": "not_coming"})
    invitation = meeting.invitations.get(kind="person")
    assert invitation.response == "not_coming"
    assert client.get("/mote/svar/forfalsket/").status_code == 200
    assert "Lenken er ikke gyldig" in client.post("/mote/svar/forfalsket/", {"response": "coming"}, follow=True).content.decode()


def test_it_lets_a_member_answer_in_the_app_and_prefills_attendance_with_notice(cast, meeting):
    client = cast.client_for(cast.colleague)
    client.post(reverse("meetings:respond", args=[cast.person.pk, meeting.pk]), {"response": "not_coming"})
    invitation = Invitation.objects.get(meeting=meeting, membership__user=cast.colleague)
    assert invitation.response == "not_coming"
    html = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()
    assert "Kommer ikke" in html


def test_it_moves_planned_meetings_to_the_new_coordinator_and_cancels_for_the_one_who_left(deliver, cast, team,
                                                                                              meeting, settings):
    settings.HANDOVER_OVERLAP_DAYS = 0
    cast.cu.email = "kari@example.invalid"
    cast.cu.save()
    for user in (cast.cu, cast.colleague):
        CoordinatorProfile.objects.create(user=user, municipality=cast.municipality)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.cu, appointed_by=cast.cu,
                                         started_at=timezone.now() - dt.timedelta(days=30))
    services.invitation_sync(grant=grant_for(cast.cu, cast.person), meeting=meeting)
    services.agenda_send(grant=PersonGrant.system(cast.person), meeting=meeting)
    deliver()
    before = len(mail.outbox)
    coordinator_appoint(grant=grant_for(cast.cu, cast.person), team=team, coordinator=cast.colleague,
                        handover_note="Ta over møtet.")
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert meeting.invitations.get(user=cast.cu).withdrawn_at is not None
    deliver()
    sent = mail.outbox[before:]
    cancel = next(m for m in sent if m.to == ["kari@example.invalid"])
    assert Calendar.from_ical(cancel.attachments[0].content)["METHOD"] == "CANCEL"
    update = next(m for m in sent if m.to == ["petra@example.invalid"] and "er endret" in m.body)
    event = Calendar.from_ical(update.attachments[0].content).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1
