"""The effect pages (leader, evaluator), their downloads, the imports, and a person's outcome rows.

The leader's and the evaluator's pages show aggregates only and are logged as reads of the
municipality's (or all municipalities') figures; a person's stays and service use are shown
only under a grant to that person (get_person_for_user), and the read is logged.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from oppfolging.access import policy
from oppfolging.access.shortcuts import (
    get_person_for_user,
    get_staff_grant,
    require_in_municipality,
)
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import Municipality, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.effect.change import MIN_PERSONS
from oppfolging.effect.estimate import ACUTE
from oppfolging.indicators.access import get_municipality_for_aggregates, require_evaluator
from oppfolging.lib.spreadsheets import csv_text, xlsx_bytes
from oppfolging.lib.uploads import SizeLimitedUploadHandler
from oppfolging.outcomes import exports, report, selectors, services
from oppfolging.outcomes.formats import ImportProblems
from oppfolging.outcomes.forms import ImportForm
from oppfolging.outcomes.models import OutcomeImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _audit(request: AuthenticatedHttpRequest, municipality: Municipality | None, action: str, purpose: str) -> None:
    audit_record(
        actor=request.user,
        action=action, resource="effect", municipality=municipality, purpose=purpose,
        ip=client_ip(request),
    )


def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send the user to their municipality's effect page, or the evaluator to the pooled one."""
    user: User = request.user
    municipality = getattr(request, "municipality", None)
    if municipality is not None and policy.can_see_aggregates(user, municipality):
        return redirect("outcomes:effect", number=municipality.number)
    require_evaluator(request)
    return redirect("outcomes:pooled")


