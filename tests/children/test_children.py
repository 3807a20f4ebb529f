"""A child with a barnekoordinator: the unit's decision, parents who take part or are excluded
(through the policy), and the child's own view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.access.models import Visibility
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.audit.models import AuditEvent
from oppfolging.catalogue.models import Sector, Service
from oppfolging.children import selectors, services
from oppfolging.children.models import ChildCoordinatorDecision
from oppfolging.documents.selectors import default_visibility
from oppfolging.notes.services import note_add
from oppfolging.notifications.models import Delivery, Kind, Notification
from oppfolging.notifications.services import Recipient, notify
from oppfolging.people.models import RelatedPerson
from oppfolging.teams.models import Consent, TeamMembership

from ..plantools_world import make


@pytest.fixture
def child(world):
    """The world's person as a ten-year-old, with two parents with parental responsibility."""
    w = world
    person = w.cast.person
    person.birth_date = timezone.localdate() - dt.timedelta(days=365 * 10 + 30)
    person.save(update_fields=["birth_date"])
    mother = w.cast.next_of_kin
    mother.relationship, mother.has_parental_responsibility = "parent", True
    mother.save()
    father = RelatedPerson.objects.create(person=person, given_name="Per", family_name="Person", relationship="parent",
                                          has_parental_responsibility=True, email="per@example.invalid")
    return father


def test_the_unit_records_the_decision_and_appoints_the_barnekoordinator(world, child):
    w = world
    decision = services.child_coordinator_appoint(grant=w.grant(w.cast.cu), coordinator=w.coordinator,
                                                  grounds="disability", reason="Langvarige tjenester fra mange")
    assert (decision.coordinator, decision.assignment, decision.decided_by) == (
        w.coordinator, w.team.current_coordinator_assignment, w.cast.cu)
    assert AuditEvent.objects.filter(resource="child_coordinator_decision", action="create").count() == 1
    assert Notification.objects.filter(kind=Kind.CHILD_COORDINATOR, recipient_user=w.coordinator).count() == 1
    assert selectors.current_decision(w.cast.person) == decision


def test_only_the_unit_decides_and_only_for_a_child(world, child):
    w = world
    with pytest.raises(PermissionDenied):
        services.child_coordinator_appoint(grant=w.grant(w.coordinator), coordinator=w.coordinator,
                                           grounds="disability", reason="x")
    w.cast.person.birth_date = dt.date(1990, 1, 1)
    w.cast.person.save()
    with pytest.raises(ValidationError, match="ikke under 18"):
        services.child_coordinator_appoint(grant=w.grant(w.cast.cu), coordinator=w.coordinator,
                                           grounds="disability", reason="x")
    assert ChildCoordinatorDecision.objects.count() == 0


def test_an_excluded_parent_loses_min_plan_and_gets_no_messages(world, child, deliver):
    w = world
    father = child
    father.user = User.objects.create(username="per", first_name="Per", last_name="Person")
    father.save()
    assert policy.related_person_basis(father) == policy.PortalBasis.PARENT
    exclusion = services.parent_exclude(grant=w.grant(w.cast.cu), related=father, reason="Besøksforbud etter dom")
    assert policy.related_person_basis(father) is None
    assert policy.portal_grant(user=father.user, person_id=w.cast.person.pk) is None
    client = w.client(father.user)
    assert client.get(reverse("portal:plan", args=[w.cast.person.pk])).status_code == 404
    notify(kind=Kind.MESSAGE_FROM_TEAM, key="test", recipient=Recipient(related=father), person=w.cast.person)
    deliver()
    assert list(Delivery.objects.filter(notification__recipient_related=father).values_list("status", flat=True)) == [
        "refused"]
    assert [r.exclusion for r in selectors.parents_of(w.cast.person) if r.related == father] == [exclusion]
    services.parent_exclusion_lift(grant=w.grant(w.cast.cu), exclusion=exclusion, reason="Dommen er opphevet")
    assert policy.related_person_basis(father) == policy.PortalBasis.PARENT


def test_it_records_the_childs_own_view_with_a_question_adapted_to_age(world, child):
    w = world
    view = services.child_view_record(grant=w.grant(w.cast.colleague), words="Jeg liker å bade.", how="conversation")
    assert (view.age_years, view.age_band) == (10, "7_12")
    assert view.question.startswith("Hva er bra for deg nå")
    with pytest.raises(PermissionDenied):
        services.child_view_record(grant=w.grant(w.emergency), words="x", how="conversation")


