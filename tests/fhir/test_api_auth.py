"""Who may call the API: tokens, the client registry and scopes (401 and 403 as OperationOutcome)."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from tests.fhir.conftest import FHIR, api, token

from oppfolging.fhir import dev_issuer
from oppfolging.fhir.auth import jwks_cache


def outcome(response) -> dict:
    assert response["Content-Type"] == "application/fhir+json"
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]


@pytest.mark.parametrize("make", [
    lambda: token("journal-a", minutes=-5),
    lambda: token("journal-a", key=dev_issuer.new_key()),
    lambda: token("journal-a", audience="another-api"),
    lambda: token("journal-a", issuer="https://evil.example"),
    lambda: token("journal-a", not_before_seconds=600),
    lambda: jwt.encode({"iss": "x", "aud": "oppfolging-fhir", "exp": int(time.time()) + 60,
                        "client_id": "journal-a"}, "a-shared-secret-long-enough-for-hs256!", algorithm="HS256"),
    lambda: "not-a-jwt",
    lambda: None,
], ids=["expired", "wrongly-signed", "wrong-audience", "wrong-issuer", "not-yet-valid", "hmac", "garbage", "none"])
def test_it_refuses_a_bad_token_with_401(cast, follow, clients, make):
    response = api(make()).get(f"{FHIR}/Patient/{cast.person.pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    issue = outcome(response)
    assert issue["code"] == "login" and cast.person.family_name not in response.content.decode()


def test_it_refuses_an_unregistered_or_disabled_client(cast, clients):
    assert api(token("unknown-client")).get(f"{FHIR}/Patient").status_code == 401
    clients["system_a"].is_active = False
    clients["system_a"].save()
    assert api(token("journal-a")).get(f"{FHIR}/Patient").status_code == 401


def test_it_refuses_a_token_for_someone_who_is_not_a_user_with_403(cast, clients):
    response = api(token("gp-ehr", hpr_number="999999999")).get(f"{FHIR}/Patient")
    assert response.status_code == 403
    assert "not a user" in outcome(response)["diagnostics"]


def test_it_needs_a_scope_for_the_resource_type(cast, follow, clients):
    response = api(token("journal-a", scopes="system/Goal.read")).get(f"{FHIR}/CarePlan")
    assert response.status_code == 403 and outcome(response)["code"] == "forbidden"
    ok = api(token("journal-a", scopes="system/Goal.read")).get(f"{FHIR}/Goal")
    assert ok.status_code == 200 and json.loads(ok.content)["total"] == 3


def test_it_counts_a_scope_only_as_far_as_the_registry_allows(cast, follow, clients):
    clients["system_a"].scopes = "system/Patient.read"
    clients["system_a"].save()
    assert api(token("journal-a", scopes="system/*.read")).get(f"{FHIR}/CarePlan").status_code == 403
    assert api(token("journal-a", scopes="system/*.read")).get(f"{FHIR}/Patient").status_code == 200


def test_it_does_not_let_a_user_token_use_system_scopes(cast, follow, clients):
    clients["system_a"].scopes = "system/*.* user/*.*"
    clients["system_a"].save()
    response = api(token("journal-a", scopes="system/*.read", hpr_number="123456789")).get(f"{FHIR}/Patient")
    assert response.status_code == 403


def test_it_serves_the_capability_statement_without_a_token(cast):
    response = api(None).get(f"{FHIR}/metadata")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    assert json.loads(response.content)["fhirVersion"] == "4.0.1"


def test_it_fetches_the_issuers_jwks_over_http_once_and_caches_it(transactional_db, live_server, cast, follow, clients,
                                                                  settings):
    settings.FHIR_JWKS_URL = f"{live_server.url}/fhir/dev-issuer/jwks.json"
    jwks_cache.clear()
    before = jwks_cache.fetches
    client = api(token("journal-a", scopes="system/*.read"))
    for _ in range(3):
        assert client.get(f"{FHIR}/Patient/{cast.person.pk}").status_code == 200
    assert jwks_cache.fetches == before + 1
    # A token signed with another key under the issuer's key id is still refused.
    assert api(token("journal-a", key=dev_issuer.new_key())).get(f"{FHIR}/Patient").status_code == 401


def test_it_answers_406_to_a_client_that_only_takes_xml(cast, clients):
    response = api(token("journal-a")).get(f"{FHIR}/Patient", HTTP_ACCEPT="application/fhir+xml")
    assert response.status_code == 406
