import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from oppfolging.accounts.models import User
from oppfolging.assessments.models import Assessment, PsfsActivity
from oppfolging.meetings.models import Meeting
from oppfolging.people.models import RelatedPerson
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team, TeamMembership


@dataclass
class Portal:
    person_user: User
    kin_user: User
    other_kin_user: User
    kin: RelatedPerson
    other_kin: RelatedPerson
    kin_consent: Consent
    plan: IndividualPlan
    team: Team
    meeting: Meeting


@pytest.fixture
def portal(cast):
    """The person signs in as themself; one next of kin with consent, one without."""
    def user(name: str) -> User:
        return User.objects.create(username=name, first_name=name.capitalize(), last_name="Person")

    person_user, kin_user, other_kin_user = user("petra"), user("nils"), user("ola")
    cast.person.user = person_user
    cast.person.email = "petra@example.invalid"
    cast.person.save()
    kin = cast.next_of_kin
    kin.user = kin_user
    kin.save()
    other_kin = RelatedPerson.objects.create(person=cast.person, given_name="Ola", family_name="Person",
                                             relationship="sibling", user=other_kin_user)
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=cast.person, scope="share_with_service", service=cast.service,
                           given_by="person", method="paper")
    kin_consent = Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=kin,
                                         given_by="person", method="verbal")
    TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service, added_by=cast.cu,
                                  role_in_team="Ergoterapeut")
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.cu, appointed_by=cast.cu)
    plan = IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu,
                                         what_matters="Bo hjemme")
    Goal.objects.create(plan=plan, text="Gå tur med hunden", author_kind="person",
                        next_evaluation_on=timezone.localdate() + dt.timedelta(days=20))
    assessment = Assessment.objects.create(person=cast.person, created_by=cast.cu, status="completed")
    PsfsActivity.objects.create(assessment=assessment, position=1, activity="Gå tur", score=3)
    PsfsActivity.objects.create(assessment=assessment, position=2, activity="Lage middag", score=2)
    meeting = Meeting.objects.create(team=team, starts_at=timezone.now() + dt.timedelta(days=10),
                                     created_by=cast.cu, location="Rådhuset")
    return Portal(person_user, kin_user, other_kin_user, kin, other_kin, kin_consent, plan, team, meeting)
