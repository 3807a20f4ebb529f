"""Every API read and write goes to the access log with the client and, when there is one, the user."""

from __future__ import annotations

import json

from tests.fhir.conftest import FHIR, api, token

from oppfolging.audit.models import AuditEvent


def test_each_read_writes_one_entry_with_client_and_user(cast, follow, clients):
    gp = api(token("gp-ehr", scopes="user/*.read", hpr_number="123456789"))
    for url in (f"{FHIR}/Patient/{cast.person.pk}", f"{FHIR}/CarePlan/{follow.plan.pk}",
                f"{FHIR}/Task/medical-{follow.medical.pk}", f"{FHIR}/Goal/{follow.goals[0].pk}"):
        before = AuditEvent.objects.count()
        assert gp.get(url).status_code == 200
        entries = list(AuditEvent.objects.order_by("-pk")[: AuditEvent.objects.count() - before])
        assert len(entries) == 1, url
        entry = entries[0]
        assert (entry.actor, entry.client, entry.action, entry.person) == (cast.gp, "gp-ehr", "read", cast.person)
        assert entry.resource.startswith("fhir:") and entry.actor_role == "gp"
        assert entry.purpose == "personens fastlege"


def test_a_system_read_is_logged_under_the_clients_name(cast, follow, clients):
    system = api(token("journal-a", scopes="system/*.read"))
    assert system.get(f"{FHIR}/Patient/{cast.person.pk}").status_code == 200
    entry = AuditEvent.objects.latest("pk")
    assert entry.actor is None and entry.actor_name == "Journal A" and entry.client == "journal-a"
    assert entry.person == cast.person and entry.purpose == "fagsystem i kommunen, gjennom FHIR-grensesnittet"


def test_a_search_writes_one_entry_per_person_in_the_page(cast, follow, clients):
    from oppfolging.people.models import Person

    Person.objects.create(municipality=cast.municipality, given_name="Per", family_name="Annen",
                          identity_number="01018512345", identity_kind="tenor",
                          birth_date="1985-01-01", gender="male")
    system = api(token("journal-a", scopes="system/*.read"))
    before = AuditEvent.objects.count()
    bundle = json.loads(system.get(f"{FHIR}/Patient").content)
    assert bundle["total"] == 2
    entries = AuditEvent.objects.order_by("pk")[before:]
    assert sorted(e.person.family_name for e in entries) == ["Annen", "Person"]
    assert {(e.action, e.client) for e in entries} == {("search", "journal-a")}


def test_a_refused_read_writes_nothing(cast, follow, clients):
    stranger = api(token("journal-b", scopes="system/*.read"))
    before = AuditEvent.objects.count()
    assert stranger.get(f"{FHIR}/Patient/{cast.person.pk}").status_code == 404
    assert AuditEvent.objects.count() == before


def test_the_unit_sees_the_api_client_in_the_access_log_search(cast, follow, clients):
    system = api(token("journal-a", scopes="system/*.read"))
    assert system.get(f"{FHIR}/Patient/{cast.person.pk}").status_code == 200
    page = cast.client_for(cast.cu).get("/logg/", {"person": cast.person.identity_number})
    assert "gjennom API-klienten journal-a" in page.content.decode()


def test_a_read_of_every_resource_type_writes_one_entry_with_client_and_user(cast, follow, clients):
    """Each type the API serves: one read, one entry, naming the client and (for a user's token) the user."""
    from oppfolging.fhir.resources import REGISTRY
    from oppfolging.gp.models import RiskEntry, RiskList

    risk_list = RiskList.objects.create(gp=cast.gp, municipality=cast.municipality, status="done")
    RiskEntry.objects.create(risk_list=risk_list, patient_id="P1", national_id=cast.person.identity_number,
                             risk=0.5, rank=1, new_priority=1)
    system = api(token("journal-a", scopes="system/*.read"))
    gp = api(token("gp-ehr", scopes="user/*.read", hpr_number="123456789"))
    for name in REGISTRY:
        client, client_id, user = (gp, "gp-ehr", cast.gp) if name == "RiskAssessment" else (system, "journal-a", None)
        bundle = json.loads(client.get(f"{FHIR}/{name}").content)
        assert bundle["entry"], name
        resource_id = bundle["entry"][0]["resource"]["id"]
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        assert client.get(f"{FHIR}/{name}/{resource_id}").status_code == 200, name
        entries = list(AuditEvent.objects.filter(pk__gt=before))
        assert len(entries) == 1, (name, entries)
        entry = entries[0]
        assert (entry.action, entry.client, entry.actor) == ("read", client_id, user), name
        assert entry.resource == f"fhir:{name}" and entry.resource_id, name
        if user is None:
            assert entry.actor_name == "Journal A", name
