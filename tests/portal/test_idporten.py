"""«Min plan» sign-in through ID-porten against a local fake provider (issue 12 item 1, OIDC gap).

The account is bound to the ID token's `pid` on every sign-in; what it sees is derived from the
register by that number at request time; the request uses PKCE and the ID token's `acr` must be
ID-porten's level high.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from tests.accounts.fake_helseid import FakeHelseId

from oppfolging.access import policy
from oppfolging.audit.models import AuditEvent
from oppfolging.fhir import dev_issuer
from oppfolging.lib import identity
from oppfolging.people import services as people
from oppfolging.people.models import RelatedPerson
from oppfolging.portal.models import CitizenAccount
from oppfolging.portal.oidc import IdTokenRefused, id_token_claims

from ..conftest import make_person

HIGH = "idporten-loa-high"


@pytest.fixture
def idporten(live_server, settings):
    FakeHelseId.client_public_key = None  # ID-porten clients use a secret here
    FakeHelseId.token_requests.clear()
    base = f"{live_server.url}/fake-helseid"
    settings.ROOT_URLCONF = "tests.portal.fake_idporten"
    settings.AUTHENTICATION_BACKENDS = [*django_settings.AUTHENTICATION_BACKENDS,
                                        "oppfolging.portal.oidc.IdPortenBackend"]
    settings.OIDC_RP_CLIENT_ID = "min-plan-test"
    settings.OIDC_RP_CLIENT_SECRET = "test-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/jwks"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid profile"
    settings.OIDC_USE_PKCE = True
    settings.OIDC_USE_NONCE = True
    settings.OIDC_ACR_VALUES = HIGH
    settings.OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": HIGH}
    settings.LOGIN_REDIRECT_URL_FAILURE = "/logg-inn/?idporten=feil"
    settings.OIDC_OP_ISSUER = FakeHelseId.issuer
    return base


def sign_in(client: Client, pid: str, acr: str = HIGH, **forged: object):
    FakeHelseId.claims = {"pid": pid, "acr": acr, **forged}
    start = client.get("/oidc/authenticate/?next=/min-plan/")
    assert start.status_code == 302
    authorize = urlparse(start["Location"])
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["acr_values"] == [HIGH]
    back = client.get(authorize.path, {k: v[0] for k, v in query.items()})
    callback = urlparse(back["Location"])
    return client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_it_signs_in_with_pkce_at_level_high_and_binds_the_account_to_the_pid(cast, idporten):
    client = Client()
    response = sign_in(client, cast.person.identity_number)
    assert response.status_code == 302 and response["Location"] == "/min-plan/"
    account = CitizenAccount.objects.get(identity_number=cast.person.identity_number)
    assert signed_in_user_id(client) == account.user_id
    assert FakeHelseId.token_requests[-1]["code_verifier"]
    assert client.get(reverse("portal:plan", args=[cast.person.pk])).status_code == 200


def test_it_refuses_an_id_token_below_level_high(cast, idporten, caplog):
    client = Client()
    response = sign_in(client, cast.person.identity_number, acr="idporten-loa-substantial")
    assert response.status_code == 403
    assert "«Min plan» krever innlogging på høyt sikkerhetsnivå" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert not CitizenAccount.objects.exists()
    assert "refused (level)" in caplog.text and cast.person.identity_number not in caplog.text


def test_it_refuses_an_id_token_without_a_level(cast, idporten):
    client = Client()
    sign_in(client, cast.person.identity_number, acr="")
    assert signed_in_user_id(client) is None


NOW = int(time.time())


@pytest.mark.parametrize(("forged", "reason"), [
    ({"aud": "another-client"}, "aud is not our client id"),
    ({"aud": ["another-client", "a-third"]}, "aud is not our client id"),
    ({"iss": "https://idporten.evil"}, "iss is not the configured issuer"),
    ({"exp": NOW - 3600, "iat": NOW - 7200}, "exp has passed"),
    ({"iat": NOW + 3600, "exp": NOW + 7200}, "iat or nbf is in the future"),
    ({"nonce": "a-nonce-from-another-sign-in"}, "nonce does not match this sign-in"),
    ({"nonce": None}, "no nonce"),
])
def test_it_refuses_a_forged_id_token(cast, idporten, caplog, forged, reason):
    client = Client()
    response = sign_in(client, cast.person.identity_number, **forged)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Innloggingen ble avbrutt, eller svaret fra ID-porten kunne ikke kontrolleres." in html
    assert signed_in_user_id(client) is None
    assert not CitizenAccount.objects.exists()
    assert f"ID-porten sign-in refused (token): {reason}" in caplog.text
    assert cast.person.identity_number not in caplog.text


def test_it_accepts_clocks_a_little_apart(cast, idporten):
    client = Client()
    now = int(time.time())
    sign_in(client, cast.person.identity_number, iat=now + 30, exp=now - 30 + 300)
    assert signed_in_user_id(client) is not None


def test_it_refuses_every_sign_in_without_a_configured_issuer(cast, idporten, settings, caplog):
    settings.OIDC_OP_ISSUER = ""
    response = sign_in(Client(), cast.person.identity_number)
    assert response.status_code == 403
    assert "no issuer configured" in caplog.text


def test_it_refuses_a_token_signed_with_another_key_or_algorithm(settings):
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_CLIENT_ID = "min-plan-test"
    settings.OIDC_OP_ISSUER = FakeHelseId.issuer
    now = int(time.time())
    claims = {"iss": FakeHelseId.issuer, "aud": "min-plan-test", "iat": now, "exp": now + 300, "nonce": "n"}
    public = FakeHelseId.key.public_key()
    good = jwt.encode(claims, FakeHelseId.key, algorithm="RS256")
    assert id_token_claims(good, public, nonce="n")["aud"] == "min-plan-test"
    forged = jwt.encode(claims, dev_issuer.new_key(), algorithm="RS256")
    with pytest.raises(IdTokenRefused, match="InvalidSignatureError"):
        id_token_claims(forged, public, nonce="n")
    with pytest.raises(IdTokenRefused, match="algorithm 'HS256'"):
        id_token_claims(jwt.encode(claims, "guessed-secret-guessed-secret-32", algorithm="HS256"), public, nonce="n")
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(IdTokenRefused, match="algorithm 'none'"):
        id_token_claims(unsigned, public, nonce="n")
    with pytest.raises(IdTokenRefused, match="no exp"):
        id_token_claims(jwt.encode({k: v for k, v in claims.items() if k != "exp"}, FakeHelseId.key,
                                   algorithm="RS256"), public, nonce="n")


def test_it_says_so_when_the_register_does_not_know_the_citizen(cast, idporten):
    stranger = identity.make_synthetic(birth_date=dt.date(1970, 3, 3), individual=460)
    response = sign_in(Client(), stranger)
    assert response.status_code == 403
    assert "Du får bare logge inn her hvis kommunen har registrert deg" in response.content.decode()
    assert not CitizenAccount.objects.exists()


def test_a_callback_without_a_sign_in_started_in_this_browser_is_a_failed_sign_in(cast, idporten):
    client = Client()
    sign_in(client, cast.person.identity_number)  # a sign-in in another browser…
    code_only = Client().get("/oidc/callback/", {"code": "stolen", "state": "unknown"})
    assert code_only.status_code == 403
    assert "svaret fra ID-porten kunne ikke kontrolleres" in code_only.content.decode()
    cancelled = Client().get("/oidc/callback/", {"error": "access_denied"})
    assert cancelled.status_code == 403
    assert "Innloggingen ble avbrutt" in cancelled.content.decode()


def test_production_settings_turn_pkce_on_and_ask_for_level_high():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    env.update(OIDC_RP_CLIENT_ID="min-plan", DJANGO_SETTINGS_MODULE="oppfolging.settings", DEBUG="1")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.OIDC_USE_PKCE, s.OIDC_PKCE_CODE_CHALLENGE_METHOD, s.OIDC_USE_NONCE, "
            "s.OIDC_AUTH_REQUEST_EXTRA_PARAMS['acr_values'])")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["True", "S256", "True", HIGH], result.stderr


def test_a_mistyped_guardian_number_corrected_moves_access_to_the_real_guardian(cast, idporten):
    """The review's scenario: a parent registered with another citizen's number, then corrected."""
    child = make_person(cast.municipality, given="Mia", family="Barn", birth=dt.date(2016, 6, 1), individual=410)
    citizen = make_person(cast.municipality, given="Cecilie", family="Annen", birth=dt.date(1985, 2, 2),
                          individual=420)
    guardian_number = identity.make_synthetic(birth_date=dt.date(1984, 4, 4), individual=430)
    parent = RelatedPerson.objects.create(
        person=child, given_name="Gunnar", family_name="Barn", relationship="parent",
        has_parental_responsibility=True, identity_number=citizen.identity_number,  # mistyped
    )
    child_plan = reverse("portal:plan", args=[child.pk])

    wrong = Client()
    sign_in(wrong, citizen.identity_number)
    assert wrong.get(child_plan).status_code == 200  # the register (wrongly) says so

    grant = policy.person_grant(user=cast.cu, person=child)
    people.related_person_update(grant=grant, related=parent, expected_version=parent.version,
                                 identity_number=guardian_number)

    # The other citizen loses the child on the next request, without signing in again.
    assert wrong.get(child_plan).status_code == 404
    assert wrong.get(reverse("portal:plan", args=[citizen.pk])).status_code == 200
    # The real guardian gets an account of their own, bound to their number, and sees the child.
    real = Client()
    sign_in(real, guardian_number)
    citizen_account = CitizenAccount.objects.get(identity_number=citizen.identity_number)
    assert signed_in_user_id(real) not in (None, citizen_account.user_id)
    assert CitizenAccount.objects.get(identity_number=guardian_number).user_id == signed_in_user_id(real)
    assert real.get(child_plan).status_code == 200
    assert real.get(reverse("portal:plan", args=[citizen.pk])).status_code == 404
    parent.refresh_from_db()
    assert parent.user_id == signed_in_user_id(real)
    assert AuditEvent.objects.filter(resource="related_person", resource_id=str(parent.pk), actor=cast.cu,
                                     purpose__contains="vurdert på nytt").count() == 1

    # A record added after the first sign-in is found without signing in again.
    sibling = make_person(cast.municipality, given="Ola", family="Barn", birth=dt.date(2018, 1, 1), individual=440)
    RelatedPerson.objects.create(person=sibling, given_name="Gunnar", family_name="Barn", relationship="parent",
                                 has_parental_responsibility=True, identity_number=guardian_number)
    assert real.get(reverse("portal:plan", args=[sibling.pk])).status_code == 200
    assert wrong.get(reverse("portal:plan", args=[sibling.pk])).status_code == 404


def test_a_corrected_persons_number_moves_their_own_plan(cast, idporten):
    client = Client()
    sign_in(client, cast.person.identity_number)
    plan = reverse("portal:plan", args=[cast.person.pk])
    assert client.get(plan).status_code == 200
    grant = policy.person_grant(user=cast.cu, person=cast.person)
    new_number = identity.make_synthetic(birth_date=cast.person.birth_date, individual=450)
    people.person_update(grant=grant, expected_version=cast.person.version, identity_number=new_number)
    assert client.get(plan).status_code == 404
    cast.person.refresh_from_db()
    assert cast.person.user_id is None


def refused_entries() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="sign_in_refused").order_by("id"))


def assert_names_nobody(entry: AuditEvent, pid: str) -> None:
    """A refusal names no person, municipality or account, and never the identity number."""
    assert entry.person_id is None and entry.municipality_id is None and entry.actor_id is None
    assert entry.actor_name == "—"
    assert pid not in " ".join(str(getattr(entry, f.attname)) for f in entry._meta.concrete_fields)


@pytest.mark.parametrize(("acr", "forged", "reason"), [
    ("idporten-loa-substantial", {}, "level"),
    (HIGH, {"nonce": "a-nonce-from-another-sign-in"}, "nonce"),
    (HIGH, {"exp": NOW - 3600, "iat": NOW - 7200}, "expired"),
    (HIGH, {"iss": "https://idporten.evil"}, "token"),
], ids=["level too low", "wrong nonce", "expired", "another issuer"])
def test_a_refused_id_porten_sign_in_is_recorded_in_the_access_log(cast, idporten, acr, forged, reason):
    response = sign_in(Client(REMOTE_ADDR="198.51.100.4"), cast.person.identity_number, acr=acr, **forged)
    assert response.status_code == 403
    [entry] = refused_entries()
    assert (entry.resource, entry.resource_id, entry.ip) == ("sign_in_idporten", reason, "198.51.100.4")
    assert_names_nobody(entry, cast.person.identity_number)
    # Nothing of it reaches the person's own «who has looked».
    assert not AuditEvent.objects.filter(person=cast.person).exists()


def test_a_citizen_the_register_does_not_know_is_recorded_without_the_number(cast, idporten):
    stranger = identity.make_synthetic(birth_date=dt.date(1970, 3, 3), individual=460)
    sign_in(Client(), stranger)
    [entry] = refused_entries()
    assert entry.resource_id == "unknown"
    assert_names_nobody(entry, stranger)


def test_a_replayed_or_foreign_state_is_a_recorded_refusal_not_an_error(cast, idporten):
    client = Client()
    start = client.get("/oidc/authenticate/?next=/min-plan/")  # a sign-in started in this browser
    assert start.status_code == 302
    replayed = client.get("/oidc/callback/", {"code": "stolen", "state": "from-another-sign-in"})
    assert replayed.status_code == 403
    assert "svaret fra ID-porten kunne ikke kontrolleres" in replayed.content.decode()
    Client().get("/oidc/callback/", {"error": "access_denied"})
    assert [e.resource_id for e in refused_entries()] == ["state", "provider"]


def test_a_flood_of_refusals_from_one_address_stops_filling_the_log(cast, idporten):
    from oppfolging.audit.services import SIGN_IN_REFUSAL_LIMIT

    flooder, other = Client(REMOTE_ADDR="192.0.2.66"), Client(REMOTE_ADDR="192.0.2.1")
    for _ in range(SIGN_IN_REFUSAL_LIMIT + 3):
        assert flooder.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 403
    other.get("/oidc/callback/", {"code": "x", "state": "y"})
    assert AuditEvent.objects.filter(ip="192.0.2.66").count() == SIGN_IN_REFUSAL_LIMIT
    assert AuditEvent.objects.filter(ip="192.0.2.1").count() == 1
