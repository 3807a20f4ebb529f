"""The policy's filter of visible persons is compiled once, never its answer.

Within a request it is compiled once per user; across requests the process keeps it as a template
whose moment each request replaces with its own, so what ends at a moment (emergency access, a
coordinator's period, a membership, a consent) ends for the next request, not the next build.
"""

import datetime as dt

import pytest
import time_machine
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import Role, RoleAssignment
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership


@pytest.fixture(autouse=True)
def no_templates_kept(monkeypatch):
    monkeypatch.setattr(policy, "_templates", {})


def in_a_request(user, municipality=None):
    """What a page sees: the filter inside a request scope, as the middleware sets it."""
    user = type(user).objects.get(pk=user.pk)  # a request loads the user afresh
    with policy.request_scope():
        return set(policy.persons_visible_to(user=user, municipality=municipality))


def test_within_a_request_the_filter_is_compiled_once(cast, monkeypatch):
    built = []
    original = policy._visible_persons

    def counting(user, municipality):
        built.append((user.pk, municipality))
        return original(user, municipality)

    monkeypatch.setattr(policy, "_visible_persons", counting)
    with policy.request_scope():
        for _ in range(3):
            assert set(policy.persons_visible_to(user=cast.cu)) == {cast.person}
        assert set(policy.persons_visible_to(user=cast.cu, municipality=cast.municipality)) == {cast.person}
        assert set(policy.persons_visible_to(user=cast.stranger)) == {cast.other_person}
    assert len(built) == 2  # the unit (one build with and without a municipality), and the stranger
    built.clear()
    policy.persons_visible_to(user=cast.cu)
    policy.persons_visible_to(user=cast.cu)
    assert len(built) == 2  # outside a request nothing is kept


def test_one_build_serves_the_list_with_and_without_a_municipality(cast, monkeypatch):
    built = []
    original = policy._visible_persons
    monkeypatch.setattr(policy, "_visible_persons", lambda u, m: built.append(m) or original(u, m))
    with policy.request_scope():
        assert set(policy.persons_visible_to(user=cast.stranger)) == {cast.other_person}
        assert set(policy.persons_visible_to(user=cast.stranger, municipality=cast.other_municipality)) == {
            cast.other_person}
        assert set(policy.persons_visible_to(user=cast.stranger, municipality=cast.municipality)) == set()
        assert set(policy.persons_visible_to(user=cast.cu, municipality=cast.other_municipality)) == set()
        assert set(policy.persons_visible_to(user=cast.cu, municipality=cast.municipality)) == {cast.person}
    assert built == [None, None]  # once per user, never per municipality


def test_a_change_earlier_in_the_request_is_seen(cast):
    with policy.request_scope():
        assert set(policy.persons_visible_to(user=cast.colleague)) == set()
        now = timezone.now()
        BreakGlassAccess.objects.create(
            user=cast.colleague, person=cast.person, reason="Akutt", created_at=now,
            expires_at=now + dt.timedelta(hours=4),
        )
        assert set(policy.persons_visible_to(user=cast.colleague)) == {cast.person}


def test_a_user_no_rule_can_match_sees_no_one(cast):
    with policy.request_scope():
        assert list(policy.persons_visible_to(user=cast.leader)) == []
        assert list(policy.persons_visible_to(user=cast.leader)) == []


def test_a_page_compiles_it_once_and_the_next_request_reuses_the_template(cast, monkeypatch):
    built = []
    original = policy._visible_persons
    monkeypatch.setattr(policy, "_visible_persons", lambda u, m: built.append(u.pk) or original(u, m))
    client = cast.client_for(cast.cu)
    assert client.get(reverse("home:start")).status_code == 200
    assert len(built) == 1  # one build serves the lists with and without the active municipality
    assert client.get(reverse("home:start")).status_code == 200
    assert len(built) == 1


def test_emergency_access_ends_for_the_next_request_though_the_template_was_built_before(cast):
    start = timezone.now()
    BreakGlassAccess.objects.create(user=cast.colleague, person=cast.person, reason="Akutt",
                                    created_at=start, expires_at=start + dt.timedelta(hours=4))
    with time_machine.travel(start + dt.timedelta(hours=3, minutes=59), tick=False):
        assert in_a_request(cast.colleague) == {cast.person}
    with time_machine.travel(start + dt.timedelta(hours=4, minutes=1), tick=False):
        assert in_a_request(cast.colleague) == set()
    assert len(policy._templates) == 1


def team_with_consent(cast, *, valid_until=None):
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper",
                           valid_until=valid_until)
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper", valid_until=valid_until)
    return team


def test_a_membership_and_a_consent_end_on_their_day_for_the_next_request(cast):
    today = timezone.localdate()
    team = team_with_consent(cast, valid_until=today + dt.timedelta(days=3))
    TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service, added_by=cast.cu,
                                  joined_on=today + dt.timedelta(days=1), left_on=today + dt.timedelta(days=10))
    assert in_a_request(cast.colleague) == set()  # joins tomorrow
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(noon + dt.timedelta(days=1), tick=False):
        assert in_a_request(cast.colleague) == {cast.person}
    with time_machine.travel(noon + dt.timedelta(days=4), tick=False):
        assert in_a_request(cast.colleague) == set()  # the consent ran out the day before
    assert len(policy._templates) == 1


def test_a_coordinators_period_ends_at_its_moment_for_the_next_request(cast):
    RoleAssignment.objects.create(user=cast.colleague, role=Role.COORDINATOR, municipality=cast.municipality)
    team = team_with_consent(cast)
    team.status = "active"
    team.save()
    now = timezone.now()
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu,
                                         started_at=now - dt.timedelta(days=30),
                                         ended_at=now + dt.timedelta(hours=1))
    assert in_a_request(cast.colleague) == {cast.person}
    with time_machine.travel(now + dt.timedelta(hours=1, seconds=1), tick=False):
        assert in_a_request(cast.colleague) == set()


def test_a_changed_role_is_a_new_template(cast):
    assert in_a_request(cast.colleague) == set()
    RoleAssignment.objects.create(user=cast.colleague, role=Role.COORDINATING_UNIT, municipality=cast.municipality)
    assert in_a_request(cast.colleague) == {cast.person}
    RoleAssignment.objects.filter(user=cast.colleague, role=Role.COORDINATING_UNIT).delete()
    assert in_a_request(cast.colleague) == set()


def test_a_rule_that_reads_the_clock_itself_is_never_kept_as_a_template(cast, monkeypatch):
    clock_reading = policy._Rule(policy.Basis.BREAK_GLASS, Role.TEAM_MEMBER, False,
                                 lambda user: Q(pk__in=BreakGlassAccess.objects.filter(
                                     user=user, expires_at__gt=timezone.now()).values("person_id")))
    monkeypatch.setattr(policy, "RULES", (*policy.RULES, clock_reading))
    with pytest.raises(ValueError, match="read the clock itself"):
        in_a_request(cast.colleague)
    assert policy._templates == {}
