"""Tests for reading and validating GP extracts."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from risk_helpers import PATIENTS, WriteExtract, write_extract_files

from oppfolging.risk.reader import ExtractError, Problem, read_extract


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ExtractError) as info:
        read_extract(path)
    return info.value.problems


def test_it_reads_a_valid_extract(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "diagnoses.csv": "patient_id,date,system,code\np1,2024-05-01,ICPC-2,K77\n"
            "p1,2024-06-01,ICD-10,I50.9\n",
            "medications.csv": "patient_id,date,atc\np1,2024-05-01,C03CA01\n",
            "contacts.csv": "patient_id,date,kind\np2,2024-05-01,phone\n",
            "hospital_stays.csv": "patient_id,admitted,discharged,acute\n"
            "p1,2024-12-30,,true\np2,2024-02-01,2024-02-03,FALSE\n",
        }
    )
    ext = read_extract(path)
    assert ext.extracted_at == date(2025, 1, 1)
    assert ext.patients["patient_id"].to_list() == ["p1", "p2"]
    assert ext.patients["national_id"].to_list() == ["01815012345", None]
    assert ext.diagnoses["code"].to_list() == ["K77", "I50.9"]
    assert ext.hospital_stays["acute"].to_list() == [True, False]
    assert ext.hospital_stays["discharged"].to_list() == [None, date(2024, 2, 3)]
    assert len(ext.sha256) == 64


def test_it_reads_windows_1252_with_norwegian_letters(write_extract: WriteExtract) -> None:
    text = "patient_id;navn;birth_date;sex;gp_id\nPØ-æå1;Bjørn Ærlig;1950-01-01;M;1\n"
    path = write_extract({"patients.csv": text.encode("cp1252")})
    ext = read_extract(path)
    assert ext.patients["patient_id"].to_list() == ["PØ-æå1"]


def test_it_reads_semicolons_bom_and_columns_in_any_order(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "patients.csv": "\ufeffsex;gp_id;birth_date;patient_id;ekstra\nF;1;1950-01-01;a;x\n",
            "contacts.csv": "\ufeffkind;date;patient_id\nout_of_hours;2024-03-01;a\n",
        }
    )
    ext = read_extract(path)
    assert ext.patients["sex"].to_list() == ["F"]
    assert ext.contacts["kind"].to_list() == ["out_of_hours"]


def test_it_reads_a_zip_with_a_top_folder(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("uttrekk/extract.json", '{"extracted_at": "2025-01-01"}')
        zf.writestr("uttrekk/patients.csv", PATIENTS)
    path = tmp_path / "uttrekk.zip"
    path.write_bytes(buf.getvalue())
    assert read_extract(path).patients.height == 2


def test_it_treats_missing_optional_files_as_empty(write_extract: WriteExtract) -> None:
    ext = read_extract(write_extract())
    assert ext.diagnoses.height == 0
    assert ext.hospital_stays.schema["acute"] == pl.Boolean
    assert ext.outcomes is None


def test_it_accepts_birth_year_instead_of_birth_date(write_extract: WriteExtract) -> None:
    ext = read_extract(
        write_extract({"patients.csv": "patient_id,birth_year,sex,gp_id\na,1940,U,1\n"})
    )
    assert ext.patients["birth_year"].to_list() == [1940]


def test_it_refuses_a_missing_required_column(write_extract: WriteExtract) -> None:
    path = write_extract({"patients.csv": "patient_id,birth_date,gp_id\na,1950-01-01,1\n"})
    assert problems_of(path) == [Problem("patients.csv", 1, "sex", "påkrevd kolonne mangler")]


def test_it_refuses_a_bad_date_naming_file_line_and_column(write_extract: WriteExtract) -> None:
    path = write_extract(
        {"contacts.csv": "patient_id,date,kind\np1,2024-01-01,phone\np1,2024-02-30,phone\n"}
    )
    [problem] = problems_of(path)
    assert (problem.file, problem.line, problem.column) == ("contacts.csv", 3, "date")
    assert "2024-02-30" in problem.message
    assert str(problem).startswith("contacts.csv, linje 3, kolonne date:")


def test_it_refuses_malformed_codes_per_system(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "diagnoses.csv": "patient_id,date,system,code\n"
            "p1,2024-01-01,ICPC-2,K77\n"
            "p1,2024-01-01,ICPC-2,K7\n"
            "p1,2024-01-01,ICD-10,I5X\n"
            "p1,2024-01-01,SNOMED,123\n",
            "medications.csv": "patient_id,date,atc\np1,2024-01-01,C3\n",
        }
    )
    found = {(p.file, p.line, p.column) for p in problems_of(path)}
    assert found == {
        ("diagnoses.csv", 3, "code"),
        ("diagnoses.csv", 4, "code"),
        ("diagnoses.csv", 5, "system"),
        ("medications.csv", 2, "atc"),
    }


def test_it_refuses_duplicate_and_unknown_patients(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "patients.csv": PATIENTS + "p1,,1960-01-01,F,1\n",
            "contacts.csv": "patient_id,date,kind\nghost,2024-01-01,phone\n",
        }
    )
    found = {(p.file, p.line, p.column) for p in problems_of(path)}
    assert found == {("patients.csv", 4, "patient_id"), ("contacts.csv", 2, "patient_id")}


def test_it_refuses_bad_values_everywhere_in_one_error(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "patients.csv": "patient_id,national_id,birth_date,sex,gp_id\na,123,1950-01-01,K,1\n",
            "hospital_stays.csv": "patient_id,admitted,discharged,acute\n"
            "a,2024-05-10,2024-05-01,ja\n",
        }
    )
    found = {(p.file, p.line, p.column) for p in problems_of(path)}
    assert found == {
        ("patients.csv", 2, "national_id"),
        ("patients.csv", 2, "sex"),
        ("hospital_stays.csv", 2, "discharged"),
        ("hospital_stays.csv", 2, "acute"),
    }


def test_it_refuses_a_missing_extract_json(tmp_path: Path) -> None:
    path = write_extract_files(tmp_path / "x", {"patients.csv": PATIENTS}, with_json=False)
    assert problems_of(path) == [Problem("extract.json", None, None, "filen mangler")]


def test_it_caps_the_problem_list(write_extract: WriteExtract) -> None:
    rows = "".join(f"p1,2024-13-{i % 28 + 1:02d},phone\n" for i in range(500))
    path = write_extract({"contacts.csv": "patient_id,date,kind\n" + rows})
    with pytest.raises(ExtractError) as info:
        read_extract(path)
    assert len(info.value.problems) == 200
    assert info.value.more == 300


ids = st.text(alphabet=st.sampled_from("abcXYZ019-_æøåÆØÅ"), min_size=1, max_size=12).filter(
    lambda s: s.strip() == s
)
patient_rows = st.lists(
    st.tuples(ids, st.dates(date(1900, 1, 1), date(2024, 12, 31)), st.sampled_from("FMU")),
    min_size=1,
    max_size=30,
    unique_by=lambda r: r[0],
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=patient_rows,
    separator=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_it_round_trips_any_valid_patients_table(
    tmp_path: Path, rows: list[tuple[str, date, str]], separator: str, encoding: str
) -> None:
    header = separator.join(["gp_id", "patient_id", "sex", "birth_date"])
    body = "".join(
        separator.join(["1", pid, sex, born.isoformat()]) + "\r\n" for pid, born, sex in rows
    )
    folder = tmp_path / f"rt-{abs(hash((tuple(rows), separator, encoding)))}"
    write_extract_files(folder, {"patients.csv": (header + "\r\n" + body).encode(encoding)})
    ext = read_extract(folder)
    assert ext.patients["patient_id"].to_list() == [r[0] for r in rows]
    assert ext.patients["birth_date"].to_list() == [r[1] for r in rows]
    assert ext.patients["sex"].to_list() == [r[2] for r in rows]


def test_it_refuses_a_column_given_twice(write_extract: WriteExtract) -> None:
    path = write_extract({"patients.csv": "patient_id,sex,Sex,birth_year,gp_id\na,F,F,1950,1\n"})
    assert problems_of(path) == [Problem("patients.csv", 1, "sex", "kolonnen står flere ganger")]


def test_it_refuses_bytes_that_are_neither_utf8_nor_windows_1252(
    write_extract: WriteExtract,
) -> None:
    data = PATIENTS.encode() + b"p3,,1950-01-01,F,1\x81\n"
    [problem] = problems_of(write_extract({"patients.csv": data}))
    assert (problem.file, problem.line) == ("patients.csv", 4)
    assert "tegnkoding" in problem.message


@settings(max_examples=30, deadline=None)
@given(
    line=st.integers(0, 19),
    column=st.sampled_from(["date", "kind"]),
    bad=st.sampled_from(["2024-13-01", "1.1.2024", "x", "2024-02-30"]),
)
def test_it_points_at_the_line_and_column_of_any_single_bad_value(
    tmp_path_factory: pytest.TempPathFactory, line: int, column: str, bad: str
) -> None:
    rows = [["p1", "2024-01-01", "phone"] for _ in range(20)]
    rows[line][1 if column == "date" else 2] = bad
    body = "".join(",".join(r) + "\n" for r in rows)
    folder = write_extract_files(
        tmp_path_factory.mktemp("one-bad"),
        {"patients.csv": PATIENTS, "contacts.csv": "patient_id,date,kind\n" + body},
    )
    [problem] = problems_of(folder)
    assert (problem.file, problem.line, problem.column) == ("contacts.csv", line + 2, column)


def test_it_trims_values_and_upper_cases_codes(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "diagnoses.csv": "patient_id,date,system,code\n p1 ,2024-05-01,ICPC-2, k77\n",
            "medications.csv": "patient_id,date,atc\np1,2024-05-01,c03ca01\n",
        }
    )
    ext = read_extract(path)
    assert ext.diagnoses["code"].to_list() == ["K77"]
    assert ext.medications["atc"].to_list() == ["C03CA01"]
    assert ext.diagnoses["pidx"].to_list() == [0]


def test_it_reports_each_event_problem_once_when_patients_repeat(
    write_extract: WriteExtract,
) -> None:
    path = write_extract(
        {
            "patients.csv": PATIENTS + "p1,,1960-01-01,F,1\n",
            "diagnoses.csv": "patient_id,date,system,code\np1,2024-01-01,ICPC-2,Q9\n",
        }
    )
    found = [(p.file, p.line, p.column) for p in problems_of(path)]
    assert found == [("patients.csv", 4, "patient_id"), ("diagnoses.csv", 2, "code")]


def test_a_folder_and_a_zip_of_it_read_the_same(tmp_path: Path) -> None:
    # A folder's files are memory-mapped and parsed from disk, a zip's from bytes: the two
    # paths must agree to the hash, on a simulated list with every kind of file.
    from oppfolging.risk.simulate import simulate

    simulate(400, 3, tmp_path / "pop")
    folder = tmp_path / "pop" / "t0"
    archive = tmp_path / "uttrekk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in folder.iterdir():
            zf.write(file, file.name)
    a, b = read_extract(folder), read_extract(archive)
    assert a.sha256 == b.sha256 and a.files == b.files
    for table in ("patients", "diagnoses", "medications", "contacts", "hospital_stays"):
        assert getattr(a, table).equals(getattr(b, table)), table
