"""The CapabilityStatement against the server itself: each claim it makes is served, nothing else is.

The statement is built from the registry that serves the requests; these tests do not trust that
and ask the running API for every interaction, search parameter, include, format and versioning
mode the statement names, and for some it does not name.
"""

from __future__ import annotations

import json

import pytest
from django.urls import get_resolver
from tests.fhir.conftest import ALL, FHIR, api, token

from oppfolging.gp.models import RiskEntry, RiskList

# The resource types issue #15 asks for, each with read and search.
ISSUE_TYPES = {
    "Patient", "RelatedPerson", "Practitioner", "PractitionerRole", "Organization", "HealthcareService",
    "ServiceRequest", "Task", "CareTeam", "CarePlan", "Goal", "Consent", "Appointment", "Questionnaire",
    "QuestionnaireResponse", "Communication", "RiskAssessment", "AuditEvent", "MeasureReport",
}
# A value of each search parameter type that matches none of the test's rows.
NO_MATCH = {"token": "no-such-code", "reference": "987654321", "date": "lt1900-01-01", "string": "zzzzqq",
            "number": "-1"}
# Computed per calendar year: `period` picks the year (a day in 1899 gives that year's empty report).
NOT_NARROWING = {("MeasureReport", "period")}


def statement() -> dict:
    response = api(None).get(f"{FHIR}/metadata")
    assert response.status_code == 200
    return {r["type"]: r for r in json.loads(response.content)["rest"][0]["resource"]}


def total(client, url: str, params: dict | None = None) -> int:
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, params, response.content.decode()[:300])
    return json.loads(response.content)["total"]


@pytest.fixture
def callers(cast, follow, clients):
    """Who sees each type: the municipality's system, except the GP's own risk list (the GP only)."""
    risk_list = RiskList.objects.create(gp=cast.gp, municipality=cast.municipality, status="done")
    RiskEntry.objects.create(risk_list=risk_list, patient_id="P1", national_id=cast.person.identity_number,
                             risk=0.5, rank=1, new_priority=1, reasons="Hjertesvikt (K77)")
    system = api(token("journal-a", scopes=ALL))
    gp = api(token("gp-ehr", scopes="user/*.read", hpr_number="123456789"))
    system.get(f"{FHIR}/Patient/{cast.person.pk}")  # an access-log entry, for AuditEvent
    return {name: gp if name == "RiskAssessment" else system for name in ISSUE_TYPES}


def test_it_states_read_and_search_for_every_type_the_issue_names(cast):
    resources = statement()
    assert set(resources) == ISSUE_TYPES
    for name, resource in resources.items():
        assert {"read", "search-type"} <= {i["code"] for i in resource["interaction"]}, name


def test_every_type_reads_and_searches_with_rows(cast, callers):
    """Not only routed: each type finds a row in a search, and reading that row gives the same resource."""
    for name in ISSUE_TYPES:
        client = callers[name]
        bundle = json.loads(client.get(f"{FHIR}/{name}").content)
        assert bundle["total"] >= 1 and bundle["entry"], f"{name}: the search found nothing to read"
        resource = bundle["entry"][0]["resource"]
        read = client.get(f"{FHIR}/{name}/{resource['id']}")
        assert read.status_code == 200, name
        assert json.loads(read.content)["id"] == resource["id"]


def test_each_search_parameter_it_states_is_applied_and_no_other_is_accepted(cast, callers):
    for name, resource in statement().items():
        client = callers[name]
        url = f"{FHIR}/{name}"
        assert total(client, url) >= 1, name
        for param in resource["searchParam"]:
            value = "no-such-id" if param["name"] == "_id" else NO_MATCH[param["type"]]
            found = total(client, url, {param["name"]: value})
            if (name, param["name"]) not in NOT_NARROWING:
                assert found == 0, f"{name}?{param['name']}={value} is stated but ignored"
        refused = client.get(url, {"not-a-parameter": "1"})
        assert refused.status_code == 400, name
        assert json.loads(refused.content)["resourceType"] == "OperationOutcome"


def test_the_period_of_a_measure_report_picks_the_year(cast, callers):
    bundle = json.loads(callers["MeasureReport"].get(f"{FHIR}/MeasureReport", {"period": "2029-06-01"}).content)
    assert bundle["entry"]
    assert {e["resource"]["period"]["start"][:4] for e in bundle["entry"]} == {"2029"}


