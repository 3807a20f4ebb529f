"""The refused sign-ins page: the administrator and the coordinating unit read the refusals of
HelseID and ID-porten sign-ins (reason, time, address, HPR number), and the look is logged."""

from __future__ import annotations

from django.test import RequestFactory
from django.urls import reverse

from oppfolging.audit.models import Action, AuditEvent, SignInRefusal
from oppfolging.audit.services import audit_record, audit_sign_in_refused

URL = "/logg/innlogginger/"


def refuse(reason: SignInRefusal, *, channel: str = "sign_in_helseid", hpr: str = "", ip: str = "203.0.113.9"):
    request = RequestFactory().get("/logg-inn/helseid/svar/", REMOTE_ADDR=ip)
    return audit_sign_in_refused(request=request, channel=channel, reason=reason, hpr_number=hpr)


def test_it_shows_the_administrator_every_refusal_in_words(cast):
    refuse(SignInRefusal.UNKNOWN, hpr="999999999")
    refuse(SignInRefusal.LEVEL, channel="sign_in_idporten", ip="198.51.100.4")
    response = cast.client_for(cast.admin).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "innlogging med HelseID" in html and "ikke registrert som bruker" in html
    assert "HPR-nummer 999999999" in html and "203.0.113.9" in html
    assert "innlogging med ID-porten" in html and "for lavt sikkerhetsnivå" in html and "198.51.100.4" in html
    # Never a code.
    assert "sign_in_" not in html and ">unknown<" not in html and ">level<" not in html
    assert html.index("innlogging med ID-porten") < html.index("innlogging med HelseID")  # newest first
    look = AuditEvent.objects.get(action=Action.LIST, resource="sign_in_refusals")
    assert (look.actor, look.municipality, look.person) == (cast.admin, cast.municipality, None)


def test_the_coordinating_unit_sees_them_from_the_access_log(cast):
    refuse(SignInRefusal.STATE)
    client = cast.client_for(cast.cu)
    assert URL in client.get(reverse("audit:search")).content.decode()
    assert "ingen innlogging var startet i denne nettleseren" in client.get(URL).content.decode()


def test_it_is_refused_to_other_roles_and_to_those_outside_the_municipality(cast):
    refuse(SignInRefusal.TOKEN)
    for user in (cast.colleague, cast.gp, cast.leader):
        assert cast.client_for(user).get(URL).status_code == 403
    assert cast.client_for(cast.evaluator).get(URL).status_code == 404


def test_it_never_shows_the_access_log_of_persons(cast):
    audit_record(actor=cast.cu, action=Action.READ, resource="person", person=cast.person)
    refuse(SignInRefusal.NONCE)
    html = cast.client_for(cast.admin).get(URL).content.decode()
    assert cast.person.full_name not in html and "svaret hørte til en annen innlogging" in html


def test_it_pages_older_refusals(cast):
    from oppfolging.audit import views

    for i in range(views.PAGE_SIZE + 2):
        refuse(SignInRefusal.STATE, ip=f"203.0.113.{i}")
    client = cast.client_for(cast.admin)
    first = client.get(URL).content.decode()
    assert first.count("<tr>") == views.PAGE_SIZE + 1  # the header row and a page
    older = first.split('href="?eldre=')[1].split('"')[0]
    assert client.get(URL, {"eldre": older}).content.decode().count("<tr>") == 2 + 1


def test_the_administrator_finds_the_page_in_the_menu(cast):
    assert URL in cast.client_for(cast.admin).get("/").content.decode()


def test_as_a_fhir_audit_event_a_refusal_is_a_failure(cast):
    from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

    from oppfolging.fhir.resources.audit_event import to_fhir

    data = to_fhir(refuse(SignInRefusal.EXPIRED))
    FhirAuditEvent.model_validate(data)
    assert data["outcome"] == "4" and data["subtype"][0]["code"] == "sign_in_refused"
    assert to_fhir(audit_record(actor=cast.cu, action=Action.READ, resource="person",
                                person=cast.person))["outcome"] == "0"
