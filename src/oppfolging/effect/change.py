"""Change in a score among persons with a team, against the minimum detectable change.

Plain arithmetic on one change per person (latest score minus first): the mean with a 95 %
interval, and how many changed by at least the minimum detectable change (MDC) for the better
and for the worse. There is no comparison group here: this says how much persons changed, not
how much of it the team caused. Below MIN_PERSONS no figure is given (``enough`` is False): a
mean of one to four persons is their own scores, not a result.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from oppfolging.effect.estimate import Z95

# Fewer persons than this: "too few to estimate" instead of a mean, interval and shares.
MIN_PERSONS = 5


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
    def enough(self) -> bool:
        return self.n >= MIN_PERSONS

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
        The mean has a Student's t 95 % interval when there are two or more persons.
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
    half = t975(n - 1) * statistics.stdev(changes) / math.sqrt(n)
    return ChangeSummary(n, mean, mean - half, mean + half, improved, worse, mdc)


def t975(df: int) -> float:
    """Return the 97.5 % quantile of Student's t with ``df`` degrees of freedom.

    Exact for one and two degrees of freedom; from four on the Cornish–Fisher expansion around
    the normal quantile (Abramowitz & Stegun 26.7.5), within 0.05 % of the table; three is taken
    from the table. With few persons the normal quantile (1.96) would make the interval too narrow.
    """
    if df < 1:
        raise ValueError("at least one degree of freedom")
    exact = {1: 12.706204736174707, 2: 4.302652729749464, 3: 3.182446305284263}
    if df in exact:
        return exact[df]
    z = Z95
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
            + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4))
