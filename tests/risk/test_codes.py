"""Codes in real extracts: every ATC level, ICD-10 and ICPC-2 as written, unknown codes set aside."""

from __future__ import annotations

from pathlib import Path

import pytest
from risk_helpers import WriteExtract

from oppfolging.risk import codes
from oppfolging.risk.engine import score_extract
from oppfolging.risk.reader import ExtractError, Problem, read_extract


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ExtractError) as info:
        read_extract(path)
    return info.value.problems


@pytest.mark.parametrize("atc", ["A", "A12", "A12A", "A12AX", "A12AX01", "c03ca01", " N02 "])
def test_it_accepts_an_atc_code_at_every_level(write_extract: WriteExtract, atc: str) -> None:
    path = write_extract({"medications.csv": f"patient_id,date,atc\np1,2024-01-01,{atc}\n"})
    ext = read_extract(path)
    assert ext.medications["atc"].cast(str).to_list() == [atc.strip().upper()]
    assert ext.unknown_codes.count == 0


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("I50.9", "I50.9"),
        ("I509", "I50.9"),
        ("i50.9", "I50.9"),
        ("i509", "I50.9"),
        ("f32", "F32"),
        ("E11.65", "E11.65"),
        ("e1165", "E11.65"),
    ],
)
def test_it_normalises_icd10_with_or_without_the_dot_and_in_lower_case(
    write_extract: WriteExtract, written: str, normalised: str
) -> None:
    path = write_extract(
        {"diagnoses.csv": f"patient_id,date,system,code\np1,2024-01-01,ICD-10,{written}\n"}
    )
    ext = read_extract(path)
    assert ext.diagnoses["code"].cast(str).to_list() == [normalised]


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("-30", "-30"),
        ("-69", "-69"),
        ("k30", "K30"),
        ("K-31", "K31"),
        ("a98-1", "A98-1"),
        ("K86.01", "K86.01"),
    ],
)
def test_it_normalises_icpc2_process_codes(
    write_extract: WriteExtract, written: str, normalised: str
) -> None:
    path = write_extract(
        {"diagnoses.csv": f"patient_id,date,system,code\np1,2024-01-01,ICPC-2,{written}\n"}
    )
    ext = read_extract(path)
    assert ext.diagnoses["code"].cast(str).to_list() == [normalised]
    assert ext.unknown_codes.count == 0


def test_a_lower_case_dotless_icd10_code_still_marks_its_condition(
    write_extract: WriteExtract,
) -> None:
    path = write_extract(
        {"diagnoses.csv": "patient_id,date,system,code\np1,2024-01-01,ICD-10,i509\n"}
    )
    result = score_extract(path)
    row = result.frame.filter(result.frame["patient_id"] == "p1").row(0, named=True)
    assert "Hjertesvikt" in row["reasons"]


def test_it_classifies_codes_by_the_reference_tables() -> None:
    assert codes.atc("A12AX") == ("A12AX", codes.Status.KNOWN)
    assert codes.atc("C99XX01") == ("C99XX01", codes.Status.UNKNOWN)
    assert codes.atc("E01") == ("E01", codes.Status.UNKNOWN)  # E is no anatomical group
    assert codes.atc("C03CA1") == ("C03CA1", codes.Status.MALFORMED)
    assert codes.icd10("K95") == ("K95", codes.Status.UNKNOWN)  # chapter XI ends at K93
    assert codes.icd10("I5") == ("I5", codes.Status.MALFORMED)
    assert codes.icpc2("Q99") == ("Q99", codes.Status.UNKNOWN)  # Q is no ICPC-2 chapter
    assert codes.icpc2("K7") == ("K7", codes.Status.MALFORMED)


def test_it_scores_a_file_with_three_unknown_codes_among_100000_rows_and_reports_them(
    write_extract: WriteExtract,
) -> None:
    patients = "patient_id,national_id,birth_date,sex,gp_id\n" + "".join(
        f"p{i},,19{50 + i % 40}-01-01,{'FM'[i % 2]},1\n" for i in range(1000)
    )
    rows = [f"p{i % 1000},2024-0{1 + i % 9}-01,C03CA01\n" for i in range(100_000)]
    unknown = {500: "C99XX01", 60_000: "B04AB01", 99_998: "E01"}
    for index, code in unknown.items():
        rows[index] = f"p{index % 1000},2024-01-01,{code}\n"
    path = write_extract(
        {"patients.csv": patients, "medications.csv": "patient_id,date,atc\n" + "".join(rows)}
    )
    ext = read_extract(path)
    assert ext.unknown_codes.count == 3
    assert ext.unknown_codes.by_file == {"medications.csv": 3}
    assert [(e.file, e.line, e.code) for e in ext.unknown_codes.examples] == [
        ("medications.csv", 502, "C99XX01"),
        ("medications.csv", 60_002, "B04AB01"),
        ("medications.csv", 100_000, "E01"),
    ]
    # Set aside: the unknown rows are not in the table the features use.
    assert ext.medications.height == 100_000 - 3
    assert "C99XX01" not in ext.medications["atc"].cast(str).to_list()
    result = score_extract(ext)
    assert result.frame.height == 1000
    assert result.unknown_codes.count == 3


