"""Sanity tests for the transparent reference score."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from oppfolging.risk.features import FEATURE_NAMES
from oppfolging.risk.reference import POINT_COLUMNS, percentile_rank, reference_points


def frame(**values: list[float]) -> pl.DataFrame:
    n = len(next(iter(values.values())))
    data = {name: [0.0] * n for name in FEATURE_NAMES}
    data.update(values)
    return pl.DataFrame(data)


def test_it_scores_the_published_points() -> None:
    f = frame(
        age=[85.0, 55.0, 30.0],
        cond_heart_failure=[1.0, 0.0, 0.0],
        cond_cancer=[0.0, 1.0, 0.0],
        acute_12m=[6.0, 1.0, 0.0],
        n_atc_12m=[12.0, 4.0, 0.0],
    )
    points = reference_points(f)
    by_name = [dict(zip(POINT_COLUMNS, row, strict=True)) for row in points]
    assert by_name[0]["age"] == 4 and by_name[0]["acute_12m"] == 4  # capped at four
    assert by_name[0]["cond_heart_failure"] == 1 and by_name[0]["n_atc_12m"] == 1
    assert by_name[1]["cond_cancer"] == 2 and by_name[1]["age"] == 1
    assert points.sum(axis=1).tolist() == [10, 4, 0]


@settings(max_examples=50, deadline=None)
@given(
    age=st.integers(0, 105),
    acute=st.integers(0, 8),
    atc=st.integers(0, 20),
    conds=st.lists(st.booleans(), min_size=17, max_size=17),
    which=st.sampled_from(["age", "acute_12m", "n_atc_12m", "cond_heart_failure", "cond_ckd"]),
)
def test_it_never_lowers_points_when_a_risk_factor_worsens(
    age: int, acute: int, atc: int, conds: list[bool], which: str
) -> None:
    cond_names = [n for n in FEATURE_NAMES if n.startswith("cond_")]
    base = {"age": [float(age)], "acute_12m": [float(acute)], "n_atc_12m": [float(atc)]}
    base.update({n: [float(c)] for n, c in zip(cond_names, conds, strict=True)})
    worse = {k: list(v) for k, v in base.items()}
    worse[which] = [1.0] if which.startswith("cond_") else [worse[which][0] + 10]
    assert reference_points(frame(**worse)).sum() >= reference_points(frame(**base)).sum()


def test_it_ranks_higher_points_higher_and_ties_equal() -> None:
    pct = percentile_rank(np.array([3.0, 0.0, 3.0, 7.0]))
    assert pct[3] > pct[0] == pct[2] > pct[1]
    assert 0 < pct.min() and pct.max() < 1
