"""The numpy forest must give LightGBM's own scores and SHAP contributions, row for row."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from oppfolging.risk import engine
from oppfolging.risk.features import compute_features
from oppfolging.risk.forest import Forest, as_lightgbm_reads
from oppfolging.risk.model import _matrix
from oppfolging.risk.reader import read_extract
from oppfolging.risk.simulate import simulate


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("forest")
    simulate(4000, 21, root / "pop")
    trained = engine.fit_model(
        root / "pop" / "t0", model_out=root / "model.json", outcomes_from=root / "pop" / "t1"
    )
    return trained, compute_features(read_extract(root / "pop" / "t1"))


def test_scores_and_contributions_equal_lightgbms(fitted) -> None:
    trained, features = fitted
    assert trained.forest is not None
    x = _matrix(features, trained.features)
    expected_raw = trained.booster.predict(x, raw_score=True)
    expected_shap = trained.booster.predict(x, pred_contrib=True)[:, :-1]
    np.testing.assert_allclose(trained.raw(features), expected_raw, rtol=0, atol=1e-12)
    np.testing.assert_allclose(trained.contributions(features), expected_shap, rtol=0, atol=1e-12)


def test_a_subset_in_another_order_gets_the_same_rows(fitted) -> None:
    trained, features = fitted
    rows = np.random.default_rng(3).permutation(features.height)[:500]
    whole = trained.contributions(features)
    np.testing.assert_allclose(trained.contributions(features[rows]), whole[rows], atol=1e-12)


def test_values_on_and_near_every_threshold_go_the_same_way_as_in_lightgbm(fitted) -> None:
    trained, features = fitted
    forest = trained.forest
    # One row per threshold, with the split feature exactly on it, just above and below, 0
    # and missing (NaN, read as 0); other features from a real patient. This is where a
    # float32 or ±1e-35 slip would show.
    base = _matrix(features, trained.features)[:1].astype(np.float64)
    rows = []
    for tree in forest.trees:
        for f, threshold in zip(tree.feature, tree.threshold, strict=True):
            # LightGBM's zero thresholds are ±1e-35; it reads values that close to zero
            # inconsistently (as zero when scoring, as themselves in SHAP), and our features
            # are whole numbers, so the values tried there are whole numbers too.
            near = (threshold, np.nextafter(threshold, np.inf), threshold - 0.5)
            for value in (*near, 0.0, np.nan) if abs(threshold) > 1e-30 else (-1.0, 0.0, 1.0):
                row = base[0].copy()
                row[f] = value
                rows.append(row)
    x = np.array(rows)
    columns = as_lightgbm_reads([x[:, j].copy() for j in range(x.shape[1])])
    np.testing.assert_allclose(
        forest.raw(columns), trained.booster.predict(x, raw_score=True), atol=1e-12
    )
    np.testing.assert_allclose(
        forest.contributions(columns),
        trained.booster.predict(x, pred_contrib=True)[:, :-1],
        atol=1e-12,
    )


def test_a_model_that_routes_missing_values_is_left_to_lightgbm() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 3))
    x[rng.random(2000) < 0.2, 0] = np.nan
    y = (np.nan_to_num(x[:, 0]) + rng.normal(size=2000) > 0).astype(int)
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "num_leaves": 4}, lgb.Dataset(x, y), 5
    )
    assert Forest.from_booster(booster) is None


def test_saved_model_loads_with_its_forest(fitted, tmp_path: Path) -> None:
    from oppfolging.risk import model as model_mod

    trained, features = fitted
    model_mod.save(trained, tmp_path / "m.json")
    loaded = model_mod.load(tmp_path / "m.json")
    assert loaded.forest is not None
    np.testing.assert_array_equal(loaded.raw(features), trained.raw(features))


def test_explaining_every_row_scores_it_exactly_as_predict(fitted) -> None:
    from oppfolging.risk.explain import top_reasons

    trained, features = fitted
    blocks = trained.contribution_blocks(features)
    reasons = top_reasons(features, blocks, trained.features)
    np.testing.assert_array_equal(blocks.raw, trained.raw(features))
    assert (
        reasons.to_list()
        == top_reasons(features, trained.contributions(features), trained.features).to_list()
    )


def test_reasons_for_all_equal_reasons_chosen_for_everybody(fitted, tmp_path: Path) -> None:
    trained, _features = fitted
    root = tmp_path / "pop"
    simulate(1500, 5, root)
    everybody = engine.score_extract(root / "t0", model=trained)
    chosen = engine.score_extract(root / "t0", model=trained, explain_top=1.0)
    assert everybody.frame.equals(chosen.frame)