def test_the_barnekoordinator_sees_needs_across_services_but_not_what_child_welfare_keeps(world, child):
    w = world
    welfare = Service.objects.create(municipality=w.cast.municipality, name="Barneverntjenesten",
                                     sector=Sector.CHILD_WELFARE, description="Barnevern", how_to_get="Ring")
    worker = make("bv", "Berit", "Barnevern")
    RoleAssignment.objects.create(user=worker, role=Role.TEAM_MEMBER, municipality=w.cast.municipality, service=welfare)
    Consent.objects.create(person=w.cast.person, scope="share_with_service", service=welfare, given_by="guardian",
                           method="paper", given_by_related=w.cast.next_of_kin)
    TeamMembership.objects.create(team=w.team, user=worker, service=welfare, added_by=w.cast.cu)
    assert default_visibility(grant=w.grant(worker)) == (Visibility.SERVICES, [welfare.pk])
    note_add(grant=w.grant(worker), plan=w.plan, text="Hjemmebesøk", visibility=Visibility.SERVICES, services=[welfare])
    note_add(grant=w.grant(w.physio), plan=w.plan, text="Trening", visibility=Visibility.SERVICES,
             services=[w.physio_service])
    services.child_coordinator_appoint(grant=w.grant(w.cast.cu), coordinator=w.coordinator, grounds="disability",
                                       reason="Mange tjenester")
    needs = selectors.family_needs(grant=w.grant(w.coordinator))
    sectors = [g["sector"] for g in needs]
    assert sectors == ["Helse og omsorg", "Barnevern"]
    all_notes = [n.text for g in needs for e in g["services"] for n in e["notes"]]
    assert "Hjemmebesøk" not in all_notes
    page = w.client(w.coordinator).get(reverse("children:child", args=[w.cast.person.pk])).content.decode()
    assert "Barneverntjenesten" in page and "Hjemmebesøk" not in page


def test_the_child_page_answers_404_to_a_stranger_and_403_to_appointing_without_the_unit(world, child):
    url = reverse("children:child", args=[world.cast.person.pk])
    assert world.client(world.cast.stranger).get(url).status_code == 404
    assert world.client(world.coordinator).get(reverse("children:appoint", args=[world.cast.person.pk])).status_code == 403
    assert world.client(world.cast.cu).get(url).status_code == 200


def test_both_parents_take_part_in_meetings_unless_the_unit_excludes_one(world, child):
    from oppfolging.meetings.models import Meeting
    from oppfolging.meetings.services import invitation_sync
    from oppfolging.teams.models import MemberKind

    w = world
    father, mother = child, w.cast.next_of_kin
    TeamMembership.objects.create(team=w.team, kind=MemberKind.NEXT_OF_KIN, related_person=father, added_by=w.cast.cu)
    # Neither parent needs the child's consent: parental responsibility is the basis for both.
    Consent.objects.filter(person=w.cast.person, scope="next_of_kin").delete()
    assert {policy.related_person_basis(p) for p in (mother, father)} == {policy.PortalBasis.PARENT}

    def invited(when: dt.datetime) -> set[int]:
        meeting = Meeting.objects.create(team=w.team, starts_at=when, location="Skolen", created_by=w.cast.cu)
        invitation_sync(grant=w.grant(w.cast.cu), meeting=meeting)
        return set(meeting.invitations.exclude(membership__related_person=None)
                   .values_list("membership__related_person_id", flat=True))

    soon = timezone.now() + dt.timedelta(days=3)
    assert invited(soon) == {mother.pk, father.pk}
    services.parent_exclude(grant=w.grant(w.cast.cu), related=father, reason="Besøksforbud etter dom")
    assert invited(soon + dt.timedelta(days=1)) == {mother.pk}
    assert [r.related for r in selectors.parents_of(w.cast.person) if r.exclusion is None] == [mother]


def test_a_double_click_records_the_childs_view_once(world, child):
    """#13.4: the child's-view form carries the one-time token; sent twice, the words are kept once."""
    import re

    from oppfolging.children.models import ChildView

    client = world.client(world.cast.colleague)
    page = reverse("children:child", args=[world.cast.person.pk])
    url = reverse("children:child_view", args=[world.cast.person.pk])
    html = client.get(page).content.decode()
    html = html[html.index(f'action="{url}"'):]
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', html).group(1)
    data = {"words": "Jeg liker å bade.", "how": "conversation", "question": "Hva er bra for deg nå?",
            "submission_token": token}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Jeg liker å bade." in repeat.content.decode()
    assert ChildView.objects.filter(person=world.cast.person).count() == 1


def test_a_double_click_records_the_barnekoordinator_decision_once(world, child):
    """#13.4: the decision form carries a one-time token; sent twice, one decision is recorded."""
    import re

    client = world.client(world.cast.cu)
    url = reverse("children:appoint", args=[world.cast.person.pk])
    token = re.search(r'name="submission_token" value="([0-9a-f-]{36})"', client.get(url).content.decode()).group(1)
    data = {"coordinator": world.coordinator.pk, "grounds": "disability", "reason": "Langvarige tjenester fra mange",
            "submission_token": token}
    assert client.post(url, data).status_code == 302
    repeat = client.post(url, data, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode()
    assert ChildCoordinatorDecision.objects.filter(person=world.cast.person).count() == 1
