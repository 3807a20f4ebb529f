"""A real FHIR client library (SMART's fhirclient, R4 models) against the running test server."""

from __future__ import annotations

import datetime as dt

import pytest
from fhirclient.models.careplan import CarePlan
from fhirclient.models.careteam import CareTeam
from fhirclient.models.codeableconcept import CodeableConcept
from fhirclient.models.goal import Goal
from fhirclient.models.task import Task, TaskOutput
from fhirclient.server import FHIRServer
from tests.fhir.conftest import token

from oppfolging.meetings.models import ActionItem

pytestmark = pytest.mark.usefixtures("transactional_db")


def server_for(live_server, bearer: str) -> FHIRServer:
    server = FHIRServer(None, base_uri=f"{live_server.url}/fhir/R4/")
    server.session.headers["Authorization"] = f"Bearer {bearer}"
    return server


def test_it_reads_a_care_plan_with_its_goals_and_care_team(live_server, cast, follow, clients):
    server = server_for(live_server, token("journal-a", scopes="system/*.read"))
    search = CarePlan.where({"patient": str(cast.person.pk)}).include("goal").include("careTeam")
    bundle = next(search.perform_iter(server))
    resources = [entry.resource for entry in bundle.entry]
    plans = [r for r in resources if isinstance(r, CarePlan)]
    goals = [r for r in resources if isinstance(r, Goal)]
    teams = [r for r in resources if isinstance(r, CareTeam)]
    assert len(plans) == 1 and plans[0].intent == "plan" and plans[0].subject.reference == f"Patient/{cast.person.pk}"
    assert sorted(g.description.text for g in goals) == ["Mål 1", "Mål 2", "Mål 3"]
    assert [g.reference for g in plans[0].goal] == [f"Goal/{g.id}" for g in goals]
    assert len(teams) == 1 and plans[0].careTeam[0].reference == f"CareTeam/{teams[0].id}"
    roles = {p.role[0].text for p in teams[0].participant}
    assert {"Koordinator", "Hjemmesykepleier"} <= roles


def test_it_pages_through_a_search(live_server, cast, follow, clients):
    for n in range(5):
        ActionItem.objects.create(team=follow.team, description=f"Oppgave {n}", due_on=dt.date(2030, 3, 1),
                                  created_by=cast.cu, owner_user=cast.colleague)
    server = server_for(live_server, token("journal-a", scopes="system/*.read"))
    pages = list(Task.where({"_count": "3"}).perform_iter(server))
    ids = [entry.resource.id for page in pages for entry in page.entry]
    assert len(pages) == 3 and len(ids) == len(set(ids)) == 8
    assert pages[0].total == 8


def test_it_updates_a_task(live_server, cast, follow, clients):
    server = server_for(live_server, token("gp-ehr", scopes="user/*.read user/Task.write", hpr_number="123456789"))
    task = Task.read(f"medical-{follow.medical.pk}", server)
    assert task.status == "requested" and task.meta.versionId == "1"
    task.status = "completed"
    output = TaskOutput()
    output.type = CodeableConcept({"text": "Medisinsk vurdering"})
    output.valueString = "Ingen nye funn."
    task.output = [output]
    server.session.headers["If-Match"] = f'W/"{task.meta.versionId}"'
    answer = task.update()
    assert answer["status"] == "completed" and answer["meta"]["versionId"] == "2"
    follow.medical.refresh_from_db()
    assert follow.medical.answer == "Ingen nye funn."
    # The same update again carries a stale version: refused, never a lost update.
    with pytest.raises(Exception) as refused:
        task.update()
    assert "412" in str(refused.value)
