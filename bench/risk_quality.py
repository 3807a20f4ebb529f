"""Benchmark the risk engine's quality on simulated data: learned model vs oracle and baselines.

Fits the learned model on one simulated population (t0 features, outcomes from t1) and scores
another, independent one. Prints AUROC of the learned model, of the oracle (the true generating
risk), of the reference score and of two baselines (age only, number of chronic conditions),
with the learned model's calibration slope, and checks the targets.

    .venv/bin/python bench/risk_quality.py [--patients 50000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from oppfolging.risk import engine
from oppfolging.risk.evaluate import compute_metrics
from oppfolging.risk.features import compute_features
from oppfolging.risk.reader import read_extract
from oppfolging.risk.simulate import simulate


def run(patients: int, workdir: Path) -> int:
    """Run the benchmark and return 0 when every target is met, 1 otherwise."""
    t = time.perf_counter()
    simulate(patients, 101, workdir / "train")
    simulate(patients, 202, workdir / "test")
    print(f"Simulerte 2 × {patients} pasienter på {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    trained = engine.fit_model(
        workdir / "train" / "t0",
        model_out=workdir / "model.json",
        outcomes_from=workdir / "train" / "t1",
    )
    print(
        f"Tilpasset {trained.version} på {time.perf_counter() - t:.1f} s "
        f"({trained.n_train} pasienter, {trained.n_events} hendelser)"
    )

    test = read_extract(workdir / "test" / "t0")
    truth = pl.read_csv(workdir / "test" / "truth.csv", schema_overrides={"patient_id": pl.String})
    learned = engine.score_extract(test, model=trained).frame.select("patient_id", "risk")
    reference = engine.score_extract(test).frame.select("patient_id", pl.col("risk").alias("ref"))
    feats = compute_features(test).select("patient_id", "age", "n_conditions")
    data = (
        truth.join(learned, on="patient_id")
        .join(reference, on="patient_id")
        .join(feats, on="patient_id")
    )
    y = data["acute_admission_12m"].to_numpy()
    rows = {
        "Lært modell (LightGBM)": compute_metrics(data["risk"].to_numpy(), y, n_boot=100),
        "Orakel (sann risiko)": compute_metrics(data["true_risk"].to_numpy(), y, n_boot=100),
        "Referanseskår": compute_metrics(data["ref"].to_numpy(), y, n_boot=100),
        "Grunnlinje: alder": compute_metrics(data["age"].to_numpy() / 120, y, n_boot=100),
        "Grunnlinje: antall sykdommer": compute_metrics(
            data["n_conditions"].to_numpy() / 20, y, n_boot=100
        ),
    }
    print(f"\nTestpopulasjon: {len(y)} pasienter, {int(y.sum())} akuttinnlagt ({y.mean():.3f})\n")
    print(f"{'Skår':32s} {'AUROC':>7s} {'95 % KI':>15s} {'AUPRC':>7s} {'PPV 5 %':>8s}")
    for name, m in rows.items():
        a = m["auroc"]
        print(
            f"{name:32s} {a['value']:7.3f} {a['ci_low']:7.3f}–{a['ci_high']:.3f} "
            f"{m['auprc']['value']:7.3f} {m['ppv_top5']['value']:8.3f}"
        )
    lm = rows["Lært modell (LightGBM)"]
    slope = lm["calibration_slope"]
    print(
        f"\nKalibrering, lært modell: stigning {slope['value']:.3f} "
        f"({slope['ci_low']:.3f}–{slope['ci_high']:.3f}), konstant "
        f"{lm['calibration_intercept']['value']:.3f}"
    )

    auc = {k: v["auroc"]["value"] for k, v in rows.items()}
    base = max(auc["Grunnlinje: alder"], auc["Grunnlinje: antall sykdommer"])
    checks = {
        "lært innen 0,02 av orakelet": auc["Orakel (sann risiko)"] - auc["Lært modell (LightGBM)"]
        <= 0.02,
        "kalibreringsstigning 0,9–1,1": 0.9 <= slope["value"] <= 1.1,
        "lært slår begge grunnlinjer": auc["Lært modell (LightGBM)"] > base,
        "referanse slår begge grunnlinjer": auc["Referanseskår"] > base,
    }
    print()
    for name, ok in checks.items():
        print(f"{'OK ' if ok else 'IKKE OK'}  {name}")
    return 0 if all(checks.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(args.patients, args.workdir)
    with tempfile.TemporaryDirectory() as tmp:
        return run(args.patients, Path(tmp))


if __name__ == "__main__":
    raise SystemExit(main())
