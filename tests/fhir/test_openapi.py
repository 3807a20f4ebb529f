"""Schemathesis against the OpenAPI document: every operation, bounded examples, no server error,
responses that match the document (status, content type, headers, schema), auth enforced."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from tests.fhir.conftest import ALL, FHIR, api, token

from oppfolging.fhir.resources import REGISTRY
from oppfolging.wsgi import application

schema = schemathesis.openapi.from_wsgi(f"{FHIR}/openapi.json", application)

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.ignored_auth,
]


@pytest.fixture
def bearer(cast, follow, clients):
    """A token, and the test's database connection kept open across the WSGI calls.

    Django closes the connection when a request finishes; its test client turns that off for
    the request, and so must a test that calls the WSGI application itself (on PostgreSQL the
    test's transaction would go with the connection).
    """
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield token("journal-a", scopes=ALL)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_it_conforms_to_its_openapi_document(case, bearer):
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS)


def test_it_documents_every_resource_type_and_interaction(cast):
    document = json.loads(api(None).get(f"{FHIR}/openapi.json").content)
    for name, rt in REGISTRY.items():
        assert set(document["paths"][f"{FHIR}/{name}"]) == {"get"} | ({"post"} if rt.create else set())
        instance = document["paths"][f"{FHIR}/{name}/{{id}}"]
        assert ("put" in instance) == (rt.update is not None)
        params = {p["name"] for p in document["paths"][f"{FHIR}/{name}"]["get"]["parameters"]}
        assert {p.name for p in rt.search_params()} | {"_count", "_cursor"} <= params
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_capability_statement_tells_what_is_served(cast):
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement
    from tests.fhir.r4 import assert_r4

    statement = json.loads(api(None).get(f"{FHIR}/metadata").content)
    CapabilityStatement.model_validate(statement)
    assert_r4(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == set(REGISTRY)
    assert {i["code"] for i in resources["Task"]["interaction"]} == {"read", "search-type", "update"}
    assert {i["code"] for i in resources["Communication"]["interaction"]} == {"read", "search-type", "create"}
    assert resources["Task"]["versioning"] == "versioned-update"
    assert "CarePlan:goal" in resources["CarePlan"]["searchInclude"]
    assert {p["name"] for p in resources["Goal"]["searchParam"]} == {
        "_id", "patient", "subject", "lifecycle-status", "target-date"}
