"""A staff member leaves the municipality: what only they hold is handed over by name first,
then their access ends, and the coordinators of the teams they were in are told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.accounts.models import RoleAssignment
from oppfolging.audit.models import AuditEvent
from oppfolging.meetings.models import ActionItem
from oppfolging.notifications.models import Kind, Notification
from oppfolging.plans.models import Measure

from ..plantools_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


def _url(user) -> str:
    return reverse("teams:staff_leave", args=[user.pk])


def test_a_coordinator_cannot_leave_before_the_unit_has_given_their_persons_to_someone(world):
    w = world
    admin = w.client(w.cast.admin)
    page = admin.get(_url(w.coordinator)).content.decode()
    assert "Koordinator for én person." in page and "Petra Person" not in page  # the administrator sees no names
    assert 'disabled aria-describedby="first-heading"' in page
    refused = admin.post(_url(w.coordinator), follow=True).content.decode()
    assert "er fortsatt koordinator" in refused
    assert RoleAssignment.objects.filter(user=w.coordinator).exists()

    unit = w.client(w.cast.cu)
    page = unit.get(_url(w.coordinator)).content.decode()
    assert "Oppnevn ny koordinator for Petra Person" in page
    assert reverse("teams:coordinator_appoint", args=[w.cast.person.pk]) in page
    assert AuditEvent.objects.filter(actor=w.cast.cu, resource="staff_holdings", action="list").exists()
    assert unit.post(_url(w.coordinator)).status_code == 403  # the unit hands over; the administrator ends access


def test_a_member_leaves_their_teams_and_the_coordinator_is_told_to_pass_on_their_tasks(world, deliver):
    w = world
    ActionItem.objects.create(team=w.team, description="Søke om hjelpemidler", owner_user=w.physio,
                              due_on=timezone.localdate() + dt.timedelta(days=5), created_by=w.coordinator)
    Measure.objects.create(goal=w.goal, description="Trening to ganger i uka", responsible_user=w.physio,
                           status="ongoing")
    admin = w.client(w.cast.admin)
    page = admin.get(_url(w.physio)).content.decode()
    assert "Vedkommende går ut av ett team, og koordinatoren får beskjed." in page
    assert "Åpne oppgaver fra møter: 1. Tiltak vedkommende er ansvarlig for: 1." in page
    ended = admin.post(_url(w.physio))
    assert ended.status_code == 302 and ended.url == reverse("accounts:staff")
    again = admin.post(_url(w.physio))  # a double click: the second lands where the first did
    assert again.status_code == 302 and again.url == reverse("accounts:staff")

    w.physio.refresh_from_db()
    w.physio_membership.refresh_from_db()
    assert w.physio_membership.left_on == timezone.localdate()
    assert not RoleAssignment.objects.filter(user=w.physio).exists() and not w.physio.is_active
    w.physio._role_assignments_cache = None
    assert policy.person_grant(user=w.physio, person=w.cast.person) is None
    told = Notification.objects.get(kind=Kind.MEMBER_LEFT)
    assert told.recipient_user == w.coordinator and told.url == reverse("teams:person_team", args=[w.cast.person.pk])
    deliver()
    to_coordinator = [m for m in mail.outbox if m.to == ["koord@example.invalid"]]
    assert to_coordinator and all("Petra" not in m.body and "Frida" not in m.body for m in to_coordinator)
    assert AuditEvent.objects.filter(actor=w.cast.admin, resource="role_assignment", action="delete").exists()
    # Their open action item passes to the coordinator, who is told, as when a membership ends;
    # the measure stays theirs in the plan until the coordinator gives it to someone.
    assert ActionItem.objects.get(description="Søke om hjelpemidler").owner_user == w.coordinator
    assert Notification.objects.filter(kind=Kind.ACTION_ITEM, recipient_user=w.coordinator).exists()
    assert Measure.objects.get(description="Trening to ganger i uka").responsible_user == w.physio
    # Gone from the staff list, and the page is not found for them any more.
    assert "Frida Fysio har ikke lenger tilgang i kommunen (Teamdeltaker)" in admin.get(
        reverse("accounts:staff")).content.decode()
    assert "Frida Fysio" not in admin.get(reverse("accounts:staff")).content.decode()
    assert admin.get(_url(w.physio)).status_code == 404


def test_only_the_administrator_ends_access_and_never_their_own(world):
    w = world
    assert w.client(w.physio).get(_url(w.cast.colleague)).status_code in (403, 404)
    own = w.client(w.cast.admin).post(_url(w.cast.admin), follow=True).content.decode()
    assert "Du kan ikke avslutte din egen tilgang" in own
    assert RoleAssignment.objects.filter(user=w.cast.admin).exists()
