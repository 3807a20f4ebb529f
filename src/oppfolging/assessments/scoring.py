"""Change between two assessments: PSFS against its minimum detectable change, IPLOS means.

Plain Python without Django, so the arithmetic can be tested on its own. PSFS scores are
normalised so that a higher number is always better (0 = cannot, 10 = as before) before any
mean or change is computed; forms that run the other way are stored with their direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
PSFS_MAX = 10
# Minimum detectable change (Stratford 1995; the Norwegian «Hva er viktig for deg?» guidance).
PSFS_MDC_MEAN = 2.0
PSFS_MDC_ACTIVITY = 3.0


def normalise(score: float, direction: str) -> float:
    """Return the score on the higher-is-better scale."""
    if direction == LOWER_IS_BETTER:
        return PSFS_MAX - score
    if direction == HIGHER_IS_BETTER:
        return score
    raise ValueError(f"Unknown PSFS direction: {direction}")


def psfs_mean(scores: Sequence[float], direction: str) -> float | None:
    """Return the mean of the activities' scores, normalised to higher-is-better."""
    if not scores:
        return None
    return round(fmean(normalise(s, direction) for s in scores), 2)


def _key(activity: str) -> str:
    return " ".join(activity.lower().split())


@dataclass(frozen=True)
class ActivityChange:
    activity: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return round(self.after - self.before, 2)

    @property
    def is_detectable(self) -> bool:
        return abs(self.change) >= PSFS_MDC_ACTIVITY


@dataclass(frozen=True)
class PsfsChange:
    before_mean: float
    after_mean: float
    activities: tuple[ActivityChange, ...]

    @property
    def change(self) -> float:
        return round(self.after_mean - self.before_mean, 2)

    @property
    def is_detectable(self) -> bool:
        return abs(self.change) >= PSFS_MDC_MEAN


def psfs_change(
    before: Sequence[tuple[str, float]],
    before_direction: str,
    after: Sequence[tuple[str, float]],
    after_direction: str,
) -> PsfsChange | None:
    """Compare two PSFS sets; activities are matched by their text, ignoring case and spaces."""
    if not before or not after:
        return None
    earlier = {_key(text): normalise(score, before_direction) for text, score in before}
    matched = tuple(
        ActivityChange(text, earlier[_key(text)], normalise(score, after_direction))
        for text, score in after
        if _key(text) in earlier
    )
    return PsfsChange(
        before_mean=psfs_mean([s for _, s in before], before_direction) or 0.0,
        after_mean=psfs_mean([s for _, s in after], after_direction) or 0.0,
        activities=matched,
    )


def iplos_change(before_mean: float | None, after_mean: float | None) -> float | None:
    """Return the change in mean IPLOS score; negative means less need for help."""
    if before_mean is None or after_mean is None:
        return None
    return round(after_mean - before_mean, 2)
