import datetime as dt

from django.urls import reverse
from django.utils import timezone

from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.audit.models import AuditEvent
from oppfolging.meetings import services
from oppfolging.meetings.models import ActionItem, AgendaItem
from oppfolging.plans.models import Goal

from .conftest import grant_for


def test_it_builds_the_agenda_from_due_goals_open_action_items_and_items_the_person_added(
        cast, meeting, plan, due_goal):
    Goal.objects.create(plan=plan, text="Komme i jobb", author_kind="person",
                        next_evaluation_on=timezone.localdate() + dt.timedelta(days=60))
    Goal.objects.create(plan=plan, text="Avsluttet mål", author_kind="person", status="closed",
                        next_evaluation_on=timezone.localdate())
    open_item = ActionItem.objects.create(team=meeting.team, description="Søke om støttekontakt",
                                          owner_user=cast.cu, due_on=timezone.localdate(), created_by=cast.cu)
    ActionItem.objects.create(team=meeting.team, description="Gjort allerede", owner_user=cast.cu,
                              due_on=timezone.localdate(), created_by=cast.cu, done_at=timezone.now())
    services.agenda_item_add(grant=PersonGrant(cast.person, Basis.PERSON_SELF, "person", "", False),
                             meeting=meeting, title="Jeg vil snakke om transport til dagsenteret")

    html = cast.client_for(cast.cu).get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk])).content.decode()

    assert "Evaluere målet: Gå tur med hunden alene" in html
    assert "Jeg vil snakke om transport til dagsenteret" in html and "meldt inn: Personen selv" in html
    assert "Oppgave: Søke om støttekontakt" in html
    assert "Komme i jobb" not in html and "Avsluttet mål" not in html and "Gjort allerede" not in html
    items = list(meeting.agenda_items.all())
    assert [(i.source, i.goal_id, i.action_item_id) for i in items] == [
        ("added", None, None), ("goal", due_goal.pk, None), ("action_item", None, open_item.pk)]
    assert meeting.agenda_items.filter(added_by_kind="person").count() == 1
    assert AuditEvent.objects.filter(resource="agenda_item", action="create", actor_role="person",
                                     person=cast.person).exists()


def test_it_builds_the_agenda_once_however_often_it_is_shown(cast, meeting, due_goal):
    client = cast.client_for(cast.cu)
    for _ in range(3):
        client.get(reverse("meetings:detail", args=[cast.person.pk, meeting.pk]))
    services.agenda_build(grant=PersonGrant.system(cast.person), meeting=meeting)
    assert AgendaItem.objects.filter(goal=due_goal).count() == 1


def test_it_builds_an_agenda_without_an_individual_plan(cast, meeting):
    assert services.agenda_build(grant=PersonGrant.system(cast.person), meeting=meeting) == []


def test_it_lets_the_coordinator_order_and_edit_the_agenda(cast, meeting):
    for title in ("Første", "Andre", "Tredje"):
        services.agenda_item_add(grant=grant_for(cast.cu, cast.person), meeting=meeting, title=title)
    third = AgendaItem.objects.get(title="Tredje")
    client = cast.client_for(cast.cu)
    url = reverse("meetings:agenda_item_move", args=[cast.person.pk, meeting.pk, third.pk])
    client.post(url, {"direction": "up"})
    client.post(url, {"direction": "up"})
    client.post(url, {"direction": "up"})  # already first: nothing happens
    assert [i.title for i in meeting.agenda_items.all()] == ["Tredje", "Første", "Andre"]
    client.post(reverse("meetings:agenda_item_edit", args=[cast.person.pk, meeting.pk, third.pk]),
                {"title": "Tredje, endret", "details": "Ta den først", "version": third.version})
    third.refresh_from_db()
    assert (third.title, third.details) == ("Tredje, endret", "Ta den først")


def test_it_refuses_agenda_items_on_a_cancelled_meeting(cast, meeting):
    services.meeting_cancel(grant=grant_for(cast.cu, cast.person), meeting=meeting)
    response = cast.client_for(cast.colleague).post(
        reverse("meetings:agenda_item_add", args=[cast.person.pk, meeting.pk]), {"title": "For sent"}, follow=True)
    assert "ikke lenger planlagt" in response.content.decode()
    assert not AgendaItem.objects.exists()
