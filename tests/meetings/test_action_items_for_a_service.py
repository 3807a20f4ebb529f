"""An action item given to a service reaches its members in the team, or the coordinator when it has none."""

import datetime as dt

from django.core import mail
from django.utils import timezone

from oppfolging.accounts.models import User
from oppfolging.catalogue.models import Sector, Service
from oppfolging.meetings import services
from oppfolging.meetings.models import ActionItem
from oppfolging.meetings.tasks import run_meeting_jobs
from oppfolging.notifications.models import Notification
from oppfolging.teams.models import CoordinatorAssignment

from .conftest import grant_for


def _coordinator(cast, team) -> User:
    cast.cu.email = "kari@example.invalid"
    cast.cu.save()
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.cu, appointed_by=cast.cu)
    return cast.cu


def test_it_tells_the_services_members_in_the_team_of_a_new_and_an_overdue_item(deliver, cast, team, meeting):
    coordinator = _coordinator(cast, team)
    item = services.action_item_add(grant=grant_for(coordinator, cast.person), team=team, meeting=meeting,
                                    description="Søke om BPA", owner_service=cast.service,
                                    due_on=timezone.localdate() + dt.timedelta(days=14))
    assert [n.recipient_user for n in Notification.objects.filter(kind="action_item")] == [cast.colleague]
    ActionItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    assert run_meeting_jobs()["action_item_reminders"] == 1
    assert Notification.objects.get(kind="action_item_overdue").recipient_user == cast.colleague
    deliver()
    about_the_item = [m for m in mail.outbox if "oppgave" in m.body]
    assert [m.to[0] for m in about_the_item] == ["kim@example.invalid", "kim@example.invalid"]
    assert all("Søke om BPA" not in m.body for m in mail.outbox)


def test_it_tells_the_coordinator_when_the_service_has_no_one_in_the_team(cast, team, meeting):
    coordinator = _coordinator(cast, team)
    physio = Service.objects.create(municipality=cast.municipality, name="Fysioterapitjenesten",
                                    sector=Sector.HEALTH_AND_CARE, description="Trening.", how_to_get="Ring.")
    item = services.action_item_add(grant=grant_for(coordinator, cast.person), team=team,
                                    description="Vurdere hjelpemidler", owner_service=physio,
                                    due_on=timezone.localdate() - dt.timedelta(days=1))
    # The coordinator made it: not told of their own item, but reminded when it is overdue.
    assert not Notification.objects.filter(kind="action_item").exists()
    assert run_meeting_jobs()["action_item_reminders"] == 1
    reminder = Notification.objects.get(kind="action_item_overdue")
    assert (reminder.recipient_user, reminder.subject_id) == (coordinator, item.pk)
