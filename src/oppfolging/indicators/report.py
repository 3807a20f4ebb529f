"""Assemble the indicators into what the pages and the exports show.

`municipality_report` is the leader's view of one municipality (figures, breakdowns, trends);
`comparison` is the evaluator's view of every municipality side by side, with small-cell
suppression applied before anything leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from oppfolging.accounts.models import Municipality
from oppfolging.indicators import periods
from oppfolging.indicators.definitions import (
    CHANGE,
    COUNT,
    DAYS,
    GOALS,
    INDICATORS,
    MEAN,
    SHARE,
    YEARS,
    Indicator,
)
from oppfolging.indicators.periods import Period
from oppfolging.indicators.selectors import (
    BreakdownRow,
    Figure,
    referral_counts_by_source,
    shared_queries,
)
from oppfolging.indicators.tasks import Stored, load_figures, stored_breakdown, stored_figures
from oppfolging.lib.suppression import THRESHOLD, is_small_share, suppress_table
from oppfolging.referrals.models import Source


def _rounded(value: float, places: int) -> Decimal:
    """Round half away from zero, as people do (Django's number_format cuts the digits off)."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0


def format_value(value: float | None, unit: str) -> str:
    """Return a figure as Norwegian text: «72 %», «14,5 dager», «+1,3»; "–" when missing."""
    if value is None:
        return "–"
    if unit == SHARE:
        return f"{number_format(_rounded(value * 100, 0), 0)} %"
    if unit == COUNT:
        return number_format(_rounded(value, 0), 0, force_grouping=True)
    if unit == DAYS:
        return _("%(n)s dager") % {"n": number_format(_rounded(value, 1), 1)}
    if unit == YEARS:
        return _("%(n)s år") % {"n": number_format(_rounded(value, 0), 0)}
    if unit == CHANGE:
        change = _rounded(value, 2)
        sign = "+" if change > 0 else ("−" if change < 0 else "")
        return f"{sign}{number_format(abs(change), 2)}"
    return number_format(_rounded(value, 1), 1)


@dataclass
class Row:
    """One indicator as shown: its figure, breakdown and trend."""

    indicator: Indicator
    figure: Figure
    breakdown: list[BreakdownRow] = field(default_factory=list)
    trend: list[tuple[Period, Figure]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return format_value(self.figure.value, self.indicator.unit)

    @property
    def secondary_text(self) -> str:
        unit = SHARE if self.indicator.unit in (CHANGE, SHARE) else self.indicator.unit
        if self.indicator.unit == MEAN:
            unit = COUNT
        return format_value(self.figure.secondary, unit)

    @property
    def trend_rows(self) -> list[tuple[str, str, int | None]]:
        return [(p.label, format_value(f.value, self.indicator.unit), f.people) for p, f in self.trend]

    @property
    def breakdown_rows(self) -> list[tuple[BreakdownRow, str]]:
        return [(b, format_value(b.value, self.indicator.breakdown_unit)) for b in self.breakdown]

    def chart(self) -> dict[str, object]:
        """Return the data the browser draws the trend and breakdown charts from."""
        unit = self.indicator.unit
        return {
            "unit": unit,
            "trend": [
                {"label": p.label, "value": f.value, "text": format_value(f.value, unit)}
                for p, f in self.trend
            ],
            "bars": [
                {"label": b.label, "value": b.value,
                 "text": format_value(b.value, self.indicator.breakdown_unit)}
                for b in self.breakdown
            ],
            "barUnit": self.indicator.breakdown_unit,
        }


@dataclass
class Section:
    goal: int
    title: str
    rows: list[Row]


def municipality_report(
    municipality: Municipality, period: Period, *, trend: bool = True, breakdowns: bool = True
) -> list[Section]:
    """Return every indicator for the municipality and period, grouped by result goal."""
    trend_periods = periods.recent(period.kind, periods.TREND_LENGTH[period.kind], period.start)
    sections: dict[int, Section] = {
        goal: Section(goal, str(title), []) for goal, title in GOALS.items()
    }
    # The figures come from the summary table (indicators/tasks.py), in one query.
    stored = load_figures([municipality], [period, *(trend_periods if trend else [])])
    with shared_queries():
        for indicator in INDICATORS:
            sections[indicator.goal].rows.append(
                _row(indicator, municipality, period, trend_periods if trend else None, breakdowns, stored)
            )
    return list(sections.values())


def _row(
    indicator: Indicator, municipality: Municipality, period: Period,
    trend_periods: list[Period] | None, breakdowns: bool, stored: Stored,
) -> Row:
    if trend_periods and indicator.trend:
        figures = stored_figures(indicator, municipality, trend_periods, stored)
        row = Row(indicator, figures[-1], trend=list(zip(trend_periods, figures, strict=True)))
    else:
        row = Row(indicator, stored_figures(indicator, municipality, [period], stored)[0])
    if breakdowns and indicator.breakdown is not None:
        row.breakdown = stored_breakdown(indicator, municipality, period)
    return row


# The evaluator's comparison ---------------------------------------------------------------

@dataclass
class Cell:
    """One municipality's figure as the evaluator may see it; `text` is "skjult" when hidden."""

    value: float | None
    text: str
    hidden: bool
    people: int | None = None


@dataclass
class ComparisonRow:
    indicator: Indicator
    cells: list[Cell]
    total: Cell | None = None


def _hidden() -> Cell:
    return Cell(None, _("skjult"), True)


def publishable(figure: Figure, indicator: Indicator) -> bool:
    """Tell whether a non-count figure may leave the municipality (enough people behind it)."""
    if not figure.available or figure.value is None:
        return True
    people = figure.people or 0
    if people < THRESHOLD:
        return False
    if indicator.unit == SHARE and figure.numerator is not None and figure.denominator is not None:
        return not is_small_share(figure.numerator, figure.denominator)
    if indicator.key == "psfs_change" and figure.numerator is not None:
        # The share improved is shown beside the mean; it must not reveal a small count either.
        return not is_small_share(figure.numerator, figure.denominator or 0)
    return True


def comparison(municipalities: Sequence[Municipality], period: Period) -> list[ComparisonRow]:
    """Return every indicator for every municipality, suppressed for publication.

    Counts are shown with a total over all municipalities, so they get complementary
    suppression; other figures are hidden when fewer than five people are behind them, and
    shares also when the count inside or outside the share is small. No total is shown for
    non-counts, so they cannot be combined to recover a hidden one.
    """
    result = []
    # Counts are suppressed over the year's hierarchy, so its 17 periods are read in one query.
    stored = load_figures(municipalities, {p.code: p for p in [period, *periods.year_hierarchy(period)]}.values())
    with shared_queries():
        for indicator in INDICATORS:
            result.append(_comparison_row(indicator, municipalities, period, stored))
    return result


def _hierarchy_figures(indicator: Indicator, municipality: Municipality, chain: list[Period],
                       stored: Stored) -> list[Figure]:
    """Return the indicator for the year, its quarters and its months (stored, or one computation per kind)."""
    return [*stored_figures(indicator, municipality, chain[:1], stored),
            *stored_figures(indicator, municipality, chain[1:5], stored),
            *stored_figures(indicator, municipality, chain[5:], stored)]


def suppress_over_periods(counts: Sequence[Sequence[Sequence[int]]]) -> list[list[list[int | None]]]:
    """Suppress counts[r][c][p] for every table of one year an evaluator can ask for.

    ``r`` and ``c`` index the rows and columns of a table shown with row totals (and column
    totals when it has more than one row); ``p`` the 17 periods of `periods.year_hierarchy`
    (the year, its quarters, its months). A quarter is the sum of its months and the year of
    its quarters, so suppressing each period's table on its own would let a month hidden in its
    table be had as the quarter minus the other two months. Instead the year is published with
    complementary suppression, and a month or a quarter only for the entries that are large
    all year: an entry (cell or total) small in any period of the year, or hidden in the year's
    table, is hidden in every month and quarter, and so is every total over such an entry.
    What is published for months and quarters then adds no equation on anything hidden beyond
    what the year's table already gives (the property test in tests/indicators differences every
    published combination). Returns the same shape plus a last row and column of totals.
    """
    rows, cols = len(counts), len(counts[0])
    spans = len(counts[0][0])
    column_totals = rows > 1
    table = suppress_table([[int(counts[r][c][0]) for c in range(cols)] for r in range(rows)],
                           row_totals=True, column_totals=column_totals)
    full = [[[int(counts[r][c][p]) for p in range(spans)] for c in range(cols)] for r in range(rows)]
    for row in full:
        row.append([sum(cell[p] for cell in row) for p in range(spans)])
    full.append([[sum(full[r][c][p] for r in range(rows)) for p in range(spans)] for c in range(cols + 1)])
    year: list[list[int | None]] = [[*table.cells[r], (table.row_totals or [])[r]] for r in range(rows)]
    if column_totals:
        year.append([*(table.column_totals or []), table.total])
    else:
        year.append(list(year[0]))
    coarse = {
        (r, c) for r in range(rows + 1) for c in range(cols + 1)
        if year[r][c] is None or any(0 < v < THRESHOLD for v in full[r][c])
    }
    # A total over a coarse entry would give its monthly value away: hide it too, to a fixed point.
    lines = [[(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(cols + 1)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            total = line[-1]
            if total not in coarse and any(entry in coarse for entry in line[:-1]):
                coarse.add(total)
                changed = True
    return [
        [[year[r][c] if p == 0 else (None if (r, c) in coarse else full[r][c][p]) for p in range(spans)]
         for c in range(cols + 1)]
        for r in range(rows + 1)
    ]


def _count_cell(v: int | None) -> Cell:
    return Cell(v, format_value(v, COUNT), False) if v is not None else _hidden()


def _comparison_row(
    indicator: Indicator, municipalities: Sequence[Municipality], period: Period, stored: Stored,
) -> ComparisonRow:
    """Return one indicator for every municipality, suppressed for publication.

    Counts are suppressed over the whole year the period lies in (`suppress_over_periods`),
    whichever month, quarter or year is asked for, so the tables of one year agree on what is
    hidden and no difference between them gives a hidden count away.
    """
    if indicator.key == "referrals_by_source":
        # The same counts as the source table's column totals: published from that one system.
        sources = source_table(municipalities, period)
        return ComparisonRow(indicator, sources.column_totals, sources.total)
    if indicator.is_count:
        chain = periods.year_hierarchy(period)
        by_period = [_hierarchy_figures(indicator, m, chain, stored) for m in municipalities]
        if all(f.available for row in by_period for f in row):
            at = chain.index(period)
            table = suppress_over_periods([[[int(f.value or 0) for f in row] for row in by_period]])
            cells = [_count_cell(table[0][c][at]) for c in range(len(municipalities))]
            return ComparisonRow(indicator, cells, _count_cell(table[0][len(municipalities)][at]))
    figures = [stored_figures(indicator, m, [period], stored)[0] for m in municipalities]
    cells = []
    for f in figures:
        if not f.available:
            cells.append(Cell(None, _("ingen data ennå"), False))
        elif publishable(f, indicator):
            people = f.people if f.value is not None else None
            cells.append(Cell(f.value, format_value(f.value, indicator.unit), False, people))
        else:
            cells.append(_hidden())
    return ComparisonRow(indicator, cells)


@dataclass
class SourceTable:
    """Reports by source (rows) and municipality (columns), with both totals, suppressed."""

    sources: list[str]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell

    @property
    def rows(self) -> list[tuple[str, list[Cell], Cell]]:
        return list(zip(self.sources, self.cells, self.row_totals, strict=True))


def source_table(municipalities: Sequence[Municipality], period: Period) -> SourceTable:
    """Return reports of need by source for every municipality, with complementary suppression.

    Suppressed over the whole year the period lies in, like the counts of the comparison.
    """
    chain = periods.year_hierarchy(period)
    by_period = [referral_counts_by_source(municipalities, p) for p in chain]
    raw = [[[counts[m.pk][source] for counts in by_period] for m in municipalities] for source in Source.values]
    at = chain.index(period)
    table = [[column[at] for column in row] for row in suppress_over_periods(raw)]
    return SourceTable(
        sources=[str(label) for label in Source.labels],
        cells=[[_count_cell(v) for v in row[:-1]] for row in table[:-1]],
        row_totals=[_count_cell(row[-1]) for row in table[:-1]],
        column_totals=[_count_cell(v) for v in table[-1][:-1]],
        total=_count_cell(table[-1][-1]),
    )
