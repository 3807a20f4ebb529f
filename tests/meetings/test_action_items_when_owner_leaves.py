"""An action item whose owner leaves the team passes to the coordinator, who is told."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.audit.models import AuditEvent
from oppfolging.meetings import services
from oppfolging.meetings.models import ActionItem
from oppfolging.meetings.tasks import run_meeting_jobs
from oppfolging.notifications.models import Notification
from oppfolging.teams.models import CoordinatorAssignment, CoordinatorProfile, TeamMembership
from oppfolging.teams.services import coordinator_appoint, membership_end

from .conftest import grant_for


@pytest.fixture
def coordinator(cast, team) -> User:
    user = User.objects.create(username="koord", first_name="Kåre", last_name="Koordinator",
                               email="kare@example.invalid")
    RoleAssignment.objects.create(user=user, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                  service=cast.service)
    CoordinatorAssignment.objects.create(team=team, coordinator=user, appointed_by=cast.cu,
                                         started_at=timezone.now() - dt.timedelta(days=30))
    return user


def _item(team, cast, text: str, **owner) -> ActionItem:
    return ActionItem.objects.create(team=team, description=text, created_by=cast.cu,
                                     due_on=timezone.localdate() + dt.timedelta(days=5), **owner)


def test_it_hands_the_open_items_of_a_member_who_leaves_to_the_coordinator(deliver, cast, team, coordinator):
    membership = TeamMembership.objects.get(team=team, user=cast.colleague)
    through_membership = _item(team, cast, "Søke om BPA", owner_membership=membership)
    by_name = _item(team, cast, "Ringe NAV", owner_user=cast.colleague)
    done = _item(team, cast, "Bestille rullator", owner_user=cast.colleague)
    done.done_at, done.done_by = timezone.now(), cast.colleague
    done.save()
    next_of_kin = _item(team, cast, "Hente resept", owner_membership=TeamMembership.objects.get(
        team=team, related_person=cast.next_of_kin))
    membership_end(grant=grant_for(cast.cu, cast.person), membership=membership)
    for item in (through_membership, by_name):
        item.refresh_from_db()
        assert (item.owner_user, item.owner_membership) == (coordinator, None)
        assert item.owner_label == "Kåre Koordinator"
    done.refresh_from_db()
    next_of_kin.refresh_from_db()
    assert done.owner_user == cast.colleague
    assert next_of_kin.owner_membership.related_person == cast.next_of_kin
    told = Notification.objects.filter(kind="action_item", recipient_user=coordinator)
    assert sorted(n.subject_id for n in told) == sorted([through_membership.pk, by_name.pk])
    deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["kare@example.invalid", "kare@example.invalid"]
    assert all("Søke om BPA" not in m.body and "Ringe NAV" not in m.body for m in mail.outbox)
    purposes = set(AuditEvent.objects.filter(resource="action_item", resource_id=str(by_name.pk))
                   .values_list("purpose", flat=True))
    assert "Oppgaven gikk til koordinatoren fordi Kim Kollega sluttet i teamet" in purposes


def test_it_reminds_the_coordinator_not_the_one_who_left_when_the_item_is_overdue(deliver, cast, team, coordinator):
    membership = TeamMembership.objects.get(team=team, user=cast.colleague)
    item = _item(team, cast, "Søke om BPA", owner_membership=membership)
    membership_end(grant=grant_for(cast.cu, cast.person), membership=membership)
    ActionItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    assert run_meeting_jobs()["action_item_reminders"] == 1
    assert Notification.objects.get(kind="action_item_overdue").recipient_user == coordinator


def test_it_shows_the_new_owner_on_the_agenda_already_built(cast, team, coordinator, meeting):
    membership = TeamMembership.objects.get(team=team, user=cast.colleague)
    item = _item(team, cast, "Søke om BPA", owner_membership=membership)
    services.agenda_build(grant=grant_for(cast.cu, cast.person), meeting=meeting)
    membership_end(grant=grant_for(cast.cu, cast.person), membership=membership)
    agenda_item = meeting.agenda_items.get(action_item=item)
    assert agenda_item.details.startswith("Ansvarlig: Kåre Koordinator.")


def test_it_leaves_the_items_of_a_member_who_still_coordinates(cast, team, coordinator):
    membership = TeamMembership.objects.create(team=team, user=coordinator, service=cast.service,
                                               role_in_team="Sykepleier", added_by=cast.cu)
    item = _item(team, cast, "Søke om BPA", owner_membership=membership)
    membership_end(grant=grant_for(cast.cu, cast.person), membership=membership)
    item.refresh_from_db()
    assert (item.owner_membership, item.owner_user) == (membership, None)
    assert not Notification.objects.filter(kind="action_item").exists()


def test_it_gives_the_outgoing_coordinators_items_to_the_incoming_one_at_a_handover(deliver, cast, team, coordinator,
                                                                                    settings):
    settings.HANDOVER_OVERLAP_DAYS = 0
    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality)
    TeamMembership.objects.filter(team=team, user=cast.colleague).delete()
    item = _item(team, cast, "Søke om BPA", owner_user=coordinator)
    coordinator_appoint(grant=grant_for(cast.cu, cast.person), team=team, coordinator=cast.colleague,
                        handover_note="Se oppgavene.")
    item.refresh_from_db()
    assert item.owner_user == cast.colleague
    assert Notification.objects.get(kind="action_item", subject_id=item.pk).recipient_user == cast.colleague
    assert AuditEvent.objects.filter(resource="action_item", resource_id=str(item.pk),
                                     purpose="Oppgaven gikk til den nye koordinatoren Kim Kollega").exists()
    # The one who left coordinating is no longer reminded; the new coordinator is.
    ActionItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    run_meeting_jobs()
    assert Notification.objects.get(kind="action_item_overdue").recipient_user == cast.colleague


def test_it_leaves_the_items_of_an_outgoing_coordinator_who_stays_in_the_team(cast, team, coordinator):
    CoordinatorProfile.objects.create(user=cast.colleague, municipality=cast.municipality)
    TeamMembership.objects.create(team=team, user=coordinator, service=cast.service, added_by=cast.cu)
    item = _item(team, cast, "Søke om BPA", owner_user=coordinator)
    coordinator_appoint(grant=grant_for(cast.cu, cast.person), team=team, coordinator=cast.colleague)
    item.refresh_from_db()
    assert item.owner_user == coordinator
