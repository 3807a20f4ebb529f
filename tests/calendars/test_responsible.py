"""Tasks name any responsible: a team member (the person or a next of kin too), the coordinator,
or a service; the one named is told through the outbox."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from oppfolging.meetings.models import ActionItem, Meeting
from oppfolging.notifications.models import Kind, Notification
from oppfolging.plans import services as plan_services
from oppfolging.plans.models import Measure


def test_an_action_item_can_be_owned_by_a_service_the_coordinator_or_the_person(world):
    w = world
    meeting = Meeting.objects.create(team=w.team, starts_at=timezone.now(), location="Rådhuset", created_by=w.cast.cu)
    url = reverse("meetings:action_item_add", args=[w.cast.person.pk, meeting.pk])
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    client = w.client(w.cast.cu)
    for value in (f"s:{w.physio_service.pk}", f"u:{w.coordinator.pk}", str(w.person_membership.pk)):
        response = client.post(url, {"description": f"Oppgave {value}", "owner_membership": value, "due_on": due})
        assert response.status_code == 302, response.content.decode()[:500]
    items = {i.description: i for i in ActionItem.objects.all()}
    assert items[f"Oppgave s:{w.physio_service.pk}"].owner_service == w.physio_service
    assert items[f"Oppgave u:{w.coordinator.pk}"].owner_user == w.coordinator
    assert items[f"Oppgave {w.person_membership.pk}"].owner_membership == w.person_membership
    assert items[f"Oppgave s:{w.physio_service.pk}"].owner_label == "Fysioterapi"
    response = client.post(url, {"description": "Ukjent", "owner_membership": f"u:{w.cast.stranger.pk}", "due_on": due})
    assert not ActionItem.objects.filter(description="Ukjent").exists()


def test_a_measure_can_name_the_coordinator_who_is_then_told(world):
    w = world
    measure = plan_services.measure_create(grant=w.grant(w.cast.cu), goal=w.goal, description="Søke om BPA",
                                           responsible_user=w.coordinator, ends_on=timezone.localdate())
    assert Measure.objects.get(pk=measure.pk).responsible_label == "Kai Koordinator"
    assert Notification.objects.filter(kind=Kind.TASK_ASSIGNED, recipient_user=w.coordinator).count() == 1
    # The coordinator reports progress on their own measure.
    plan_services.measure_report(grant=w.grant(w.coordinator), measure=measure, status="ongoing",
                                 expected_version=measure.version)
    assert Measure.objects.get(pk=measure.pk).status == "ongoing"
