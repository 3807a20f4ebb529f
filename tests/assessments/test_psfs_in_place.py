"""Saving an assessment in progress keeps its PSFS rows, so a goal's link to one of them holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oppfolging.assessments.models import (
    Assessment,
    AssessmentParticipant,
    IplosScore,
    PsfsActivity,
)
from oppfolging.assessments.services import PsfsInput, _save_psfs
from oppfolging.audit.models import AuditEvent
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.teams.models import Consent, CoordinatorAssignment, Team

from .conftest import make_assessment
from .test_assessment_flow import edit_data


def _plan(cast) -> IndividualPlan:
    team = Team.objects.create(person=cast.person, created_by=cast.cu)
    Consent.objects.create(person=cast.person, scope="team_and_plan", given_by="person", method="paper")
    CoordinatorAssignment.objects.create(team=team, coordinator=cast.colleague, appointed_by=cast.cu)
    cast.colleague._role_assignments_cache = None
    return IndividualPlan.objects.create(person=cast.person, team=team, created_by=cast.cu)


def _in_progress_with_linked_goal(cast) -> tuple[Assessment, PsfsActivity, Goal]:
    """Return an open assessment, its first activity and a goal made from that activity in the plan."""
    assessment = make_assessment(cast, psfs=[("Gå tur med hunden", 3), ("Lage middag", 5)],
                                 iplos={"cooking": 4})
    walk = assessment.psfs_activities.get(position=1)
    _plan(cast)
    # The goal page offers the open assessment's activity, exactly as for a completed one.
    client = cast.client_for(cast.cu)
    add = reverse("plans:goal_add", args=[cast.person.pk])
    assert "Gå tur med hunden</textarea>" in client.get(f"{add}?psfs_activity={walk.pk}").content.decode()
    nxt = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(add, {"text": "Gå tur med hunden hver dag", "author_kind": "person",
                                 "next_evaluation_on": nxt, "psfs_activity": walk.pk})
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.psfs_activity_id == walk.pk
    return assessment, walk, goal


def test_it_keeps_a_goals_link_when_the_assessment_is_saved_again(cast):
    assessment, walk, goal = _in_progress_with_linked_goal(cast)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    client = Client(raise_request_exception=False)
    client.force_login(cast.cu)
    response = client.post(url, edit_data(assessment, psfs_1_score="6"))
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.psfs_activity_id == walk.pk
    walk.refresh_from_db()
    assert (walk.activity, walk.score, walk.position) == ("Gå tur med hunden", 6, 1)
    assessment.refresh_from_db()
    assert assessment.version == 2
    assert assessment.psfs_pairs() == [("Gå tur med hunden", 6), ("Lage middag", 5)]
    assert AuditEvent.objects.filter(resource="assessment", action="update",
                                     resource_id=str(assessment.pk)).count() == 1


def test_it_changes_a_score_and_a_text_in_the_same_rows(cast):
    assessment = make_assessment(cast, psfs=[("Gå tur med hunden", 3), ("Lage middag", 5)],
                                 iplos={"cooking": 4, "shopping": 2})
    before = {a.position: a.pk for a in assessment.psfs_activities.all()}
    iplos_before = {s.variable: s.pk for s in assessment.iplos_scores.all()}
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    response = cast.client_for(cast.cu).post(url, edit_data(
        assessment, psfs_1_score="4", psfs_2_activity="Lage middag selv", psfs_3_activity="Sove",
        psfs_3_score="2", iplos_cooking="3", iplos_shopping=""))
    assert response.status_code == 302
    rows = list(assessment.psfs_activities.values_list("pk", "position", "activity", "score"))
    assert rows[:2] == [(before[1], 1, "Gå tur med hunden", 4), (before[2], 2, "Lage middag selv", 5)]
    assert rows[2][1:] == (3, "Sove", 2)
    scores = {s.variable: (s.pk, s.score) for s in assessment.iplos_scores.all()}
    # edit_data scores four variables; shopping was emptied and is gone.
    assert scores["cooking"] == (iplos_before["cooking"], 3)
    assert "shopping" not in scores
    assert sorted(scores) == ["cooking", "eating", "social_participation", "vision"]


def test_it_removes_an_activity_nobody_refers_to_and_leaves_the_others_where_they_are(cast):
    assessment = make_assessment(cast, psfs=[("Gå tur med hunden", 3), ("Lage middag", 5)])
    dinner = assessment.psfs_activities.get(position=2)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    response = cast.client_for(cast.cu).post(url, edit_data(assessment, psfs_1_activity="",
                                                            psfs_1_score=""))
    assert response.status_code == 302
    assert list(assessment.psfs_activities.values_list("pk", "position", "activity", "score")) == [
        (dinner.pk, 2, "Lage middag", 5)]
    # The page shows the activity in the row it was written in.
    page = cast.client_for(cast.cu).get(url).content.decode()
    assert 'name="psfs_2_activity" value="Lage middag"' in page


def test_it_refuses_to_remove_an_activity_a_goal_is_about_and_keeps_the_input(cast):
    assessment, walk, goal = _in_progress_with_linked_goal(cast)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    client = Client(raise_request_exception=False)
    client.force_login(cast.cu)
    response = client.post(url, edit_data(assessment, what_matters="Noe nytt", psfs_1_activity="",
                                          psfs_1_score="", psfs_2_score="7"))
    assert response.status_code == 200
    html = response.content.decode()
    assert ("Aktiviteten «Gå tur med hunden» kan ikke fjernes fordi et mål i den individuelle planen "
            "er knyttet til den.") in html
    assert "Noe nytt" in html  # what the user wrote is still on the page
    assert goal.text not in html  # the plan's goal is not shown to whoever edits the assessment
    # Nothing was saved: not the text, not the other score, not the version, no audit entry.
    assessment.refresh_from_db()
    assert assessment.version == 1 and assessment.what_matters == ""
    assert assessment.psfs_pairs() == [("Gå tur med hunden", 3), ("Lage middag", 5)]
    goal.refresh_from_db()
    assert goal.psfs_activity_id == walk.pk
    assert not AuditEvent.objects.filter(resource="assessment", action="update").exists()


def test_it_lets_the_activity_go_once_the_goal_no_longer_refers_to_it(cast):
    assessment, walk, goal = _in_progress_with_linked_goal(cast)
    Goal.objects.filter(pk=goal.pk).update(psfs_activity=None)
    url = reverse("assessments:edit", args=[cast.person.pk, assessment.pk])
    response = cast.client_for(cast.cu).post(url, edit_data(assessment, psfs_1_activity="",
                                                            psfs_1_score=""))
    assert response.status_code == 302
    assert not PsfsActivity.objects.filter(pk=walk.pk).exists()
    assert assessment.psfs_pairs() == [("Lage middag", 5)]


def test_nothing_refers_to_the_rows_an_assessment_save_replaces():
    """Participants are replaced on every save (they decide access); nothing may point at them.

    PSFS activities and IPLOS scores are updated in place; a new reference to a participant
    would need the same treatment in assessments.services.assessment_update.
    """
    replaced = {AssessmentParticipant}
    pointing = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models() for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model in replaced
    ]
    assert pointing == []
    referring_to_scores = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models() for field in model._meta.get_fields()
        if field.is_relation and field.concrete and field.related_model in (IplosScore, PsfsActivity)
    ]
    assert referring_to_scores == ["Goal.psfs_activity"]


def test_it_refuses_a_goal_linked_after_the_check_without_a_500(cast):
    """A goal linked between the check at the top of the save and the delete is refused the same way."""
    assessment, walk, goal = _in_progress_with_linked_goal(cast)
    with pytest.raises(ValidationError) as refused:
        _save_psfs(assessment, [PsfsInput(position=2, activity="Lage middag", score=5)])
    assert refused.value.messages == [
        "Aktiviteten «Gå tur med hunden» kan ikke fjernes fordi et mål i den individuelle planen "
        "er knyttet til den. Behold aktiviteten, eller fjern koblingen i målet først."]
    assert PsfsActivity.objects.filter(pk=walk.pk).exists()
