"""The indicators as FHIR R4B MeasureReports, one per indicator, in a collection Bundle."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measurereport import MeasureReport

from oppfolging.accounts.models import Municipality
from oppfolging.indicators.definitions import SHARE
from oppfolging.indicators.periods import Period
from oppfolging.indicators.report import Section

# Canonical URLs for the project's Measure definitions and the municipality number. Neither is
# registered anywhere yet; docs/indicators.md says so.
MEASURE_BASE = "urn:oppfolging:measure:"
MUNICIPALITY_SYSTEM = "urn:oid:2.16.578.1.12.4.1.1.3402"
POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
UNITS = {"share": "1", "days": "d", "years": "a", "count": "1", "mean": "1", "change": "1"}


def _population(code: str, count: int) -> dict[str, Any]:
    return {"code": {"coding": [{"system": POPULATION, "code": code}]}, "count": count}


def measure_report(municipality: Municipality, period: Period, section: Section, row: Any) -> MeasureReport:
    """Return one indicator's MeasureReport (type summary) for the municipality and period."""
    indicator, figure = row.indicator, row.figure
    group: dict[str, Any] = {
        "code": {"coding": [{"system": MEASURE_BASE.rstrip("/"), "code": indicator.key}],
                 "text": str(indicator.title)},
        "population": [],
    }
    if figure.people is not None:
        group["population"].append(_population("initial-population", figure.people))
    if figure.denominator is not None:
        group["population"].append(_population("denominator", figure.denominator))
    if figure.numerator is not None:
        group["population"].append(_population("numerator", figure.numerator))
    if figure.value is not None:
        group["measureScore"] = {
            "value": round(float(figure.value), 4),
            "system": "http://unitsofmeasure.org",
            "code": UNITS[indicator.unit],
        }
    if row.breakdown and indicator.breakdown_unit != SHARE:
        group["stratifier"] = [{
            "code": [{"text": str(indicator.breakdown_title)}],
            "stratum": [
                {"value": {"text": b.label},
                 "measureScore": {"value": round(float(b.value or 0), 4)}}
                for b in row.breakdown
            ],
        }]
    return MeasureReport.model_validate({
        "resourceType": "MeasureReport",
        "id": f"{municipality.number}-{period.code}-{indicator.key}".replace("_", "-"),
        "status": "complete" if figure.available else "pending",
        "type": "summary",
        "measure": MEASURE_BASE + indicator.key,
        "date": timezone.now().isoformat(),
        "reporter": {
            "identifier": {"system": MUNICIPALITY_SYSTEM, "value": municipality.number},
            "display": municipality.name,
        },
        "period": {"start": period.start.isoformat(),
                   "end": (period.end - dt.timedelta(days=1)).isoformat()},
        "group": [group],
    })


def measure_report_bundle(
    municipality: Municipality, period: Period, sections: Sequence[Section]
) -> dict[str, Any]:
    """Return a validated collection Bundle of every indicator's MeasureReport, as JSON data."""
    entries = [
        {"fullUrl": f"urn:uuid:{uuid.uuid4()}",
         "resource": measure_report(municipality, period, section, row)}
        for section in sections for row in section.rows
    ]
    bundle = Bundle.model_validate({
        "resourceType": "Bundle", "type": "collection",
        "timestamp": timezone.now().isoformat(), "entry": entries,
    })
    return bundle.model_dump(mode="json", exclude_none=True)
