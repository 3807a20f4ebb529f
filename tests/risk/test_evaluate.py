"""Tests for the evaluation metrics and report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from oppfolging.risk.evaluate import compute_metrics, evaluate_frame, write_report


def sample(n: int = 4000, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(1, 10, n)
    y = (rng.random(n) < p).astype(int)
    return np.round(p, 3), y  # rounding makes ties, which the metrics must handle


def test_it_matches_scikit_learn_on_the_point_estimates() -> None:
    p, y = sample()
    m = compute_metrics(p, y, n_boot=20)
    assert abs(m["auroc"]["value"] - roc_auc_score(y, p)) < 1e-9
    assert abs(m["auprc"]["value"] - average_precision_score(y, p)) < 1e-9
    assert abs(m["brier"]["value"] - brier_score_loss(y, p)) < 1e-9
    assert m["auroc"]["ci_low"] < m["auroc"]["value"] < m["auroc"]["ci_high"]


def test_it_finds_slope_one_for_calibrated_risks() -> None:
    rng = np.random.default_rng(1)
    p = rng.beta(1, 8, 40000)
    y = (rng.random(p.size) < p).astype(int)
    m = compute_metrics(p, y, n_boot=10)
    assert 0.9 < m["calibration_slope"]["value"] < 1.1
    assert abs(m["calibration_intercept"]["value"]) < 0.15


def test_it_counts_hits_in_the_top_of_the_list() -> None:
    risk = np.arange(100, 0, -1) / 100.0
    y = np.zeros(100, dtype=int)
    y[[0, 1, 50]] = 1
    m = compute_metrics(risk, y, n_boot=5)
    assert m["ppv_top1"]["value"] == 1.0
    assert m["sensitivity_top2"]["value"] == 2 / 3
    assert m["ppv_top5"]["value"] == 2 / 5


def test_it_writes_an_accessible_self_contained_report(tmp_path: Path) -> None:
    p, y = sample(1000)
    scores = pl.DataFrame({"patient_id": [str(i) for i in range(p.size)], "risk": p})
    outcomes = pl.DataFrame({"patient_id": scores["patient_id"], "acute_admission_12m": y})
    ev = evaluate_frame(scores, outcomes, n_boot=10)
    write_report(ev, html_path=tmp_path / "r.html", json_path=tmp_path / "m.json")
    page = (tmp_path / "r.html").read_text()
    assert '<html lang="nb">' in page
    assert page.count("<svg") == 2 and page.count("<title id=") == 2
    assert "Kalibrering per tidel (tabellversjon av plottet)" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["n"] == 1000 and len(data["calibration_deciles"]) == 10


def test_evaluate_reports_the_unknown_codes_of_the_later_extract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from oppfolging.risk.cli import main
    from oppfolging.risk.simulate import simulate

    simulate(1500, 4, tmp_path / "sim")
    later = tmp_path / "sim" / "t1"
    pid = (later / "patients.csv").read_text().splitlines()[1].split(",")[0]
    meds = later / "medications.csv"
    lines = meds.read_text().splitlines(keepends=True)
    meds.write_text("".join(lines) + f"{pid},2025-06-01,C99XX01\n")
    scores, report, summary = tmp_path / "s.csv", tmp_path / "r.html", tmp_path / "r.json"
    assert (
        main(["--quiet", "score", "--extract", str(tmp_path / "sim" / "t0"), "--out", str(scores)])
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "--quiet",
                "evaluate",
                "--scores",
                str(scores),
                "--outcomes-from",
                str(later),
                "--report",
                str(report),
                "--json",
                str(summary),
                "--bootstrap",
                "20",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "1 ukjente koder satt til side" in printed
    assert f"medications.csv, linje {len(lines) + 1}: «C99XX01»" in printed
    unknown = json.loads(summary.read_text())["unknown_codes"]
    assert unknown["count"] == 1 and unknown["by_file"] == {"medications.csv": 1}
    assert unknown["examples"][0]["line"] == len(lines) + 1
    html = report.read_text()
    assert "<h2>Ukjente koder</h2>" in html and "C99XX01" in html
