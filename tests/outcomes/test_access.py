"""Who may see what: per-person rows under a grant, aggregates for leaders and evaluators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from outcome_helpers import stay, stays_import

from oppfolging.audit.models import AuditEvent
from oppfolging.outcomes.models import OutcomeImport


@pytest.fixture
def with_stay(cast):
    source = stays_import(cast.municipality, cast.cu, dt.date(2023, 1, 1), dt.date(2025, 1, 1))
    stay(cast.person, dt.date(2024, 3, 1), source)
    return source


def test_it_shows_a_persons_stays_to_those_with_a_grant_and_logs_it(cast, with_stay):
    for user in (cast.cu, cast.gp):
        response = cast.client_for(user).get(f"/effekt/person/{cast.person.pk}/")

        assert response.status_code == 200
        assert "Sykehusopphold og tjenestebruk for Petra Person" in response.content.decode()
        assert "01.03.2024" in response.content.decode()
        assert AuditEvent.objects.filter(actor=user, person=cast.person, resource="outcomes",
                                         action="read").count() == 1


@pytest.mark.parametrize("who", ["colleague", "leader", "admin", "evaluator", "stranger"])
def test_it_hides_a_persons_stays_from_anyone_without_a_grant(cast, with_stay, who):
    response = cast.client_for(getattr(cast, who)).get(f"/effekt/person/{cast.person.pk}/")

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(person=cast.person, resource="outcomes").exists()


@pytest.mark.parametrize("who", ["leader", "cu", "admin"])
def test_it_shows_the_effect_page_to_leaders_and_logs_it_without_persons(cast, with_stay, who):
    user = getattr(cast, who)
    response = cast.client_for(user).get("/effekt/9801/")

    assert response.status_code == 200
    assert "Hadde teamene effekt? Testvik kommune" in response.content.decode()
    assert "Petra" not in response.content.decode()
    event = AuditEvent.objects.get(actor=user, resource="effect")
    assert event.person is None and event.municipality == cast.municipality


def test_it_gives_404_to_other_municipalities_and_403_to_staff_without_aggregates(cast, with_stay):
    assert cast.client_for(cast.stranger).get("/effekt/9801/").status_code == 404
    assert cast.client_for(cast.evaluator).get("/effekt/9801/").status_code == 404
    assert cast.client_for(cast.stranger).get("/effekt/9801/effekt.csv").status_code == 404
    assert cast.client_for(cast.colleague).get("/effekt/9801/").status_code == 403
    assert cast.client_for(cast.gp).get("/effekt/9801/effekt.xlsx").status_code == 403


def test_it_shows_the_pooled_page_to_evaluators_only(cast, with_stay):
    assert cast.client_for(cast.evaluator).get("/effekt/kommuner/").status_code == 200
    for user in (cast.leader, cast.cu, cast.stranger):
        assert cast.client_for(user).get("/effekt/kommuner/").status_code == 404
        assert cast.client_for(user).get("/effekt/kommuner/effekt.csv").status_code == 404
        assert cast.client_for(user).get("/effekt/kommuner/effekt.xlsx").status_code == 404


def test_it_lets_only_the_coordinating_unit_import(cast, with_stay):
    assert cast.client_for(cast.cu).get("/effekt/import/").status_code == 200
    for user in (cast.leader, cast.gp, cast.colleague, cast.admin):
        assert cast.client_for(user).get("/effekt/import/").status_code == 403
    assert cast.client_for(cast.evaluator).get("/effekt/import/").status_code == 404


def test_it_shows_an_import_only_to_the_unit_of_its_municipality(cast, with_stay):
    url = f"/effekt/import/{with_stay.pk}/"

    assert cast.client_for(cast.cu).get(url).status_code == 200
    # The other municipality's unit may import there, but never sees this one.
    assert cast.client_for(cast.stranger).get(url).status_code == 404
    assert cast.client_for(cast.leader).get(url).status_code == 403


def test_it_refuses_a_malformed_upload_in_the_page_and_writes_nothing(cast):
    upload = SimpleUploadedFile(
        "innleggelser.csv",
        f"national_id,admitted,discharged,acute\n{cast.person.identity_number},2024-02-30,,true\n".encode(),
    )
    response = cast.client_for(cast.cu).post("/effekt/import/", {"kind": "admissions_csv", "file": upload})

    assert response.status_code == 200
    assert ("innleggelser.csv, linje 2, kolonne admitted: ugyldig dato «2024-02-30» "
            "(forventer ÅÅÅÅ-MM-DD)") in response.content.decode()
    assert OutcomeImport.objects.count() == 0


def test_it_imports_an_upload_and_shows_what_matched(cast):
    upload = SimpleUploadedFile(
        "innleggelser.csv",
        f"national_id,admitted,discharged,acute\n{cast.person.identity_number},2024-02-03,,true\n".encode(),
    )
    response = cast.client_for(cast.cu).post("/effekt/import/", {"kind": "admissions_csv", "file": upload},
                                             follow=True)

    record = OutcomeImport.objects.get()
    assert response.redirect_chain == [(f"/effekt/import/{record.pk}/", 302)]
    assert "Alle radene ble koblet." in response.content.decode()
