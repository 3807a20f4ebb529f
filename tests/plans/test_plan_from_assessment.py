"""The plan starts from the assessment, goals link to PSFS activities, each page offers the next step (#14)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from oppfolging.assessments.models import Assessment, Decision, PsfsActivity
from oppfolging.plans.models import Goal, GoalEvaluation, IndividualPlan
from oppfolging.portal.models import PsfsSelfScore
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team


def _assessment(cast, **fields):
    assessment = Assessment.objects.create(
        person=cast.person, created_by=cast.cu, status="completed", completed_at=timezone.now(),
        what_matters="Å klare meg hjemme og gå tur med hunden.",
        housing_economy_needs="Trapp uten rekkverk.", family_network_resources="Datteren bor i nærheten.",
        **fields)
    walk = PsfsActivity.objects.create(assessment=assessment, position=1, activity="Gå tur med hunden", score=3)
    PsfsActivity.objects.create(assessment=assessment, position=2, activity="Lage middag", score=5)
    return assessment, walk


def _team(cast):
    Decision.objects.create(person=cast.person, outcome="team_with_plan", reason="x", decided_by=cast.cu)
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    cast.colleague._role_assignments_cache = None
    return team


def test_a_new_plan_carries_over_what_matters_and_the_life_areas_and_offers_the_activities_as_goals(cast):
    _assessment(cast)
    _team(cast)
    client = cast.client_for(cast.cu)
    response = client.post(reverse("teams:plan_create", args=[cast.person.pk]), follow=True)
    plan = IndividualPlan.objects.get(person=cast.person)
    assert plan.what_matters == "Å klare meg hjemme og gå tur med hunden."
    assert "Bolig og økonomi: Trapp uten rekkverk." in plan.needs
    assert "Familie og nettverk: Datteren bor i nærheten." in plan.resources
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("plans:detail", args=[cast.person.pk])
    assert "Forslag til mål fra «Hva er viktig for deg?»" in html
    assert "«Gå tur med hunden»" in html and "«Lage middag»" in html
    assert "Neste steg" in html and "Skriv mål" in html


def test_a_goal_made_from_an_activity_is_linked_and_leaves_the_suggestions(cast):
    _, walk = _assessment(cast)
    _team(cast)
    client = cast.client_for(cast.cu)
    client.post(reverse("teams:plan_create", args=[cast.person.pk]))
    form = client.get(reverse("plans:goal_add", args=[cast.person.pk]) + f"?psfs_activity={walk.pk}").content.decode()
    assert "Gå tur med hunden</textarea>" in form
    nxt = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(reverse("plans:goal_add", args=[cast.person.pk]), {
        "text": "Gå tur med hunden hver dag", "author_kind": "person", "next_evaluation_on": nxt,
        "psfs_activity": walk.pk})
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.psfs_activity == walk
    html = client.get(reverse("plans:detail", args=[cast.person.pk])).content.decode()
    assert "knyttet til aktiviteten «Gå tur med hunden»" in html
    assert "Lag mål av dette<span class=\"visually-hidden\"> – «Gå tur med hunden»" not in html
    assert "«Lage middag»" in html


def test_the_evaluation_shows_the_activitys_scores_with_proxy_scores_apart(cast):
    _, walk = _assessment(cast)
    _team(cast)
    client = cast.client_for(cast.cu)
    client.post(reverse("teams:plan_create", args=[cast.person.pk]))
    plan = IndividualPlan.objects.get()
    goal = Goal.objects.create(plan=plan, text="Gå tur", author_kind="person", psfs_activity=walk,
                               next_evaluation_on=timezone.localdate())
    GoalEvaluation.objects.create(goal=goal, due_on=timezone.localdate(), result="partly", next_step="continue",
                                  psfs_score=5, evaluated_by=cast.cu, evaluated_on=timezone.localdate())
    PsfsSelfScore.objects.create(person=cast.person, activity="Gå tur med hunden", score=7)
    PsfsSelfScore.objects.create(person=cast.person, activity="Gå tur med hunden", score=9, scored_by_kind="guardian")
    html = client.get(reverse("plans:goal_evaluate", args=[cast.person.pk, goal.pk])).content.decode()
    assert "Skårer for aktiviteten «Gå tur med hunden»" in html
    own, proxy = html.split("Skåret av andre på vegne av personen")
    assert "I kartleggingen" in own and ">3<" in own and ">5<" in own and ">7<" in own
    assert ">9<" not in own and ">9<" in proxy and "Verge på vegne av personen" in proxy


def test_each_page_of_the_path_offers_the_next_step(cast):
    client = cast.client_for(cast.cu)
    page = client.get(reverse("assessments:person_assessments", args=[cast.person.pk])).content.decode()
    assert "Start kartlegging" in page
    _assessment(cast)
    page = client.get(reverse("assessments:person_assessments", args=[cast.person.pk])).content.decode()
    assert "Fatt beslutning" in page
    Decision.objects.create(person=cast.person, outcome="team_with_plan", reason="x", decided_by=cast.cu)
    page = client.get(reverse("assessments:person_assessments", args=[cast.person.pk])).content.decode()
    assert "Sett sammen team" in page
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    page = client.get(reverse("teams:person_team", args=[cast.person.pk])).content.decode()
    assert "Oppnevn koordinator" in page
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    page = client.get(reverse("teams:person_team", args=[cast.person.pk])).content.decode()
    assert "Opprett plan" in page
    # The GP reads only: no next step offered.
    assert "Neste steg" not in cast.client_for(cast.gp).get(
        reverse("teams:person_team", args=[cast.person.pk])).content.decode()


def test_the_plan_starts_from_the_completed_assessment_not_a_newer_one_in_progress_on_every_database(cast):
    """PostgreSQL sorts an empty completion first when descending, SQLite last: the order says which."""
    _assessment(cast, started_on=timezone.localdate() - dt.timedelta(days=60))
    open_one = Assessment.objects.create(person=cast.person, created_by=cast.cu, status="in_progress",
                                         what_matters="Uferdig")
    PsfsActivity.objects.create(assessment=open_one, position=1, activity="Uferdig aktivitet", score=1)
    _team(cast)
    response = cast.client_for(cast.cu).post(reverse("teams:plan_create", args=[cast.person.pk]), follow=True)
    plan = IndividualPlan.objects.get(person=cast.person)
    assert plan.what_matters == "Å klare meg hjemme og gå tur med hunden."
    html = response.content.decode()
    assert "«Gå tur med hunden»" in html and "Uferdig aktivitet" not in html