def test_each_include_it_states_is_served_and_no_other(cast, callers):
    for name, resource in statement().items():
        client = callers[name]
        for include in resource.get("searchInclude", []):
            bundle = json.loads(client.get(f"{FHIR}/{name}", {"_include": include}).content)
            assert any(e["search"]["mode"] == "include" for e in bundle["entry"]), include
        assert client.get(f"{FHIR}/{name}", {"_include": f"{name}:nothing"}).status_code == 400, name


def test_the_write_interactions_it_states_are_the_ones_routed(cast, callers):
    for name, resource in statement().items():
        client = callers[name]
        codes = {i["code"] for i in resource["interaction"]}
        post = client.post(f"{FHIR}/{name}", data="{}", content_type="application/fhir+json")
        assert (post.status_code == 405) == ("create" not in codes), (name, post.status_code)
        some_id = json.loads(client.get(f"{FHIR}/{name}").content)["entry"][0]["resource"]["id"]
        put = client.put(f"{FHIR}/{name}/{some_id}", data="{}", content_type="application/fhir+json")
        assert (put.status_code == 405) == ("update" not in codes), (name, put.status_code)
        for method in ("delete", "patch"):
            refused = getattr(client, method)(f"{FHIR}/{name}/{some_id}")
            assert refused.status_code == 405 and method not in codes, (name, method)
            assert method.upper() not in refused["Allow"]


def test_the_versioning_it_states_is_what_reads_carry(cast, callers):
    for name, resource in statement().items():
        if resource["versioning"] == "no-version":
            continue
        client = callers[name]
        for entry in json.loads(client.get(f"{FHIR}/{name}", {"_count": "100"}).content)["entry"]:
            read = client.get(f"{FHIR}/{name}/{entry['resource']['id']}")
            version = json.loads(read.content)["meta"]["versionId"]
            assert read["ETag"] == f'W/"{version}"', (name, entry["resource"]["id"])


def test_the_formats_it_states_are_the_ones_served(cast, callers):
    response = api(None).get(f"{FHIR}/metadata")
    formats = json.loads(response.content)["format"]
    client = callers["Patient"]
    for fmt in formats:
        assert client.get(f"{FHIR}/Patient", {"_format": fmt}).status_code == 200, fmt
    for fmt in ("xml", "application/fhir+xml", "ttl"):
        assert client.get(f"{FHIR}/Patient", {"_format": fmt}).status_code == 406, fmt


def test_a_type_it_does_not_state_is_not_served(cast, callers):
    client = callers["Patient"]
    for url in (f"{FHIR}/Encounter", f"{FHIR}/Encounter/1", f"{FHIR}/Observation?patient=1"):
        response = client.get(url)
        assert response.status_code == 404 and json.loads(response.content)["resourceType"] == "OperationOutcome"


def test_the_api_has_no_routes_beyond_those_described():
    resolver = get_resolver()
    fhir_patterns = resolver.namespace_dict["fhir"][1].url_patterns
    assert {str(p.pattern) for p in fhir_patterns} == {
        "R4/metadata", "R4/openapi.json", "R4/<str:resource_type>", "R4/<str:resource_type>/<str:resource_id>",
        "dev-issuer/jwks.json",
    }


def test_last_updated_matches_the_meta_it_states(cast, callers):
    """`_lastUpdated` finds exactly the resources that carry meta.lastUpdated; the others are named."""
    for name, resource in statement().items():
        param = next((p for p in resource["searchParam"] if p["name"] == "_lastUpdated"), None)
        if param is None:
            continue
        client = callers[name]
        entries = [e["resource"] for e in json.loads(client.get(f"{FHIR}/{name}", {"_count": "100"}).content)["entry"]]
        stamped = {r["id"] for r in entries if "lastUpdated" in r.get("meta", {})}
        for unstamped in {r["id"] for r in entries} - stamped:
            assert f"`{unstamped.rsplit('-', 1)[0]}-<id>`" in param["documentation"], (name, unstamped)
        # Among the same rows (reads of AuditEvent add rows of their own).
        same = ",".join(r["id"] for r in entries)
        found = json.loads(client.get(f"{FHIR}/{name}", {"_lastUpdated": "ge1900-01-01", "_id": same,
                                                         "_count": "100"}).content)
        assert {e["resource"]["id"] for e in found["entry"]} == stamped, name
    task = next(p for p in statement()["Task"]["searchParam"] if p["name"] == "_lastUpdated")
    assert "`referral-<id>`" in task["documentation"]
