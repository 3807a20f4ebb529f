import datetime as dt

import time_machine
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.models import RoleAssignment


def visible(user, cast):
    return set(policy.persons_visible_to(user=user))


def test_it_denies_by_default(cast):
    for user in (cast.colleague, cast.leader, cast.admin, cast.evaluator):
        assert visible(user, cast) == set()
        assert policy.person_grant(user=user, person=cast.person) is None


def test_it_lets_the_coordinating_unit_see_and_change_everyone_in_its_municipality(cast):
    assert visible(cast.cu, cast) == {cast.person}
    grant = policy.person_grant(user=cast.cu, person=cast.person)
    assert grant.basis == policy.Basis.COORDINATING_UNIT and grant.can_write


def test_it_lets_the_gp_read_their_own_patients_only(cast):
    assert visible(cast.gp, cast) == {cast.person}
    grant = policy.person_grant(user=cast.gp, person=cast.person)
    assert grant.basis == policy.Basis.GP and not grant.can_write
    cast.person.gp = None
    cast.person.save()
    assert policy.person_grant(user=cast.gp, person=cast.person) is None


def test_it_keeps_municipalities_apart(cast):
    assert visible(cast.stranger, cast) == {cast.other_person}
    assert policy.person_grant(user=cast.stranger, person=cast.person) is None


def test_it_stops_access_when_the_role_is_removed(cast):
    RoleAssignment.objects.filter(user=cast.cu).delete()
    cast.cu.refresh_from_db()
    assert policy.person_grant(user=cast.cu, person=cast.person) is None


def test_it_gives_no_access_to_an_inactive_user(cast):
    cast.cu.is_active = False
    assert policy.person_grant(user=cast.cu, person=cast.person) is None


def test_it_gives_break_glass_access_for_a_limited_time_only(cast):
    start = timezone.now()
    BreakGlassAccess.objects.create(
        user=cast.colleague, person=cast.person, reason="Akutt", created_at=start,
        expires_at=start + dt.timedelta(hours=4),
    )
    grant = policy.person_grant(user=cast.colleague, person=cast.person)
    assert grant.basis == policy.Basis.BREAK_GLASS and not grant.can_write
    assert grant.break_glass is not None
    with time_machine.travel(start + dt.timedelta(hours=4, minutes=1)):
        assert policy.person_grant(user=cast.colleague, person=cast.person) is None
        assert visible(cast.colleague, cast) == set()


def test_it_refuses_break_glass_across_municipalities(cast):
    BreakGlassAccess.objects.create(
        user=cast.stranger, person=cast.person, reason="Forsøk",
        expires_at=timezone.now() + dt.timedelta(hours=4),
    )
    assert policy.person_grant(user=cast.stranger, person=cast.person) is None


def test_it_never_lets_leaders_break_the_glass(cast):
    BreakGlassAccess.objects.create(
        user=cast.leader, person=cast.person, reason="Nysgjerrig",
        expires_at=timezone.now() + dt.timedelta(hours=4),
    )
    assert policy.person_grant(user=cast.leader, person=cast.person) is None


def test_it_never_lets_a_leader_see_a_person_even_when_made_coordinator_or_member(cast):
    from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership

    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper")
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.leader, appointed_by=cast.cu)
    TeamMembership.objects.create(team=team, user=cast.admin, service=cast.service, added_by=cast.cu)
    assert policy.person_grant(user=cast.leader, person=cast.person) is None
    assert policy.person_grant(user=cast.admin, person=cast.person) is None


def test_it_records_the_role_the_user_really_holds_for_a_rule_derived_grant(cast):
    from oppfolging.referrals.models import Referral

    Referral.objects.create(
        municipality=cast.municipality, person=cast.person, subject_given_name="P", subject_family_name="P",
        source="gp", channel="in_app", reporter_name="X", observations="x", consent="given",
        deadline=dt.date(2030, 1, 1), receipt_code="ROLE0001", assigned_to=cast.gp)
    cast.person.gp = None
    cast.person.save()
    grant = policy.person_grant(user=cast.gp, person=cast.person)
    assert grant.basis == policy.Basis.CASE_WORKER and grant.role == "gp"
