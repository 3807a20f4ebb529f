"""The data the estimator works on: persons, team starts, events and risk snapshots as arrays.

Days are integers counted from 1970-01-01 (the number Polars and NumPy store a date as), so
windows are integer comparisons. Nothing here reads files; :mod:`oppfolging.effect.extracts`
builds a cohort from GP extracts and the Django app builds one from its own tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
# A team start that never happened: later than any day the data can hold.
NEVER = np.iinfo(np.int32).max
SEX_CODES = {"F": 0, "M": 1, "U": 2}

# Person-and-day keys: person * SPAN + (day + OFFSET) orders events by person, then day.
_SPAN = 1 << 24
_OFFSET = 1 << 23


def day_number(d: date) -> int:
    """Return a date as days since 1970-01-01."""
    return (d - EPOCH).days


def from_day_number(day: int) -> date:
    """Return the date a day number stands for."""
    return date.fromordinal(EPOCH.toordinal() + int(day))


@dataclass
class Events:
    """Dated events per person (acute admissions, bed days, service hours), optionally weighted.

    ``weight`` is the amount an event counts for (nights in hospital, hours of service); None
    means every event counts one. Rows need not be sorted.
    """

    person: np.ndarray
    day: np.ndarray
    weight: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.person = np.asarray(self.person, dtype=np.int64)
        self.day = np.asarray(self.day, dtype=np.int64)
        if self.weight is not None:
            self.weight = np.asarray(self.weight, dtype=np.float64)
        if self.person.shape != self.day.shape or (
            self.weight is not None and self.weight.shape != self.day.shape
        ):
            raise ValueError("person, day and weight must have the same length")

    @property
    def size(self) -> int:
        return int(self.person.size)


class EventIndex:
    """Count or sum a person's events in day windows by binary search, for many queries at once.

    The events are sorted once by (person, day); each query is two ``searchsorted`` calls, so
    counting the events of two million (person, window) pairs takes a fraction of a second.
    """

    def __init__(self, events: Events) -> None:
        key = events.person * _SPAN + (events.day + _OFFSET)
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.days = events.day[order]
        self.weights = np.ones(order.size) if events.weight is None else events.weight[order]
        self.cumulative: np.ndarray | None = None
        if events.weight is not None:
            self.cumulative = np.concatenate([[0.0], np.cumsum(events.weight[order])])

    def ranges(
        self, person: np.ndarray, after: np.ndarray, upto: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return, per query, the slice [lo, hi) of ``days``/``weights`` with after < day <= upto."""
        base = np.asarray(person, dtype=np.int64) * _SPAN + _OFFSET
        lo = np.searchsorted(self.key, base + np.asarray(after, dtype=np.int64), side="right")
        hi = np.searchsorted(self.key, base + np.asarray(upto, dtype=np.int64), side="right")
        return lo, np.maximum(hi, lo)

    def expand(
        self, person: np.ndarray, after: np.ndarray, upto: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (query row, day, weight) of every event with after < day <= upto, per query."""
        lo, hi = self.ranges(person, after, upto)
        counts = hi - lo
        rows = np.repeat(np.arange(counts.size), counts)
        first = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        position = first + np.arange(rows.size)
        return rows, self.days[position], self.weights[position]

    def total(
        self, person: np.ndarray, after: np.ndarray | int, upto: np.ndarray | int
    ) -> np.ndarray:
        """Return each query's events with ``after < day <= upto`` (count, or sum of weights)."""
        base = np.asarray(person, dtype=np.int64) * _SPAN + _OFFSET
        lo = np.searchsorted(self.key, base + np.asarray(after, dtype=np.int64), side="right")
        hi = np.searchsorted(self.key, base + np.asarray(upto, dtype=np.int64), side="right")
        hi = np.maximum(hi, lo)
        if self.cumulative is None:
            return (hi - lo).astype(np.float64)
        return self.cumulative[hi] - self.cumulative[lo]

    def latest(self, person: np.ndarray, upto: np.ndarray) -> np.ndarray:
        """Return each query's latest event day at or before ``upto`` (a very old day if none)."""
        base = np.asarray(person, dtype=np.int64) * _SPAN + _OFFSET
        hi = np.searchsorted(self.key, base + np.asarray(upto, dtype=np.int64), side="right")
        found = self.key[np.maximum(hi - 1, 0)] if self.key.size else np.zeros_like(hi)
        mine = (hi > 0) & (found >= base - _OFFSET) & (found < base - _OFFSET + _SPAN)
        return np.where(mine, found - base, -(1 << 22))


@dataclass
class Snapshot:
    """Risk-score values per person at one date (a GP extract), NaN for persons not in it.

    ``values`` maps a variable name (``risk_score``, ``comorbidity``, ``cond_heart_failure``, …)
    to an array aligned with the cohort's persons. ``comorbidity`` is used for matching; every
    variable is shown in the balance table, under its Norwegian label in ``labels``.
    """

    day: int
    values: dict[str, np.ndarray]
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Cohort:
    """Persons, when each was observed, when their team started, and what happened to them.

    Parameters
    ----------
    ids:
        The persons' ids (for messages only).
    sex:
        0 female, 1 male, 2 unknown (:data:`SEX_CODES`).
    birth:
        Birth day (day number); the middle of the year when only the year is known.
    observed_from, observed_to:
        The first and last day the person's events are known. Events before
        ``observed_from`` are not in the data; after ``observed_to`` the person has left
        (moved, died, changed GP) or the data end.
    team_start:
        The day the person's first team started, :data:`NEVER` for none.
    acute:
        Acute hospital admissions (one event each, dated the day of admission).
    acute_nights:
        The same admissions weighted by their nights in hospital (bed days).
    snapshots:
        Risk-score snapshots, any order.
    group:
        A stratum the comparison never crosses, such as the municipality (all 0 if None).
    """

    ids: np.ndarray
    sex: np.ndarray
    birth: np.ndarray
    observed_from: np.ndarray
    observed_to: np.ndarray
    team_start: np.ndarray
    acute: Events
    acute_nights: Events | None = None
    snapshots: list[Snapshot] = field(default_factory=list)
    group: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        self.sex = np.asarray(self.sex, dtype=np.int8)
        self.birth = np.asarray(self.birth, dtype=np.int64)
        self.observed_from = np.asarray(self.observed_from, dtype=np.int64)
        self.observed_to = np.asarray(self.observed_to, dtype=np.int64)
        self.team_start = np.asarray(self.team_start, dtype=np.int64)
        if self.group is not None:
            self.group = np.asarray(self.group, dtype=np.int64)
        for name in ("sex", "birth", "observed_from", "observed_to", "team_start"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} must have one value per person")
        if self.group is not None and len(self.group) != n:
            raise ValueError("group must have one value per person")
        if self.acute.size and (self.acute.person.min() < 0 or self.acute.person.max() >= n):
            raise ValueError("acute admissions refer to persons outside the cohort")
        for snapshot in self.snapshots:
            for name, values in snapshot.values.items():
                if len(values) != n:
                    raise ValueError(f"snapshot value {name} must have one value per person")
        self.snapshots = sorted(self.snapshots, key=lambda s: s.day)

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def groups(self) -> np.ndarray:
        return self.group if self.group is not None else np.zeros(self.size, dtype=np.int64)

    @property
    def treated(self) -> np.ndarray:
        return self.team_start != NEVER
