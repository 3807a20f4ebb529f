"""End-to-end tests of the engine: simulate → fit → score → evaluate, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from risk_helpers import write_extract_files
from sklearn.metrics import roc_auc_score

from oppfolging.risk import engine
from oppfolging.risk.cli import main
from oppfolging.risk.simulate import simulate


@pytest.fixture(scope="module")
def populations(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sim")
    simulate(3000, 11, root / "train")
    simulate(3000, 12, root / "test")
    return root / "train", root / "test"


def test_it_fits_scores_and_evaluates_a_simulated_population(
    populations: tuple[Path, Path], tmp_path: Path
) -> None:
    train, test = populations
    model_file = tmp_path / "model.json"
    trained = engine.fit_model(train / "t0", model_out=model_file, outcomes_from=train / "t1")
    doc = json.loads(model_file.read_text())
    assert doc["model_version"] == trained.version and len(doc["training_sha256"]) == 64
    assert doc["features"] == trained.features

    result = engine.score_extract(test / "t0", model=model_file)
    frame = result.frame
    assert frame.height == 3000 and result.model_version == trained.version
    assert result.input_sha256 and result.is_probability
    assert set(frame["rank"]) == set(range(1, 3001))
    assert frame.sort("rank")["reasons"].head(20).str.len_chars().min() > 0

    truth = pl.read_csv(test / "truth.csv", schema_overrides={"patient_id": pl.String})
    data = frame.join(truth, on="patient_id")
    y = data["acute_admission_12m"].to_numpy()
    learned = roc_auc_score(y, data["risk"].to_numpy())
    oracle = roc_auc_score(y, data["true_risk"].to_numpy())
    assert learned > 0.65 and oracle > 0.65 and oracle - learned < 0.08

    ev = engine.evaluate(
        frame.with_columns(pl.lit("2025-01-01").alias("extracted_at")),
        outcomes_from=test / "t1",
        n_boot=20,
    )
    assert ev.metrics["auroc"]["value"] > 0.65
    assert ev.n < 3000  # patients who left the list are censored

    reference = engine.score_extract(test / "t0")
    ref_auc = roc_auc_score(y, reference.frame.join(truth, on="patient_id")["risk"].to_numpy())
    assert ref_auc > 0.62 and not reference.is_probability


def test_it_runs_every_subcommand_from_the_command_line(tmp_path: Path) -> None:
    sim = tmp_path / "sim"
    assert (
        main(["--quiet", "simulate", "--patients", "2000", "--seed", "3", "--out", str(sim)]) == 0
    )
    model_file = tmp_path / "m.json"
    assert (
        main(
            [
                "--quiet",
                "fit",
                "--extract",
                str(sim / "t0"),
                "--outcomes-from",
                str(sim / "t1"),
                "--model",
                str(model_file),
            ]
        )
        == 0
    )
    scores = tmp_path / "s.csv"
    assert (
        main(
            [
                "--quiet",
                "score",
                "--extract",
                str(sim / "t1"),
                "--model",
                str(model_file),
                "--previous",
                str(sim / "t0"),
                "--followed-up",
                str(sim / "followed_up.csv"),
                "--out",
                str(scores),
            ]
        )
        == 0
    )
    listed = pl.read_csv(scores, infer_schema=False)
    for column in [
        "patient_id",
        "risk",
        "rank",
        "reasons",
        "rising",
        "not_followed_up",
        "new_priority",
        "model_version",
        "input_sha256",
    ]:
        assert column in listed.columns
    s0 = tmp_path / "s0.csv"
    assert main(["--quiet", "score", "--extract", str(sim / "t0"), "--out", str(s0)]) == 0
    report, metrics = tmp_path / "r.html", tmp_path / "m.json"
    assert (
        main(
            [
                "--quiet",
                "evaluate",
                "--scores",
                str(s0),
                "--outcomes-from",
                str(sim / "t1"),
                "--report",
                str(report),
                "--json",
                str(metrics),
                "--bootstrap",
                "10",
            ]
        )
        == 0
    )
    assert json.loads(metrics.read_text())["risk_is_probability"] is False


def test_it_prints_every_problem_and_exits_2_on_a_bad_extract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_extract_files(
        tmp_path / "bad",
        {"patients.csv": "patient_id,birth_date,sex,gp_id\na,1950-02-31,X,1\n"},
    )
    assert main(["--quiet", "score", "--extract", str(bad), "--out", str(tmp_path / "s.csv")]) == 2
    err = capsys.readouterr().err
    assert "patients.csv, linje 2, kolonne birth_date" in err
    assert "patients.csv, linje 2, kolonne sex" in err
    assert not (tmp_path / "s.csv").exists()


def _list(ages: dict[str, int], extra: str = "") -> dict[str, str]:
    rows = "".join(f"{pid},{nid},{2025 - age}-01-01,F,1\n" for pid, (nid, age) in ages.items())
    return {
        "patients.csv": "patient_id,national_id,birth_date,sex,gp_id\n" + rows,
        **({"diagnoses.csv": "patient_id,date,system,code\n" + extra} if extra else {}),
    }


def test_it_puts_rising_and_not_followed_up_patients_first(tmp_path: Path) -> None:
    people = {f"z{i:02d}": (f"{10000000000 + i}", 30) for i in range(38)}
    people["a"] = ("01018512345", 90)
    people["b"] = ("01019512345", 30)  # last on the list: ties never carry it into a top group
    before = write_extract_files(
        tmp_path / "before",
        _list(people, "a,2024-01-01,ICPC-2,K77\na,2024-01-01,ICPC-2,R95\n"),
        extracted_at="2024-01-01",
    )
    now = write_extract_files(
        tmp_path / "now",
        {
            **_list(
                people,
                "a,2024-01-01,ICPC-2,K77\na,2024-01-01,ICPC-2,R95\nb,2024-06-01,ICPC-2,X76\n",
            ),
            "hospital_stays.csv": "patient_id,admitted,discharged,acute\n"
            + "b,2024-06-01,2024-06-03,true\n" * 3,
        },
    )
    result = engine.score_extract(now, previous=before, followed_up_ids={"01018512345"})
    top = result.frame.head(2).to_dicts()
    assert [r["patient_id"] for r in top] == ["b", "a"]
    assert top[0]["rising"] and top[0]["not_followed_up"] and top[0]["new_priority"] == 1
    assert not top[1]["rising"] and not top[1]["not_followed_up"]
    assert top[0]["reasons"] == "3 akuttinnleggelser siste år; Kreft (X76)"
    assert result.frame["rising"].sum() == 1 and result.frame["not_followed_up"].sum() == 1
    assert np.all(np.diff(result.frame["new_priority"].to_numpy()) == 1)


def test_it_fits_and_evaluates_with_an_outcomes_file(
    populations: tuple[Path, Path], tmp_path: Path
) -> None:
    train, test = populations
    model_file = tmp_path / "m.json"
    code = main(
        [
            "--quiet",
            "fit",
            "--extract",
            str(train / "t0"),
            "--outcomes",
            str(train / "truth.csv"),
            "--model",
            str(model_file),
        ]
    )
    assert code == 0
    # truth.csv gives every patient an outcome, so nobody is censored.
    assert json.loads(model_file.read_text())["n_train"] == 3000
    scores = tmp_path / "s.csv"
    assert (
        main(
            [
                "--quiet",
                "score",
                "--extract",
                str(test / "t0"),
                "--model",
                str(model_file),
                "--explain-top",
                "0.1",
                "--out",
                str(scores),
            ]
        )
        == 0
    )
    listed = pl.read_csv(scores, infer_schema=False)
    top = listed.filter(pl.col("rank").cast(pl.Int64) <= 300)
    assert (top["reasons"].fill_null("") != "").sum() > 250
    rest = listed.filter(pl.col("rank").cast(pl.Int64) > 300)
    assert (rest["reasons"].fill_null("") == "").sum() > 2000
    metrics = tmp_path / "m.json"
    assert (
        main(
            [
                "--quiet",
                "evaluate",
                "--scores",
                str(scores),
                "--outcomes",
                str(test / "truth.csv"),
                "--json",
                str(metrics),
                "--bootstrap",
                "10",
            ]
        )
        == 0
    )
    data = json.loads(metrics.read_text())
    assert data["n"] == 3000 and data["risk_is_probability"] is True
    assert data["metrics"]["auroc"]["value"] > 0.65
