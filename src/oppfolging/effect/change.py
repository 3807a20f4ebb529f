"""Change in a score among persons with a team, against the minimum detectable change.

Plain arithmetic on one change per person (latest score minus first): the mean with a 95 %
interval, and how many changed by at least the minimum detectable change (MDC) for the better
and for the worse. There is no comparison group here: this says how much persons changed, not
how much of it the team caused.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from oppfolging.effect.estimate import Z95


@dataclass(frozen=True)
class ChangeSummary:
    """Mean change and its interval, and the counts beyond the MDC either way."""

    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    improved: int
    worse: int
    mdc: float

    @property
    def unchanged(self) -> int:
        return self.n - self.improved - self.worse

    @property
    def share_improved(self) -> float | None:
        return self.improved / self.n if self.n else None

    @property
    def share_worse(self) -> float | None:
        return self.worse / self.n if self.n else None


def change_summary(changes: Sequence[float], *, mdc: float, higher_is_better: bool) -> ChangeSummary:
    """Summarise per-person changes against a minimum detectable change.

    Parameters
    ----------
    changes:
        One change per person (latest minus first).
    mdc:
        The minimum detectable change; a change at least this large counts as real.
    higher_is_better:
        True for PSFS (10 = as before), False for IPLOS (1 = no need of help).

    Returns
    -------
    ChangeSummary
        The mean has a normal-approximation 95 % interval when there are two or more persons.
    """
    n = len(changes)
    sign = 1.0 if higher_is_better else -1.0
    tolerance = 1e-9
    improved = sum(1 for c in changes if sign * c >= mdc - tolerance)
    worse = sum(1 for c in changes if -sign * c >= mdc - tolerance)
    if not n:
        return ChangeSummary(0, None, None, None, 0, 0, mdc)
    mean = statistics.fmean(changes)
    if n < 2:
        return ChangeSummary(n, mean, None, None, improved, worse, mdc)
    half = Z95 * statistics.stdev(changes) / math.sqrt(n)
    return ChangeSummary(n, mean, mean - half, mean + half, improved, worse, mdc)
