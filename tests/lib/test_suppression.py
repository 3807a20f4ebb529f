"""Small-cell suppression, tested by an attacker who solves the published totals.

The attacker is independent of the implementation: for every hidden entry it asks a linear
program for the smallest and largest value consistent with everything published (cells,
totals, non-negative counts). A hidden entry leaks when the two are equal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from oppfolging.lib.suppression import (
    SuppressedTable,
    is_small_share,
    suppress_count,
    suppress_counts,
    suppress_table,
)


def attack(table: SuppressedTable, *, row_totals: bool, column_totals: bool) -> dict[tuple, tuple[float, float]]:
    """Return {hidden entry: (lowest, highest)} consistent with the published table."""
    rows, cols = len(table.cells), len(table.cells[0])
    entries: list[tuple] = [("cell", i, j) for i in range(rows) for j in range(cols)]
    published: dict[tuple, int | None] = {("cell", i, j): table.cells[i][j] for i, j in
                                          ((e[1], e[2]) for e in entries)}
    if row_totals:
        for i, v in enumerate(table.row_totals):
            published[("row", i)] = v
    if column_totals:
        for j, v in enumerate(table.column_totals):
            published[("col", j)] = v
    if row_totals and column_totals:
        published[("total",)] = table.total
    keys = list(published)
    index = {k: n for n, k in enumerate(keys)}
    equations = []
    if row_totals:
        for i in range(rows):
            eq = np.zeros(len(keys))
            for j in range(cols):
                eq[index[("cell", i, j)]] = 1
            eq[index[("row", i)]] = -1
            equations.append(eq)
    if column_totals:
        for j in range(cols):
            eq = np.zeros(len(keys))
            for i in range(rows):
                eq[index[("cell", i, j)]] = 1
            eq[index[("col", j)]] = -1
            equations.append(eq)
    if row_totals and column_totals:
        eq = np.zeros(len(keys))
        for i in range(rows):
            eq[index[("row", i)]] = 1
        eq[index[("total",)]] = -1
        equations.append(eq)
    bounds = [(v, v) if v is not None else (0, None) for v in published.values()]
    result = {}
    for key, value in published.items():
        if value is not None:
            continue
        c = np.zeros(len(keys))
        c[index[key]] = 1
        a_eq = np.array(equations) if equations else None
        b_eq = np.zeros(len(equations)) if equations else None
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        result[key] = (low.fun, -high.fun if high.status == 0 else float("inf"))
    return result


def assert_no_leak(cells, *, row_totals=False, column_totals=False):
    table = suppress_table(cells, row_totals=row_totals, column_totals=column_totals)
    shown = [v for row in table.cells for v in row]
    shown += list(table.row_totals or []) + list(table.column_totals or []) + [table.total]
    assert not any(v is not None and 0 < v < 5 for v in shown), table
    for key, (low, high) in attack(table, row_totals=row_totals, column_totals=column_totals).items():
        assert high - low > 0.5, f"{key} can be recovered: {low}..{high} in {table}"
    return table


def test_it_hides_counts_from_one_to_four_and_keeps_zero():
    assert [suppress_count(v) for v in (0, 1, 4, 5, 40)] == [0, None, None, 5, 40]
    assert suppress_counts([[0, 3], [5, 7]]) == [[0, None], [5, 7]]


def test_it_hides_a_second_cell_when_a_row_total_would_give_the_small_one_away():
    table = assert_no_leak([[3, 10, 12]], row_totals=True)

    assert table.cells == [[None, None, 12]] and table.row_totals == [25]


def test_it_hides_the_total_when_there_is_no_other_cell_to_hide():
    table = assert_no_leak([[3, 0]], row_totals=True)

    assert table.cells[0][0] is None and (table.row_totals == [None] or table.cells[0][1] is None)


def test_it_protects_a_small_cell_against_both_its_row_and_its_column_total():
    cells = [[2, 10, 15], [20, 30, 40], [25, 35, 45]]
    table = assert_no_leak(cells, row_totals=True, column_totals=True)

    assert table.cells[0][0] is None and table.hidden_count() >= 4


def test_it_closes_a_bridge_between_two_protected_blocks():
    # Two small cells per row and column would satisfy a "two hidden per line" rule while the
    # block structure still pins them; the exact test must catch it.
    cells = [[1, 1, 9, 9], [1, 1, 9, 9], [9, 9, 2, 9], [9, 9, 9, 20]]
    assert_no_leak(cells, row_totals=True, column_totals=True)


def test_it_hides_a_small_total_and_what_it_is_made_of():
    table = assert_no_leak([[2, 2], [30, 40]], row_totals=True, column_totals=True)

    assert table.row_totals[0] is None


def test_it_publishes_a_table_without_small_cells_unchanged():
    table = assert_no_leak([[5, 6], [7, 8]], row_totals=True, column_totals=True)

    assert table.cells == [[5, 6], [7, 8]] and table.total == 26


def test_it_needs_no_complement_without_totals():
    table = suppress_table([[3, 10], [12, 1]])

    assert table.cells == [[None, 10], [12, None]] and table.row_totals is None


def test_it_hides_a_share_when_the_count_inside_or_outside_it_is_small():
    assert is_small_share(3, 100) and is_small_share(97, 100) and is_small_share(4, 4)
    assert not is_small_share(0, 10) and not is_small_share(50, 100)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4).flatmap(lambda rows: st.integers(1, 4).flatmap(
        lambda cols: st.lists(st.lists(st.integers(0, 25), min_size=cols, max_size=cols),
                              min_size=rows, max_size=rows))),
    st.booleans(), st.booleans(),
)
def test_it_never_lets_a_hidden_count_be_recovered(cells, row_totals, column_totals):
    assert_no_leak(cells, row_totals=row_totals, column_totals=column_totals)


def test_it_rejects_ragged_and_negative_tables():
    with pytest.raises(ValueError):
        suppress_table([[1, 2], [3]])
    with pytest.raises(ValueError):
        suppress_table([[-1]])
