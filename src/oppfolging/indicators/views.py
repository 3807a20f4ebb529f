"""The leader's dashboard, its exports, and the evaluator's cross-municipality comparison.

No view here ever lists a person: every figure is an aggregate, and every page read is logged
with the municipality it concerns.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oppfolging.access import policy
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import Municipality, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.indicators import exports, fhir, periods, report
from oppfolging.indicators.access import get_municipality_for_aggregates, require_evaluator
from oppfolging.indicators.periods import Period
from oppfolging.lib.forms import choice_field

KIND_LABELS = {
    periods.MONTH: gettext_lazy("Måned"),
    periods.QUARTER: gettext_lazy("Kvartal"),
    periods.YEAR: gettext_lazy("År"),
}
# How far back the period list reaches for each kind.
CHOICES_LENGTH = {periods.MONTH: 36, periods.QUARTER: 20, periods.YEAR: 8}


class PeriodForm(forms.Form):
    """Choose the period: a month, a quarter or a year, by its code."""

    periode = forms.ChoiceField(label=gettext_lazy("Periode"))

    def __init__(self, period: Period) -> None:
        super().__init__({"periode": period.code})
        recent = periods.recent(period.kind, CHOICES_LENGTH[period.kind])[::-1]
        if period not in recent:
            recent.append(period)
        choice_field(self, "periode").choices = [(p.code, p.label) for p in recent]


def chosen_period(request: AuthenticatedHttpRequest) -> Period:
    """Return the period asked for in ?periode=, or the current year; 404 for nonsense."""
    code = request.GET.get("periode", "")
    if not code:
        return periods.containing(periods.YEAR, timezone.localdate())
    period = periods.parse(code)
    if period is None or period.start > timezone.localdate():
        raise Http404("No such period.")
    return period


def kind_links(period: Period) -> list[tuple[str, str, bool]]:
    """Return (label, period code, is current) to switch between month, quarter and year."""
    day = min(period.end - dt.timedelta(days=1), timezone.localdate())
    return [
        (str(label), periods.containing(kind, day).code, kind == period.kind)
        for kind, label in KIND_LABELS.items()
    ]


def _audit(request: AuthenticatedHttpRequest, municipality: Municipality | None, action: str, purpose: str) -> None:
    audit_record(
        actor=request.user,
        action=action, resource="indicators", municipality=municipality,
        purpose=purpose, ip=client_ip(request),
    )


def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send the user to their municipality's dashboard, or the evaluator to the comparison."""
    user: User = request.user
    municipality = getattr(request, "municipality", None)
    if municipality is not None and policy.can_see_aggregates(user, municipality):
        return redirect("indicators:dashboard", number=municipality.number)
    require_evaluator(request)
    return redirect("indicators:comparison")


def dashboard(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Show the municipality's indicators for a period: figures, definitions, trends, breakdowns."""
    municipality = get_municipality_for_aggregates(request, number)
    period = chosen_period(request)
    form = PeriodForm(period)
    sections = report.municipality_report(municipality, period)
    charts = {
        row.indicator.key: row.chart() for section in sections for row in section.rows
    }
    _audit(request, municipality, Action.READ, _("Indikatorer for %(period)s") % {"period": period.label})
    kinds = kind_links(period)
    return render(request, "indicators/dashboard.html", {
        "municipality": municipality,
        "period": period,
        "form": form,
        "kinds": kinds,
        "sections": sections,
        "charts": charts,
    })


def _download(
    request: AuthenticatedHttpRequest,
    number: str,
    purpose: str,
    build: Callable[[Municipality, Period, list], str | bytes],
    content_type: str,
    filename: str,
) -> HttpResponse:
    """Send the period's indicators as a file made by ``build``, and log the export.

    ``purpose`` and ``filename`` may hold ``%(period)s``; the file name also gets the
    municipality's number and the period's code.
    """
    municipality = get_municipality_for_aggregates(request, number)
    period = chosen_period(request)
    sections = report.municipality_report(municipality, period, trend=False)
    _audit(request, municipality, Action.EXPORT, purpose % {"period": period.label})
    response = HttpResponse(build(municipality, period, sections), content_type=content_type)
    stem, extension = filename.rsplit(".", 1)
    response["Content-Disposition"] = (
        f'attachment; filename="{stem}-{municipality.number}-{period.code}.{extension}"'
    )
    return response


def export_csv(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Download the municipality's indicators for the period as CSV."""
    return _download(
        request, number, _("Indikatorer som CSV for %(period)s"), exports.municipality_csv,
        "text/csv; charset=utf-8", "indikatorer.csv",
    )


def export_xlsx(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Download the municipality's indicators for the period as an Excel workbook."""
    return _download(
        request, number, _("Indikatorer som Excel for %(period)s"), exports.municipality_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "indikatorer.xlsx",
    )


def measure_report(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Download the indicators for the period as a FHIR Bundle of MeasureReports."""
    return _download(
        request, number, _("Indikatorer som FHIR MeasureReport for %(period)s"),
        lambda municipality, period, sections: json.dumps(
            fhir.measure_report_bundle(municipality, period, sections), ensure_ascii=False, indent=2
        ),
        "application/fhir+json; charset=utf-8", "measurereport.json",
    )


def comparison(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show every municipality's indicators side by side, small cells suppressed (evaluators)."""
    require_evaluator(request)
    period = chosen_period(request)
    form = PeriodForm(period)
    municipalities = list(Municipality.objects.order_by("name"))
    rows = report.comparison(municipalities, period)
    sources = report.source_table(municipalities, period)
    _audit(request, None, Action.READ, _("Kommunene side om side for %(period)s") % {"period": period.label})
    kinds = kind_links(period)
    return render(request, "indicators/comparison.html", {
        "period": period,
        "form": form,
        "kinds": kinds,
        "municipalities": municipalities,
        "rows": rows,
        "sources": sources,
        "goals": report.GOALS,
    })


def comparison_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the suppressed comparison as CSV (evaluators)."""
    require_evaluator(request)
    period = chosen_period(request)
    municipalities = list(Municipality.objects.order_by("name"))
    rows = report.comparison(municipalities, period)
    _audit(request, None, Action.EXPORT, _("Kommunene side om side som CSV for %(period)s") % {"period": period.label})
    response = HttpResponse(exports.comparison_csv(municipalities, period, rows),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kommuner-{period.code}.csv"'
    return response
