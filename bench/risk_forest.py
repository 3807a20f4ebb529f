"""Benchmark the forest tables (forest.py) against LightGBM's own scoring and TreeSHAP.

Uses the population and model that bench/risk_speed.py leaves in its work folder (run that
first for the size wanted). LightGBM's SHAP is timed on a tenth of the rows, it is that slow.

    .venv/bin/python bench/risk_forest.py [--size 1000000] [--workdir var/bench-risk]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from oppfolging.risk import model as model_mod
from oppfolging.risk.features import compute_features
from oppfolging.risk.model import _columns, _matrix
from oppfolging.risk.reader import read_extract


def timed(work):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000000)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-risk"))
    args = parser.parse_args()
    trained = model_mod.load(args.workdir / "model.json")
    assert trained.forest is not None
    features = compute_features(read_extract(args.workdir / f"pop-{args.size}" / "t0"))
    n = features.height
    tenth = features[: max(n // 10, 1)]
    columns, x, x_tenth = (
        _columns(features, trained.features),
        _matrix(features, trained.features),
        _matrix(tenth, trained.features),
    )

    lgb_raw_s, lgb_raw = timed(lambda: trained.booster.predict(x, raw_score=True))
    forest_raw_s, forest_raw = timed(lambda: trained.forest.raw(columns))
    lgb_shap_s, lgb_shap = timed(lambda: trained.booster.predict(x_tenth, pred_contrib=True))
    forest_shap_s, forest_shap = timed(lambda: trained.forest.contributions(columns))
    assert np.array_equal(lgb_raw, forest_raw)
    assert np.allclose(lgb_shap[:, :-1], forest_shap[: len(tenth)], rtol=0, atol=1e-12)

    print(f"{n} pasienter, {trained.booster.num_trees()} trær")
    print(f"skår    LightGBM {lgb_raw_s:6.2f} s   tabeller {forest_raw_s:6.2f} s")
    print(
        f"SHAP    LightGBM {lgb_shap_s:6.2f} s for {len(tenth)} (≈ {lgb_shap_s * n / len(tenth):.0f} s "
        f"for alle)   tabeller {forest_shap_s:6.2f} s for alle"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
