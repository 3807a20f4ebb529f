"""The leader's effect page, its downloads, and the evaluator's pooled page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from outcome_helpers import TEAM_START, peak_register, person, stay, stays_import, team

from oppfolging.assessments.models import Assessment, IplosScore, PsfsActivity
from oppfolging.audit.models import AuditEvent
from oppfolging.lib.spreadsheets import safe_cell
from oppfolging.outcomes.models import ImportKind, OutcomeImport, ServiceUse
from oppfolging.people.models import Person


def test_it_says_there_is_no_stay_data_yet(cast):
    content = cast.client_for(cast.leader).get("/effekt/9801/").content.decode()

    assert "Ingen data om sykehusopphold ennå." in content
    assert "effect-charts" not in content


def test_it_says_too_few_to_estimate_below_twenty(cast):
    peak_register(cast.municipality, cast.cu, treated=12, comparison=30)

    content = cast.client_for(cast.leader).get("/effekt/9801/").content.decode()

    assert "For få til å anslå" in content
    assert "Bare 12 personer med team kunne sammenlignes." in content
    assert "Mot sammenligningsgruppen (justert)" not in content


def test_it_shows_both_estimates_with_intervals_the_curves_and_the_balance(cast):
    peak_register(cast.municipality, cast.cu)

    response = cast.client_for(cast.leader).get("/effekt/9801/")
    content = response.content.decode()

    assert response.context["ok"] is True
    # Two a year before, one after; the comparison persons at the same peak: two after.
    assert "2,00 akutte innleggelser per person og år før, 1,00 etter." in content
    assert "Rateratio 0,50 (0,50–0,50)" in content  # the naive: everyone alike, no spread
    adjusted = response.context["primary"].adjusted
    assert adjusted.rate_ratio == pytest.approx(0.5, abs=0.05)
    assert f"Rateratio {response.context['primary'].adjusted_text}" in content
    charts = response.context["charts"]
    assert [e["value"] for e in charts["estimates"]][0] == pytest.approx(0.5)
    assert charts["curves"]["months"][0] == -24 and len(charts["curves"]["treated"]) == 36
    assert 'id="effect-charts"' in content
    balance = {b.label: b for b in response.context["balance"]}
    assert balance["Akutte innleggelser siste 12 måneder"].treated == "2,00"
    assert balance["Akutte innleggelser siste 12 måneder"].balanced


def _psfs_before_and_after(cast, before: tuple[int, ...], after: tuple[int, ...]) -> None:
    who = person(cast.municipality)
    team(who, dt.date(2024, 3, 1), cast.cu)
    for completed, scores in ((dt.datetime(2024, 2, 1, tzinfo=dt.UTC), before),
                              (dt.datetime(2024, 9, 1, tzinfo=dt.UTC), after)):
        a = Assessment.objects.create(person=who, created_by=cast.cu, status="completed",
                                      completed_at=completed, started_on=completed.date())
        for position, score in enumerate(scores, start=1):
            PsfsActivity.objects.create(assessment=a, position=position, activity=f"a{position}", score=score)


def test_it_shows_psfs_change_of_persons_with_a_team_against_the_mdc(cast):
    # Changes +3, +3, +3, +1, 0: three improved by at least the MDC of 2, mean 2, SD 1.41.
    for before, after in (((2, 3, 4), (6, 6, 6)),) * 3 + (((4, 4, 4), (5, 5, 5)), ((5, 5, 5), (5, 5, 5))):
        _psfs_before_and_after(cast, before, after)

    response = cast.client_for(cast.leader).get("/effekt/9801/")
    psfs = response.context["changes"][0]

    assert (psfs.n, psfs.mean, psfs.improved, psfs.worse, psfs.mdc) == (5, "+2,00", "60 % (3)", "0 % (0)", "2,0")
    # Student's t with 4 degrees of freedom (2.776), not 1.96: 2 ± 2.776 × 1.414 / √5.
    assert psfs.interval == "0,24 – 3,76"
    assert psfs.publishable


def test_it_says_too_few_for_psfs_change_below_five_persons_and_shows_no_ones_change(cast):
    _psfs_before_and_after(cast, (2, 3, 4), (6, 6, 6))

    response = cast.client_for(cast.leader).get("/effekt/9801/")
    psfs = response.context["changes"][0]
    content = response.content.decode()

    assert (psfs.n, psfs.publishable, psfs.hidden) == (1, False, "for få til å anslå")
    assert "+3,00" not in content and "100 % (1)" not in content
    text = cast.client_for(cast.leader).get("/effekt/9801/effekt.csv").content.decode("utf-8-sig")
    assert "9801,Testvik kommune,endring,PSFS,for få til å anslå,,,,1," in text.replace("\r\n", "\n")
    assert ",3.0," not in text


def test_it_downloads_csv_and_excel_with_definitions(cast):
    peak_register(cast.municipality, cast.cu)
    client = cast.client_for(cast.leader)

    csv = client.get("/effekt/9801/effekt.csv")
    xlsx = client.get("/effekt/9801/effekt.xlsx")

    assert csv["Content-Disposition"] == 'attachment; filename="effekt-9801.csv"'
    text = csv.content.decode("utf-8-sig")
    assert text.startswith("kommunenummer,kommune,del,utfall,metode,verdi,nedre grense")
    assert "9801,Testvik kommune,estimat,Akutte innleggelser,naiv før/etter,0.5,0.5,0.5,25.0,50.0" in text
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["Effekt", "Definisjoner"]
    terms = [row[0].value for row in workbook["Definisjoner"].iter_rows(min_row=2)]
    assert "Naiv før og etter" in terms and "Sammenligningsgruppe" in terms


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_it_neutralises_cells_a_spreadsheet_would_run(cast, start):
    cast.municipality.name = f"{start}SUM(1+1)"
    cast.municipality.save()

    text = cast.client_for(cast.leader).get("/effekt/9801/effekt.csv").content.decode("utf-8-sig")

    assert f"\n9801,'{start}SUM(1+1)," in text.replace("\r\n", "\n")
    assert safe_cell(-0.5) == -0.5 and safe_cell("-0,5") == "'-0,5"


def test_it_pools_municipalities_for_the_evaluator_hiding_small_counts(cast):
    peak_register(cast.municipality, cast.cu)
    source = stays_import(cast.other_municipality, cast.stranger, dt.date(2020, 1, 1), dt.date(2025, 1, 1))
    for _ in range(3):
        who = person(cast.other_municipality)
        team(who, TEAM_START, cast.stranger)
        stay(who, dt.date(2022, 12, 1), source)

    response = cast.client_for(cast.evaluator).get("/effekt/kommuner/")
    rows = {r.name: r for r in response.context["rows"]}

    assert float(rows["Testvik kommune"].adjusted[:4].replace(",", ".")) == pytest.approx(0.5, abs=0.02)
    # Andreby has fewer than five: hidden, and one more count with it, so that the total and
    # Testvik's count cannot give it away.
    assert rows["Andreby kommune"].treated_hidden and rows["Andreby kommune"].adjusted == "for få til å anslå"
    assert rows["Testvik kommune"].treated_hidden or response.context["total"].treated_hidden
    assert "Petra" not in response.content.decode()
    csv = cast.client_for(cast.evaluator).get("/effekt/kommuner/effekt.csv").content.decode("utf-8-sig")
    assert "Andreby kommune,skjult," in csv


def test_it_downloads_the_pooled_table_as_excel_with_suppression_and_definitions(cast):
    peak_register(cast.municipality, cast.cu)
    source = stays_import(cast.other_municipality, cast.stranger, dt.date(2020, 1, 1), dt.date(2025, 1, 1))
    for _ in range(3):
        who = person(cast.other_municipality)
        team(who, TEAM_START, cast.stranger)
        stay(who, dt.date(2022, 12, 1), source)

    response = cast.client_for(cast.evaluator).get("/effekt/kommuner/effekt.xlsx")

    assert response["Content-Disposition"] == 'attachment; filename="effekt-kommuner.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Effekt", "Endring", "Definisjoner"]
    table = {row[0]: row for row in book["Effekt"].iter_rows(min_row=2, values_only=True)}
    assert table["Andreby kommune"][1:4] == ("skjult", table["Andreby kommune"][2], "for få til å anslå")
    assert table["Testvik kommune"][3].startswith("0,50")
    # No PSFS or IPLOS change with five persons or more: both hidden, no number leaves.
    change = list(book["Endring"].iter_rows(min_row=2, values_only=True))
    assert change == [("PSFS", "skjult: for få personer", None, None, None, None, None),
                      ("IPLOS", "skjult: for få personer", None, None, None, None, None)]
    terms = [row[0] for row in book["Definisjoner"].iter_rows(min_row=2, values_only=True)]
    assert "Naiv før og etter" in terms and "For få til å anslå" in terms
    event = AuditEvent.objects.get(actor=cast.evaluator, resource="effect", action="export")
    assert event.municipality is None and event.person is None


def test_it_estimates_service_hours_and_visits_where_service_use_covers_the_stays_period(cast):
    with_team = {p.pk for p in peak_register(cast.municipality, cast.cu)}
    source = OutcomeImport.objects.create(
        municipality=cast.municipality, kind=ImportKind.SERVICE_USE_CSV, file_name="tjenester.csv",
        sha256="1" * 64, imported_by=cast.cu, period_start=dt.date(2020, 1, 1),
        period_end=dt.date(2025, 1, 1), covers_register=True, covers_service_use=True,
    )
    rows = []
    for who in Person.objects.filter(municipality=cast.municipality):
        treated = who.pk in with_team
        for month in range(48):  # 2021–2024; the teams started on 10 January 2023
            day = dt.date(2021 + month // 12, month % 12 + 1, 1)
            after = treated and day.year >= 2023
            rows.append(ServiceUse(person=who, service="Hjemmesykepleie", month=day, source=source,
                                   hours=Decimal(10 if after else 5)))
            rows.append(ServiceUse(person=who, service="Praktisk bistand", month=day, source=source,
                                   visits=4 if after else 8))
    ServiceUse.objects.bulk_create(rows)

    response = cast.client_for(cast.leader).get("/effekt/9801/")

    by_label = {row.label: row for row in response.context["rows"]}
    assert by_label["Timer med kommunale tjenester"].adjusted.rate_ratio == pytest.approx(2.0, rel=0.05)
    assert by_label["Besøk av kommunale tjenester"].adjusted.rate_ratio == pytest.approx(0.5, rel=0.05)
    assert by_label["Timer med kommunale tjenester"].naive.rate_ratio == pytest.approx(2.0, rel=0.05)
    content = response.content.decode()
    assert "Besøk av kommunale tjenester" in content and "Tjenestebruk er ikke med" not in content
    # The amounts per person-year in each arm, for pricing: 10 hours a month against 5.
    hours = by_label["Timer med kommunale tjenester"]
    assert float(hours.rate_after.replace(",", ".")) == pytest.approx(120, rel=0.05)
    assert float(hours.rate_comparison.replace(",", ".")) == pytest.approx(60, rel=0.05)
    assert f'<td class="num">{hours.rate_after}</td><td class="num">{hours.rate_comparison}</td>' in content


def test_it_shows_iplos_change_lower_is_better_against_half_a_step(cast):
    variables = ("social_participation", "daily_decisions")
    # Need for help before and after: 4→3 (1 better), 4→3, 3→3, 3→2, 2→3 (1 worse); 9 is left out.
    for before, after in ((4, 3), (4, 3), (3, 3), (3, 2), (2, 3)):
        who = person(cast.municipality)
        team(who, dt.date(2024, 3, 1), cast.cu)
        for completed, score in ((dt.datetime(2024, 2, 1, tzinfo=dt.UTC), before),
                                 (dt.datetime(2024, 9, 1, tzinfo=dt.UTC), after)):
            a = Assessment.objects.create(person=who, created_by=cast.cu, status="completed",
                                          completed_at=completed, started_on=completed.date())
            for variable in variables:
                IplosScore.objects.create(assessment=a, variable=variable, score=score)
            IplosScore.objects.create(assessment=a, variable="memory", score=9)

    iplos = cast.client_for(cast.leader).get("/effekt/9801/").context["changes"][1]

    assert (iplos.n, iplos.mean, iplos.improved, iplos.worse, iplos.mdc) == (
        5, "−0,40", "60 % (3)", "20 % (1)", "0,5")
    assert iplos.direction == "lavere er bedre" and iplos.publishable
