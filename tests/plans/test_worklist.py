"""The start page's work list: what needs attention in the coordinator's teams, or the unit's municipality."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from tests.conftest import make_person

from oppfolging.home.selectors import worklist
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.teams.models import CoordinatorAssignment, Team


def test_it_lists_the_goals_due_in_the_coordinators_teams_only(cast, plan, django_assert_num_queries):
    other = make_person(cast.municipality, given="Olga", family="Annensen", birth=dt.date(1980, 3, 4), individual=345)
    team = Team.objects.create(person=other, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.gp, appointed_by=cast.cu)
    other_plan = IndividualPlan.objects.create(person=other, team=team, created_by=cast.cu)
    Goal.objects.create(plan=other_plan, text="Handle selv", author_kind="person",
                        next_evaluation_on=timezone.localdate() - dt.timedelta(days=2))

    with django_assert_num_queries(4):  # goals due, idle plans, overdue action items, teams without coordinator
        items = worklist(user=cast.colleague, municipality=cast.municipality)
    assert [(i.kind, i.person_name, i.text) for i in items] == [
        ("Evaluering snart", "Petra Person", "Gå tur med hunden hver dag")]
    assert items[0].url == reverse("plans:detail", args=[cast.person.pk]) + f"#goal-{plan.goals.get(position=0).pk}"

    unit = worklist(user=cast.cu, municipality=cast.municipality, whole_municipality=True, limit=30)
    assert [(i.kind, i.person_name) for i in unit] == [
        ("Evaluering forfalt", "Olga Annensen"), ("Evaluering snart", "Petra Person")]
    assert worklist(user=cast.stranger, municipality=cast.other_municipality, whole_municipality=True) == []


def test_it_tells_the_unit_of_a_team_without_a_coordinator(cast, plan):
    CoordinatorAssignment.objects.filter(team=plan.team).update(ended_at=timezone.now() - dt.timedelta(days=1))
    unit = worklist(user=cast.cu, municipality=cast.municipality, whole_municipality=True, limit=1)
    assert [(i.kind, i.person_name, i.text) for i in unit] == [
        ("Team uten koordinator", "Petra Person", "Oppnevn en koordinator")]
    assert worklist(user=cast.colleague, municipality=cast.municipality) == []
