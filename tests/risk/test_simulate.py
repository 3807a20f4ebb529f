"""Tests for the synthetic population generator."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from oppfolging.risk.reader import read_extract
from oppfolging.risk.simulate import simulate, tenor_national_ids


def valid_fnr(number: str) -> bool:
    d = [int(c) for c in number]
    k1 = (
        11 - sum(a * b for a, b in zip([3, 7, 6, 1, 8, 9, 4, 5, 2], d[:9], strict=True)) % 11
    ) % 11
    k2 = (
        11 - sum(a * b for a, b in zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], d[:10], strict=True)) % 11
    ) % 11
    return k1 == d[9] and k2 == d[10]


def test_it_draws_unique_tenor_numbers_with_valid_check_digits() -> None:
    born = np.array([(date(1950, 3, 9) - date(1970, 1, 1)).days] * 300 + [20000])
    ids = tenor_national_ids(born, np.random.default_rng(0))
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 11 and valid_fnr(i) for i in ids)
    assert ids[0][:6] == "098350"  # day 09, month 03 + 80, year 50


def test_it_writes_two_consistent_extracts_and_the_truth(tmp_path: Path) -> None:
    summary = simulate(1500, 7, tmp_path)
    t0, t1 = read_extract(tmp_path / "t0"), read_extract(tmp_path / "t1")
    assert t1.extracted_at - t0.extracted_at == timedelta(days=365)
    truth = pl.read_csv(tmp_path / "truth.csv", schema_overrides={"patient_id": pl.String})
    assert truth.height == t0.patients.height == summary.n_t0 == 1500
    assert truth["true_risk"].is_between(0, 1).all()
    # The outcome equals the acute stays after t0 in t1, for patients still on the list.
    later = (
        t1.hospital_stays.filter(pl.col("acute") & (pl.col("admitted") > t0.extracted_at))
        .join(t1.patients.select("pidx", "patient_id"), on="pidx")
        .select("patient_id")
        .unique()
        .join(truth.select("patient_id"), on="patient_id")  # joiners have no truth row
    )
    stayed = truth.join(t1.patients.select("patient_id"), on="patient_id")
    expected = set(stayed.filter(pl.col("acute_admission_12m") == 1)["patient_id"])
    assert set(later["patient_id"]) == expected
    assert 0 < stayed.height < truth.height < t1.patients.height + 200
    followed = pl.read_csv(tmp_path / "followed_up.csv", infer_schema=False)
    assert followed.height > 0
    assert set(followed["national_id"]) <= set(t0.patients["national_id"].drop_nulls())
