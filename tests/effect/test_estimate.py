"""The estimator on hand-made cohorts where the right answer can be counted by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from oppfolging.effect.cohort import NEVER, Cohort, Events, day_number
from oppfolging.effect.estimate import Z95, Settings, _ratio, estimate

START = day_number(dt.date(2020, 1, 1))
END = day_number(dt.date(2025, 1, 1))
TEAM = day_number(dt.date(2023, 1, 10))


def d(year: int, month: int, day: int) -> int:
    return day_number(dt.date(year, month, day))


def build(persons: list[dict]) -> Cohort:
    """Return a cohort of women born 1950, observed 2020–2024, with the given admissions."""
    person, day = [], []
    for i, p in enumerate(persons):
        for admitted in p.get("admitted", []):
            person.append(i)
            day.append(admitted)
    n = len(persons)
    return Cohort(
        ids=np.array([f"P{i}" for i in range(n)]),
        sex=np.zeros(n),
        birth=np.full(n, d(1950, 6, 1)),
        observed_from=np.full(n, START),
        observed_to=np.array([p.get("left", END) for p in persons]),
        team_start=np.array([p.get("team", NEVER) for p in persons]),
        acute=Events(np.array(person, dtype=np.int64), np.array(day, dtype=np.int64)),
    )


PEAK = [d(2022, 11, 1), d(2022, 12, 1)]


def peak_cohort(treated: int = 25, comparison: int = 500) -> Cohort:
    """Treated persons and comparison persons at the same peak on the same days.

    Every treated person has one acute admission in the year after the start; every
    comparison person two. Nobody else is ever admitted.
    """
    people = [{"admitted": [*PEAK, d(2023, 6, 1)], "team": TEAM} for _ in range(treated)]
    people += [{"admitted": [*PEAK, d(2023, 5, 1), d(2023, 7, 1)]} for _ in range(comparison)]
    return build(people)


def test_it_halves_admissions_against_the_comparison_and_before():
    result = estimate(peak_cohort())

    assert result.status == "ok" and result.n_treated == 25
    # Up to 20 drawn for each of the 25, from the 525 persons at the same peak.
    assert 20 < result.n_comparison <= 500
    # Before: 2 a year; after: 1 a year. The comparison persons: 2 a year after the same peak
    # (a treated person drawn as another's comparison before their own start counts their
    # one admission after it in intention to treat, which nudges it up).
    assert result.naive.rate_ratio == pytest.approx(0.5)
    assert result.primary.itt.rate_ratio == pytest.approx(0.5, abs=0.01)
    # The censoring weights barely move it: 25 team starts among 525 persons over years.
    assert result.adjusted.rate_ratio == pytest.approx(0.5, abs=0.02)
    assert result.adjusted.ci_low < result.adjusted.rate_ratio < result.adjusted.ci_high


def test_it_balances_the_matching_variables_exactly():
    result = estimate(peak_cohort())
    balance = {row.variable: row for row in result.balance}

    for name in ("acute_12m", "acute_prev_12m", "recent_acute", "female"):
        assert balance[name].smd_after == pytest.approx(0.0)
        assert balance[name].mean_treated == balance[name].mean_comparison_after
    assert balance["acute_12m"].mean_treated == 2.0


def test_it_says_too_few_below_the_minimum_and_gives_no_number():
    result = estimate(peak_cohort(treated=19))
    document = result.as_json()

    assert result.status == "too_few" and result.n_treated == 19
    for key in ("naive", "adjusted"):
        assert document[key]["rate_ratio"] is None
        assert document[key]["ci_low"] is None and document[key]["ci_high"] is None
    assert document["balance"] == []


def test_it_never_compares_a_person_with_themselves():
    # Each treated person's history is their own; on the grid days before their start they
    # are the only one in their stratum, and they must not be their own comparison.
    people = [
        {"admitted": [d(2022, 1 + i % 12, 1 + i), d(2022, 12, 20)], "team": TEAM + i}
        for i in range(25)
    ]
    result = estimate(build(people), Settings(min_treated=1))

    assert result.excluded["no_comparable_person"] > 0
    assert result.n_comparison == 0 or result.n_treated < 25


def test_it_counts_who_could_not_be_followed():
    people = [
        {"admitted": PEAK, "team": d(2021, 6, 1)},  # before two years of data
        {"admitted": PEAK, "team": d(2024, 6, 1)},  # less than a year before the data end
        {"admitted": PEAK, "team": d(2023, 3, 1), "left": d(2023, 2, 1)},  # left the list first
    ] + [{"admitted": PEAK} for _ in range(5)]
    result = estimate(build(people))

    assert result.excluded["team_before_two_years_of_data"] == 1
    assert result.excluded["team_less_than_window_before_data_end"] == 1
    assert result.excluded["not_on_list_at_team_start"] == 1
    assert result.status == "too_few"


def test_it_writes_the_contract_other_tools_read():
    document = estimate(peak_cohort()).as_json()

    for key in ("naive", "adjusted"):
        assert {"rate_ratio", "ci_low", "ci_high"} <= set(document[key])
    assert isinstance(document["n_treated"], int) and isinstance(document["n_comparison"], int)
    assert {"variable", "label", "mean_treated", "mean_comparison_after", "smd_before",
            "smd_after"} <= set(document["balance"][0])
    curves = document["curves"]
    assert curves["months"][0] == -24 and curves["months"][-1] == 11
    assert len(curves["treated"]) == len(curves["comparison"]) == 36


def test_it_gives_the_same_estimate_for_the_same_data():
    assert estimate(peak_cohort()).as_json() == estimate(peak_cohort()).as_json()


def test_it_gives_a_difference_in_amounts_with_the_paired_standard_error():
    # Three persons, each their own cluster, one year before and after: 1, 1, 1 kr before and
    # 2, 4, 0 kr after. The difference of the means is 1; its sandwich variance equals the
    # paired one, s² / n = ((0² + 2² + (−2)²) / 2) / 3 = 4/3.
    ones = np.ones(3)
    person = np.arange(3)
    rr = _ratio(np.array([2.0, 4.0, 0.0]), ones, ones, ones, person, person, 3)

    half = Z95 * math.sqrt(4 / 3)
    assert rr.difference == pytest.approx(1.0)
    assert (rr.difference_low, rr.difference_high) == (pytest.approx(1 - half), pytest.approx(1 + half))
    assert rr.rate_ratio == pytest.approx(2.0)


def test_it_gives_a_difference_even_without_events_in_one_arm():
    ones = np.ones(4)
    person = np.arange(4)
    rr = _ratio(np.zeros(4), ones, np.array([1.0, 3.0, 0.0, 0.0]), ones, person, person, 4)

    assert rr.rate_ratio is None
    assert rr.difference == pytest.approx(-1.0) and rr.difference_low < -1.0 < rr.difference_high
