"""Reads and searches: every type valid R4, search parameters, paging, includes, the policy."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from tests.fhir.conftest import FHIR, api, token
from tests.fhir.r4 import assert_r4

from oppfolging.fhir.resources import REGISTRY
from oppfolging.fhir.resources.base import DNR_SYSTEM, FNR_SYSTEM
from oppfolging.meetings.models import ActionItem
from oppfolging.portal.models import CitizenAccount


def get(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


@pytest.fixture
def system(clients):
    return api(token("journal-a", scopes="system/*.read"))


def test_it_serves_every_type_as_valid_r4_in_valid_searchset_bundles(cast, follow, clients, system):
    for name in REGISTRY:
        bundle = get(system, f"{FHIR}/{name}")
        Bundle.model_validate(bundle)
        assert_r4(bundle)
        assert bundle["type"] == "searchset"
        assert bundle["link"][0]["relation"] == "self"
        for entry in bundle["entry"]:
            resource = entry["resource"]
            assert resource["resourceType"] == name
            assert entry["fullUrl"].endswith(f"{FHIR}/{name}/{resource['id']}")
            read = get(system, f"{FHIR}/{name}/{resource['id']}")
            if name == "MeasureReport":  # computed when asked: `date` is the moment of asking
                read.pop("date"), resource.pop("date")
            assert read == resource
            assert_r4(read)


def test_it_maps_the_person_onto_patient_with_the_no_basis_identifier(cast, follow, system):
    patient = get(system, f"{FHIR}/Patient/{cast.person.pk}")
    assert patient["identifier"] == [{"use": "official", "system": FNR_SYSTEM, "value": cast.person.identity_number}]
    assert patient["name"][0] == {"use": "official", "family": "Person", "given": ["Petra"]}
    assert patient["generalPractitioner"][0]["reference"] == f"Practitioner/{cast.gp.pk}"
    assert patient["meta"]["versionId"] == "1"


def test_it_finds_a_patient_by_fodselsnummer_and_d_nummer(cast, follow, system):
    number = cast.person.identity_number
    found = get(system, f"{FHIR}/Patient?identifier={FNR_SYSTEM}|{number}")
    assert [e["resource"]["id"] for e in found["entry"]] == [str(cast.person.pk)]
    assert get(system, f"{FHIR}/Patient?identifier={DNR_SYSTEM}|{number}")["total"] == 0
    d_number = str(int(number[0]) + 4) + number[1:]
    cast.person.identity_number = d_number
    cast.person.save()
    patient = get(system, f"{FHIR}/Patient?identifier={DNR_SYSTEM}|{d_number}")["entry"][0]["resource"]
    assert patient["identifier"][0]["system"] == DNR_SYSTEM


def test_it_filters_by_patient_subject_status_and_dates(cast, follow, system):
    pid = cast.person.pk
    assert get(system, f"{FHIR}/Goal?patient=Patient/{pid}")["total"] == 3
    assert get(system, f"{FHIR}/Goal?subject={pid}&target-date=le2030-01-02")["total"] == 2
    assert get(system, f"{FHIR}/Goal?patient={cast.other_person.pk}")["total"] == 0
    assert get(system, f"{FHIR}/Task?patient={pid}&status=requested")["total"] == 2
    assert get(system, f"{FHIR}/Task?status=completed")["total"] == 0
    assert get(system, f"{FHIR}/Appointment?date=2030-01-01")["total"] == 1
    assert get(system, f"{FHIR}/Appointment?date=gt2030-01-01")["total"] == 0
    assert get(system, f"{FHIR}/CarePlan?status=active&patient={pid}")["total"] == 1
    today = dt.date.today().isoformat()
    assert get(system, f"{FHIR}/Patient?_lastUpdated=ge{today}")["total"] == 1
    assert get(system, f"{FHIR}/Patient?_lastUpdated=lt2000-01-01")["total"] == 0


def test_it_refuses_unknown_or_unreadable_parameters_with_400(cast, follow, system):
    for url in (f"{FHIR}/Goal?colour=blue", f"{FHIR}/Goal?target-date=yesterday",
                f"{FHIR}/Goal?patient=Practitioner/1", f"{FHIR}/Goal?_count=many",
                f"{FHIR}/CarePlan?_include=CarePlan:author", f"{FHIR}/Goal?_cursor=zz"):
        body = get(system, url, status=400)
        assert body["resourceType"] == "OperationOutcome", url


def test_it_pages_a_search_with_stable_next_links_across_parts(cast, follow, system):
    for n in range(4):
        ActionItem.objects.create(team=follow.team, description=f"Oppgave {n}", due_on=dt.date(2030, 3, 1),
                                  created_by=cast.cu, owner_user=cast.colleague)
    bundle = get(system, f"{FHIR}/Task?_count=2")
    assert bundle["total"] == 7
    seen = [e["resource"]["id"] for e in bundle["entry"]]
    pages = 1
    while next_link := next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None):
        # A row added while paging does not shift the pages already read.
        if pages == 1:
            ActionItem.objects.create(team=follow.team, description="Ny", due_on=dt.date(2030, 3, 1),
                                      created_by=cast.cu, owner_user=cast.colleague)
        bundle = get(system, next_link.replace("http://testserver", ""))
        assert len(bundle["entry"]) <= 2
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        pages += 1
    assert len(seen) == len(set(seen)) == 8
    assert seen[0] == f"referral-{follow.referral.pk}" and seen[1] == f"medical-{follow.medical.pk}"


def test_it_includes_the_plans_goals_and_care_team(cast, follow, system):
    bundle = get(system, f"{FHIR}/CarePlan?patient={cast.person.pk}&_include=CarePlan:goal"
                         f"&_include=CarePlan:care-team")
    modes = [(e["search"]["mode"], e["resource"]["resourceType"]) for e in bundle["entry"]]
    assert modes == [("match", "CarePlan")] + [("include", "Goal")] * 3 + [("include", "CareTeam")]
    plan = bundle["entry"][0]["resource"]
    assert [g["reference"] for g in plan["goal"]] == [f"Goal/{g.pk}" for g in follow.goals]
    assert plan["careTeam"] == [{"reference": f"CareTeam/{follow.team.pk}"}]
    activity = plan["activity"][0]["detail"]
    assert activity["performer"][0]["reference"] == f"Practitioner/{cast.colleague.pk}"
    assert activity["status"] == "not-started" and "2 timer i uka" in activity["description"]
    assert bundle["total"] == 1


def test_a_gp_token_sees_the_gps_patients_only_and_not_the_unit_s_queue(cast, follow, clients):
    gp = api(token("gp-ehr", scopes="user/*.read", hpr_number="123456789"))
    patients = get(gp, f"{FHIR}/Patient")
    assert [e["resource"]["id"] for e in patients["entry"]] == [str(cast.person.pk)]
    # The report of need is the coordinating unit's (and its case worker's), not the GP's.
    tasks = {e["resource"]["id"] for e in get(gp, f"{FHIR}/Task")["entry"]}
    assert tasks == {f"medical-{follow.medical.pk}", f"action-{follow.action.pk}"}
    get(gp, f"{FHIR}/Task/referral-{follow.referral.pk}", status=404)
    get(gp, f"{FHIR}/RiskAssessment")


def test_a_persons_own_token_sees_their_plan_but_not_the_staff_records(cast, follow, clients):
    from oppfolging.accounts.models import User

    user = User.objects.create(username="petra")
    # The account ID-porten bound to the person's number; a token names the person by it.
    CitizenAccount.objects.create(user=user, identity_number=cast.person.identity_number)
    own = api(token("gp-ehr", scopes="user/*.*", pid=cast.person.identity_number))
    assert get(own, f"{FHIR}/CarePlan")["total"] == 1
    assert get(own, f"{FHIR}/Goal")["total"] == 3
    assert get(own, f"{FHIR}/QuestionnaireResponse")["total"] == 1  # own self-score, not the assessment's
    assert get(own, f"{FHIR}/ServiceRequest")["total"] == 0
    get(own, f"{FHIR}/Task/medical-{follow.medical.pk}", status=404)
    assert get(own, f"{FHIR}/AuditEvent")["total"] == 0


def test_it_finds_action_items_owned_through_a_team_membership(cast, follow, system):
    follow.action.owner_user = None
    follow.action.owner_membership = follow.membership
    follow.action.save()
    bundle = get(system, f"{FHIR}/Task?owner=Practitioner/{cast.colleague.pk}")
    assert [e["resource"]["id"] for e in bundle["entry"]] == [f"action-{follow.action.pk}"]


def test_a_task_given_to_a_service_names_the_service_as_its_owner(cast, follow, system):
    follow.action.owner_user = None
    follow.action.owner_service = cast.service
    follow.action.save()
    task = get(system, f"{FHIR}/Task/action-{follow.action.pk}")
    assert task["owner"]["reference"] == f"HealthcareService/{cast.service.pk}"
    assert task["owner"]["display"] == cast.service.name


def test_the_care_plan_bundle_does_not_grow_in_queries_with_the_goals(cast, follow, system):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oppfolging.plans.models import Goal, Measure

    url = f"{FHIR}/CarePlan?patient={cast.person.pk}&_include=CarePlan:goal&_include=CarePlan:care-team"
    get(system, url)
    with CaptureQueriesContext(connection) as few:
        get(system, url)
    for n in range(10):
        goal = Goal.objects.create(plan=follow.plan, text=f"Ekstra {n}", author_kind="person",
                                   next_evaluation_on=dt.date(2031, 1, 1))
        Measure.objects.create(goal=goal, description="Tiltak", responsible_membership=follow.membership)
    with CaptureQueriesContext(connection) as many:
        bundle = get(system, url)
    assert len(bundle["entry"]) == 1 + 13 + 1
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("include", ["CarePlan:goal", "CarePlan:care-team", "CarePlan:careTeam"])
def test_an_include_needs_the_read_scope_of_the_type_it_adds(cast, follow, clients, include):
    plans_only = api(token("journal-a", scopes="system/CarePlan.read"))
    url = f"{FHIR}/CarePlan?patient={cast.person.pk}&_include={include}"
    refused = get(plans_only, url, status=403)
    assert refused["resourceType"] == "OperationOutcome"
    assert "Goal" in json.dumps(refused) or "CareTeam" in json.dumps(refused)
    assert [e["resource"]["resourceType"] for e in get(plans_only, f"{FHIR}/CarePlan")["entry"]] == ["CarePlan"]
    both = api(token("journal-a", scopes="system/CarePlan.read system/Goal.read system/CareTeam.read"))
    added = {e["resource"]["resourceType"] for e in get(both, url)["entry"] if e["search"]["mode"] == "include"}
    assert added == {"Goal" if include == "CarePlan:goal" else "CareTeam"}


def test_every_include_names_the_type_it_adds():
    for rt in REGISTRY.values():
        assert set(rt.include_types) == set(rt.includes), rt.name
        assert all(t in REGISTRY for t in rt.include_types.values()), rt.name


def test_a_team_member_without_a_role_title_is_named_by_the_kind_of_member(cast, follow, system):
    from oppfolging.teams.models import MemberKind, TeamMembership

    TeamMembership.objects.create(team=follow.team, kind=MemberKind.NEXT_OF_KIN,
                                  related_person=cast.next_of_kin, added_by=cast.cu)
    team = get(system, f"{FHIR}/CareTeam/{follow.team.pk}")
    kin = [p for p in team["participant"] if p["member"].get("reference") == f"RelatedPerson/{cast.next_of_kin.pk}"]
    assert kin[0]["role"] == [{"text": "Pårørende"}]


def test_paging_at_every_page_size_serves_every_match_once(cast, follow, system):
    from oppfolging.assessments.models import MedicalAssessment

    for n in range(3):
        ActionItem.objects.create(team=follow.team, description=f"Oppgave {n}", due_on=dt.date(2030, 3, 1),
                                  created_by=cast.cu, owner_user=cast.colleague)
    MedicalAssessment.objects.create(assessment=follow.assessment, gp=cast.gp, question="Og?",
                                     requested_by=cast.cu)
    everything = get(system, f"{FHIR}/Task?_count=100")
    expected = [e["resource"]["id"] for e in everything["entry"]]
    assert len(expected) == everything["total"] == 1 + 2 + 4
    for size in range(1, len(expected) + 2):
        bundle = get(system, f"{FHIR}/Task?_count={size}")
        seen = [e["resource"]["id"] for e in bundle["entry"]]
        while next_link := next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None):
            bundle = get(system, next_link.replace("http://testserver", ""))
            assert 0 < len(bundle["entry"]) <= size, size  # no empty page, none too long
            seen += [e["resource"]["id"] for e in bundle["entry"]]
        assert seen == expected, size


def test_paging_goes_on_past_a_part_with_no_matches(cast, follow, system):
    # Owned by the colleague: the report of need and the action item, no medical assessment
    # (the part between them is empty when the first page fills).
    follow.referral.assigned_to = cast.colleague
    follow.referral.save()
    bundle = get(system, f"{FHIR}/Task?owner=Practitioner/{cast.colleague.pk}&_count=1")
    assert bundle["total"] == 2
    seen = [e["resource"]["id"] for e in bundle["entry"]]
    while next_link := next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None):
        bundle = get(system, next_link.replace("http://testserver", ""))
        seen += [e["resource"]["id"] for e in bundle["entry"]]
    assert seen == [f"referral-{follow.referral.pk}", f"action-{follow.action.pk}"]
