"""Estimate a follow-up team's effect on acute admissions: naive before/after and matched.

People get a team when things are at their worst, so their admissions fall afterwards even
without any effect (regression to the mean). The naive before/after compares each person's 12
months after team start with their own 12 months before, and shows that fall as a "benefit".
The adjusted estimate emulates a trial for each team start (the target-trial design of Hernán
and Robins, with not-yet-treated comparison persons as in risk-set matching, Li, Propert and
Rosenbaum 2001):

1. **Who is compared.** Each person whose team started is compared with persons who, within
   two weeks of that day (on a weekly grid of days), had *not (yet)* got a team and were
   alike on that day in: group (municipality), sex, age band, acute admissions in the last
   12 months (0, 1, 2, 3, 4, 5+), in the 12 months before that (0, 1+), an acute admission in
   the last 90 days, and the comorbidity part of the risk score (Charlson points and
   polypharmacy, 0, 1, 2, 3+, or unknown). Matching on the recent admissions is what removes
   regression to the mean: the comparison persons are at the same peak, and fall from it the
   same way. A person is never compared with themselves (on a grid day before their own team
   started they would be their own perfect, and misleading, match).
2. **Exact strata, drawn and weighted.** From each treated person's stratum (coarsened exact
   matching, Iacus, King and Porro 2012) up to 20 comparison persons are drawn at random, as
   in incidence-density sampling, and share the treated person's weight, so the comparison
   group has the treated group's make-up. Treated persons with nobody comparable are left out
   and counted.
3. **Comparison persons who get a team later** are followed until their team starts and then
   censored, so the comparison arm stays "no team". Those still followed are up-weighted by
   the inverse of their probability of not yet having got a team (inverse probability of
   censoring weights, Robins and Finkelstein 2000), from a model of the daily chance of a team
   start (a Poisson model with the strata's parts as factors, fitted on everyone's days at
   risk): everyone's time is cut where their stratum changes (an admission, an admission
   leaving the 90-day or 12-month window, a birthday into a new age band, a new GP extract),
   so the chance follows the admissions day by day. Weighting matters: the team
   decision follows the very admissions the estimate counts, and censoring alone would keep
   the comparison persons who did well. The intention-to-treat estimate (comparison persons
   followed whatever happens) is reported beside it; it is pulled towards no effect by those
   who get a team during the year.
4. **The effect** is the rate ratio of acute admissions per person-year in the 12 months after
   the index day, treated versus weighted comparison, with a 95 % confidence interval from the
   cluster-robust (sandwich) variance of the log rate ratio, clustered on person (one person
   can be compared in several months, and be compared before their own team started), the
   weights taken as given.

What it cannot remove: differences the strata do not hold. If teams go to people who are
sicker in ways not in the data, the estimate is biased; docs/effect.md shows by how much in
the simulator.

The entry point is :func:`estimate`; :meth:`EffectEstimate.as_json` is the contract
``oppfolging effect estimate`` writes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from oppfolging.effect.cohort import NEVER, Cohort, EventIndex, Events, from_day_number

Z95 = 1.959963984540054
ACUTE = "acute_admissions"
BED_DAYS = "bed_days"


@dataclass(frozen=True)
class Settings:
    """The estimator's choices; the defaults are the documented method (docs/effect.md).

    Parameters
    ----------
    window_days:
        Length of the windows before and after the index day.
    history_days:
        History needed before the index day (the two 12-month windows matched on).
    min_treated:
        Below this many matched treated persons the estimate is "too few to estimate".
    calendar_days:
        A treated person is compared with persons as they were on days (a weekly grid)
        within this many days of their own start.
    max_comparison, seed:
        At most this many comparison persons are drawn for each treated person, from those in
        their stratum, with a generator seeded so the same data give the same estimate.
    age_bands:
        Lower bounds of the age bands after the first (0–49, 50–66, 67–79, 80+).
    acute_cap, previous_cap, comorbidity_cap:
        The highest category of acute admissions in the last 12 months, in the 12 months
        before, and of comorbidity points; values above it join it.
    recent_days:
        An acute admission within this many days before the index day is "recent".
    curve_before:
        Months before the index day drawn in the curves (the window's 12 months after are
        always drawn).
    """

    window_days: int = 365
    history_days: int = 730
    min_treated: int = 20
    calendar_days: int = 14
    max_comparison: int = 20
    seed: int = 20260101
    age_bands: tuple[int, ...] = (50, 67, 80)
    acute_cap: int = 5
    previous_cap: int = 1
    comorbidity_cap: int = 3
    recent_days: int = 90
    curve_before: int = 24


# Balance variables: key -> (Norwegian label, English definition). Snapshot variables join
# them with the labels the cohort builder gives.
BALANCE_LABELS: dict[str, tuple[str, str]] = {
    "age": ("Alder", "Age in whole years on the index day"),
    "female": ("Kvinne", "1 if female"),
    "acute_12m": ("Akuttinnleggelser siste 12 mnd", "Acute admissions in the 12 months before"),
    "acute_prev_12m": (
        "Akuttinnleggelser 12–24 mnd før",
        "Acute admissions 12 to 24 months before",
    ),
    "recent_acute": (
        "Akuttinnleggelse siste 90 dager",
        "1 if an acute admission in the 90 days before",
    ),
    "bed_days_12m": ("Liggedøgn siste 12 mnd", "Nights in hospital after acute admissions"),
}
# Norwegian labels of snapshot variables that carry none of their own.
SNAPSHOT_LABELS: dict[str, str] = {
    "risk_score": "Risikoskår (referanse, poeng)",
    "comorbidity": "Sykdomsbyrde (Charlson-poeng og legemidler)",
    "polypharmacy": "Minst 5 ulike legemidler siste år",
}


@dataclass
class RateRatio:
    """One rate ratio with its 95 % interval and the totals behind it.

    ``rate_ratio`` and the interval are None when there are too few persons or no events.
    For the naive estimate "treated" is the window after and "comparison" the window before.
    """

    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    events_treated: float = 0.0
    years_treated: float = 0.0
    events_comparison: float = 0.0
    years_comparison: float = 0.0
    # The difference of the two rates (treated minus comparison, per person-year) with its 95 %
    # interval: for amounts such as kroner, where "how much" matters beside "how many times".
    difference: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None

    @property
    def rate_treated(self) -> float | None:
        return self.events_treated / self.years_treated if self.years_treated else None

    @property
    def rate_comparison(self) -> float | None:
        return self.events_comparison / self.years_comparison if self.years_comparison else None

    def covers(self, value: float) -> bool:
        """Tell whether the interval holds the value (False without an interval)."""
        return (
            self.ci_low is not None
            and self.ci_high is not None
            and self.ci_low <= value <= self.ci_high
        )

    def as_json(self, *, naive: bool) -> dict[str, float | None]:
        first, second = ("after", "before") if naive else ("treated", "comparison")
        return {
            "rate_ratio": _round(self.rate_ratio),
            "ci_low": _round(self.ci_low),
            "ci_high": _round(self.ci_high),
            f"events_{first}": _round(self.events_treated),
            f"person_years_{first}": _round(self.years_treated),
            f"events_{second}": _round(self.events_comparison),
            f"person_years_{second}": _round(self.years_comparison),
            # Per person-year, first minus second (treated minus comparison; after minus before).
            "difference": _round(self.difference),
            "difference_ci_low": _round(self.difference_low),
            "difference_ci_high": _round(self.difference_high),
        }


@dataclass
class BalanceRow:
    """One matching variable's means and standardised mean differences before and after."""

    variable: str
    label: str
    mean_treated: float | None
    mean_comparison_before: float | None
    mean_comparison_after: float | None
    smd_before: float | None
    smd_after: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "variable": self.variable,
            "label": self.label,
            "mean_treated": _round(self.mean_treated),
            "mean_comparison_before": _round(self.mean_comparison_before),
            "mean_comparison_after": _round(self.mean_comparison_after),
            "smd_before": _round(self.smd_before),
            "smd_after": _round(self.smd_after),
        }


