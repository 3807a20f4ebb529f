"""Suppression holds across every table of a year an evaluator can ask for (#12.6).

The attacker knows every published cell and total of the year's table, its four quarters'
and its twelve months', that a quarter is the sum of its months and the year of its quarters,
and that counts are never negative. For every hidden entry it asks a linear program for the
lowest and highest value consistent with all of that: a hidden entry leaks when they meet.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from indicator_helpers import at, referral
from scipy.optimize import linprog

from oppfolging.indicators.periods import hierarchy_sums
from oppfolging.indicators.report import suppress_over_periods
from oppfolging.referrals.models import Source


def with_hierarchy(months: list[int]) -> list[int]:
    quarters = [sum(months[3 * q:3 * q + 3]) for q in range(4)]
    return [sum(quarters), *quarters, *months]


def attack(published: list[list[list[int | None]]]) -> dict[tuple[int, int, int], tuple[float, float]]:
    """Return {hidden entry: (lowest, highest)} consistent with everything published."""
    rows, cols, spans = len(published) - 1, len(published[0]) - 1, len(published[0][0])
    keys = [(r, c, p) for r in range(rows + 1) for c in range(cols + 1) for p in range(spans)]
    index = {k: n for n, k in enumerate(keys)}
    equations = []

    def line(parts, whole):
        eq = np.zeros(len(keys))
        for k in parts:
            eq[index[k]] += 1
        eq[index[whole]] -= 1
        equations.append(eq)

    for p in range(spans):
        for r in range(rows + 1):
            line([(r, c, p) for c in range(cols)], (r, cols, p))
        for c in range(cols + 1):
            line([(r, c, p) for r in range(rows)], (rows, c, p))
    for r in range(rows + 1):
        for c in range(cols + 1):
            for whole, parts in hierarchy_sums(spans):
                line([(r, c, part) for part in parts], (r, c, whole))
    bounds = [(v, v) if (v := published[r][c][p]) is not None else (0, None) for r, c, p in keys]
    a_eq, b_eq = np.array(equations), np.zeros(len(equations))
    result = {}
    for key in keys:
        if published[key[0]][key[1]][key[2]] is not None:
            continue
        c = np.zeros(len(keys))
        c[index[key]] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        assert low.status == 0, "the published figures must be consistent"
        result[key] = (low.fun, -high.fun if high.status == 0 else float("inf"))
    return result


def assert_no_cell_recovered(counts):
    published = suppress_over_periods(counts)
    rows, cols = len(counts), len(counts[0])
    for r in range(rows):
        for c in range(cols):
            for p, value in enumerate(counts[r][c]):
                assert published[r][c][p] in (None, value)
    shown = [v for row in published for cell in row for v in cell if v is not None]
    assert not [v for v in shown if 0 < v < 5]
    for key, (low, high) in attack(published).items():
        assert high - low > 0.5, f"{key} is recovered as {low}..{high} from {published}"
    return published


small_months = st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 7, 12, 30]), min_size=12, max_size=12)


@settings(max_examples=25, deadline=None)
@given(st.lists(small_months, min_size=2, max_size=3))
def test_no_combination_of_month_quarter_and_year_tables_reveals_a_hidden_count(months):
    """The comparison: one row of municipalities with a total, for every period of the year."""
    assert_no_cell_recovered([[with_hierarchy(m) for m in months]])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(small_months, min_size=2, max_size=2), min_size=2, max_size=2))
def test_no_combination_of_source_tables_reveals_a_hidden_count(cells):
    """The source table: sources by municipality with both totals, for every period of the year."""
    assert_no_cell_recovered([[with_hierarchy(m) for m in row] for row in cells])


def test_a_month_is_not_the_quarter_minus_the_other_months():
    # 6 + 3 + 7 in the first quarter: each table alone hides only February's 3.
    testvik = [6, 3, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    andreby = [20] * 12
    published = assert_no_cell_recovered([[with_hierarchy(testvik), with_hierarchy(andreby)]])
    row = published[0][0]
    assert row[0] == sum(testvik) and all(v is None for v in row[1:])
    assert published[0][1] == with_hierarchy(andreby)


def test_the_evaluator_cannot_subtract_months_from_the_quarter(cast):
    """The pages as the evaluator sees them: February is not Q1 minus January and March (#12.6)."""
    for month, n in ((1, 6), (2, 3), (3, 7)):
        for _ in range(n):
            referral(cast.municipality, at(2025, month, 10), source=Source.SCHOOL)
    for month in (1, 2, 3):
        for _ in range(6):
            referral(cast.other_municipality, at(2025, month, 10), source=Source.NAV)
    client = cast.client_for(cast.evaluator)

    def testvik(code):
        response = client.get("/indikatorer/kommuner/", {"periode": code})
        column = response.context["municipalities"].index(cast.municipality)
        row = next(r for r in response.context["rows"] if r.indicator.key == "referrals_by_source")
        sources = response.context["sources"]
        school = sources.sources.index("Skole eller PPT")
        return row.cells[column].value, sources.cells[school][column].value

    published = {code: testvik(code) for code in ("2025-01", "2025-02", "2025-03", "2025-K1")}
    assert published["2025-02"] == (None, None)
    for table in (0, 1):
        known = [published[code][table] for code in ("2025-01", "2025-03", "2025-K1")]
        assert None in known, f"February = Q1 - January - March from {published}"
