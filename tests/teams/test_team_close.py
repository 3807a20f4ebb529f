"""Ending the follow-up: the team closes, and the hand-off reaches everyone who took part.

Planned meetings are cancelled with a cancellation for each invitee's calendar, members and the
coordinator stop seeing the person, the person, the next of kin and the staff are told (with no
health information), a double click closes once, and the unit can undo it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.meetings import services as meeting_services
from oppfolging.meetings.models import ActionItem, Meeting, MeetingStatus
from oppfolging.notifications.models import Kind, Notification
from oppfolging.plans.models import PlanStatus
from oppfolging.teams.models import TeamStatus

from ..plantools_world import build_world

pytestmark = pytest.mark.django_db


def _at(days: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=days), dt.time(hour)))


@pytest.fixture
def world(cast):
    w = build_world(cast)
    w.cast.person.email = "person@example.invalid"
    w.cast.person.save()
    w.cast.next_of_kin.email = "kin@example.invalid"
    w.cast.next_of_kin.save()
    return w


def _sent_meeting(w) -> Meeting:
    meeting = meeting_services.meeting_schedule(grant=w.grant(w.coordinator), team=w.team, starts_at=_at(7),
                                                ends_at=_at(7, 11), location="Helsehuset")
    meeting_services.agenda_send(grant=w.grant(w.coordinator), meeting=meeting)
    return meeting


def _close(client, w, **data):
    url = reverse("teams:team_close", args=[w.cast.person.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    fields = {"reason": "Målene er nådd, og Petra vil klare seg selv.", "close_plan": "on",
              "version": form.initial["version"], "submission_token": form.initial["submission_token"]}
    return url, client.post(url, {**fields, **data})


def test_the_coordinator_ends_the_follow_up_and_everyone_who_took_part_is_told(world, deliver):
    w = world
    meeting = _sent_meeting(w)
    ActionItem.objects.create(team=w.team, description="Søke om støttekontakt", owner_user=w.physio,
                              due_on=timezone.localdate() + dt.timedelta(days=3), created_by=w.coordinator)
    deliver()
    mail.outbox.clear()

    client = w.client(w.coordinator)
    page = client.get(reverse("teams:team_close", args=[w.cast.person.pk]))
    text = page.content.decode()
    assert "blir avlyst" in text and "Frida Fysio (Fysioterapi) går ut av teamet" in text
    assert "Én oppgave fra møtene er ikke gjort" in text
    _url, response = _close(client, w)
    assert response.status_code == 302 and response.url == reverse("home:start")

    w.team.refresh_from_db()
    meeting.refresh_from_db()
    w.plan.refresh_from_db()
    assert (w.team.status, w.team.close_reason) == (TeamStatus.CLOSED, "Målene er nådd, og Petra vil klare seg selv.")
    assert meeting.status == MeetingStatus.CANCELLED
    assert w.plan.status == PlanStatus.CLOSED
    assert not w.team.coordinator_assignments.filter(ended_at__isnull=True).exists()
    assert not w.team.memberships.filter(left_on__isnull=True).exists()
    for user in (w.coordinator, w.physio, w.cast.colleague):
        user._role_assignments_cache = None
        assert policy.person_grant(user=user, person=w.cast.person) is None, user
    w.cast.cu._role_assignments_cache = None
    assert policy.person_grant(user=w.cast.cu, person=w.cast.person) is not None  # the unit keeps its overview

    deliver()
    by_address: dict[str, list] = {}
    for message in mail.outbox:
        by_address.setdefault(message.to[0], []).append(message)
    # The physio no longer sees Petra, but gets the cancellation of the meeting they were invited to.
    cancellations = [m for m in by_address["fysio@example.invalid"] if m.attachments]
    assert len(cancellations) == 1 and "METHOD:CANCEL" in cancellations[0].attachments[0][1]
    assert Notification.objects.filter(kind=Kind.TEAM_CLOSED, recipient_user=w.cast.colleague).exists()  # inbox only
    for address in ("fysio@example.invalid", "person@example.invalid", "kin@example.invalid"):
        told = [m for m in by_address[address] if "avsluttet" in m.subject]
        assert len(told) == 1, address
        assert "Målene" not in told[0].body  # nothing of why
    told_staff = next(m for m in by_address["fysio@example.invalid"] if "avsluttet" in m.subject)
    assert "Petra" not in told_staff.body  # nor whose team, to staff
    assert "koord@example.invalid" not in by_address or not any(
        "avsluttet" in m.subject for m in by_address["koord@example.invalid"])  # they did it themselves

    # In the physio's inbox the item says whose team it was; opening it keeps them in the inbox.
    inbox = w.client(w.physio).get(reverse("notifications:inbox")).content.decode()
    assert "Oppfølgingsteamet er avsluttet</strong> – Petra Person" in inbox
    item = Notification.objects.get(kind=Kind.TEAM_CLOSED, recipient_user=w.physio)
    opened = w.client(w.physio).get(reverse("notifications:open", args=[item.pk]))
    assert opened.url == reverse("notifications:inbox")


def test_a_double_click_ends_it_once_and_lands_where_the_first_did(world):
    w = world
    client = w.client(w.coordinator)
    url, first = _close(client, w)
    # The same form sent again: the same token, after the first one took the coordinator's access.
    second = client.post(url, first.wsgi_request.POST.dict())
    assert second.status_code == 302 and second.url == reverse("home:start")
    assert Notification.objects.filter(kind=Kind.TEAM_CLOSED, recipient_user=w.physio).count() == 1


def test_only_the_unit_or_the_coordinator_ends_it_and_a_changed_team_is_shown_first(world):
    w = world
    url = reverse("teams:team_close", args=[w.cast.person.pk])
    assert w.client(w.physio).get(url).status_code == 403
    assert w.client(w.physio).post(url, {"reason": "x", "version": 1}).status_code == 403

    client = w.client(w.coordinator)
    _url, empty = _close(client, w, reason="  ")
    assert empty.status_code == 200 and "Feltet er påkrevet" in empty.content.decode()
    # Someone changed the team (the meeting interval) while the page was open.
    page = client.get(url)
    meeting_services.team_meeting_interval_set(grant=w.grant(w.cast.cu), team=w.team, weeks=4,
                                               expected_version=w.team.version)
    conflict = client.post(url, {"reason": "Flyttet.", "close_plan": "on", "version": page.context["form"].initial["version"],
                                 "submission_token": page.context["form"].initial["submission_token"]})
    assert conflict.status_code == 409
    assert "Teamet ble endret mens du hadde siden oppe" in conflict.content.decode()
    assert "Flyttet." in conflict.content.decode()  # what was typed is kept
    w.team.refresh_from_db()
    assert w.team.status == TeamStatus.ACTIVE


def test_a_past_meeting_not_yet_recorded_is_left_to_record(world):
    w = world
    past = Meeting.objects.create(team=w.team, starts_at=_at(-2), location="Helsehuset", created_by=w.coordinator)
    page = w.client(w.coordinator).get(reverse("teams:team_close", args=[w.cast.person.pk])).content.decode()
    assert "Ett møte som har vært, er ikke ført" in page
    _close(w.client(w.coordinator), w)
    past.refresh_from_db()
    assert past.status == MeetingStatus.PLANNED  # not cancelled: it was held, only not recorded


def test_the_unit_takes_it_up_again_with_the_same_team(world):
    w = world
    meeting = _sent_meeting(w)
    client = w.client(w.cast.cu)
    _url, closed = _close(client, w)
    assert closed.url == reverse("teams:person_team", args=[w.cast.person.pk])
    team_page = client.get(closed.url).content.decode()
    assert "Oppfølgingen ble avsluttet" in team_page and "Målene er nådd" in team_page

    reopened = client.post(reverse("teams:team_reopen", args=[w.cast.person.pk]))
    assert reopened.status_code == 302
    w.team.refresh_from_db()
    w.plan.refresh_from_db()
    meeting.refresh_from_db()
    assert (w.team.status, w.team.closed_at, w.plan.status) == (TeamStatus.ACTIVE, None, PlanStatus.ACTIVE)
    assert w.team.current_coordinator_assignment.coordinator == w.coordinator
    assert w.team.memberships.filter(left_on__isnull=True).count() == 4
    assert meeting.status == MeetingStatus.CANCELLED  # its invitees were told; a new one is planned
    for user in (w.coordinator, w.physio):
        user._role_assignments_cache = None
        assert policy.person_grant(user=user, person=w.cast.person) is not None
    # The coordinator may end it, but only the unit takes it up again.
    assert w.client(w.coordinator).post(reverse("teams:team_reopen", args=[w.cast.person.pk])).status_code in (403, 404)


def test_the_person_and_the_next_of_kin_read_in_min_plan_that_the_team_has_ended(world):
    w = world
    _close(w.client(w.coordinator), w)
    for user in (w.person_user, w.kin_user):
        page = w.client(user).get(reverse("portal:team", args=[w.cast.person.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Oppfølgingsteamet ble avsluttet" in text and "Målene er nådd" in text
        assert "melde behov til koordinerende enhet på nytt" in text


def test_a_new_team_after_an_ended_one_takes_up_the_persons_plan(world):
    w = world
    client = w.client(w.cast.cu)
    _close(client, w)
    created = client.post(reverse("teams:team_create", args=[w.cast.person.pk]))
    assert created.status_code == 302
    w.plan.refresh_from_db()
    new_team = w.cast.person.teams.get(status=TeamStatus.ACTIVE)
    assert new_team != w.team
    assert (w.plan.status, w.plan.team, w.plan.period_end) == (PlanStatus.ACTIVE, new_team, None)
    assert w.plan.goals.filter(text="Gå tur med hunden alene hver dag").exists()  # nothing written is lost
    # The ended team stays ended, and cannot be taken up beside the new one.
    refused = client.post(reverse("teams:team_reopen", args=[w.cast.person.pk]), follow=True)
    assert "Personen har allerede et aktivt oppfølgingsteam." in refused.content.decode()
    w.team.refresh_from_db()
    assert w.team.status == TeamStatus.CLOSED
