"""Small-cell suppression for aggregate figures shown outside the municipality."""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 5


def suppress_count(value: int, threshold: int = THRESHOLD) -> int | None:
    """Return the count, or None when it is between 1 and threshold - 1 (too few people)."""
    return None if 0 < value < threshold else value


def suppress_counts(
    rows: Sequence[Sequence[int]], threshold: int = THRESHOLD
) -> list[list[int | None]]:
    """Suppress every small count in a table that is shown without totals.

    Tables shown with row or column totals need complementary suppression as well; this
    function is for tables without them, where primary suppression is enough.
    """
    return [[suppress_count(v, threshold) for v in row] for row in rows]