def effect(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Show whether the teams helped in the municipality: naive and adjusted, with intervals."""
    municipality = get_municipality_for_aggregates(request, number)
    found = selectors.effect_report([municipality])
    _audit(request, municipality, Action.READ, _("Effekt av oppfølgingsteam"))
    estimate = found.estimate
    user: User = request.user
    return render(request, "outcomes/effect.html", {
        "municipality": municipality,
        "report": found,
        "estimate": estimate,
        "ok": estimate is not None and estimate.status == "ok",
        "rows": report.estimate_rows(estimate) if estimate else [],
        "primary": report.estimate_rows(estimate)[0] if estimate else None,
        "balance": report.balance_lines(estimate) if estimate else [],
        "curve_rows": report.curve_rows(estimate) if estimate else [],
        "charts": report.chart_data(estimate) if estimate and estimate.status == "ok" else None,
        "verdict": report.verdict(estimate.adjusted) if estimate else "",
        "changes": report.change_lines(found.psfs, found.iplos),
        "min_persons": MIN_PERSONS,
        "can_import": policy.can_import_outcomes(user, municipality),
        "cost": report.cost_view(estimate, found.data.unpriced) if estimate and estimate.status == "ok" else None,
        "can_edit_prices": policy.can_edit_prices(user, municipality),
        "method_note": report.method_note(),
        "definitions": report.definitions(),
        "iplos_mdc": report.iplos_mdc_text(),
        "acute": ACUTE,
    })


def _download(
    request: AuthenticatedHttpRequest, number: str, build: Callable[[Municipality, selectors.EffectReport], str | bytes],
    content_type: str, extension: str, purpose: str,
) -> HttpResponse:
    municipality = get_municipality_for_aggregates(request, number)
    found = selectors.effect_report([municipality])
    _audit(request, municipality, Action.EXPORT, purpose)
    response = HttpResponse(build(municipality, found), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="effekt-{municipality.number}.{extension}"'
    return response


def effect_csv(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Download the effect estimates, balance, curves and change as CSV."""
    return _download(
        request, number,
        lambda m, found: csv_text(exports.header(), exports.rows(m, found)),
        "text/csv; charset=utf-8", "csv", _("Effekt av oppfølgingsteam som CSV"),
    )


def effect_xlsx(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Download the effect estimates as an Excel workbook, with the definitions."""
    return _download(
        request, number, lambda m, found: xlsx_bytes(exports.sheets(m, found)), XLSX, "xlsx",
        _("Effekt av oppfølgingsteam som Excel"),
    )


def pooled(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the estimate pooled over all municipalities, and each one's, small cells hidden."""
    require_evaluator(request)
    municipalities = list(Municipality.objects.order_by("name"))
    each = [selectors.effect_report([m]) for m in municipalities]
    together = selectors.effect_report(municipalities)
    rows, total = report.pooled_rows(municipalities, each)
    _audit(request, None, Action.READ, _("Effekt av oppfølgingsteam i alle kommuner"))
    estimate = together.estimate
    return render(request, "outcomes/pooled.html", {
        "rows": rows,
        "total": total,
        "report": together,
        "estimate": estimate,
        "ok": estimate is not None and estimate.status == "ok",
        "estimate_rows": report.estimate_rows(estimate) if estimate else [],
        "charts": report.chart_data(estimate) if estimate and estimate.status == "ok" else None,
        "curve_rows": report.curve_rows(estimate) if estimate and estimate.status == "ok" else [],
        "changes": report.change_lines(together.psfs, together.iplos, suppress=True),
        "min_persons": MIN_PERSONS,
        "definitions": report.definitions(),
        "iplos_mdc": report.iplos_mdc_text(),
    })


def _pooled_tables(
    request: AuthenticatedHttpRequest,
) -> tuple[list[report.PooledRow], report.PooledRow, selectors.EffectReport]:
    require_evaluator(request)
    municipalities = list(Municipality.objects.order_by("name"))
    each = [selectors.effect_report([m]) for m in municipalities]
    together = selectors.effect_report(municipalities)
    rows, total = report.pooled_rows(municipalities, each)
    return rows, total, together


def pooled_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the evaluator's table as CSV, with the same suppression."""
    rows, total, together = _pooled_tables(request)
    _audit(request, None, Action.EXPORT, _("Effekt av oppfølgingsteam i alle kommuner som CSV"))
    response = HttpResponse(
        csv_text(exports.pooled_header(), exports.pooled_rows(rows, total, together)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="effekt-kommuner.csv"'
    return response


def pooled_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the evaluator's table, the suppressed change and the definitions as Excel."""
    rows, total, together = _pooled_tables(request)
    _audit(request, None, Action.EXPORT, _("Effekt av oppfølgingsteam i alle kommuner som Excel"))
    response = HttpResponse(xlsx_bytes(exports.pooled_sheets(rows, total, together)), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="effekt-kommuner.xlsx"'
    return response


@csrf_exempt
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Import outcome data (the coordinating unit), and list earlier imports.

    A file over OUTCOME_IMPORT_MAX_MB is stopped as it streams in, before it is written anywhere.
    """
    handler = SizeLimitedUploadHandler(request, max_bytes=settings.OUTCOME_IMPORT_MAX_MB * 1024 * 1024)
    if request.method == "POST":
        request.upload_handlers.insert(0, handler)
    return _imports(request, handler)


@csrf_protect
def _imports(request: AuthenticatedHttpRequest, handler: SizeLimitedUploadHandler) -> HttpResponse:
    grant = get_staff_grant(request, policy.can_import_outcomes)
    municipality = grant.municipality
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: ImportProblems | None = None
    if handler.too_large:
        form = ImportForm(request.POST, request.FILES)
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", _("Filen er større enn %(mb)s MB. Del den opp i mindre perioder.") % {
            "mb": settings.OUTCOME_IMPORT_MAX_MB})
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = services.outcome_import(
                grant=grant, kind=form.cleaned_data["kind"], file_name=upload.name,
                data=upload.read(), period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"], ip=client_ip(request),
            )
        except ImportProblems as error:
            problems = error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Filen er importert."))
            return redirect("outcomes:import_detail", import_id=record.pk)
    return render(request, "outcomes/imports.html", {
        "form": form,
        "problems": problems,
        "imports": selectors.imports_for(municipality)[:50],
    }, status=413 if handler.too_large else 200)


def import_detail(request: AuthenticatedHttpRequest, import_id: int) -> HttpResponse:
    """Show what one import matched, changed and could not match (never who)."""
    municipality = require_in_municipality(request, policy.can_import_outcomes)
    record = OutcomeImport.objects.filter(pk=import_id, municipality=municipality).select_related(
        "imported_by").first()
    if record is None:
        raise Http404("No such import.")
    reasons = {services.NOT_IN_REGISTER: _("ikke i personregisteret"),
               services.NO_IDENTITY: _("mangler fødselsnummer")}
    unmatched = [(u["where"], reasons.get(u["reason"], u["reason"]), u["rows"]) for u in record.unmatched]
    return render(request, "outcomes/import_detail.html", {"record": record, "unmatched": unmatched})


def person_outcomes(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Show one person's hospital stays and service use (a grant to the person is needed)."""
    grant = get_person_for_user(
        request, person_id, resource="outcomes", purpose=_("Sykehusopphold og tjenestebruk"))
    person = grant.person
    return render(request, "outcomes/person.html", {
        "person": person,
        "grant": grant,
        "stays": selectors.stays_for_person(person)[:200],
        "service_use": selectors.service_use_for_person(person)[:240],
    })
