"""Keep the indicators' summary table (IndicatorFigure) up to date, and read figures from it.

The pages ask `stored_figures` for what they show. A figure is taken from the table when it was
computed after its period ended (a closed period), or less than FRESH_FOR ago; otherwise it is
computed from the history and stored. The background job `refresh_indicators` (enqueued by
`oppfolging scheduler`, or run at once with `oppfolging refresh_indicators`) recomputes every
period the pages show by default, so the pages themselves almost never compute.

Two tables of counts are kept the same way, as rows of plain data (`stored_rows`): the
attendance breakdown per service on the dashboard, per period, and the coordinating unit's
no-show rates per service over the last 365 days on its start page (a rolling window, so only
FRESH_FOR applies).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.tasks import task
from django.utils import timezone

from oppfolging.accounts.models import Municipality
from oppfolging.indicators import periods as period_kinds
from oppfolging.indicators.definitions import INDICATORS, Indicator
from oppfolging.indicators.models import IndicatorFigure
from oppfolging.indicators.periods import Period
from oppfolging.indicators.selectors import BreakdownRow, Figure, shared_queries
from oppfolging.meetings.selectors import NoShowRow, no_show_counts_by_service, no_show_rows

# Longer than the scheduler's interval (15 minutes), so the job's figures are always used.
FRESH_FOR = dt.timedelta(minutes=30)
FIGURE_FIELDS = [f.name for f in dataclasses.fields(Figure)]

Stored = dict[tuple[int, str, str], Figure]
Rows = list[dict[str, Any]]

# The start page's no-show rates: meetings held in the last 365 days, under a period of their own.
NO_SHOWS_LAST_YEAR = ("no_show/services", "365d")
# Indicators whose breakdown is kept in the table too (its rows are computed from a year of history).
STORED_BREAKDOWNS = {"no_show"}


def load_figures(municipalities: Iterable[Municipality], periods: Iterable[Period],
                 now: dt.datetime | None = None) -> Stored:
    """Return the usable stored figures of the municipalities and periods, in one query."""
    now = now or timezone.now()
    by_code = {p.code: p for p in periods}
    rows = IndicatorFigure.objects.filter(
        municipality__in=[m.pk for m in municipalities], period__in=list(by_code), rows__isnull=True,
    ).values("municipality_id", "key", "period", "computed_at", *FIGURE_FIELDS)
    stored: Stored = {}
    for row in rows:
        period = by_code[row["period"]]
        if row["computed_at"] >= period.end_at or now - row["computed_at"] < FRESH_FOR:
            stored[(row["municipality_id"], row["key"], row["period"])] = Figure(
                **{name: row[name] for name in FIGURE_FIELDS})
    return stored


def stored_figures(indicator: Indicator, municipality: Municipality, periods: Sequence[Period],
                   stored: Stored) -> list[Figure]:
    """Return the indicator's figures for the periods: stored ones, and the rest computed and stored."""
    missing = [p for p in periods if (municipality.pk, indicator.key, p.code) not in stored]
    if missing:
        for period, figure in zip(missing, indicator.compute(municipality, missing), strict=True):
            stored[(municipality.pk, indicator.key, period.code)] = figure
        _save(municipality, [(indicator, p, stored[(municipality.pk, indicator.key, p.code)]) for p in missing])
    return [stored[(municipality.pk, indicator.key, p.code)] for p in periods]


def _save(municipality: Municipality, figures: Sequence[tuple[Indicator, Period, Figure]]) -> None:
    now = timezone.now()
    IndicatorFigure.objects.bulk_create(
        [IndicatorFigure(municipality=municipality, key=indicator.key, period=period.code, computed_at=now,
                         **dataclasses.asdict(figure))
         for indicator, period, figure in figures],
        update_conflicts=True, unique_fields=["municipality", "key", "period"],
        update_fields=[*FIGURE_FIELDS, "computed_at"],
    )