@dataclass
class Curves:
    """Events per 100 persons per month, by month relative to the index day, for both arms.

    Month 0 is the first month after the index day; month −1 the last month before it.
    """

    months: list[int]
    treated: list[float | None]
    comparison: list[float | None]


@dataclass
class OutcomeEstimate:
    """The naive and the adjusted rate ratio of one outcome, and its curves."""

    outcome: str
    naive: RateRatio
    adjusted: RateRatio
    itt: RateRatio | None = None
    curves: Curves | None = None
    # The comparison arm's events per person-year in the window before its index day
    # (weighted as matched): with the naive totals, both arms before and after.
    comparison_before: float | None = None


@dataclass
class EffectEstimate:
    """Everything one estimate reports; :meth:`as_json` is the command line's output."""

    status: str  # "ok" or "too_few"
    settings: Settings
    n_treated: int
    n_comparison: int
    n_comparison_pairs: int
    outcomes: dict[str, OutcomeEstimate]
    balance: list[BalanceRow]
    excluded: dict[str, int]
    comparison_later_treated: int
    comparison_team_share: float | None
    first_index: str | None
    last_index: str | None
    max_weight: float | None = None
    max_censoring_weight: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def primary(self) -> OutcomeEstimate:
        return self.outcomes[ACUTE]

    @property
    def naive(self) -> RateRatio:
        return self.primary.naive

    @property
    def adjusted(self) -> RateRatio:
        return self.primary.adjusted

    def as_json(self) -> dict[str, object]:
        """Return the estimate as the JSON document ``oppfolging effect estimate`` writes."""
        primary = self.primary
        curves = primary.curves
        return {
            "outcome": ACUTE,
            "status": self.status,
            "window_days": self.settings.window_days,
            "naive": primary.naive.as_json(naive=True),
            "adjusted": primary.adjusted.as_json(naive=False),
            "adjusted_itt": None if primary.itt is None else primary.itt.as_json(naive=False),
            "n_treated": self.n_treated,
            "n_comparison": self.n_comparison,
            "n_comparison_pairs": self.n_comparison_pairs,
            "comparison_later_treated": self.comparison_later_treated,
            "comparison_team_share": _round(self.comparison_team_share),
            "balance": [row.as_json() for row in self.balance],
            "excluded": self.excluded,
            "index_period": {"first": self.first_index, "last": self.last_index},
            "other_outcomes": {
                key: {
                    "naive": value.naive.as_json(naive=True),
                    "adjusted": value.adjusted.as_json(naive=False),
                    "adjusted_itt": None if value.itt is None else value.itt.as_json(naive=False),
                }
                for key, value in self.outcomes.items()
                if key != ACUTE
            },
            "curves": None
            if curves is None
            else {
                "unit": "events per 100 persons per month",
                "months": curves.months,
                "treated": [_round(v) for v in curves.treated],
                "comparison": [_round(v) for v in curves.comparison],
            },
            "method": {
                "design": "one emulated trial per team start; not-yet-treated comparison "
                "persons censored at their own team start with inverse probability of "
                "censoring weights; intention to treat beside it",
                "matching": "exact strata: group, sex, age band, acute admissions 0-12 and "
                "12-24 months before, acute admission in the last 90 days, comorbidity points; "
                "up to max_comparison drawn per treated person on weekly grid days within "
                "calendar_days of the start, never the person themselves",
                "weights": "each treated person's weight shared by their drawn comparison "
                "persons, times the inverse probability of no team start so far (a Poisson "
                "model of the daily hazard with the strata's parts as factors)",
                "interval": "95 % Wald interval on the log rate ratio, cluster-robust by person",
                "calendar_days": self.settings.calendar_days,
                "max_comparison": self.settings.max_comparison,
                "min_treated": self.settings.min_treated,
                "max_weight": _round(self.max_weight),
                "max_censoring_weight": _round(self.max_censoring_weight),
            },
            "notes": self.notes,
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


# Months are counted from January 1970 (NumPy's datetime64[M]).
def _month_of(day: np.ndarray) -> np.ndarray:
    return np.asarray(day, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)


@dataclass
class _Pairs:
    """(person, index day) pairs with their matching strata, and covariates when asked for."""

    person: np.ndarray
    day: np.ndarray
    covariates: dict[str, np.ndarray]
    stratum: np.ndarray


class _Moments:
    """Running sums for a mean and variance per variable, fed month by month."""

    def __init__(self) -> None:
        self.sums: dict[str, list[float]] = {}

    def add(self, covariates: dict[str, np.ndarray]) -> None:
        for name, x in covariates.items():
            x = x[~np.isnan(x)]
            total = self.sums.setdefault(name, [0.0, 0.0, 0.0])
            total[0] += x.size
            total[1] += float(x.sum())
            total[2] += float((x * x).sum())

    def moments(self, name: str) -> tuple[float | None, float | None]:
        n, s1, s2 = self.sums.get(name, [0.0, 0.0, 0.0])
        if not n:
            return None, None
        mean = s1 / n
        return mean, max(s2 / n - mean * mean, 0.0)


class _Builder:
    """Compute covariates and strata for (person, index day) pairs of one cohort."""

    def __init__(self, cohort: Cohort, settings: Settings) -> None:
        self.cohort = cohort
        self.settings = settings
        self.acute = EventIndex(cohort.acute)
        self.nights = EventIndex(cohort.acute_nights) if cohort.acute_nights is not None else None
        self.snapshot_days = np.array([s.day for s in cohort.snapshots], dtype=np.int64)
        names: list[str] = []
        for snapshot in cohort.snapshots:
            names += [k for k in snapshot.values if k not in names]
        self.snapshot_names = names
        # Dense group codes keep the stratum keys small.
        self.group_values, self.group_code = np.unique(cohort.groups, return_inverse=True)
        # The stratum's digits, most significant first: group, sex, age band, acute
        # admissions in the last 12 months, in the 12 before, recent admission, comorbidity.
        self.radices = [
            len(self.group_values), 3, len(settings.age_bands) + 1, settings.acute_cap + 1,
            settings.previous_cap + 1, 2, settings.comorbidity_cap + 2,
        ]

    def digits(self, key: np.ndarray) -> np.ndarray:
        """Return the digits of stratum keys (without the calendar bin), one column each."""
        out = np.empty((key.size, len(self.radices)), dtype=np.int64)
        rest = key.copy()
        for j in range(len(self.radices) - 1, -1, -1):
            out[:, j] = rest % self.radices[j]
            rest //= self.radices[j]
        return out

    def _snapshot(self, name: str, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Return a snapshot variable from the latest snapshot on or before each day."""
        values = np.full(person.size, np.nan)
        which = np.searchsorted(self.snapshot_days, day, side="right") - 1
        for k, snapshot in enumerate(self.cohort.snapshots):
            rows = which == k
            if rows.any() and name in snapshot.values:
                values[rows] = snapshot.values[name][person[rows]]
        return values

    def pairs(self, person: np.ndarray, day: np.ndarray, *, covariates: bool) -> _Pairs:
        """Return the stratum of each (person, index day) pair, and all covariates if asked."""
        s = self.settings
        c = self.cohort
        person = np.asarray(person, dtype=np.int64)
        day = np.asarray(day, dtype=np.int64)
        age = np.floor((day - c.birth[person]) / 365.25)
        acute_12m = self.acute.total(person, day - s.window_days, day)
        acute_prev = self.acute.total(person, day - 2 * s.window_days, day - s.window_days)
        recent = (self.acute.total(person, day - s.recent_days, day) > 0).astype(np.float64)
        comorbidity = (
            self._snapshot("comorbidity", person, day)
            if "comorbidity" in self.snapshot_names
            else np.full(person.size, np.nan)
        )
        found: dict[str, np.ndarray] = {}
        if covariates:
            found = {
                "age": age,
                "female": (c.sex[person] == 0).astype(np.float64),
                "acute_12m": acute_12m,
                "acute_prev_12m": acute_prev,
                "recent_acute": recent,
            }
            if self.nights is not None:
                found["bed_days_12m"] = self.nights.total(person, day - s.window_days, day)
            for name in self.snapshot_names:
                found[name] = (
                    comorbidity if name == "comorbidity" else self._snapshot(name, person, day)
                )

        # The stratum: mixed-radix digits of the coarsened covariates (self.radices).
        age_band = np.searchsorted(np.asarray(s.age_bands), age, side="right")
        comorbidity_band = np.where(
            np.isnan(comorbidity),
            s.comorbidity_cap + 1,
            np.minimum(np.nan_to_num(comorbidity), s.comorbidity_cap),
        ).astype(np.int64)
        digits = [
            (self.group_code[person], len(self.group_values)),
            (c.sex[person].astype(np.int64), 3),
            (age_band.astype(np.int64), len(s.age_bands) + 1),
            (np.minimum(acute_12m, s.acute_cap).astype(np.int64), s.acute_cap + 1),
            (np.minimum(acute_prev, s.previous_cap).astype(np.int64), s.previous_cap + 1),
            (recent.astype(np.int64), 2),
            (comorbidity_band, s.comorbidity_cap + 2),
        ]
        key = np.zeros(person.size, dtype=np.int64)
        for value, radix in digits:
            key = key * radix + value
        return _Pairs(person, day, found, key)

    def segments(
        self, person: np.ndarray, first: np.ndarray, stop: np.ndarray,
        cuts: Sequence[np.ndarray] = (),
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cut each query's days [first, stop) where the person's stratum may change.

        A stratum changes only on the day of an acute admission, the day it leaves the
        "recent", 12-month or 24-month window, a birthday into a new age band or the day of a
        new snapshot; ``cuts`` adds more cut days per query. Returns (query row, segment's
        first day, day after its last), ordered by query and day.
        """
        s = self.settings
        n = person.size
        rows_list = [np.arange(n)]
        days_list = [first]
        rows, admitted, _w = self.acute.expand(person, first - 2 * s.window_days - 1, stop)
        for shift in (0, s.recent_days, s.window_days, 2 * s.window_days):
            rows_list.append(rows)
            days_list.append(admitted + shift)
        birth = self.cohort.birth[person]
        for years in s.age_bands:
            rows_list.append(np.arange(n))
            days_list.append(birth + math.ceil(years * 365.25))
        for day in self.snapshot_days:
            rows_list.append(np.arange(n))
            days_list.append(np.full(n, day))
        for cut in cuts:
            rows_list.append(np.arange(n))
            days_list.append(cut)
        row = np.concatenate(rows_list)
        day = np.concatenate(days_list)
        inside = (day >= first[row]) & (day < stop[row])
        row, day = row[inside], day[inside]
        key = np.unique(row.astype(np.int64) * (1 << 32) + (day - first[row]))
        row = key >> 32
        start = first[row] + (key & 0xFFFFFFFF)
        end = np.empty_like(start)
        end[:-1] = start[1:]
        last = np.ones(row.size, dtype=bool)
        last[:-1] = row[1:] != row[:-1]
        end[last] = stop[row[last]]
        return row, start, end


def estimate(
    cohort: Cohort,
    settings: Settings | None = None,
    *,
    outcomes: dict[str, Events] | None = None,
) -> EffectEstimate:
    """Estimate the team's effect on acute admissions (and other outcomes), naive and matched.

    Parameters
    ----------
    cohort:
        The persons, their team starts, acute admissions and risk snapshots.
    settings:
        The method's choices (:class:`Settings`); the defaults are the documented method.
    outcomes:
        Further outcomes to estimate with the same matched comparison, by name (for example
        service hours as events dated mid-month, weighted by hours). Acute admissions, and bed
        days when the cohort has them, are always estimated.

    Returns
    -------
    EffectEstimate
        The naive and adjusted rate ratios with 95 % intervals, arm sizes, the balance table
        and the curves; ``status`` is ``"too_few"`` (and no number is given) below
        ``settings.min_treated`` matched treated persons.
    """
    s = settings or Settings()
    c = cohort
    builder = _Builder(c, s)
    every = {ACUTE: c.acute}
    if c.acute_nights is not None:
        every[BED_DAYS] = c.acute_nights
    every.update(outcomes or {})

    data_end = int(c.observed_to.max()) if c.size else 0
    last_index = data_end - s.window_days
    earliest = c.observed_from + s.history_days
    start = c.team_start
    has_team = start != NEVER
    too_early = has_team & (start < earliest)
    too_recent = has_team & ~too_early & (start > last_index)
    off_list = has_team & ~too_early & ~too_recent & (start > c.observed_to)
    eligible = has_team & ~too_early & ~too_recent & ~off_list
    excluded = {
        "team_before_two_years_of_data": int(too_early.sum()),
        "team_less_than_window_before_data_end": int(too_recent.sum()),
        "not_on_list_at_team_start": int(off_list.sum()),
    }

    treated_people = np.flatnonzero(eligible)
    treated = builder.pairs(treated_people, start[treated_people], covariates=True)

    # Comparison candidates: on a weekly grid of days near the team starts, every person on
    # the list that day with enough history and no team yet, in a stratum some treated person
    # is in. Their covariates are summed on the way (the balance before matching, from up to
    # 60 of the days) instead of being kept.
    grid = _grid_days(treated.day, s.calendar_days, last_index)
    wanted = np.unique(treated.stratum)
    parts: list[_Pairs] = []
    before = _Moments()
    sampled = set(grid[:: max(1, grid.size // 60)].tolist())
    for day in grid.tolist():
        people = np.flatnonzero((earliest <= day) & (c.observed_to >= day) & (start > day))
        if not people.size:
            continue
        pairs = builder.pairs(people, np.full(people.size, day), covariates=day in sampled)
        if day in sampled:
            before.add(pairs.covariates)
        keep = np.isin(pairs.stratum, wanted)
        parts.append(_Pairs(pairs.person[keep], pairs.day[keep], {}, pairs.stratum[keep]))
    candidates = _concat_pairs(parts)

    # Each treated person is compared with up to max_comparison persons drawn at random from
    # the candidates in their stratum within calendar_days of their start, never themselves;
    # each drawn person carries 1 / (number drawn) of that treated person's weight.
    chosen, weight, matched = _draw(treated, candidates, s, c.size)
    excluded["no_comparable_person"] = int((~matched).sum())
    treated = _subset(treated, matched)
    controls = builder.pairs(chosen.person, chosen.day, covariates=True)

    n_treated = int(treated.person.size)
    later = controls.person[start[controls.person] <= controls.day + s.window_days]
    result = EffectEstimate(
        status="ok",
        settings=s,
        n_treated=n_treated,
        n_comparison=int(np.unique(controls.person).size),
        n_comparison_pairs=int(controls.person.size),
        outcomes={},
        balance=[],
        excluded=excluded,
        comparison_later_treated=int(np.unique(later).size),
        comparison_team_share=None,
        first_index=from_day_number(int(treated.day.min())).isoformat() if n_treated else None,
        last_index=from_day_number(int(treated.day.max())).isoformat() if n_treated else None,
        max_weight=float(weight.max()) if weight.size else None,
    )
    if n_treated < s.min_treated:
        result.status = "too_few"
        for name in every:
            result.outcomes[name] = OutcomeEstimate(
                name, RateRatio(None, None, None), RateRatio(None, None, None)
            )
        result.notes.append(
            f"too few to estimate: {n_treated} matched treated persons, at least "
            f"{s.min_treated} needed"
        )
        return result

    censoring = _Censoring(builder, c, earliest, data_end)
    follow = _FollowUp(c, s, controls, weight, builder, censoring)
    result.comparison_team_share = follow.team_share
    result.max_censoring_weight = follow.max_censoring_weight
    for name, events in every.items():
        result.outcomes[name] = _outcome(name, events, c, s, treated, follow)
    if result.adjusted.rate_ratio is None:
        result.status = "too_few"
        result.notes.append("too few to estimate: no acute admissions in one of the arms")
    result.balance = _balance(treated, before, controls, weight, builder)
    return result


def _subset(pairs: _Pairs, rows: np.ndarray) -> _Pairs:
    return _Pairs(
        pairs.person[rows],
        pairs.day[rows],
        {k: v[rows] for k, v in pairs.covariates.items()},
        pairs.stratum[rows],
    )


def _concat_pairs(parts: list[_Pairs]) -> _Pairs:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return _Pairs(empty, empty, {}, empty)
    return _Pairs(
        np.concatenate([p.person for p in parts]),
        np.concatenate([p.day for p in parts]),
        {},
        np.concatenate([p.stratum for p in parts]),
    )


def _grid_days(starts: np.ndarray, days: int, last_index: int) -> np.ndarray:
    """Return every seventh day (from a fixed Monday) within ±days of some team start."""
    if not starts.size:
        return np.zeros(0, dtype=np.int64)
    monday = 4  # 1970-01-05 was a Monday: day 4
    first = (int(starts.min()) - days - monday) // 7 * 7 + monday
    grid = np.arange(first, int(starts.max()) + days + 1, 7)
    near = np.searchsorted(np.sort(starts), grid - days, "left") < np.searchsorted(
        np.sort(starts), grid + days, "right"
    )
    return grid[near & (grid <= last_index)]


def _draw(
    treated: _Pairs, candidates: _Pairs, s: Settings, n_persons: int
) -> tuple[_Pairs, np.ndarray, np.ndarray]:
    """Draw each treated person's comparison persons; return them, their weights, who matched.

    The candidates of treated person i are those in i's stratum on grid days within
    ``s.calendar_days`` of i's start, i excepted. With at most ``s.max_comparison`` of them all
    are taken; with more, ``s.max_comparison`` are drawn with replacement (a fixed seed, so
    the same data give the same estimate). Drawn candidates share i's weight of one equally.
    """
    t = treated.person.size
    if not t or not candidates.person.size:
        return _Pairs(*(np.zeros(0, dtype=np.int64),) * 2, {}, np.zeros(0, dtype=np.int64)), (
            np.zeros(0)
        ), np.zeros(t, dtype=bool)
    k = s.max_comparison
    days = s.calendar_days
    origin = int(min(treated.day.min(), candidates.day.min())) - days - 1
    key = candidates.stratum * (1 << 24) + (candidates.day - origin)
    order = np.argsort(key, kind="stable")
    key = key[order]
    lo = np.searchsorted(key, treated.stratum * (1 << 24) + (treated.day - days - origin), "left")
    hi = np.searchsorted(key, treated.stratum * (1 << 24) + (treated.day + days - origin), "right")
    size = hi - lo
    rng = np.random.default_rng(s.seed)
    # Small pools are taken whole; large ones are drawn from.
    whole = size <= k + 1
    rows_whole = np.repeat(np.flatnonzero(whole), size[whole])
    first = np.repeat(lo[whole] - np.concatenate([[0], np.cumsum(size[whole])[:-1]]), size[whole])
    pos_whole = first + np.arange(rows_whole.size)
    drawn = np.flatnonzero(~whole)
    rows_drawn = np.repeat(drawn, k)
    pos_drawn = lo[rows_drawn] + np.floor(rng.random(rows_drawn.size) * size[rows_drawn]).astype(
        np.int64
    )
    rows = np.concatenate([rows_whole, rows_drawn])
    picked = order[np.concatenate([pos_whole, pos_drawn])]
    valid = candidates.person[picked] != treated.person[rows]
    rows, picked = rows[valid], picked[valid]
    per_treated = np.bincount(rows, minlength=t)
    matched = per_treated > 0
    share = np.where(matched, 1.0 / np.maximum(per_treated, 1), 0.0)
    unique, inverse = np.unique(picked, return_inverse=True)
    weight = np.bincount(inverse, weights=share[rows], minlength=unique.size)
    chosen = _Pairs(candidates.person[unique], candidates.day[unique], {}, candidates.stratum[unique])
    return chosen, weight, matched


def _month_bounds(day: np.ndarray, s: Settings, months: range) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (after, upto) day bounds of each month relative to the index days."""
    month_days = s.window_days / 12
    return [
        (day + int(round(m * month_days)), day + int(round((m + 1) * month_days))) for m in months
    ]


class _Censoring:
    """The daily chance of a team start, from a Poisson model with the strata's parts as factors.

    Everyone's days at risk (full history, on the list, no team before the day) are cut where
    their stratum changes and summed per stratum, with the team starts on them. The log daily
    rate is a sum of one effect per level of each part (group, sex, age band, acute admissions
    in the last 12 months and the 12 before, a recent admission, comorbidity), fitted by
    Newton's method with a weak ridge penalty (a normal prior with variance 4 on each effect)
    so that a level without any team start gets a small rate instead of none. A saturated
    model (one rate per stratum) was tried first: strata at a peak are so thin that many get
    no start at all, their persons are never up-weighted, and the estimate was biased.
    """

    PRIOR_PRECISION = 0.25

    def __init__(self, builder: _Builder, c: Cohort, earliest: np.ndarray, data_end: int) -> None:
        self.builder = builder
        start = c.team_start
        last = np.minimum(np.minimum(start, c.observed_to), data_end)
        person = np.flatnonzero(last >= earliest)
        row, first, stop = builder.segments(person, earliest[person], last[person] + 1)
        keys = builder.pairs(person[row], first, covariates=False).stratum
        starters = person[(start[person] >= earliest[person]) & (start[person] == last[person])]
        started = builder.pairs(starters, start[starters], covariates=False).stratum
        strata, inverse = np.unique(np.concatenate([keys, started]), return_inverse=True)
        exposure = np.bincount(
            inverse[: keys.size], weights=(stop - first).astype(np.float64), minlength=strata.size
        )
        events = np.bincount(inverse[keys.size :], minlength=strata.size).astype(np.float64)
        self.beta = self._fit(self._design(strata), events, exposure)

    def _design(self, keys: np.ndarray) -> np.ndarray:
        """Return the design matrix: an intercept and one column per non-first level."""
        digits = self.builder.digits(keys)
        columns = [np.ones(keys.size)]
        for j, radix in enumerate(self.builder.radices):
            columns += [(digits[:, j] == level).astype(np.float64) for level in range(1, radix)]
        # The chance rises less than multiplicatively at the top (a person can only get one
        # team): recent admissions and their number interact.
        recent = digits[:, 5] == 1
        columns += [
            ((digits[:, 3] == level) & recent).astype(np.float64)
            for level in range(1, self.builder.radices[3])
        ]
        return np.column_stack(columns)

    def _fit(self, x: np.ndarray, events: np.ndarray, exposure: np.ndarray) -> np.ndarray:
        beta = np.zeros(x.shape[1])
        total = events.sum()
        if total == 0 or exposure.sum() == 0:
            beta[0] = -50.0
            return beta
        beta[0] = math.log(total / exposure.sum())
        penalty = np.full(x.shape[1], self.PRIOR_PRECISION)
        penalty[0] = 0.0

        def objective(b: np.ndarray) -> float:
            eta = np.clip(x @ b, -50, 50)
            return float(events @ eta - exposure @ np.exp(eta) - 0.5 * (penalty * b * b).sum())

        current = objective(beta)
        for _ in range(100):
            mu = exposure * np.exp(np.clip(x @ beta, -50, 50))
            gradient = x.T @ (events - mu) - penalty * beta
            hessian = (x.T * mu) @ x + np.diag(penalty)
            step = np.linalg.solve(hessian + 1e-9 * np.eye(x.shape[1]), gradient)
            # Halve the step until the penalised likelihood rises (Newton can overshoot).
            for _halving in range(30):
                trial = objective(beta + step)
                if trial >= current - 1e-12:
                    break
                step /= 2
            beta = beta + step
            improvement, current = trial - current, trial
            if np.abs(step).max() < 1e-7 or abs(improvement) < 1e-10:
                break
        return beta

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        if not keys.size:
            return np.zeros(0)
        strata, inverse = np.unique(keys, return_inverse=True)
        rate = np.exp(np.clip(self._design(strata) @ self.beta, -50, 50))
        return rate[inverse]


class _FollowUp:
    """The comparison pairs' window after their index day, two ways.

    Intention to treat: followed to the window's end or until they leave the list, whether or
    not they get a team meanwhile. Censored and weighted: followed until their own team
    starts (the start day still counts: a team acts from the day after), each day weighted by
    1 / P(no team start on the days before it | the stratum on each of those days).
    """

    def __init__(
        self, c: Cohort, s: Settings, controls: _Pairs, weight: np.ndarray, builder: _Builder,
        censoring: _Censoring,
    ) -> None:
        self.person = controls.person
        self.day = controls.day
        self.weight = weight
        self.end = np.minimum(self.day + s.window_days, c.observed_to[self.person])
        start = c.team_start[self.person]
        span = np.maximum(self.end - self.day, 0)
        with_team = np.clip(self.end - np.maximum(start, self.day), 0, span)
        total = float((weight * span).sum())
        self.team_share = float((weight * with_team).sum()) / total if total else 0.0

        # Days (index, min(end, team start)] as [first, stop), cut also at each month's end.
        month_days = s.window_days / 12
        offsets = np.array([int(round(k * month_days)) for k in range(1, 12)])
        first = self.day + 1
        stop = np.maximum(np.minimum(self.end, start) + 1, first)
        row, a, b = builder.segments(
            self.person, first, stop, [self.day + 1 + k for k in offsets]
        )
        h = censoring(builder.pairs(self.person[row], a, covariates=False).stratum)
        length = (b - a).astype(np.float64)
        hazard = h * length
        cumulative = np.cumsum(hazard)
        row_start = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        before = np.repeat(cumulative[row_start] - hazard[row_start], np.diff(np.r_[row_start, row.size]))
        self.seg_row, self.seg_first, self.seg_stop = row, a, b
        self.seg_h = h
        self.seg_H = cumulative - hazard - before
        growth = np.where(h > 0, np.expm1(h * length) / np.where(h > 0, np.expm1(h), 1.0), length)
        self.seg_time = np.exp(self.seg_H) * growth
        self.seg_month = np.searchsorted(offsets, a - self.day[row] - 1, side="right")
        self.max_censoring_weight = float(np.exp(self.seg_H + h * length).max()) if row.size else 1.0

    def itt_totals(self, index: EventIndex) -> tuple[np.ndarray, np.ndarray]:
        """Return each pair's weighted events and person-years, followed whatever happens."""
        events = self.weight * index.total(self.person, self.day, self.end)
        years = self.weight * np.maximum(self.end - self.day, 0) / 365.0
        return events, years

    def weighted_totals(
        self, index: EventIndex
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return each pair's censoring-weighted events and person-years, and both per month."""
        seg, day, amount = index.expand(
            self.person[self.seg_row], self.seg_first - 1, self.seg_stop - 1
        )
        row = self.seg_row[seg]
        w = self.weight[row] * amount * np.exp(
            self.seg_H[seg] + self.seg_h[seg] * (day - self.seg_first[seg])
        )
        n = self.person.size
        events = np.bincount(row, weights=w, minlength=n)
        time = self.weight[self.seg_row] * self.seg_time
        years = np.bincount(self.seg_row, weights=time, minlength=n) / 365.0
        month_events = np.bincount(self.seg_month[seg], weights=w, minlength=12)[:12]
        month_time = np.bincount(self.seg_month, weights=time, minlength=12)[:12]
        return events, years, month_events, month_time


def _ratio(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray,
    cluster_ab: np.ndarray, cluster_cd: np.ndarray, n_clusters: int,
) -> RateRatio:
    """Return (Σa/Σb) / (Σc/Σd) with a cluster-robust 95 % interval on the log scale.

    The influence of cluster k on log RR is Σ_k (a/A − b/B) − Σ_k (c/C − d/D); the variance is
    K/(K−1) times the sum of their squares (the sandwich of a Poisson model with one binary
    regressor, an offset for person-time and the weights taken as given).
    """
    A, B, C, D = float(a.sum()), float(b.sum()), float(c.sum()), float(d.sum())
    present = np.bincount(cluster_ab, minlength=n_clusters) + np.bincount(
        cluster_cd, minlength=n_clusters
    )
    k = int(np.count_nonzero(present))
    difference = _difference(a, b, c, d, cluster_ab, cluster_cd, n_clusters, k)
    if min(A, B, C, D) <= 0:
        return RateRatio(None, None, None, A, B, C, D, *difference)
    log_rr = math.log(A / B) - math.log(C / D)
    u = np.bincount(cluster_ab, weights=a / A - b / B, minlength=n_clusters) - np.bincount(
        cluster_cd, weights=c / C - d / D, minlength=n_clusters
    )
    variance = float((u**2).sum()) * k / max(k - 1, 1)
    half = Z95 * math.sqrt(variance)
    return RateRatio(
        math.exp(log_rr), math.exp(log_rr - half), math.exp(log_rr + half), A, B, C, D,
        *difference,
    )


def _difference(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray,
    cluster_ab: np.ndarray, cluster_cd: np.ndarray, n_clusters: int, k: int,
) -> tuple[float | None, float | None, float | None]:
    """Return Σa/Σb − Σc/Σd with a cluster-robust 95 % interval (None without person-time).

    The influence of cluster k is Σ_k (a − b·R₁)/B − Σ_k (c − d·R₂)/D, the linearisation of
    each ratio of sums; the variance is K/(K−1) times the sum of their squares, as for the
    rate ratio, so both intervals rest on the same clusters.
    """
    B, D = float(b.sum()), float(d.sum())
    if B <= 0 or D <= 0:
        return None, None, None
    r1, r2 = float(a.sum()) / B, float(c.sum()) / D
    u = np.bincount(cluster_ab, weights=(a - b * r1) / B, minlength=n_clusters) - np.bincount(
        cluster_cd, weights=(c - d * r2) / D, minlength=n_clusters
    )
    half = Z95 * math.sqrt(float((u**2).sum()) * k / max(k - 1, 1))
    return r1 - r2, r1 - r2 - half, r1 - r2 + half


def _outcome(
    name: str, events: Events, c: Cohort, s: Settings, treated: _Pairs, follow: _FollowUp
) -> OutcomeEstimate:
    index = EventIndex(events)
    t = treated.day
    person = treated.person
    end = np.minimum(t + s.window_days, c.observed_to[person])
    post = index.total(person, t, end)
    post_years = np.maximum(end - t, 0) / 365.0
    pre = index.total(person, t - s.window_days, t)
    pre_years = np.full(person.size, s.window_days / 365.0)
    naive = _ratio(post, post_years, pre, pre_years, person, person, c.size)
    itt_events, itt_years = follow.itt_totals(index)
    itt = _ratio(post, post_years, itt_events, itt_years, person, follow.person, c.size)
    events_w, years_w, month_events, month_time = follow.weighted_totals(index)
    adjusted = _ratio(post, post_years, events_w, years_w, person, follow.person, c.size)
    curves = None
    if name == ACUTE:
        curves = _curves(index, c, s, treated, follow, month_events, month_time)
    # Every comparison pair has the full window before its index day (history_days ≥ window).
    before = follow.weight * index.total(follow.person, follow.day - s.window_days, follow.day)
    total_weight = float(follow.weight.sum())
    comparison_before = (
        float(before.sum()) / total_weight / (s.window_days / 365.0) if total_weight > 0 else None
    )
    return OutcomeEstimate(name, naive, adjusted, itt, curves, comparison_before)


def _curves(
    index: EventIndex, c: Cohort, s: Settings, treated: _Pairs, follow: _FollowUp,
    month_events: np.ndarray, month_time: np.ndarray,
) -> Curves:
    """Return events per 100 persons per month around the index day for both arms.

    The comparison arm's months after the index day are the censored and weighted ones the
    estimate uses; before it, every comparison person counts with their stratum weight.
    """
    months = range(-s.curve_before, 12)
    month_days = s.window_days / 12
    treated_curve: list[float | None] = []
    comparison: list[float | None] = []
    end = c.observed_to[treated.person]
    bounds = _month_bounds(treated.day, s, months)
    comparison_bounds = _month_bounds(follow.day, s, months)
    for m, (lo, hi), (clo, chi) in zip(months, bounds, comparison_bounds, strict=True):
        upto = np.minimum(hi, np.maximum(end, treated.day))
        exposure = np.maximum(upto - lo, 0) / month_days
        treated_curve.append(_per_100(float(index.total(treated.person, lo, upto).sum()),
                                      float(exposure.sum())))
        if m < 0:
            counted = follow.weight * index.total(follow.person, clo, chi)
            comparison.append(_per_100(float(counted.sum()), float(follow.weight.sum())))
        else:
            comparison.append(_per_100(float(month_events[m]), float(month_time[m]) / month_days))
    return Curves(list(months), treated_curve, comparison)


def _per_100(events: float, exposure_months: float) -> float | None:
    return 100.0 * events / exposure_months if exposure_months > 0 else None


def _balance(
    treated: _Pairs, before: _Moments, controls: _Pairs, weight: np.ndarray, builder: _Builder
) -> list[BalanceRow]:
    """Return the standardised mean difference of every matching variable, before and after.

    The SMD is (treated mean − comparison mean) / √((s²_treated + s²_before) / 2), with the
    standard deviations of the treated and of all candidates before matching, so the figures
    before and after share one yardstick (Austin 2009). Below 0.1 is usually taken as balanced.
    """
    labels = dict(BALANCE_LABELS)
    for snapshot in builder.cohort.snapshots:
        for name in snapshot.values:
            label = snapshot.labels.get(name) or SNAPSHOT_LABELS.get(name, name)
            labels.setdefault(name, (label, name))
    rows = []
    for name in treated.covariates:
        m_t, v_t = _weighted_moments(treated.covariates[name], None)
        m_b, v_b = before.moments(name)
        m_a, _v_a = _weighted_moments(controls.covariates[name], weight)
        pooled = math.sqrt((v_t + v_b) / 2) if v_t is not None and v_b is not None else None
        rows.append(
            BalanceRow(
                name, labels[name][0], m_t, m_b, m_a,
                _smd(m_t, m_b, pooled), _smd(m_t, m_a, pooled),
            )
        )
    return rows


def _smd(m_t: float | None, m_c: float | None, pooled: float | None) -> float | None:
    if m_t is None or m_c is None or pooled is None:
        return None
    if pooled == 0:
        return 0.0 if m_t == m_c else None
    return (m_t - m_c) / pooled


def _weighted_moments(x: np.ndarray, w: np.ndarray | None) -> tuple[float | None, float | None]:
    keep = ~np.isnan(x)
    if not keep.any():
        return None, None
    x = x[keep]
    w = np.ones(x.size) if w is None else w[keep]
    if w.sum() <= 0:
        return None, None
    mean = float(np.average(x, weights=w))
    return mean, float(np.average((x - mean) ** 2, weights=w))
