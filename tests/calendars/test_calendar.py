"""The calendar, the task lists and the ICS subscription."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.calendars import selectors, services
from oppfolging.calendars.models import CalendarFeed
from oppfolging.calendars.tasks import tasks_remind_due
from oppfolging.meetings.models import ActionItem, Invitation, Meeting
from oppfolging.notifications.models import Kind, Notification
from oppfolging.plans.models import Measure
from oppfolging.teams.models import TeamMembership
from oppfolging.teams.services import membership_end


def _at(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _fill(w) -> dict[str, object]:
    today = timezone.localdate()
    meeting = Meeting.objects.create(team=w.team, starts_at=_at(1), location="Helsehuset, møterom 2", created_by=w.cast.cu)
    Invitation.objects.create(meeting=meeting, kind="professional", membership=w.colleague_membership,
                              name="Kim Kollega")
    own = ActionItem.objects.create(team=w.team, description="Søke om støttekontakt for Petra", due_on=today,
                                    owner_membership=w.colleague_membership, created_by=w.cast.cu)
    service_item = ActionItem.objects.create(team=w.team, description="Bestille hjelpemidler", owner_service=w.physio_service,
                                             due_on=today + dt.timedelta(days=1), created_by=w.cast.cu)
    kin_item = ActionItem.objects.create(team=w.team, description="Ringe banken", owner_membership=w.kin_membership,
                                         due_on=today + dt.timedelta(days=2), created_by=w.cast.cu)
    measure = Measure.objects.create(goal=w.goal, description="Følge på tur to ganger i uka", responsible_user=w.coordinator,
                                     ends_on=today + dt.timedelta(days=3), status="ongoing")
    return {"meeting": meeting, "own": own, "service_item": service_item, "kin_item": kin_item, "measure": measure}


def _kinds(items) -> list[tuple[str, int]]:
    return [(i.kind, i.pk) for i in items]


def test_it_shows_each_staff_user_their_meetings_evaluations_and_tasks(world):
    w, today = world, timezone.localdate()
    things = _fill(w)
    end = today + dt.timedelta(days=6)
    assert _kinds(selectors.staff_calendar(user=w.cast.colleague, start=today, end=end)) == [
        ("action_item", things["own"].pk), ("meeting", things["meeting"].pk)]
    assert _kinds(selectors.staff_calendar(user=w.coordinator, start=today, end=end)) == [
        ("meeting", things["meeting"].pk), ("evaluation", w.goal.pk), ("measure", things["measure"].pk)]
    assert _kinds(selectors.staff_calendar(user=w.physio, start=today, end=end)) == [
        ("action_item", things["service_item"].pk)]
    assert selectors.staff_calendar(user=w.cast.stranger, start=today, end=end) == []
    assert _kinds(selectors.staff_tasks(user=w.coordinator)) == [("measure", things["measure"].pk)]


def test_it_shows_the_person_and_next_of_kin_the_teams_meetings_evaluations_and_their_own_tasks(world):
    w, today = world, timezone.localdate()
    things = _fill(w)
    end = today + dt.timedelta(days=6)
    assert _kinds(selectors.portal_calendar(user=w.person_user, start=today, end=end)) == [
        ("meeting", things["meeting"].pk), ("evaluation", w.goal.pk)]
    assert _kinds(selectors.portal_calendar(user=w.kin_user, start=today, end=end)) == [
        ("meeting", things["meeting"].pk), ("action_item", things["kin_item"].pk), ("evaluation", w.goal.pk)]
    assert _kinds(selectors.portal_tasks(user=w.kin_user)) == [("action_item", things["kin_item"].pk)]


def test_it_drops_a_persons_items_from_the_calendar_the_day_the_member_leaves_the_team(world):
    w, today = world, timezone.localdate()
    _fill(w)
    membership_end(grant=w.grant(w.cast.cu), membership=w.colleague_membership, left_on=today)
    w.cast.colleague._role_assignments_cache = None
    assert selectors.staff_calendar(user=w.cast.colleague, start=today, end=today + dt.timedelta(days=6)) == []


def test_the_calendar_page_lists_the_week_and_the_month_in_tables_with_headings(world):
    w = world
    _fill(w)
    client = w.client(w.coordinator)
    week = client.get(reverse("calendars:calendar")).content.decode()
    assert '<table class="calendar calendar-week">' in week and 'scope="row"' in week
    assert "Møte i oppfølgingsteam" in week and "Gå tur med hunden" in week
    month = client.get(reverse("calendars:calendar") + "?visning=maned").content.decode()
    assert '<table class="calendar calendar-month">' in month and month.count('<th scope="col">') == 8
    assert AuditEvent.objects.filter(actor=w.coordinator, resource="calendar", action="list").count() == 2


def test_it_serves_a_secret_feed_that_parses_and_says_nothing_about_health(world):
    w = world
    _fill(w)
    feed, token = services.calendar_feed_create(user=w.coordinator)
    assert token not in feed.token_hash and not CalendarFeed.objects.filter(token_hash=token).exists()
    response = w.client(w.cast.stranger).get(reverse("calendars:feed", args=[token]))  # the token alone is the key
    assert response.status_code == 200
    assert (response["Content-Type"], response["Cache-Control"]) == ("text/calendar; charset=utf-8", "no-store")
    body = response.content
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Evaluering", "Møte i oppfølgingsteam", "Oppgave"]
    assert [str(e["LOCATION"]) for e in events if "LOCATION" in e] == ["Helsehuset, møterom 2"]
    text = body.decode()
    for secret in ("Gå tur med hunden", "Følge på tur", "Petra", "Person", "støttekontakt"):
        assert secret not in text
    assert AuditEvent.objects.filter(resource="calendar_feed", action="export", actor=w.coordinator,
                                     person=w.cast.person).count() == 1


def test_it_answers_404_to_a_revoked_or_replaced_feed(world):
    w = world
    first, old = services.calendar_feed_create(user=w.cast.colleague)
    _second, new = services.calendar_feed_create(user=w.cast.colleague)
    client = w.client(w.cast.colleague)
    assert client.get(reverse("calendars:feed", args=[old])).status_code == 404
    assert client.get(reverse("calendars:feed", args=[new])).status_code == 200
    assert client.post(reverse("calendars:feed_revoke")).status_code == 302
    assert client.get(reverse("calendars:feed", args=[new])).status_code == 404
    assert client.get(reverse("calendars:feed", args=["gjett"])).status_code == 404


def test_it_shows_the_new_feed_address_once_on_the_calendar_page(world):
    client = world.client(world.cast.colleague)
    page = client.post(reverse("calendars:feed_create")).content.decode()
    assert ".ics" in page and "bare denne ene gangen" in page
    assert ".ics" not in client.get(reverse("calendars:calendar")).content.decode()


def test_it_reminds_whoever_is_responsible_of_tasks_coming_due_once(world, deliver):
    w = world
    things = _fill(w)
    # The colleague, the next of kin, the coordinator (the measure), and the service's member in the team.
    assert tasks_remind_due() == 4
    assert tasks_remind_due() == 0
    reminded = Notification.objects.filter(kind=Kind.TASK_DUE)
    assert {(n.recipient_user_id, n.recipient_related_id) for n in reminded} == {
        (w.cast.colleague.pk, None), (None, w.cast.next_of_kin.pk), (w.coordinator.pk, None), (w.physio.pk, None)}
    deliver()
    assert mail.outbox and all("Følge på tur" not in m.body and "Ringe banken" not in m.body for m in mail.outbox)
    assert things["own"].pk


def test_the_start_page_and_the_task_page_list_the_users_open_tasks(world):
    w = world
    _fill(w)
    client = w.client(w.cast.colleague)
    assert "Søke om støttekontakt for Petra" in client.get(reverse("home:start")).content.decode()
    assert "Søke om støttekontakt for Petra" in client.get(reverse("calendars:tasks")).content.decode()
    plan = w.client(w.kin_user).get(reverse("portal:plan", args=[w.cast.person.pk])).content.decode()
    assert "Ringe banken" in plan


def _reachable(w) -> None:
    for who, address in ((w.coordinator, "kari@example.invalid"), (w.cast.colleague, "kim@example.invalid"),
                         (w.cast.next_of_kin, "nora@example.invalid")):
        who.email, who.notify_email = address, True
        who.save(update_fields=["email", "notify_email"])


def test_task_reminders_queued_before_consent_is_withdrawn_go_to_nobody_who_lost_it(world, deliver):
    """Consent is checked when the reminder goes out, not when it was queued (#12.2)."""
    from oppfolging.notifications.models import Delivery
    from oppfolging.teams.models import Consent

    w = world
    _fill(w)
    _reachable(w)
    assert tasks_remind_due() == 4  # the service's task reminds its member in the team too
    Consent.objects.filter(person=w.cast.person, scope__in=("share_with_service", "next_of_kin")).update(
        withdrawn_at=timezone.now())
    deliver()
    status = {(d.notification.recipient_user_id, d.notification.recipient_related_id): d.status
              for d in Delivery.objects.filter(notification__kind=Kind.TASK_DUE).select_related("notification")}
    assert status == {(w.cast.colleague.pk, None): "refused", (None, w.cast.next_of_kin.pk): "refused",
                      (w.physio.pk, None): "refused", (w.coordinator.pk, None): "sent"}
    assert [m.to for m in mail.outbox] == [[w.coordinator.email]]
    assert AuditEvent.objects.filter(resource="notification", purpose__startswith="Varsel ikke sendt").count() == 3


def test_task_reminders_go_to_nobody_who_left_the_team_before_they_went_out(world, deliver):
    from oppfolging.notifications.models import Delivery

    w = world
    _fill(w)
    _reachable(w)
    assert tasks_remind_due() == 4  # the service's task reminds its member in the team too
    membership_end(grant=w.grant(w.cast.cu), membership=w.colleague_membership, left_on=timezone.localdate())
    deliver()
    refused = Delivery.objects.get(notification__kind=Kind.TASK_DUE, notification__recipient_user=w.cast.colleague)
    assert refused.status == "refused"
    assert w.cast.colleague.email not in [address for m in mail.outbox for address in m.to]


def test_a_task_of_a_service_with_no_one_in_the_team_reminds_the_coordinator(world, deliver):
    w = world
    things = _fill(w)
    TeamMembership.objects.filter(team=w.team, user=w.physio).update(left_on=timezone.localdate())
    tasks_remind_due()
    reminded = Notification.objects.filter(
        kind=Kind.TASK_DUE, key__startswith=f"task-due:action-item:{things['service_item'].pk}:")
    assert [n.recipient_user_id for n in reminded] == [w.coordinator.pk]
