"""MeasureReport: the indicators (the pilot's result goals) of a municipality for a calendar year.

Aggregates only, never a person: readable by the municipality's leaders, coordinating unit and
administrators (as the indicator pages), and by the municipality's own system. The resources are
the same as the indicator page's FHIR export (indicators/fhir.py).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.measurereport import MeasureReport

from oppfolging.fhir.access import AGGREGATE_ROLES
from oppfolging.fhir.resources.base import Param, ResourceType
from oppfolging.fhir.search import date_bounds, int_id, reference_id
from oppfolging.indicators import fhir as indicator_fhir
from oppfolging.indicators import periods, report

_ID = re.compile(r"^(\d{4})-(\d{4}(?:-K[1-4]|-\d{2})?)-([a-z0-9-]+)$")


def _reports(municipality: Any, period: periods.Period, key: str | None = None) -> list[tuple[str, dict, Any]]:
    result = []
    for section in report.municipality_report(municipality, period, trend=False):
        for row in section.rows:
            resource = indicator_fhir.measure_report(municipality, period, section, row)
            if key is None or resource.id == key:
                result.append((str(resource.id), resource.model_dump(mode="json", exclude_none=True), municipality))
    return result


def computed(caller: Any, params: dict[str, list[str]]) -> list[tuple[str, dict[str, Any], Any]]:
    municipalities = caller.municipalities_with_role(*AGGREGATE_ROLES)
    wanted_ids = [v for value in params.get("_id", []) for v in value.split(",")]
    if wanted_ids:
        result = []
        for rid in wanted_ids[:5]:
            m = _ID.match(rid)
            period = periods.parse(m[2]) if m else None
            municipality = municipalities.filter(number=m[1]).first() if m else None
            if period is not None and municipality is not None:
                result += _reports(municipality, period, rid)
        return result
    for value in params.get("reporter", []):
        ids = [int_id(reference_id(v, "Organization")) for v in value.split(",")]
        municipalities = municipalities.filter(pk__in=[i for i in ids if i is not None])
    day = timezone.localdate()
    if params.get("period"):
        _prefix, start, _end = date_bounds(params["period"][0])
        day = timezone.localtime(start).date()
    period = periods.containing(periods.YEAR, day)
    return [r for municipality in municipalities.order_by("pk") for r in _reports(municipality, period)]


RESOURCE = ResourceType(
    name="MeasureReport",
    fhir_class=MeasureReport,
    documentation="The indicators for a calendar year (summary MeasureReports), per municipality.",
    parts=[],
    params=[
        Param("period", "date", "A day in the calendar year to report (default: this year)."),
        Param("reporter", "reference", "Organization/id (the municipality)."),
    ],
    computed=computed,
)
