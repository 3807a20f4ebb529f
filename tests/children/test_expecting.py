"""A family expecting a child: the decision is recorded on the expectant parent with the due
date, and moved to the child once the child is born and registered, keeping the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from oppfolging.audit.models import AuditEvent
from oppfolging.children import selectors, services
from oppfolging.children.models import ChildCoordinatorDecision, Grounds
from oppfolging.teams.models import Team

from ..conftest import make_person


def _expect(world, **kwargs):
    w = world
    return services.child_coordinator_appoint(
        grant=w.grant(w.cast.cu), coordinator=w.coordinator, grounds="expecting",
        reason="Ultralyd viser alvorlig hjertefeil; mange tjenester etter fødselen",
        expected_on=kwargs.pop("expected_on", timezone.localdate() + dt.timedelta(days=60)), **kwargs)


@pytest.fixture
def newborn(world):
    """A child born a week ago, registered with an identity number, with an active team."""
    born = timezone.localdate() - dt.timedelta(days=7)
    child = make_person(world.cast.municipality, given="Lille", family="Person", birth=born, individual=456)
    Team.objects.create(person=child, created_by=world.cast.cu)
    return child


def test_the_unit_records_a_decision_on_an_adult_expectant_parent_with_the_due_date(world):
    w = world
    assert not w.cast.person.is_child
    decision = _expect(w)
    assert (decision.person, decision.grounds, decision.coordinator) == (w.cast.person, "expecting", w.coordinator)
    assert decision.expected_on == timezone.localdate() + dt.timedelta(days=60)
    assert decision.assignment == w.team.current_coordinator_assignment
    assert AuditEvent.objects.filter(resource="child_coordinator_decision", action="create",
                                     resource_id=str(decision.pk)).exists()


def test_an_adult_has_no_other_grounds_and_the_due_date_must_be_given_and_sensible(world):
    w = world
    with pytest.raises(ValidationError, match="ikke under 18"):
        services.child_coordinator_appoint(grant=w.grant(w.cast.cu), coordinator=w.coordinator,
                                           grounds="disability", reason="x")
    with pytest.raises(ValidationError, match="termin"):
        _expect(w, expected_on=None)
    today = timezone.localdate()
    for wrong in (today - dt.timedelta(days=15), today + dt.timedelta(days=42 * 7 + 1)):
        with pytest.raises(ValidationError, match="Terminen"):
            _expect(w, expected_on=wrong)
    for right in (today - dt.timedelta(days=14), today + dt.timedelta(days=42 * 7)):
        assert _expect(w, expected_on=right).expected_on == right
    assert ChildCoordinatorDecision.objects.filter(ended_at__isnull=True).count() == 1


def test_only_the_unit_decides_for_an_expecting_family(world):
    w = world
    with pytest.raises(PermissionDenied):
        services.child_coordinator_appoint(grant=w.grant(w.coordinator), coordinator=w.coordinator,
                                           grounds="expecting", reason="x",
                                           expected_on=timezone.localdate() + dt.timedelta(days=30))
    with pytest.raises(PermissionDenied):
        services.child_coordinator_appoint(grant=w.grant(w.cast.gp), coordinator=w.coordinator,
                                           grounds="expecting", reason="x",
                                           expected_on=timezone.localdate() + dt.timedelta(days=30))
    assert not ChildCoordinatorDecision.objects.exists()


def test_the_database_refuses_a_due_date_without_expecting_and_expecting_without_one(world):
    w = world
    for grounds, expected in (("expecting", None), ("disability", timezone.localdate())):
        with pytest.raises(IntegrityError), transaction.atomic():
            ChildCoordinatorDecision.objects.create(person=w.cast.person, coordinator=w.coordinator, grounds=grounds,
                                                    expected_on=expected, reason="x", decided_by=w.cast.cu)


def test_a_born_childs_grounds_keep_the_due_date_empty(world):
    w = world
    w.cast.person.birth_date = timezone.localdate() - dt.timedelta(days=365 * 5)
    w.cast.person.save(update_fields=["birth_date"])
    decision = services.child_coordinator_appoint(grant=w.grant(w.cast.cu), coordinator=w.coordinator,
                                                  grounds="serious_illness", reason="Kreft",
                                                  expected_on=timezone.localdate())
    assert decision.expected_on is None


def test_the_decision_moves_to_the_born_child_and_keeps_the_history(world, newborn):
    w = world
    before = _expect(w)
    moved = services.child_coordinator_move_to_child(
        grant=w.grant(w.cast.cu), child_grant=w.grant(w.cast.cu, newborn), grounds="disability",
        reason="Hjertefeil, oppfølging fra mange tjenester")
    before.refresh_from_db()
    assert (moved.person, moved.coordinator, moved.grounds, moved.expected_on, moved.continues) == (
        newborn, w.coordinator, "disability", None, before)
    assert before.ended_at == moved.decided_at and "flyttet til barnet" in before.end_reason
    assert selectors.current_decision(w.cast.person) is None
    assert selectors.current_decision(newborn) == moved
    child_team = Team.objects.get(person=newborn)
    assert child_team.current_coordinator_assignment.coordinator == w.coordinator
    assert list(ChildCoordinatorDecision.objects.filter(person=w.cast.person)) == [before]
    events = AuditEvent.objects.filter(resource="child_coordinator_decision")
    assert events.filter(action="create", person=newborn).count() == 1
    assert events.filter(action="update", person=w.cast.person, resource_id=str(before.pk)).count() == 1


def test_the_move_is_the_units_for_a_newborn_and_only_from_an_expecting_decision(world, newborn):
    w = world

    def move(grant=None, child_grant=None, grounds="disability"):
        return services.child_coordinator_move_to_child(
            grant=grant or w.grant(w.cast.cu), child_grant=child_grant or w.grant(w.cast.cu, newborn),
            grounds=grounds, reason="x")

    with pytest.raises(ValidationError, match="ikke noe gjeldende vedtak"):
        move()
    _expect(w)
    with pytest.raises(PermissionDenied):
        move(grant=w.grant(w.coordinator))
    with pytest.raises(ValidationError, match="velg grunnlaget"):
        move(grounds="expecting")
    with pytest.raises(ValidationError, match="ikke forelderen"):
        move(child_grant=w.grant(w.cast.cu))
    newborn.birth_date = timezone.localdate() - dt.timedelta(days=400)
    newborn.save(update_fields=["birth_date"])
    with pytest.raises(ValidationError, match="ett år eller eldre"):
        move()
    assert ChildCoordinatorDecision.objects.filter(person=newborn).count() == 0
    assert selectors.current_decision(w.cast.person).grounds == Grounds.EXPECTING


def test_the_unit_appoints_and_moves_through_the_pages(world, newborn):
    w = world
    cu = w.client(w.cast.cu)
    page = cu.get(reverse("children:child", args=[w.cast.person.pk]))
    assert page.status_code == 200
    assert "familie som venter barn" in page.content.decode()
    form = cu.get(reverse("children:appoint", args=[w.cast.person.pk])).content.decode()
    assert 'value="expecting"' in form and 'value="disability"' not in form
    due = timezone.localdate() + dt.timedelta(days=90)
    answer = cu.post(reverse("children:appoint", args=[w.cast.person.pk]), {
        "coordinator": w.coordinator.pk, "grounds": "disability", "reason": "x", "expected_on": due.isoformat()})
    assert answer.status_code == 200 and not ChildCoordinatorDecision.objects.exists()
    answer = cu.post(reverse("children:appoint", args=[w.cast.person.pk]), {
        "coordinator": w.coordinator.pk, "grounds": "expecting", "reason": "Alvorlig hjertefeil"})
    assert answer.status_code == 200 and "Oppgi termin" in answer.content.decode()
    answer = cu.post(reverse("children:appoint", args=[w.cast.person.pk]), {
        "coordinator": w.coordinator.pk, "grounds": "expecting", "reason": "Alvorlig hjertefeil",
        "expected_on": due.isoformat()})
    assert answer.status_code == 302
    page = cu.get(reverse("children:child", args=[w.cast.person.pk])).content.decode()
    assert "Termin" in page and "flytt vedtaket til barnet" in page and due.isoformat() not in page
    move_url = reverse("children:move_to_child", args=[w.cast.person.pk])
    assert w.client(w.coordinator).get(move_url).status_code == 403
    elsewhere = make_person(w.cast.other_municipality, given="Annen", family="Kommune",
                            birth=timezone.localdate() - dt.timedelta(days=3), individual=789)
    for number, says in (("01010112345", "Noe må rettes"), (elsewhere.identity_number, "Fant ikke barnet")):
        unknown = cu.post(move_url, {"identity_number": number, "grounds": "disability", "reason": "x"})
        assert unknown.status_code == 200 and says in unknown.content.decode()
    assert ChildCoordinatorDecision.objects.count() == 1
    answer = cu.post(move_url, {"identity_number": newborn.identity_number, "grounds": "disability",
                                "reason": "Hjertefeil"})
    assert answer.status_code == 302 and answer["Location"] == reverse("children:child", args=[newborn.pk])
    assert selectors.current_decision(newborn).continues.person == w.cast.person
    child_page = cu.get(answer["Location"]).content.decode()
    assert "fattet mens familien ventet barnet" in child_page
    # The parent's team goes on with the barnekoordinator until the unit ends it: the page says so.
    assert f"{w.coordinator.full_name} er fortsatt koordinator i teamet til {w.cast.person.full_name}" in child_page
    parent_page = cu.get(reverse("children:child", args=[w.cast.person.pk])).content.decode()
    assert "flyttet til barnet" in parent_page and "Tidligere vedtak" in parent_page
    assert cu.get(move_url).status_code == 404


def test_an_adults_page_is_not_found_for_staff_other_than_the_unit_until_there_is_a_decision(world):
    w = world
    url = reverse("children:child", args=[w.cast.person.pk])
    assert w.client(w.coordinator).get(url).status_code == 404
    assert w.client(w.cast.stranger).get(url).status_code == 404
    _expect(w)
    assert w.client(w.coordinator).get(url).status_code == 200
    assert w.client(w.cast.stranger).get(url).status_code == 404


def test_the_plan_links_an_adults_barnekoordinator_page_for_the_unit_and_once_there_is_a_decision(world):
    w = world
    url = reverse("plans:detail", args=[w.cast.person.pk])
    link = reverse("children:child", args=[w.cast.person.pk])
    assert link in w.client(w.cast.cu).get(url).content.decode()
    assert link not in w.client(w.coordinator).get(url).content.decode()
    _expect(w)
    assert link in w.client(w.coordinator).get(url).content.decode()