def test_it_lists_at_most_twenty_unknown_codes_but_counts_all(
    write_extract: WriteExtract,
) -> None:
    rows = "".join(f"p1,2024-01-01,ICD-10,K9{5 + i % 5}\n" for i in range(30))
    path = write_extract({"diagnoses.csv": "patient_id,date,system,code\n" + rows})
    ext = read_extract(path)
    assert ext.unknown_codes.count == 30
    assert len(ext.unknown_codes.examples) == 20
    assert ext.unknown_codes.lines()[0].startswith("30 ukjente koder satt til side")
    assert ext.unknown_codes.lines()[-1] == "  … og 10 til"


@pytest.mark.parametrize(
    ("files", "where"),
    [
        (
            {"patients.csv": "patient_id,birth_date,sex\np1,1950-01-01,F\n"},
            ("patients.csv", 1, "gp_id"),
        ),
        (
            {"patients.csv": "patient_id,birth_date,sex,gp_id\np1,1950-02-30,F,1\n"},
            ("patients.csv", 2, "birth_date"),
        ),
        (
            {
                "patients.csv": "patient_id,birth_date,sex,gp_id\np1,1950-01-01,F,1\np1,1950-01-01,F,1\n"
            },
            ("patients.csv", 3, "patient_id"),
        ),
        (
            {"contacts.csv": "patient_id,date,kind\np9,2024-01-01,phone\n"},
            ("contacts.csv", 2, "patient_id"),
        ),
        ({"contacts.csv": "patient_id,date,kind\np1,2024-01-01\n"}, ("contacts.csv", 2, "kind")),
        (
            {
                "medications.csv": "patient_id,date,atc\np1,2024-01-01,C03CA1\n",
                "diagnoses.csv": "patient_id,date,system,code\np1,2024-01-01,ICD-10,K95\n",
            },
            ("medications.csv", 2, "atc"),
        ),
    ],
)
def test_structural_faults_still_refuse_the_whole_extract(
    write_extract: WriteExtract, files: dict[str, str], where: tuple
) -> None:
    path = write_extract(files)
    found = problems_of(path)
    assert (found[0].file, found[0].line, found[0].column) == where


UNPARSABLE = [
    (
        "patient_id,date,kind\np1,2024-01-01,phone\np2,2024-01-01,phone,x\n",
        [("contacts.csv", 3, None, "raden har 4 verdier, men overskriften har 3 kolonner")],
    ),
    (
        'patient_id,date,kind\np1,2024-01-01,phone\np2,"2024-01-01,phone\np1,2024-01-01,phone\n',
        [("contacts.csv", 3, "date", "lukkes aldri")],
    ),
    (
        'patient_id,date,kind\np1,"2024-01-01",phone\np2,20"24-01-01,phone\n',
        [("contacts.csv", 3, "date", "anførselstegn inne i en verdi")],
    ),
    (
        'patient_id,date,kind\np1,"2024-01-01"x,phone\np2,2024-01-01,phone,x\n',
        [
            ("contacts.csv", 2, "date", "tegn etter anførselstegnet"),
            ("contacts.csv", 3, None, "raden har 4 verdier"),
        ],
    ),
]


def test_an_unclosed_quote_early_in_a_long_file_is_named_without_reading_the_rest_into_one_value(
    write_extract: WriteExtract,
) -> None:
    rows = "".join(f"p{1 + i % 2},2024-01-01,phone\n" for i in range(5000))
    path = write_extract(
        {"contacts.csv": 'patient_id,date,kind\np1,"2024-01-01,phone\n' + rows + "p1,1,2,3\n"}
    )
    found = problems_of(path)
    assert [(p.line, p.column) for p in found] == [(2, "date"), (5003, None)]


@pytest.mark.parametrize(("contacts", "expected"), UNPARSABLE)
@pytest.mark.parametrize("partitions", [1, 2])
def test_a_row_that_does_not_parse_refuses_the_extract_naming_line_and_column(
    write_extract: WriteExtract, contacts: str, expected: list, partitions: int
) -> None:
    path = write_extract({"contacts.csv": contacts})
    with pytest.raises(ExtractError) as caught:
        score_extract(path, partitions=partitions)
    found = caught.value.problems
    assert [(p.file, p.line, p.column) for p in found] == [e[:3] for e in expected]
    for problem, (*_where, text) in zip(found, expected, strict=True):
        assert text in problem.message


def test_it_refuses_a_patient_id_longer_than_the_database_keeps(
    write_extract: WriteExtract,
) -> None:
    long_id = "x" * 65
    path = write_extract(
        {
            "patients.csv": f"patient_id,birth_date,sex,gp_id\n{'y' * 64},1950-01-01,F,1\n"
            f"{long_id},1950-01-01,F,1\n"
        }
    )
    [problem] = problems_of(path)
    assert (problem.file, problem.line, problem.column) == ("patients.csv", 3, "patient_id")
    assert "64 tegn" in problem.message


def test_it_refuses_names_longer_than_the_database_keeps(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "patients.csv": "patient_id,birth_date,sex,gp_id,given_name,family_name\n"
            f"p1,1950-01-01,F,1,Kari,{'N' * 101}\n"
        }
    )
    [problem] = problems_of(path)
    assert (problem.file, problem.line, problem.column) == ("patients.csv", 2, "family_name")


def test_it_reads_the_optional_name_columns(write_extract: WriteExtract) -> None:
    path = write_extract(
        {
            "patients.csv": "patient_id,birth_date,sex,gp_id,given_name,family_name\n"
            "p1,1950-01-01,F,1,Kari Anne,Nordmann\n"
        }
    )
    ext = read_extract(path)
    assert ext.patients.select("given_name", "family_name").row(0) == ("Kari Anne", "Nordmann")
