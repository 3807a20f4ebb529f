"""The effect page as CSV and Excel: estimates, balance, curves, change, definitions.

Written with the shared helpers (``lib.spreadsheets.csv_text``/``xlsx_bytes``), which
neutralise text a spreadsheet would run as a formula. Numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from oppfolging.accounts.models import Municipality
from oppfolging.effect.estimate import EffectEstimate, RateRatio
from oppfolging.outcomes import report
from oppfolging.outcomes.selectors import COST, EffectReport

Row = list[object]


def header() -> list[str]:
    return [_("kommunenummer"), _("kommune"), _("del"), _("utfall"), _("metode"), _("verdi"),
            _("nedre grense"), _("øvre grense"), _("med team"), _("sammenligning")]


def _rr(rr: RateRatio) -> list[object]:
    return [rr.rate_ratio, rr.ci_low, rr.ci_high]


def estimate_rows(estimate: EffectEstimate | None) -> list[Row]:
    """Return (part, outcome, method, value, low, high, treated, comparison) rows."""
    if estimate is None:
        return [[_("estimat"), "", _("ingen utfallsdata"), None, None, None, None, None]]
    rows: list[Row] = [
        [_("antall"), "", _("personer"), None, None, None, estimate.n_treated, estimate.n_comparison],
    ]
    if estimate.status != "ok":
        rows.append([_("estimat"), "", _("for få til å anslå"), None, None, None,
                     estimate.n_treated, estimate.n_comparison])
        return rows
    for row in report.estimate_rows(estimate):
        rows.append([_("estimat"), row.label, _("naiv før/etter"), *_rr(row.naive),
                     row.naive.events_treated, row.naive.events_comparison])
        rows.append([_("estimat"), row.label, _("justert"), *_rr(row.adjusted),
                     row.adjusted.events_treated, row.adjusted.events_comparison])
        if row.itt is not None:
            rows.append([_("estimat"), row.label, _("justert, intensjon å behandle"), *_rr(row.itt),
                         row.itt.events_treated, row.itt.events_comparison])
    for b in estimate.balance:
        label = str(report.BALANCE_LABELS.get(b.variable, b.label))
        rows.append([_("balanse"), label, _("snitt med team / før / etter matching"),
                     b.mean_treated, b.mean_comparison_before, b.mean_comparison_after,
                     b.smd_before, b.smd_after])
    curves = estimate.primary.curves
    if curves is not None:
        for month, treated, comparison in zip(curves.months, curves.treated, curves.comparison,
                                              strict=True):
            rows.append([_("kurve"), str(report.OUTCOME_LABELS["acute_admissions"]),
                         _("måned %(m)s") % {"m": month}, None, None, None, treated, comparison])
    return rows


def _kroner(value: float | None) -> int | None:
    return None if value is None else round(value)


def cost_rows(found: EffectReport) -> list[Row]:
    """Return the cost in kroner per person-year before and after in both arms, the differences
    with their intervals, and the use left out for want of a price (whole kroner, as numbers)."""
    estimate = found.estimate
    outcome = estimate.outcomes.get(COST) if estimate is not None and estimate.status == "ok" else None
    if outcome is None:
        return []
    label = str(report.OUTCOME_LABELS[COST])
    naive, adjusted = outcome.naive, outcome.adjusted
    rows: list[Row] = [
        [_("kostnad"), label, _("kroner per person og år, 12 måneder før"), None, None, None,
         _kroner(naive.rate_comparison), _kroner(outcome.comparison_before)],
        [_("kostnad"), label, _("kroner per person og år, 12 måneder etter"), None, None, None,
         _kroner(adjusted.rate_treated), _kroner(adjusted.rate_comparison)],
        [_("kostnad"), label, _("forskjell i kroner per person og år, naiv før/etter"),
         _kroner(naive.difference), _kroner(naive.difference_low), _kroner(naive.difference_high), None, None],
        [_("kostnad"), label, _("forskjell i kroner per person og år, justert"),
         _kroner(adjusted.difference), _kroner(adjusted.difference_low), _kroner(adjusted.difference_high),
         None, None],
    ]
    for gap in found.data.unpriced:
        what = gap.service or _("Liggedøgn på sykehus")
        for unit, amount in ((_("liggedøgn"), gap.bed_days), (_("timer"), gap.hours), (_("besøk"), gap.visits)):
            if amount:
                rows.append([_("uten pris"), what, unit, round(amount, 2), None, None, gap.persons, None])
    return rows


def change_rows(found: EffectReport) -> list[Row]:
    rows: list[Row] = []
    for label, summary in ((_("PSFS"), found.psfs), (_("IPLOS"), found.iplos)):
        if not summary.enough:
            rows.append([_("endring"), label, _("for få til å anslå"), None, None, None, summary.n, None])
            continue
        rows.append([_("endring"), label, _("snitt endring (95 %-intervall)"), summary.mean,
                     summary.ci_low, summary.ci_high, summary.n, None])
        rows.append([_("endring"), label, _("bedre minst minste påviselige endring"),
                     summary.share_improved, None, None, summary.improved, summary.n])
        rows.append([_("endring"), label, _("verre minst minste påviselige endring"),
                     summary.share_worse, None, None, summary.worse, summary.n])
    return rows


def rows(municipality: Municipality, found: EffectReport) -> list[Row]:
    head = [municipality.number, municipality.name]
    return [head + r for r in estimate_rows(found.estimate) + cost_rows(found) + change_rows(found)]


def definition_rows() -> list[Row]:
    return [[term, text] for term, text in report.definitions()]


def sheets(municipality: Municipality, found: EffectReport) -> list[tuple[str, Sequence[object], list[Row]]]:
    return [
        (_("Effekt"), header(), rows(municipality, found)),
        (_("Definisjoner"), [_("begrep"), _("definisjon")], definition_rows()),
    ]


def pooled_header() -> list[str]:
    return [_("kommune"), _("personer med team"), _("personer i sammenligningsgruppen"),
            _("justert rateratio (95 %-intervall)"), _("naiv rateratio (95 %-intervall)")]


def pooled_rows(
    rows: Sequence[report.PooledRow], total: report.PooledRow, together: EffectReport
) -> list[Row]:
    lines: list[Row] = [[r.name, r.treated, r.comparison, r.adjusted, r.naive] for r in rows]
    estimate = together.estimate
    ok = estimate is not None and estimate.status == "ok"
    lines.append([
        total.name, total.treated, total.comparison,
        report.ratio_text(estimate.adjusted) if ok and estimate else _("for få til å anslå"),
        report.ratio_text(estimate.naive) if ok and estimate else "–",
    ])
    return lines


def pooled_change_rows(together: EffectReport) -> list[Row]:
    """Return the pooled PSFS and IPLOS change, each only when its counts may leave the municipality."""
    rows: list[Row] = []
    for label, summary in ((_("PSFS"), together.psfs), (_("IPLOS"), together.iplos)):
        if not report.change_publishable(summary):
            rows.append([label, _("skjult: for få personer"), None, None, None, None, None])
            continue
        rows.append([label, _("snitt endring (95 %-intervall)"), summary.mean, summary.ci_low,
                     summary.ci_high, summary.n, None])
        rows.append([label, _("bedre minst minste påviselige endring"), summary.share_improved,
                     None, None, summary.improved, summary.n])
        rows.append([label, _("verre minst minste påviselige endring"), summary.share_worse,
                     None, None, summary.worse, summary.n])
    return rows


def pooled_sheets(
    rows: Sequence[report.PooledRow], total: report.PooledRow, together: EffectReport
) -> list[tuple[str, Sequence[object], list[Row]]]:
    """Return the evaluator's workbook: the suppressed table, the change, the definitions."""
    return [
        (_("Effekt"), pooled_header(), pooled_rows(rows, total, together)),
        (_("Endring"), [_("mål"), _("metode"), _("verdi"), _("nedre grense"), _("øvre grense"),
                        _("antall"), _("personer")], pooled_change_rows(together)),
        (_("Definisjoner"), [_("begrep"), _("definisjon")], definition_rows()),
    ]
