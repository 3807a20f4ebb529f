"""The price table: who may keep it, its forms, one row per double click, no silent overwrite."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from oppfolging.accounts.models import Role, RoleAssignment
from oppfolging.audit.models import AuditEvent
from oppfolging.catalogue.models import PriceUnit, ServicePrice
from oppfolging.outcomes.models import ImportKind, OutcomeImport, ServiceUse

from ..conftest import make_user


def price_data(**changes):
    data = {"unit": "hour", "service": "Hjemmesykepleien", "valid_from": "2024", "amount": "812,50",
            "basis": "KOSTRA 2023", "version": ""}
    data.update(changes)
    return data


def token_of(client) -> str:
    html = client.get(reverse("catalogue:price_create")).content.decode()
    return re.search(r'name="submission_token" value="([0-9a-f-]{36})"', html).group(1)


def a_price(cast, **fields) -> ServicePrice:
    values = {"municipality": cast.municipality, "service": "Hjemmesykepleien", "unit": PriceUnit.HOUR,
              "valid_from": 2024, "amount": Decimal("800"), "created_by": cast.cu}
    values.update(fields)
    return ServicePrice.objects.create(**values)


def test_it_lets_the_leader_add_a_price_shown_in_kroner_and_logged(cast):
    client = cast.client_for(cast.leader)

    response = client.post(reverse("catalogue:price_create"), price_data(submission_token=token_of(client)))

    assert response.status_code == 302 and response["Location"] == reverse("catalogue:prices")
    price = ServicePrice.objects.get()
    assert (price.municipality, price.service, price.unit, price.valid_from, price.amount, price.created_by) == (
        cast.municipality, "Hjemmesykepleien", "hour", 2024, Decimal("812.50"), cast.leader)
    event = AuditEvent.objects.get(resource="service_price")
    assert (event.action, event.actor, event.municipality, event.resource_id) == (
        "create", cast.leader, cast.municipality, str(price.pk))
    assert event.purpose == "Pris lagt til: Hjemmesykepleien per time fra 2024: 812,50 kr"
    html = client.get(reverse("catalogue:prices")).content.decode()
    assert '<td class="num">812,50 kr</td>' in html and "KOSTRA 2023" in html


def test_it_prices_a_bed_day_without_a_service_and_groups_thousands(cast):
    client = cast.client_for(cast.cu)

    client.post(reverse("catalogue:price_create"), price_data(
        unit="bed_day", service="", amount="5576", basis="Døgnpris utskrivningsklare 2024",
        submission_token=token_of(client)))

    price = ServicePrice.objects.get()
    assert (price.service, price.unit, price.amount) == ("", "bed_day", Decimal("5576"))
    html = client.get(reverse("catalogue:prices")).content.decode()
    assert "Liggedøgn på sykehus" in html and '<td class="num">5\xa0576 kr</td>' in html


@pytest.mark.parametrize(("typed", "stored"), [
    ("6 500", Decimal("6500")), ("6\u00a0500,50", Decimal("6500.50")), ("6500,-", Decimal("6500")),
    ("6 500 kr", Decimal("6500")), ("kr 812,5", Decimal("812.50")), ("812.50", Decimal("812.50")),
])
def test_it_reads_an_amount_as_people_write_it(cast, typed, stored):
    client = cast.client_for(cast.leader)

    response = client.post(reverse("catalogue:price_create"),
                           price_data(amount=typed, submission_token=token_of(client)))

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert ServicePrice.objects.get().amount == stored


def test_it_adds_one_price_for_a_double_post(cast):
    client = cast.client_for(cast.leader)
    data = price_data(submission_token=token_of(client))

    first = client.post(reverse("catalogue:price_create"), data)
    second = client.post(reverse("catalogue:price_create"), data, follow=True)

    assert first.status_code == 302
    assert ServicePrice.objects.count() == 1
    assert AuditEvent.objects.filter(resource="service_price").count() == 1
    assert "Prisen var allerede lagt til." in second.content.decode()


def test_it_refuses_a_stale_save_and_keeps_what_the_other_saved(cast):
    price = a_price(cast)
    url = reverse("catalogue:price_edit", args=[price.pk])
    leader, unit = cast.client_for(cast.leader), cast.client_for(cast.cu)

    assert unit.post(url, price_data(amount="900", version=1)).status_code == 302
    stale = leader.post(url, price_data(amount="850", version=1))

    assert stale.status_code == 200
    html = stale.content.decode()
    assert "Noen andre har lagret en endring mens du skrev" in html and 'value="850"' in html
    price.refresh_from_db()
    assert (price.amount, price.version) == (Decimal("900"), 2)
    update = AuditEvent.objects.get(resource="service_price", action="update")
    assert update.purpose == ("Pris endret fra Hjemmesykepleien per time fra 2024: 800,00 kr til "
                              "Hjemmesykepleien per time fra 2024: 900,00 kr")


def test_it_refuses_another_municipalitys_leader_and_a_coordinator(cast):
    price = a_price(cast)
    other_leader = make_user("leder2", "Lars", "Andreleder")
    RoleAssignment.objects.create(user=other_leader, role=Role.LEADER, municipality=cast.other_municipality)
    coordinator = make_user("koord", "Kai", "Koordinator")
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, municipality=cast.municipality)
    edit = reverse("catalogue:price_edit", args=[price.pk])

    stranger = cast.client_for(other_leader)
    assert stranger.get(edit).status_code == 404
    assert stranger.post(edit, price_data(amount="1", version=1)).status_code == 404
    assert "Hjemmesykepleien" not in stranger.get(reverse("catalogue:prices")).content.decode()
    local = cast.client_for(coordinator)
    for url in (reverse("catalogue:prices"), reverse("catalogue:price_create"), edit):
        assert local.get(url).status_code == 403
    assert local.post(reverse("catalogue:price_create"), price_data(valid_from="2025")).status_code == 403
    assert local.post(edit, price_data(amount="1", version=1)).status_code == 403
    assert cast.client_for(cast.colleague).get(reverse("catalogue:prices")).status_code == 403
    price.refresh_from_db()
    assert (ServicePrice.objects.count(), price.amount) == (1, Decimal("800"))
    assert not AuditEvent.objects.filter(resource="service_price").exists()


def test_it_validates_the_unit_the_service_and_the_year(cast):
    a_price(cast)
    client = cast.client_for(cast.leader)
    url = reverse("catalogue:price_create")

    cases = [
        (price_data(unit="bed_day"), "Et liggedøgn på sykehus prises uten tjeneste."),
        (price_data(service=""), "Velg tjenesten prisen gjelder."),
        (price_data(amount="0"), "Prisen må være større enn 0."),
        (price_data(valid_from="1990"), "Velg et år mellom 2000 og 2100."),
        (price_data(valid_from="2101"), "Velg et år mellom 2000 og 2100."),
        (price_data(), "Det finnes allerede en pris for dette fra samme år. Endre den i stedet."),
    ]
    for data, message in cases:
        response = client.post(url, {**data, "submission_token": token_of(client)})
        assert response.status_code == 200, data
        assert message in response.content.decode(), message
    assert ServicePrice.objects.count() == 1


def test_it_offers_the_imported_service_names_and_the_catalogues(cast):
    source = OutcomeImport.objects.create(
        municipality=cast.municipality, kind=ImportKind.SERVICE_USE_CSV, file_name="t.csv", sha256="1" * 64,
        imported_by=cast.cu, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
        covers_service_use=True)
    ServiceUse.objects.create(person=cast.person, service="Praktisk bistand", month=dt.date(2024, 3, 1),
                              visits=4, source=source)

    html = cast.client_for(cast.leader).get(reverse("catalogue:price_create")).content.decode()

    assert '<option value="Praktisk bistand">' in html and '<option value="Hjemmesykepleien">' in html
    assert "NAV Andreby" not in html
