"""The leader's effect page, its downloads, and the evaluator's pooled page."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from outcome_helpers import TEAM_START, peak_register, person, stay, stays_import, team

from oppfolging.assessments.models import Assessment, PsfsActivity
from oppfolging.lib.spreadsheets import safe_cell


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


def test_it_shows_psfs_change_of_persons_with_a_team_against_the_mdc(cast):
    who = person(cast.municipality)
    team(who, dt.date(2024, 3, 1), cast.cu)
    for completed, scores in ((dt.datetime(2024, 2, 1, tzinfo=dt.UTC), (2, 3, 4)),
                              (dt.datetime(2024, 9, 1, tzinfo=dt.UTC), (6, 6, 6))):
        a = Assessment.objects.create(person=who, created_by=cast.cu, status="completed",
                                      completed_at=completed, started_on=completed.date())
        for position, score in enumerate(scores, start=1):
            PsfsActivity.objects.create(assessment=a, position=position, activity=f"a{position}", score=score)

    response = cast.client_for(cast.leader).get("/effekt/9801/")
    psfs = response.context["changes"][0]

    assert (psfs.n, psfs.mean, psfs.improved, psfs.mdc) == (1, "+3,00", "100 % (1)", "2,0")


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
