import datetime as dt

import pytest
from django.utils import timezone

from oppfolging.assessments.models import Decision
from oppfolging.plans.models import Goal, IndividualPlan, Measure
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership


@pytest.fixture
def plan(cast):
    """A plan with a team, a coordinator (the colleague), consent and two goals."""
    Decision.objects.create(person=cast.person, outcome="team_with_plan", reason="x", decided_by=cast.cu)
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper")
    member = TeamMembership.objects.create(team=team, user=cast.gp, service=cast.service,
                                           role_in_team="Fastlege", added_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    plan = IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu)
    today = timezone.localdate()
    walk = Goal.objects.create(plan=plan, text="Gå tur med hunden hver dag", author_kind="person",
                               next_evaluation_on=today + dt.timedelta(days=3))
    Goal.objects.create(plan=plan, text="Lage middag selv", author_kind="person",
                        next_evaluation_on=today + dt.timedelta(days=60), position=1)
    Measure.objects.create(goal=walk, description="Følge på tur", responsible_membership=member,
                           extent="3 ganger i uka", how="Fysioterapeut går sammen med Petra")
    cast.colleague._role_assignments_cache = None
    return plan
