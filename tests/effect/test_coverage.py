"""The estimator recovers a known effect: the fast, fixed-seed part of bench/effect_coverage.py.

With no effect the adjusted 95 % interval holds 1 while the naive before/after shows a
"benefit" (its whole interval below 1); with a true 20 % reduction the adjusted interval holds
0.8. The full 50-seed run is `.venv/bin/python bench/effect_coverage.py` (docs/effect.md).
"""

from __future__ import annotations

import json

import pytest

from oppfolging.effect.estimate import estimate
from oppfolging.effect.extracts import cohort_from_extracts, read_extracts, read_teams

PERSONS = 30_000
SEEDS = (1, 2)


def estimated(folder):
    starts, _repeated = read_teams(folder / "teams.csv")
    cohort, _report = cohort_from_extracts(read_extracts(folder / "extracts"), starts)
    return estimate(cohort)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_finds_no_effect_where_there_is_none_while_the_naive_shows_a_benefit(simulated, seed):
    folder = simulated(PERSONS, 0.0, seed)

    result = estimated(folder)

    assert json.loads((folder / "truth.json").read_text())["rate_ratio"] == 1.0
    assert result.status == "ok" and result.n_treated >= 50
    assert result.adjusted.covers(1.0), result.adjusted
    assert result.naive.ci_high < 1.0, result.naive


@pytest.mark.parametrize("seed", SEEDS)
def test_it_covers_a_true_twenty_percent_reduction(simulated, seed):
    folder = simulated(PERSONS, 0.2, seed)

    result = estimated(folder)

    assert json.loads((folder / "truth.json").read_text())["rate_ratio"] == 0.8
    assert result.adjusted.covers(0.8), result.adjusted
    assert result.naive.rate_ratio < result.adjusted.rate_ratio
