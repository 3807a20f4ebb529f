import pytest

from oppfolging.assessments.models import Decision
from oppfolging.teams.models import Consent, Team, TeamMembership


@pytest.fixture
def team(cast):
    """An active team for the cast's person, with the colleague as a member and full consent."""
    Decision.objects.create(person=cast.person, outcome="team_with_plan", reason="Mange tjenester.",
                            decided_by=cast.cu)
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper")
    TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service,
                                  role_in_team="Sykepleier", added_by=cast.cu)
    return team
