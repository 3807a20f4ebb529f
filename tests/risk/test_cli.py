"""The risk command line as the README and docs/risk.md show it, in a shell with no settings."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _documented_commands() -> list[str]:
    """Return the README's risk command and the command-line block of docs/risk.md."""
    readme = (ROOT / "README.md").read_text()
    [first] = re.findall(r"^(\.venv/bin/oppfolging risk simulate[^#\n]*)", readme, re.M)
    docs = (ROOT / "docs" / "risk.md").read_text()
    block = docs.split("## Command line", 1)[1].split("```", 2)[1]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("oppfolging risk"):
            commands.append(re.sub(r"\[[^\]]*\]", "", line))
    return [first.strip(), *commands]


def test_it_runs_the_documented_risk_commands_with_an_empty_environment(tmp_path: Path) -> None:
    readme, *commands = _documented_commands()
    assert [c.split()[2] for c in [readme, *commands]] == [
        "simulate",
        "simulate",
        "fit",
        "score",
        "score",
        "evaluate",
    ]
    # The README's command as written, run from a checkout whose .venv is this environment;
    # only its output folder moves from /tmp/sim into this test's own folder.
    (tmp_path / ".venv").symlink_to(BIN.parent)
    assert readme.startswith(".venv/bin/oppfolging ") and " --out /tmp/sim" in readme
    readme = readme.replace("/tmp/sim", str(tmp_path / "readme-sim"))
    # docs/risk.md's commands as written, but with 2,000 patients instead of 50,000 so the
    # test stays fast.
    commands = [re.sub(r"--patients \d+", "--patients 2000", c) for c in commands]
    # Nothing but PATH: no SECRET_KEY, no DEBUG, no DJANGO_SETTINGS_MODULE, no HOME.
    env = {"PATH": f"{BIN}:/usr/bin:/bin"}
    for command in [readme, *commands]:
        run = subprocess.run(
            shlex.split(command),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, (command, run.stderr[-2000:])
        assert "SECRET_KEY" not in run.stderr
    assert (tmp_path / "readme-sim" / "t0" / "patients.csv").read_text().count("\n") == 1101
    assert (tmp_path / "skarer.csv").exists() and (tmp_path / "mal.json").exists()
    report = json.loads((tmp_path / "mal.json").read_text())
    assert report["unknown_codes"]["count"] == 0


def test_it_prints_unknown_codes_and_writes_them_to_the_reports(
    tmp_path: Path, write_extract
) -> None:
    path = write_extract(
        {"medications.csv": "patient_id,date,atc\np1,2024-01-01,C99XX01\np2,2024-01-01,A12AX\n"}
    )
    env = {"PATH": f"{BIN}:/usr/bin:/bin"}
    run = subprocess.run(
        [
            "oppfolging",
            "risk",
            "--quiet",
            "score",
            "--extract",
            str(path),
            "--out",
            "s.csv",
            "--json",
            "s.json",
            "--report",
            "s.html",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "1 ukjente koder satt til side" in run.stdout
    assert "medications.csv, linje 2: «C99XX01»" in run.stdout
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["unknown_codes"]["count"] == 1
    assert summary["unknown_codes"]["examples"][0]["line"] == 2
    assert "C99XX01" in (tmp_path / "s.html").read_text()
