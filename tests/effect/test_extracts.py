"""Building a cohort from yearly extracts: stays counted once, patients followed by id."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from oppfolging.effect.cohort import NEVER, day_number
from oppfolging.effect.extracts import cohort_from_extracts, read_extracts, read_teams
from oppfolging.risk.reader import ExtractError

PATIENTS = "patient_id,national_id,birth_date,sex,gp_id\nA,,1950-03-01,F,1\nB,,1960-01-01,M,1\n"


def extract(folder: Path, at: str, stays: str, patients: str = PATIENTS) -> None:
    folder.mkdir(parents=True)
    (folder / "extract.json").write_text(json.dumps({"extracted_at": at}))
    (folder / "patients.csv").write_text(patients)
    (folder / "hospital_stays.csv").write_text("patient_id,admitted,discharged,acute\n" + stays)


def test_it_counts_a_stay_in_two_extracts_once_and_keeps_its_discharge(tmp_path):
    # Folder names do not order the extracts; extracted_at does.
    extract(tmp_path / "x" / "b", "2023-01-01",
            "A,2022-12-30,,true\nA,2022-06-01,2022-06-04,true\nB,2022-03-01,2022-03-02,false\n")
    extract(tmp_path / "x" / "a", "2024-01-01", "A,2022-12-30,2023-01-05,true\n",
            patients="patient_id,birth_date,sex,gp_id\nA,1950-03-01,F,1\n")

    teams = {"A": day_number(dt.date(2023, 2, 1)), "Z": 0}
    cohort, report = cohort_from_extracts(read_extracts(tmp_path / "x"), teams)

    assert report.extracts[0].isoformat() == "2023-01-01" and report.persons == 2
    assert report.teams == 1 and report.teams_not_in_extracts == 1
    assert report.acute_admissions == 2  # the stay in both extracts once; B's was planned
    a = list(cohort.ids).index("A")
    b = list(cohort.ids).index("B")
    assert cohort.observed_to[a] == day_number(dt.date(2024, 1, 1))
    assert cohort.observed_to[b] == day_number(dt.date(2023, 1, 1))
    assert cohort.team_start[b] == NEVER
    assert sorted(cohort.acute_nights.weight.tolist()) == [3.0, 6.0]


def test_it_refuses_all_extracts_when_one_is_faulty_naming_the_sub_folder(tmp_path):
    extract(tmp_path / "x" / "2023", "2023-01-01", "A,2022-12-30,,true\n")
    extract(tmp_path / "x" / "2024", "2024-01-01", "A,2023-13-01,,true\n")

    with pytest.raises(ExtractError) as error:
        read_extracts(tmp_path / "x")

    assert str(error.value.problems[0]).startswith("2024/hospital_stays.csv, linje 2, kolonne admitted")


def test_it_reads_teams_with_semicolons_and_bom_keeping_the_earliest_start(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes("\ufeffTeam_start;patient_id;note\n2023-05-01;A;x\n2023-02-01;A;y\n\n".encode())

    starts, repeated = read_teams(path)

    assert starts == {"A": day_number(dt.date(2023, 2, 1))} and repeated == 1


def test_it_refuses_a_teams_file_without_patient_id(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("id,team_start\nA,2023-01-01\n")

    with pytest.raises(ExtractError) as error:
        read_teams(path)

    assert str(error.value.problems[0]) == "teams.csv, linje 1, kolonne patient_id: påkrevd kolonne mangler"
