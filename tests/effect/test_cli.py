"""`oppfolging effect simulate|estimate` as an analyst runs it: a fresh shell, no web settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

OPPFOLGING = Path(sys.executable).parent / "oppfolging"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # A fresh shell: no SECRET_KEY, DEBUG, DATABASE_URL or DJANGO_SETTINGS_MODULE.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd)}
    return subprocess.run([str(OPPFOLGING), "effect", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_it_simulates_and_estimates_without_secret_key_or_debug(tmp_path):
    simulated = run("simulate", "--persons", "6000", "--effect", "0.2", "--seed", "3",
                    "--out", str(tmp_path / "sim"), cwd=tmp_path)
    assert simulated.returncode == 0, simulated.stderr
    assert json.loads((tmp_path / "sim" / "truth.json").read_text())["rate_ratio"] == 0.8

    estimated = run("estimate", "--extracts", str(tmp_path / "sim" / "extracts"),
                    "--teams", str(tmp_path / "sim" / "teams.csv"),
                    "--out", str(tmp_path / "effect.json"), cwd=tmp_path)

    assert estimated.returncode == 0, estimated.stderr
    document = json.loads((tmp_path / "effect.json").read_text())
    for key in ("naive", "adjusted"):
        assert set(document[key]) >= {"rate_ratio", "ci_low", "ci_high", "difference", "difference_ci_low",
                                      "difference_ci_high"}
    adjusted = document["adjusted"]
    if adjusted["difference"] is not None:  # an interval around the difference, in the same unit
        assert adjusted["difference_ci_low"] <= adjusted["difference"] <= adjusted["difference_ci_high"]
    assert document["n_treated"] >= 0 and document["n_comparison"] >= 0
    assert isinstance(document["balance"], list)
    assert document["data"]["extracts"] == ["2022-01-01", "2023-01-01", "2024-01-01", "2025-01-01"]


def test_it_refuses_a_teams_file_with_a_bad_date_naming_line_and_column(tmp_path, simulated):
    folder = simulated(4000, 0.2, 5)
    teams = tmp_path / "teams.csv"
    teams.write_text("patient_id;team_start\nP0000001;2023-02-01\nP0000002;1.2.2023\n",
                     encoding="cp1252")

    estimated = run("estimate", "--extracts", str(folder / "extracts"), "--teams", str(teams),
                    "--out", str(tmp_path / "effect.json"), cwd=tmp_path)

    assert estimated.returncode == 2
    assert "teams.csv, linje 3, kolonne team_start: ugyldig dato «1.2.2023»" in estimated.stderr
    assert not (tmp_path / "effect.json").exists()
