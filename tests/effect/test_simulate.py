"""The simulator: GP extracts a year apart, team starts at a peak, a truth file."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from oppfolging.effect.cohort import EventIndex
from oppfolging.effect.extracts import cohort_from_extracts, read_extracts, read_teams
from oppfolging.effect.simulate import simulate


def test_it_writes_yearly_extracts_teams_and_the_truth(simulated):
    folder = simulated(4000, 0.2, 5)

    assert sorted(p.name for p in (folder / "extracts").iterdir()) == [
        "2022-01-01", "2023-01-01", "2024-01-01", "2025-01-01"]
    for extract in (folder / "extracts").iterdir():
        assert {p.name for p in extract.iterdir()} == {
            "extract.json", "patients.csv", "diagnoses.csv", "medications.csv", "hospital_stays.csv"}
    truth = json.loads((folder / "truth.json").read_text())
    assert truth["rate_ratio"] == 0.8 and truth["effect"] == 0.2 and truth["persons"] == 4000
    header, *rows = (folder / "teams.csv").read_text().splitlines()
    assert header == "patient_id,team_start" and len(rows) == truth["teams"] > 0


def test_it_starts_teams_at_a_peak_of_acute_admissions(simulated):
    folder = simulated(20000, 0.0, 2)
    starts, _repeated = read_teams(folder / "teams.csv")
    cohort, _report = cohort_from_extracts(read_extracts(folder / "extracts"), starts)
    index = EventIndex(cohort.acute)
    treated = np.flatnonzero(cohort.treated & (cohort.team_start > cohort.observed_from + 365))
    day = cohort.team_start[treated]
    before = index.total(treated, day - 365, day).mean()
    a_year_earlier = index.total(treated, day - 730, day - 365).mean()
    everyone = np.arange(cohort.size)
    typical = index.total(everyone, np.full(cohort.size, int(day.min())),
                          np.full(cohort.size, int(day.min()) + 365)).mean()

    # The year before a team is far worse than the year before that, and than anybody's year.
    assert before > 2 * a_year_earlier and before > 10 * typical


def test_it_writes_the_same_files_for_the_same_seed(tmp_path):
    def digest(folder):
        h = hashlib.sha256()
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                h.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
        return h.hexdigest()

    simulate(1500, 0.2, 9, tmp_path / "a")
    simulate(1500, 0.2, 9, tmp_path / "b")
    simulate(1500, 0.2, 10, tmp_path / "c")

    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")
