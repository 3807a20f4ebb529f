"""The cost outcome: use priced at the year's price, bed days at the bed-day price, unpriced use told."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from outcome_helpers import peak_register

from oppfolging.catalogue.models import PriceUnit, ServicePrice
from oppfolging.outcomes.models import ImportKind, OutcomeImport, ServiceUse
from oppfolging.outcomes.selectors import PriceTable, Unpriced, cost_events
from oppfolging.people.models import Person

M = 1  # the municipality's id in the hand-made tables


def test_it_prices_each_year_at_that_years_price_and_tells_what_has_no_price():
    prices = PriceTable([
        (M, "Hjemmesykepleie", PriceUnit.HOUR, 2023, Decimal("600")),
        (M, "Hjemmesykepleie", PriceUnit.HOUR, 2024, Decimal("650")),
        (M, "Praktisk bistand", PriceUnit.VISIT, 2023, Decimal("300")),
        (M, "", PriceUnit.BED_DAY, 2023, Decimal("5000")),
        (2, "Dagsenter", PriceUnit.HOUR, 2020, Decimal("100")),  # another municipality's
    ])
    rows = [
        # person, municipality, service, month, hours, visits
        (10, M, "Hjemmesykepleie", dt.date(2023, 6, 1), Decimal("10"), 12),    # 10 h × 600 (hours first)
        (10, M, "hjemmesykepleie ", dt.date(2024, 2, 1), Decimal("4"), None),  # 4 h × 650, the new year's price
        (10, M, "Praktisk bistand", dt.date(2023, 3, 1), None, 3),             # 3 visits × 300
        (11, M, "Praktisk bistand", dt.date(2023, 3, 1), Decimal("2"), 2),     # no hour price: 2 visits × 300
        (10, M, "Dagsenter", dt.date(2023, 5, 1), Decimal("6"), None),         # no price here
        (11, M, "Dagsenter", dt.date(2023, 5, 1), Decimal("1.5"), 2),          # no price here
        (11, M, "Hjemmesykepleie", dt.date(2022, 12, 1), Decimal("5"), None),  # before the first price
    ]
    stays = [
        (10, M, dt.date(2023, 4, 1), 3.0),   # 3 nights × 5000
        (11, M, dt.date(2022, 10, 1), 2.0),  # before the first bed-day price
        (11, M, dt.date(2023, 8, 1), 0.0),   # a day stay: nothing to price
    ]

    events, unpriced = cost_events(prices, rows, stays)

    assert events == [
        (10, dt.date(2023, 6, 15), 6000.0),
        (10, dt.date(2024, 2, 15), 2600.0),
        (10, dt.date(2023, 3, 15), 900.0),
        (11, dt.date(2023, 3, 15), 600.0),
        (10, dt.date(2023, 4, 1), 15000.0),
    ]
    assert unpriced == [
        Unpriced("", bed_days=2.0, persons=1),
        Unpriced("Dagsenter", hours=7.5, visits=2.0, persons=2),
        Unpriced("Hjemmesykepleie", hours=5.0, persons=1),
    ]


def _service_use(cast, with_team: set[int]) -> None:
    """Home nursing 5 hours a month, 10 with a team from 2023; day centre visits without a price."""
    source = OutcomeImport.objects.create(
        municipality=cast.municipality, kind=ImportKind.SERVICE_USE_CSV, file_name="tjenester.csv",
        sha256="1" * 64, imported_by=cast.cu, period_start=dt.date(2020, 1, 1),
        period_end=dt.date(2025, 1, 1), covers_register=True, covers_service_use=True,
    )
    rows = []
    for i, who in enumerate(Person.objects.filter(municipality=cast.municipality).order_by("pk")):
        after = who.pk in with_team
        for month in range(48):  # 2021–2024; the teams started on 10 January 2023
            day = dt.date(2021 + month // 12, month % 12 + 1, 1)
            rows.append(ServiceUse(person=who, service="Hjemmesykepleie", month=day, source=source,
                                   hours=Decimal(10 if after and day.year >= 2023 else 5)))
        if i < 2:
            rows.append(ServiceUse(person=who, service="Dagsenter", month=dt.date(2023, 3, 1), source=source,
                                   visits=12))
    ServiceUse.objects.bulk_create(rows)


def _prices(cast) -> None:
    for service, unit, year, amount in [("Hjemmesykepleie", PriceUnit.HOUR, 2021, 500),
                                        ("Hjemmesykepleie", PriceUnit.HOUR, 2023, 600),
                                        ("", PriceUnit.BED_DAY, 2020, 4000)]:
        ServicePrice.objects.create(municipality=cast.municipality, service=service, unit=unit,
                                    valid_from=year, amount=amount, created_by=cast.leader)


def test_it_shows_the_cost_in_kroner_for_both_arms_before_and_after(cast):
    _service_use(cast, {p.pk for p in peak_register(cast.municipality, cast.cu)})
    _prices(cast)

    response = cast.client_for(cast.leader).get("/effekt/9801/")

    content = response.content.decode()
    cost = response.context["cost"]
    # With a team, the year before: 12 × 5 h × 500 kr + 2 stays × 3 nights × 4 000 kr = 54 000 kr;
    # the year after: 12 × 10 h × 600 kr + 1 stay × 3 nights × 4 000 kr = 84 000 kr.
    assert (cost.treated_before, cost.treated_after) == ("54\xa0000 kr", "84\xa0000 kr")
    assert cost.naive_difference == "30\xa0000 kr (30\xa0000 kr – 30\xa0000 kr)"
    # The comparison persons, matched in December–February: about 12 × 5 h × 600 kr + 2 stays × 12 000 kr.
    outcome = response.context["estimate"].outcomes["cost_kroner"]
    assert outcome.adjusted.rate_comparison == pytest.approx(60_000, abs=600)
    assert outcome.comparison_before == pytest.approx(54_000, abs=1_500)
    assert outcome.adjusted.difference == pytest.approx(24_000, abs=600)
    assert outcome.adjusted.difference_low <= outcome.adjusted.difference <= outcome.adjusted.difference_high
    assert "Høyere kostnad enn i sammenligningsgruppen" in content
    assert '<td class="num">54\xa0000 kr</td><td class="num">84\xa0000 kr</td>' in content
    assert f'<td class="num">{cost.adjusted_difference}</td>' in content
    # The day centre has no price: said plainly, not counted as 0 kroner silently.
    assert cost.unpriced == [("Dagsenter", "24 besøk (2 personer)")]
    assert "<li>Dagsenter: 24 besøk (2 personer)</li>" in content
    rows = {row.key: row for row in response.context["rows"]}
    assert rows["cost_kroner"].rate_after == "84\xa0000 kr"


def test_it_says_too_few_and_shows_no_kroner_below_the_minimum(cast):
    _service_use(cast, {p.pk for p in peak_register(cast.municipality, cast.cu, treated=12, comparison=30)})
    _prices(cast)

    response = cast.client_for(cast.leader).get("/effekt/9801/")

    content = response.content.decode()
    assert "Bare 12 personer med team kunne sammenlignes." in content
    assert response.context["cost"] is None and "Kostnad per person og år" not in content
    assert " kr<" not in content


def test_it_says_there_are_no_prices_yet(cast):
    _service_use(cast, {p.pk for p in peak_register(cast.municipality, cast.cu)})

    response = cast.client_for(cast.leader).get("/effekt/9801/")

    assert response.context["cost"] is None
    assert "Ingen priser ennå, så kostnaden i kroner kan ikke regnes ut." in response.content.decode()


def test_it_downloads_the_cost_and_the_unpriced_use(cast):
    _service_use(cast, {p.pk for p in peak_register(cast.municipality, cast.cu)})
    _prices(cast)

    text = cast.client_for(cast.leader).get("/effekt/9801/effekt.csv").content.decode("utf-8-sig")

    rows = [r[2:] for r in csv.reader(io.StringIO(text))]
    label = "Kostnad i kroner (tjenester og liggedøgn)"
    assert rows[0] == ["del", "utfall", "metode", "verdi", "nedre grense", "øvre grense", "med team",
                       "sammenligning"]
    assert all(r[1] == label for r in rows if r[0] == "kostnad")
    by_method = {r[2]: r for r in rows if r[0] == "kostnad"}
    before = by_method["kroner per person og år, 12 måneder før"]
    assert before[6] == "54000" and abs(int(before[7]) - 54_000) <= 1_500
    after = by_method["kroner per person og år, 12 måneder etter"]
    assert after[6] == "84000" and abs(int(after[7]) - 60_000) <= 600
    assert by_method["forskjell i kroner per person og år, naiv før/etter"][3:6] == ["30000", "30000", "30000"]
    adjusted = by_method["forskjell i kroner per person og år, justert"]
    assert int(adjusted[4]) <= int(adjusted[3]) <= int(adjusted[5])
    assert ["uten pris", "Dagsenter", "besøk", "24.0", "", "", "2", ""] in rows
    assert any(r[:3] == ["estimat", label, "justert"] for r in rows)
