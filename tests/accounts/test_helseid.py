"""Staff sign in with HelseID: authorization code + PKCE against a local fake provider."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings as django_settings
from django.test import Client
from tests.accounts.fake_helseid import FakeHelseId

from oppfolging.fhir import dev_issuer

HPR = "helseid://claims/hpr/hpr_number"
PID = "helseid://claims/identity/pid"


@pytest.fixture
def helseid(live_server, settings, tmp_path):
    key = dev_issuer.new_key()
    key_file = tmp_path / "client.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    FakeHelseId.client_public_key = key.public_key()
    FakeHelseId.token_requests.clear()
    base = f"{live_server.url}/fake-helseid"
    settings.ROOT_URLCONF = "tests.accounts.fake_helseid"
    settings.HELSEID_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*django_settings.AUTHENTICATION_BACKENDS,
                                        "oppfolging.accounts.helseid.HelseIdBackend"]
    settings.HELSEID_OIDC = {
        **django_settings.HELSEID_OIDC,
        "OIDC_RP_CLIENT_ID": "oppfolging-test", "OIDC_RP_CLIENT_SECRET": "",
        "HELSEID_CLIENT_KEY_FILE": str(key_file),
        "HELSEID_ISSUER": FakeHelseId.issuer, "HELSEID_ASSERTION_AUDIENCE": FakeHelseId.issuer,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{base}/authorize", "OIDC_OP_TOKEN_ENDPOINT": f"{base}/token",
        "OIDC_OP_USER_ENDPOINT": f"{base}/userinfo", "OIDC_OP_JWKS_ENDPOINT": f"{base}/jwks",
    }
    return base


LEVEL = "helseid://claims/identity/security_level"


def sign_in(client: Client, claims: dict) -> object:
    FakeHelseId.claims = {LEVEL: "4", **claims}
    start = client.get("/logg-inn/helseid/?next=/personer/")
    assert start.status_code == 302
    authorize = urlparse(start["Location"])
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert "helseid://scopes/hpr/hpr_number" in query["scope"][0]
    back = client.get(authorize.path, dict((k, v[0]) for k, v in query.items()))
    callback = urlparse(back["Location"])
    return client.get(callback.path, dict((k, v[0]) for k, v in parse_qs(callback.query).items()))


def test_a_gp_signs_in_by_hpr_number(cast, helseid):
    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    client = Client()
    response = sign_in(client, {HPR: "123456789", PID: "01017012345"})
    assert response.status_code == 302 and response["Location"] == "/personer/"
    assert int(client.session["_auth_user_id"]) == cast.gp.pk
    request = FakeHelseId.token_requests[-1]
    assert request["code_verifier"] and "client_secret" not in request
    assert request["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert client.get("/personer/").status_code == 200


def test_staff_without_an_hpr_number_sign_in_by_identity_number(cast, helseid):
    cast.colleague.national_id = "01017012345"
    cast.colleague.save()
    client = Client()
    response = sign_in(client, {PID: "01017012345"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == cast.colleague.pk


def test_an_unknown_person_is_refused_with_a_clear_page_and_logged(cast, helseid, caplog):
    client = Client()
    with caplog.at_level(logging.WARNING, logger="oppfolging.accounts.helseid"):
        response = sign_in(client, {HPR: "999999999", PID: "01017012345"})
    assert response.status_code == 403
    assert "vi fant deg ikke blant de ansatte i Oppfølging" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("refused" in r.message and "999999999" in r.getMessage() for r in caplog.records)
    assert not type(cast.gp).objects.filter(hpr_number="999999999").exists()


def test_a_person_followed_up_cannot_sign_in_as_staff(cast, helseid):
    from oppfolging.accounts.models import User

    user = User.objects.create(username="petra")
    cast.person.user = user
    cast.person.save()
    response = sign_in(Client(), {PID: cast.person.identity_number})
    assert response.status_code == 403


def test_an_id_token_from_another_issuer_is_refused(cast, helseid, settings):
    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    settings.HELSEID_OIDC = {**settings.HELSEID_OIDC, "HELSEID_ISSUER": "https://helseid-sts.nhn.no"}
    client = Client()
    response = sign_in(client, {HPR: "123456789"})
    assert response.status_code == 403 and "_auth_user_id" not in client.session


@pytest.mark.parametrize("times", [{"exp": -3600}, {"iat": 3600}, {"iat": None}],
                         ids=["expired", "issued in the future", "no time of issue"])
def test_an_id_token_out_of_its_time_is_refused(cast, helseid, times):
    import time

    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    now = int(time.time())
    claims = {HPR: "123456789", **{k: None if v is None else now + v for k, v in times.items()}}
    client = Client()
    response = sign_in(client, claims)
    assert response.status_code == 403 and "_auth_user_id" not in client.session


def test_a_callback_with_an_unknown_state_is_refused(cast, helseid):
    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    client = Client()
    response = client.get("/logg-inn/helseid/svar/", {"code": "x", "state": "forged"})
    assert response.status_code == 403 and "_auth_user_id" not in client.session


def test_the_sign_in_page_offers_helseid_beside_the_password(cast, helseid):
    page = Client().get("/logg-inn/").content.decode()
    assert "Logg inn med HelseID" in page and 'name="password"' in page


def test_helseid_is_off_until_configured(cast):
    assert Client().get("/logg-inn/helseid/").status_code == 404
    assert "Logg inn med HelseID" not in Client().get("/logg-inn/").content.decode()


def test_the_administrator_registers_hpr_and_identity_numbers_for_helseid(cast):
    import datetime as dt

    from oppfolging.accounts.models import User
    from oppfolging.lib import identity

    number = identity.make_synthetic(birth_date=dt.date(1980, 2, 2), individual=400)
    response = cast.client_for(cast.admin).post("/ansatte/", {
        "first_name": "Hedda", "last_name": "Helse", "username": "hedda", "email": "hedda@example.org",
        "role": "team_member", "hpr_number": "4455667", "national_id": number,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="hedda")
    assert (user.hpr_number, user.national_id) == ("4455667", number)
    again = cast.client_for(cast.admin).post("/ansatte/", {
        "first_name": "H", "last_name": "H", "username": "hedda2", "email": "h2@example.org",
        "role": "team_member", "hpr_number": "4455667", "national_id": "12345678901",
    })
    assert again.status_code == 200 and not User.objects.filter(username="hedda2").exists()


def refusals() -> list:
    from oppfolging.audit.models import Action, AuditEvent

    return list(AuditEvent.objects.filter(action=Action.SIGN_IN_REFUSED).order_by("id"))


def assert_nothing_personal(entry, *secrets: str) -> None:
    """The entry names no person, no municipality, and none of the secrets (identity number, token)."""
    assert entry.person_id is None and entry.municipality_id is None and entry.actor_id is None
    stored = " ".join(str(getattr(entry, f.attname)) for f in entry._meta.concrete_fields)
    for secret in secrets:
        assert secret not in stored


def test_a_refused_helseid_sign_in_is_recorded_in_the_access_log_with_the_hpr_number(cast, helseid):
    response = sign_in(Client(REMOTE_ADDR="203.0.113.7"), {HPR: "999999999", PID: "01017012345"})
    assert response.status_code == 403
    [entry] = refusals()
    assert (entry.resource, entry.resource_id, entry.actor_name) == ("sign_in_helseid", "unknown", "999999999")
    assert entry.ip == "203.0.113.7"
    assert_nothing_personal(entry, "01017012345")


def test_a_helseid_callback_with_an_unknown_state_or_cancelled_is_recorded(cast, helseid):
    Client().get("/logg-inn/helseid/svar/", {"code": "x", "state": "forged"})
    Client().get("/logg-inn/helseid/svar/", {"error": "access_denied", "state": "forged"})
    assert [(e.resource_id, e.actor_name) for e in refusals()] == [("state", "—"), ("provider", "—")]


@pytest.mark.parametrize(("claims", "reason"), [
    ({"exp": -3600}, "expired"),
    ({"nonce": "another-sign-in"}, "nonce"),
    ({"aud": "another-client"}, "token"),
], ids=["expired", "wrong nonce", "another audience"])
def test_a_helseid_id_token_that_fails_a_check_is_recorded_with_the_check(cast, helseid, claims, reason):
    import time

    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    if "exp" in claims:
        claims = {"exp": int(time.time()) + claims["exp"]}
    response = sign_in(Client(), {HPR: "123456789", PID: "01017012345", **claims})
    assert response.status_code == 403
    [entry] = refusals()
    assert (entry.resource, entry.resource_id) == ("sign_in_helseid", reason)
    assert_nothing_personal(entry, "01017012345", "123456789")


def test_a_successful_helseid_sign_in_records_no_refusal(cast, helseid):
    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    assert sign_in(Client(), {HPR: "123456789"}).status_code == 302
    assert refusals() == []


@pytest.mark.parametrize("level", ["3", "", None], ids=["substantial", "empty", "missing"])
def test_a_security_level_below_high_is_refused_and_recorded(cast, helseid, level):
    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    claims = {HPR: "123456789", LEVEL: level}
    if level is None:
        claims[LEVEL] = None  # the fake sends the claim as null: no level at all
    client = Client()
    response = sign_in(client, claims)
    assert response.status_code == 403 and "_auth_user_id" not in client.session
    assert "krever innlogging med høyt sikkerhetsnivå" in response.content.decode()
    [entry] = refusals()
    assert (entry.resource, entry.resource_id) == ("sign_in_helseid", "level")


def test_the_lowest_security_level_is_a_setting(cast, helseid, settings):
    cast.gp.hpr_number = "123456789"
    cast.gp.save()
    settings.HELSEID_OIDC = {**settings.HELSEID_OIDC, "HELSEID_MIN_SECURITY_LEVEL": 3}
    assert sign_in(Client(), {HPR: "123456789", LEVEL: "3"}).status_code == 302
