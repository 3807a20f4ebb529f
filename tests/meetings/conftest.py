import datetime as dt

import pytest
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.assessments.models import Decision
from oppfolging.meetings import services
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.teams.models import Consent, MemberKind, Team, TeamMembership


def grant_for(user, person):
    user._role_assignments_cache = None
    return policy.person_grant(user=user, person=person)


def at(days: int, hour: int = 10) -> dt.datetime:
    """Return a local time `days` from today at the hour."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def team(cast):
    """An active team: the colleague (read grant), the person, and a next of kin with consent."""
    Decision.objects.create(person=cast.person, outcome="team_with_plan", reason="Mange tjenester.",
                            decided_by=cast.cu)
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=cast.next_of_kin,
                           given_by="person", method="verbal")
    TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service,
                                  role_in_team="Sykepleier", added_by=cast.cu)
    TeamMembership.objects.create(team=team, kind=MemberKind.PERSON, added_by=cast.cu)
    TeamMembership.objects.create(team=team, kind=MemberKind.NEXT_OF_KIN, related_person=cast.next_of_kin,
                                  role_in_team="Sønn", added_by=cast.cu)
    cast.colleague.email = "kim@example.invalid"
    cast.colleague.save(update_fields=["email"])
    cast.person.email = "petra@example.invalid"
    cast.person.save(update_fields=["email"])
    cast.next_of_kin.email = "nils@example.invalid"
    cast.next_of_kin.save(update_fields=["email"])
    return team


@pytest.fixture
def outsider(cast):
    """A colleague in the same municipality and service who is not in the person's team."""
    user = User.objects.create(username="utenfor", first_name="Una", last_name="Utenfor")
    RoleAssignment.objects.create(user=user, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                  service=cast.service)
    return user


@pytest.fixture
def meeting(cast, team):
    """A meeting in three days, scheduled by the coordinating unit."""
    return services.meeting_schedule(grant=grant_for(cast.cu, cast.person), team=team,
                                     starts_at=at(3), location="Helsehuset, møterom 2")


@pytest.fixture
def plan(cast, team):
    return IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu)


@pytest.fixture
def due_goal(plan):
    """An active goal due for evaluation before the meeting."""
    return Goal.objects.create(plan=plan, text="Gå tur med hunden alene", author_kind="person",
                               next_evaluation_on=timezone.localdate() + dt.timedelta(days=1))
