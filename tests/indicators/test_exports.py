"""CSV, Excel and FHIR MeasureReport exports: the figures and their definitions."""

from __future__ import annotations

import csv
import io
import json

from fhir.resources.R4B.bundle import Bundle
from indicator_helpers import at, referral
from openpyxl import load_workbook

from oppfolging.audit.models import AuditEvent
from oppfolging.indicators.definitions import INDICATORS
from oppfolging.indicators.fhir import MEASURE_BASE
from oppfolging.referrals.models import Source


def data(cast):
    referral(cast.municipality, at(2025, 2, 1), closed=at(2025, 2, 3))
    referral(cast.municipality, at(2025, 2, 1), closed=at(2025, 3, 30), source=Source.NAV)


def test_it_exports_csv_with_one_row_per_figure_and_breakdown(cast):
    data(cast)
    response = cast.client_for(cast.leader).get("/indikatorer/9801/indikatorer.csv",
                                                {"periode": "2025-K1"})

    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    figures = [r for r in rows if not r["fordeling"]]
    deadline = next(r for r in figures if r["indikator"] == "referrals_within_deadline")
    nav = next(r for r in rows if r["indikator"] == "referrals_by_source" and r["gruppe"] == "NAV")
    assert response["Content-Disposition"] == 'attachment; filename="indikatorer-9801-2025-K1.csv"'
    assert len(figures) == len(INDICATORS)
    assert (deadline["verdi"], deadline["teller"], deadline["nevner"]) == ("0.5", "1", "2")
    assert (deadline["periode"], deadline["fra"], deadline["til (ikke med)"]) == (
        "2025-K1", "2025-01-01", "2025-04-01")
    assert nav["verdi"] == "1"
    admissions = next(r for r in figures if r["indikator"] == "acute_admissions")
    assert admissions["verdi"] == "ingen data ennå"
    assert AuditEvent.objects.filter(resource="indicators", action="export").count() == 1


def test_it_exports_an_excel_workbook_with_figures_and_definitions(cast):
    data(cast)
    response = cast.client_for(cast.leader).get("/indikatorer/9801/indikatorer.xlsx",
                                                {"periode": "2025-K1"})

    workbook = load_workbook(io.BytesIO(response.content))
    figures = list(workbook["Indikatorer"].iter_rows(values_only=True))
    definitions = list(workbook["Definisjoner"].iter_rows(values_only=True))
    deadline = next(r for r in figures if r[6] == "referrals_within_deadline" and not r[14])
    assert deadline[9:13] == (0.5, None, 1, 2)
    assert len(definitions) == len(INDICATORS) + 1
    assert definitions[1][0] == "referrals_within_deadline" and "fristdagen" in definitions[1][2]


def test_it_exports_a_valid_fhir_bundle_of_measure_reports(cast):
    data(cast)
    response = cast.client_for(cast.leader).get("/indikatorer/9801/measurereport.json",
                                                {"periode": "2025-K1"})

    body = json.loads(response.content)
    Bundle.model_validate(body)
    reports = {e["resource"]["measure"].removeprefix(MEASURE_BASE): e["resource"] for e in body["entry"]}
    deadline = reports["referrals_within_deadline"]
    populations = {p["code"]["coding"][0]["code"]: p["count"] for p in deadline["group"][0]["population"]}
    assert response["Content-Type"].startswith("application/fhir+json")
    assert body["type"] == "collection" and len(reports) == len(INDICATORS)
    assert deadline["resourceType"] == "MeasureReport" and deadline["type"] == "summary"
    assert deadline["period"] == {"start": "2025-01-01", "end": "2025-03-31"}
    assert deadline["reporter"]["identifier"]["value"] == "9801"
    assert populations == {"initial-population": 2, "denominator": 2, "numerator": 1}
    assert deadline["group"][0]["measureScore"]["value"] == 0.5
    assert reports["acute_admissions"]["status"] == "pending"
    sources = reports["referrals_by_source"]["group"][0]["stratifier"][0]["stratum"]
    assert {s["value"]["text"]: s["measureScore"]["value"] for s in sources}["NAV"] == 1


def test_it_exports_the_comparison_with_hidden_cells_written_as_hidden(cast):
    data(cast)
    response = cast.client_for(cast.evaluator).get("/indikatorer/kommuner/indikatorer.csv",
                                                   {"periode": "2025-K1"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    count = next(r for r in rows if r[1] == "referrals_by_source")
    assert rows[0][4:] == ["9802 Andreby kommune", "9801 Testvik kommune", "alle kommuner"]
    assert count[4:] == ["0", "skjult", "skjult"]


def test_it_never_writes_a_live_formula_in_any_indicator_export(cast):
    """A municipality named like a formula stays text in CSV and Excel, for the leader and the evaluator (#12.8)."""
    name = '=HYPERLINK("http://x.invalid","Klikk")'
    cast.municipality.name = name
    cast.municipality.save()
    data(cast)
    leader, evaluator = cast.client_for(cast.leader), cast.client_for(cast.evaluator)

    text = leader.get("/indikatorer/9801/indikatorer.csv", {"periode": "2025-K1"}).content.decode("utf-8-sig")
    names = {row["kommune"] for row in csv.DictReader(io.StringIO(text))}
    comparison = evaluator.get("/indikatorer/kommuner/indikatorer.csv", {"periode": "2025-K1"}).content.decode(
        "utf-8-sig")
    workbook = load_workbook(io.BytesIO(
        leader.get("/indikatorer/9801/indikatorer.xlsx", {"periode": "2025-K1"}).content))
    cells = [row[1] for row in workbook["Indikatorer"].iter_rows(min_row=2)]

    assert names == {"'" + name}
    assert not [cell for row in csv.reader(io.StringIO(comparison)) for cell in row if cell[:1] in "=+-@\t\r" and cell]
    assert next(csv.reader(io.StringIO(comparison)))[4] == f"9801 {name}"
    assert {c.value for c in cells} == {name} and {c.data_type for c in cells} == {"s"}