def stored_rows(municipality: Municipality, key: str, period: str, compute: Callable[[], Rows],
                closed_at: dt.datetime | None = None) -> Rows:
    """Return the rows stored under the key and period, or compute and store them.

    They are used under the figures' rule: computed after `closed_at` (the end of a closed
    period), or less than FRESH_FOR ago.
    """
    now = timezone.now()
    found = (IndicatorFigure.objects.filter(municipality=municipality, key=key, period=period, rows__isnull=False)
             .values_list("rows", "computed_at").first())
    if found is not None:
        stored, computed_at = found
        if stored is not None and (
                (closed_at is not None and computed_at >= closed_at) or now - computed_at < FRESH_FOR):
            return stored
    rows = compute()
    _save_rows(municipality, [(key, period, rows)])
    return rows


def _save_rows(municipality: Municipality, tables: Sequence[tuple[str, str, Rows]]) -> None:
    now = timezone.now()
    IndicatorFigure.objects.bulk_create(
        [IndicatorFigure(municipality=municipality, key=key, period=period, computed_at=now, value=None, rows=rows)
         for key, period, rows in tables],
        update_conflicts=True, unique_fields=["municipality", "key", "period"],
        update_fields=[*FIGURE_FIELDS, "rows", "computed_at"],
    )


def _breakdown_key(indicator: Indicator) -> str:
    return f"{indicator.key}/breakdown"


def _breakdown_rows(indicator: Indicator, municipality: Municipality, period: Period) -> Rows:
    assert indicator.breakdown is not None
    return [dataclasses.asdict(row) for row in indicator.breakdown(municipality, period)]


def stored_breakdown(indicator: Indicator, municipality: Municipality, period: Period) -> list[BreakdownRow]:
    """Return the indicator's breakdown for the period: from the table if it keeps it, else computed."""
    assert indicator.breakdown is not None
    if indicator.key not in STORED_BREAKDOWNS:
        return indicator.breakdown(municipality, period)
    rows = stored_rows(municipality, _breakdown_key(indicator), period.code,
                       lambda: _breakdown_rows(indicator, municipality, period), closed_at=period.end_at)
    return [BreakdownRow(**row) for row in rows]


def no_show_rates_last_year(*, municipality: Municipality) -> list[NoShowRow]:
    """Return the coordinating unit's no-show rates per service over the last 365 days, from the table."""
    key, period = NO_SHOWS_LAST_YEAR
    counts = stored_rows(municipality, key, period, lambda: _no_show_counts_last_year(municipality))
    return no_show_rows(counts)


def _no_show_counts_last_year(municipality: Municipality) -> Rows:
    return no_show_counts_by_service(municipality=municipality, since=timezone.now() - dt.timedelta(days=365))


def default_periods(today: dt.date | None = None) -> list[Period]:
    """Return the periods of the current and the previous period's trend, of every kind.

    Older choices are computed once when first asked for and stay valid, as they are closed.
    """
    result: list[Period] = []
    for kind in period_kinds.KINDS:
        result += period_kinds.recent(kind, period_kinds.TREND_LENGTH[kind] + 1, today)
    return result


def indicators_refresh(*, municipality: Municipality, periods: Sequence[Period] | None = None) -> int:
    """Recompute every indicator of the municipality for the periods (by default all shown); return rows."""
    periods = list(periods or default_periods())
    figures: list[tuple[Indicator, Period, Figure]] = []
    tables: list[tuple[str, str, Rows]] = [(*NO_SHOWS_LAST_YEAR, _no_show_counts_last_year(municipality))]
    # An indicator computes several periods of one kind at once (one grouped query).
    by_kind = [[p for p in periods if p.kind == kind] for kind in period_kinds.KINDS]
    with shared_queries():
        for indicator in INDICATORS:
            for group in filter(None, by_kind):
                figures += zip([indicator] * len(group), group, indicator.compute(municipality, group),
                               strict=True)
                if indicator.key in STORED_BREAKDOWNS:  # from the query the figures shared
                    tables += [(_breakdown_key(indicator), p.code, _breakdown_rows(indicator, municipality, p))
                               for p in group]
    _save(municipality, figures)
    _save_rows(municipality, tables)
    return len(figures) + len(tables)


@task()
def refresh_indicators(municipality_id: int | None = None) -> dict[str, int]:
    """The background job: refresh the summary table of one or every municipality (safe to repeat)."""
    municipalities = Municipality.objects.all()
    if municipality_id is not None:
        municipalities = municipalities.filter(pk=municipality_id)
    return {m.number: indicators_refresh(municipality=m) for m in municipalities}
