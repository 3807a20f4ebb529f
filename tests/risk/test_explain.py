"""Tests for the plain-Norwegian reasons."""

from __future__ import annotations

import numpy as np
import polars as pl

from oppfolging.risk.explain import top_reasons


def test_it_writes_the_top_three_positive_reasons_in_norwegian() -> None:
    names = ["cond_heart_failure", "n_atc_12m", "acute_12m", "contacts_delta", "age", "sex_female"]
    features = pl.DataFrame(
        {
            "cond_heart_failure": [1.0, 0.0],
            "code_heart_failure": ["K77", None],
            "n_atc_12m": [12.0, 3.0],
            "acute_12m": [2.0, 1.0],
            "contacts_delta": [6.0, -2.0],
            "age": [84.0, 30.0],
            "sex_female": [1.0, 0.0],
        }
    )
    contrib = np.array(
        [
            [0.9, 0.5, 0.7, 0.3, 0.1, 2.0],  # sex is never a reason
            [0.9, -0.5, 0.2, 0.8, -0.1, 0.0],  # absent condition, falling contacts: skipped
        ]
    )
    reasons = top_reasons(features, contrib, names).to_list()
    assert reasons == [
        "Hjertesvikt (K77); 2 akuttinnleggelser siste år; 12 ulike legemidler siste år",
        "1 akuttinnleggelse siste år",
    ]


def test_it_gives_an_empty_text_when_nothing_raises_risk() -> None:
    features = pl.DataFrame({"age": [20.0]})
    assert top_reasons(features, np.array([[-1.0]]), ["age"]).to_list() == [""]
