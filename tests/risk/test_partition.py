"""National scale: scoring in partitions by patient id gives exactly the single pass's list."""

from __future__ import annotations

from pathlib import Path

import pytest
from risk_helpers import PATIENTS, WriteExtract

from oppfolging.risk import partition
from oppfolging.risk.engine import fit_model, score_extract
from oppfolging.risk.reader import ExtractError, read_extract
from oppfolging.risk.simulate import simulate


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("partition-sim")
    simulate(3000, 5, out)
    # A few unknown codes, so that the merged report is checked too.
    meds = out / "t1" / "medications.csv"
    meds.write_text(meds.read_text() + "".join(f"t1-{i},2025-06-01,C99XX0{i}\n" for i in range(3)))
    return out


def _patients_of(folder: Path) -> list[str]:
    return [line.split(",")[0] for line in (folder / "patients.csv").read_text().splitlines()[1:4]]


@pytest.fixture(scope="module")
def fixed(population: Path) -> Path:
    """t1 with the three unknown codes on patients that exist."""
    ids = _patients_of(population / "t1")
    meds = population / "t1" / "medications.csv"
    text = meds.read_text()
    for i, pid in enumerate(ids):
        text = text.replace(f"t1-{i},", f"{pid},")
    meds.write_text(text)
    return population


@pytest.mark.parametrize("k", [2, 5])
def test_partitioned_reference_scores_equal_a_single_pass(fixed: Path, k: int) -> None:
    followed = {"00000000000"}
    single = score_extract(fixed / "t1", previous=fixed / "t0", followed_up_ids=followed)
    parted = score_extract(
        fixed / "t1", previous=fixed / "t0", followed_up_ids=followed, partitions=k
    )
    assert parted.frame.equals(single.frame)
    assert parted.input_sha256 == single.input_sha256
    assert parted.previous_sha256 == single.previous_sha256
    assert parted.unknown_codes == single.unknown_codes
    assert single.unknown_codes.count == 3


def test_partitioned_learned_scores_equal_a_single_pass(fixed: Path, tmp_path: Path) -> None:
    model = fit_model(fixed / "t0", model_out=tmp_path / "m.json", outcomes_from=fixed / "t1")
    for explain_top in (None, 0.1):
        single = score_extract(fixed / "t1", model=model, previous=fixed / "t0",
                               explain_top=explain_top)
        parted = score_extract(fixed / "t1", model=model, previous=fixed / "t0",
                               explain_top=explain_top, partitions=3)
        assert parted.frame.equals(single.frame), explain_top


def test_partitioned_reading_refuses_the_same_faults_with_the_original_lines(
    write_extract: WriteExtract,
) -> None:
    path = write_extract(
        {
            "patients.csv": PATIENTS + "p1,,1960-01-01,F,1\n",
            "contacts.csv": "patient_id,date,kind\np2,2024-01-01,phone\np9,2024-01-01,phone\n"
            "p1,2024-02-30,phone\n",
        }
    )
    with pytest.raises(ExtractError) as single:
        read_extract(path)
    with pytest.raises(ExtractError) as parted:
        score_extract(path, partitions=3)
    where = sorted((p.file, p.line, p.column) for p in parted.value.problems)
    assert where == sorted((p.file, p.line, p.column) for p in single.value.problems)
    assert ("contacts.csv", 3, "patient_id") in where and ("patients.csv", 4, "patient_id") in where


def test_it_chooses_partitions_from_the_extract_size(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "patients.csv").write_bytes(b"x" * 1000)
    assert partition.partitions_for(tmp_path) == 1
    monkeypatch.setattr(partition, "SINGLE_PASS_BYTES", 999)
    monkeypatch.setattr(partition, "BYTES_PER_PARTITION", 300)
    assert partition.partitions_for(tmp_path) == 4


def test_partitioned_reading_takes_windows_1252_semicolons_and_padding(
    write_extract: WriteExtract,
) -> None:
    patients = (
        "Patient_ID ; national_id;birth_date;sex;gp_id;family_name\n"
        " p1 ;01815012345;1950-01-01;F;1;Ærø\n"
        "p2;;1990-06-15;M;1;Østby\n\n"
        "p3;;1940-02-01;F;1;Åsen\n"
    ).encode("cp1252")
    path = write_extract(
        {
            "patients.csv": patients,
            "diagnoses.csv": "patient_id,date,system,code\np3,2024-01-01,ICD-10,i509\n"
            "p1,2024-01-01,ICPC-2,K95\n",
        }
    )
    single = score_extract(path)
    parted = score_extract(path, partitions=2)
    assert parted.frame.equals(single.frame)
    assert parted.unknown_codes == single.unknown_codes
    assert single.frame["patient_id"].to_list()[0] == "p3"
