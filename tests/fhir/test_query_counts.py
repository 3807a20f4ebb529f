"""Query counts of the API's searches: a page costs the same number of queries for a small and a
large plan (goals, sub-goals, evaluations, measures of every kind of owner, team members of
every kind, coordinators, action items, reports of need and medical assessments).

Each search is run for the fixture's small follow-up, the data is grown, and the search is run
again: the counts must be equal. A count that grows is an N+1 in a `to_fhir` or an include.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.fhir.conftest import FHIR, api, token

from oppfolging.assessments.models import Assessment, MedicalAssessment
from oppfolging.meetings.models import ActionItem
from oppfolging.plans.models import Goal, GoalEvaluation, Measure
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import CoordinatorAssignment, MemberKind, TeamMembership


def grow(cast, follow, n: int, start: int = 0) -> None:
    """Add n rounds of every kind of row the searches below serve, for the same person."""
    kin = TeamMembership.objects.create(team=follow.team, kind=MemberKind.NEXT_OF_KIN,
                                        related_person=cast.next_of_kin, added_by=cast.cu)
    self_member = TeamMembership.objects.create(team=follow.team, kind=MemberKind.PERSON, added_by=cast.cu)
    service_only = TeamMembership.objects.create(team=follow.team, service=cast.service, added_by=cast.cu)
    owners = [follow.membership, kin, self_member, service_only]
    for i in range(start, start + n):
        TeamMembership.objects.create(team=follow.team, user=cast.gp, role_in_team=f"Lege {i}",
                                      is_medically_responsible=i == 0, added_by=cast.cu)
        CoordinatorAssignment.objects.create(team=follow.team, coordinator=cast.colleague, appointed_by=cast.cu,
                                             started_at=dt.datetime(2020, 1, 1 + i, tzinfo=dt.UTC),
                                             ended_at=dt.datetime(2020, 2, 1 + i, tzinfo=dt.UTC))
        goal = Goal.objects.create(plan=follow.plan, text=f"Ekstra {i}", author_kind="next_of_kin",
                                   author_related=cast.next_of_kin, position=10 + i,
                                   next_evaluation_on=dt.date(2031, 1, 1))
        sub = Goal.objects.create(plan=follow.plan, parent=goal, text=f"Delmål {i}", author_kind="professional",
                                  author_user=cast.colleague, position=50 + i,
                                  next_evaluation_on=dt.date(2031, 1, 1))
        GoalEvaluation.objects.create(goal=goal, due_on=dt.date(2025, 1, 1), evaluated_on=dt.date(2025, 1, 1),
                                      result="partly", next_step="continue", evaluated_by=cast.cu)
        GoalEvaluation.objects.create(goal=sub, due_on=dt.date(2025, 1, 1), evaluated_on=dt.date(2025, 1, 1),
                                      result="achieved", next_step="continue", evaluated_by=cast.cu)
        for owner in owners:
            Measure.objects.create(goal=goal, description="Tiltak", responsible_membership=owner)
            ActionItem.objects.create(team=follow.team, description=f"Oppgave {i}", due_on=dt.date(2030, 3, 1),
                                      created_by=cast.cu, owner_membership=owner)
        Measure.objects.create(goal=sub, description="Tiltak", responsible_service=cast.service)
        ActionItem.objects.create(team=follow.team, description="Oppgave", due_on=dt.date(2030, 3, 1),
                                  created_by=cast.cu, owner_service=cast.service)
        ActionItem.objects.create(team=follow.team, description="Oppgave", due_on=dt.date(2030, 3, 1),
                                  created_by=cast.gp, owner_user=cast.gp)
        Referral.objects.create(
            municipality=cast.municipality, person=cast.person, subject_given_name="Petra",
            subject_family_name="Person", source="gp", channel="in_app", reporter_user=cast.gp,
            reporter_name="Lars Lege", observations="Faller.", consent="given", deadline=dt.date(2030, 1, 1),
            receipt_code=f"VOKS{i:04d}", assigned_to=cast.colleague if i % 2 else None,
        )
        assessment = Assessment.objects.create(person=cast.person, created_by=cast.cu)
        MedicalAssessment.objects.create(assessment=assessment, gp=cast.gp, question=f"Spørsmål {i}",
                                         requested_by=cast.colleague)


def count(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return len(queries.captured_queries), json.loads(response.content)


SEARCHES = [
    "CarePlan?patient={person}&_include=CarePlan:goal&_include=CarePlan:care-team",
    "Goal?patient={person}&_count=100",
    "CareTeam?patient={person}",
    "Task?_count=100",
    "ServiceRequest?_count=100",
]


@pytest.mark.parametrize("caller", ["system", "coordinating_unit"])
def test_it_answers_a_search_in_as_many_queries_for_a_large_plan_as_for_a_small_one(cast, follow, clients, caller):
    if caller == "system":
        client = api(token("journal-a", scopes="system/*.read"))
    else:
        cast.cu.hpr_number = "987654321"
        cast.cu.save()
        client = api(token("journal-a", scopes="user/*.read", hpr_number="987654321"))
    urls = [f"{FHIR}/{s.format(person=cast.person.pk)}" for s in SEARCHES]
    # One round first, so every kind of row is there in both (a prefetch of a relation no row
    # uses is skipped, which is no growth).
    grow(cast, follow, 1)
    for url in urls:
        count(client, url)  # warm the JWKS and client caches
    small = {url: count(client, url) for url in urls}
    grow(cast, follow, 6, start=1)
    large = {url: count(client, url) for url in urls}
    for url in urls:
        # More served (entries, or participants and activities in them), in as many queries.
        assert len(json.dumps(large[url][1])) > 2 * len(json.dumps(small[url][1])), url
        assert large[url][0] == small[url][0], (url, small[url][0], large[url][0])
