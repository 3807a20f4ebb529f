"""Small-cell suppression for aggregate figures shown outside the municipality.

Primary suppression hides every count from 1 to THRESHOLD - 1. When a table is shown with row
or column totals, that is not enough: a hidden cell could be recovered by subtracting the
shown cells from the total. Complementary suppression then hides more cells until no hidden
value follows from the published ones.

The check is exact for the equations a reader can write down (each row and each column adds
up to its total): a hidden value is recoverable exactly when its unit vector lies in the row
space of those equations restricted to the hidden entries, which a rank test decides. Totals
tables have totally unimodular constraint matrices, so an unrecoverable hidden entry lies on a
cycle of hidden entries that can be shifted by ±1; because complementary cells are chosen
among non-zero entries first, every hidden entry is at least 1 and the shift keeps all
entries non-negative, so non-negativity does not pin a value either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

THRESHOLD = 5

Key = tuple[str, int, int]


def suppress_count(value: int, threshold: int = THRESHOLD) -> int | None:
    """Return the count, or None when it is between 1 and threshold - 1 (too few people)."""
    return None if 0 < value < threshold else value


def suppress_counts(
    rows: Sequence[Sequence[int]], threshold: int = THRESHOLD
) -> list[list[int | None]]:
    """Suppress every small count in a table that is shown without totals.

    Tables shown with row or column totals need complementary suppression: use
    suppress_table() for those.
    """
    return [[suppress_count(v, threshold) for v in row] for row in rows]


def is_small_share(numerator: int, denominator: int, threshold: int = THRESHOLD) -> bool:
    """Tell whether a share would reveal a small count: too few in all, in it, or outside it."""
    return (
        denominator < threshold
        or 0 < numerator < threshold
        or 0 < denominator - numerator < threshold
    )


@dataclass(frozen=True)
class SuppressedTable:
    """A table ready to publish: hidden entries are None.

    `row_totals` and `column_totals` are None when the table is shown without them; `total`
    is the grand total, shown when both margins are.
    """

    cells: list[list[int | None]]
    row_totals: list[int | None] | None
    column_totals: list[int | None] | None
    total: int | None

    def hidden_count(self) -> int:
        entries = [v for row in self.cells for v in row]
        entries += list(self.row_totals or []) + list(self.column_totals or [])
        return sum(1 for v in entries if v is None)


def suppress_table(
    cells: Sequence[Sequence[int]],
    *,
    row_totals: bool = False,
    column_totals: bool = False,
    threshold: int = THRESHOLD,
) -> SuppressedTable:
    """Return the table with small counts hidden and no hidden count recoverable from totals."""
    rows = len(cells)
    cols = len(cells[0]) if rows else 0
    values: dict[Key, int] = {}
    for i, row in enumerate(cells):
        if len(row) != cols:
            raise ValueError("Every row must have the same number of cells.")
        for j, v in enumerate(row):
            if v < 0:
                raise ValueError("Counts cannot be negative.")
            values[("cell", i, j)] = int(v)
    if row_totals:
        for i in range(rows):
            values[("row", i, 0)] = sum(values[("cell", i, j)] for j in range(cols))
    if column_totals:
        for j in range(cols):
            values[("col", 0, j)] = sum(values[("cell", i, j)] for i in range(rows))
    if row_totals and column_totals:
        values[("total", 0, 0)] = sum(values[("cell", i, j)] for i in range(rows) for j in range(cols))

    lines = _lines(rows, cols, row_totals=row_totals, column_totals=column_totals)
    hidden = {key for key, v in values.items() if 0 < v < threshold}
    while True:
        leak = next((key for key in sorted(hidden) if _recoverable(key, hidden, lines)), None)
        if leak is None:
            break
        extra = _complement(leak, hidden, lines, values)
        if extra is None:  # nothing left to hide beside it: hide the whole table
            hidden = set(values)
            break
        hidden.add(extra)

    def shown(key: Key) -> int | None:
        return None if key in hidden else values[key]

    return SuppressedTable(
        cells=[[shown(("cell", i, j)) for j in range(cols)] for i in range(rows)],
        row_totals=[shown(("row", i, 0)) for i in range(rows)] if row_totals else None,
        column_totals=[shown(("col", 0, j)) for j in range(cols)] if column_totals else None,
        total=shown(("total", 0, 0)) if row_totals and column_totals else None,
    )


def _lines(
    rows: int, cols: int, *, row_totals: bool, column_totals: bool
) -> list[dict[Key, int]]:
    """Return the published equations as {entry: coefficient}, each summing to zero."""
    lines: list[dict[Key, int]] = []
    if row_totals:
        for i in range(rows):
            line = {("cell", i, j): 1 for j in range(cols)}
            line[("row", i, 0)] = -1
            lines.append(line)
    if column_totals:
        for j in range(cols):
            line = {("cell", i, j): 1 for i in range(rows)}
            line[("col", 0, j)] = -1
            lines.append(line)
    if row_totals and column_totals:
        lines.append({**{("row", i, 0): 1 for i in range(rows)}, ("total", 0, 0): -1})
        lines.append({**{("col", 0, j): 1 for j in range(cols)}, ("total", 0, 0): -1})
    return lines


def _recoverable(key: Key, hidden: set[Key], lines: list[dict[Key, int]]) -> bool:
    """Tell whether the hidden entry follows from the published equations."""
    unknowns = sorted(hidden)
    index = {k: n for n, k in enumerate(unknowns)}
    matrix = [
        [line.get(k, 0) for k in unknowns]
        for line in lines
        if any(k in index for k in line)
    ]
    if not matrix:
        return False
    a = np.array(matrix, dtype=float)
    unit = np.zeros((1, len(unknowns)))
    unit[0, index[key]] = 1
    return int(np.linalg.matrix_rank(a)) == int(np.linalg.matrix_rank(np.vstack([a, unit])))


def _complement(
    key: Key, hidden: set[Key], lines: list[dict[Key, int]], values: dict[Key, int]
) -> Key | None:
    """Choose one more entry to hide beside a recoverable one.

    Among the entries sharing an equation with it: the smallest non-zero cell first, then the
    smallest total, and only then a zero cell (hiding zeros weakens the protection argument).
    """
    candidates = {k for line in lines if key in line for k in line if k not in hidden}
    if not candidates:
        return None

    def rank(k: Key) -> tuple[int, int, Key]:
        is_cell = k[0] == "cell"
        if values[k] > 0:
            return (0 if is_cell else 1, values[k], k)
        return (2, 0, k)

    return min(candidates, key=rank)
