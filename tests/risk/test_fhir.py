"""FHIR R4 input: the same checked tables, the same scores, messages that name the resource."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from risk_helpers import extract_to_fhir, write_fhir_bundle, write_fhir_ndjson

from oppfolging.risk.engine import score_extract
from oppfolging.risk.reader import ExtractError, read_extract
from oppfolging.risk.simulate import simulate


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fhir-sim")
    simulate(800, 3, out)
    return out


def _same(a, b) -> None:
    left = a.frame.drop("model_version")
    right = b.frame.drop("model_version")
    assert left.equals(right)


def test_a_fhir_bundle_scores_exactly_as_its_csv_extract(population: Path, tmp_path: Path) -> None:
    csv_result = score_extract(
        population / "t1", previous=population / "t0", followed_up_ids={"00000000000"}
    )
    bundle = write_fhir_bundle(population / "t1", tmp_path / "t1.json")
    previous = write_fhir_bundle(population / "t0", tmp_path / "t0.json")
    fhir_result = score_extract(bundle, previous=previous, followed_up_ids={"00000000000"})
    assert fhir_result.input_format == "fhir"
    assert fhir_result.extracted_at == csv_result.extracted_at
    _same(csv_result, fhir_result)
    # The tables themselves are the same, row for row.
    a, b = read_extract(population / "t1"), read_extract(bundle)
    for table in ("diagnoses", "medications", "contacts", "hospital_stays"):
        assert getattr(a, table).equals(getattr(b, table)), table


def test_ndjson_files_in_a_zip_score_exactly_as_the_csv_extract(
    population: Path, tmp_path: Path
) -> None:
    folder = write_fhir_ndjson(population / "t1", tmp_path / "ndjson")
    archive = tmp_path / "fhir.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in folder.iterdir():
            z.write(path, f"eksport/{path.name}")
    _same(score_extract(population / "t1"), score_extract(archive))


def _bundle(tmp_path: Path, entries: list, **extra) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(
        json.dumps(
            {
                "resourceType": "Bundle",
                "timestamp": "2025-01-01T00:00:00Z",
                "entry": entries,
                **extra,
            }
        )
    )
    return path


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "gender": "female",
    "birthDate": "1950-01-01",
    "generalPractitioner": [{"identifier": {"value": "1"}}],
}


def test_it_refuses_a_malformed_bundle_naming_the_entry(tmp_path: Path) -> None:
    path = _bundle(tmp_path, [{"resource": PATIENT}, {"fullUrl": "x"}, {"resource": {"id": "y"}}])
    with pytest.raises(ExtractError) as caught:
        read_extract(path)
    found = [(p.file, p.entry, p.column) for p in caught.value.problems]
    assert found == [
        ("bundle.json", "oppføring 2", "Bundle.entry.resource"),
        ("bundle.json", "oppføring 3", "resourceType"),
    ]
    assert str(caught.value.problems[0]).startswith("bundle.json, oppføring 2, element")


def test_it_refuses_a_bundle_that_is_not_json_naming_line_and_character(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text('{"resourceType": "Bundle",\n "entry": [}')
    with pytest.raises(ExtractError) as caught:
        read_extract(path)
    assert "linje 2" in caught.value.problems[0].message


def test_it_names_the_resource_and_its_position_for_a_bad_value(tmp_path: Path) -> None:
    condition = {
        "resourceType": "Condition",
        "id": "c7",
        "subject": {"reference": "Patient/p9"},
        "recordedDate": "2024-02-30",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I50"}]},
    }
    path = _bundle(tmp_path, [{"resource": PATIENT}, {"resource": condition}])
    with pytest.raises(ExtractError) as caught:
        read_extract(path)
    texts = sorted(str(p) for p in caught.value.problems)
    assert texts == [
        "bundle.json, oppføring 2 (Condition/c7), element Condition.recordedDate: "
        "ugyldig dato «2024-02-30» (forventer ÅÅÅÅ-MM-DD)",
        "bundle.json, oppføring 2 (Condition/c7), element Condition.subject: "
        "ukjent pasient «p9» (finnes ikke i patients.csv)",
    ]


def test_it_reports_unknown_codes_in_fhir_by_resource(tmp_path: Path) -> None:
    med = {
        "resourceType": "MedicationStatement",
        "id": "m1",
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2024-05-01",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.whocc.no/atc", "code": "C99XX01"}]
        },
    }
    path = _bundle(tmp_path, [{"resource": PATIENT}, {"resource": med}])
    ext = read_extract(path)
    assert ext.unknown_codes.count == 1
    [example] = ext.unknown_codes.examples
    assert str(example) == "bundle.json, oppføring 2 (MedicationStatement/m1): «C99XX01»"


def test_it_reads_names_from_the_patient_resource(tmp_path: Path) -> None:
    patient = PATIENT | {"name": [{"given": ["Kari", "Anne"], "family": "Nordmann"}]}
    ext = read_extract(_bundle(tmp_path, [{"resource": patient}]))
    assert ext.patients.select("given_name", "family_name").row(0) == ("Kari Anne", "Nordmann")


def test_the_converter_covers_every_resource_kind(population: Path) -> None:
    kinds = {r["resourceType"] for r in extract_to_fhir(population / "t1")}
    assert kinds == {
        "Patient",
        "Condition",
        "MedicationStatement",
        "MedicationRequest",
        "Encounter",
    }


def test_a_csv_extract_with_another_json_file_stays_a_csv_extract(
    population: Path, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "csv"
    shutil.copytree(population / "t1", folder)
    (folder / "manifest.json").write_text('{"exported_by": "EPJ"}')
    assert read_extract(folder).format == "csv"


def test_ndjson_problems_name_the_file_line_resource_and_element(tmp_path: Path) -> None:
    folder = tmp_path / "ndjson"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text(json.dumps(PATIENT) + "\n" + json.dumps(PATIENT) + "\n")
    condition = {
        "resourceType": "Condition",
        "id": "c7",
        "subject": {"reference": "Patient/p1"},
        "recordedDate": "2024-02-30",
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I50"}]},
    }
    (folder / "Condition.ndjson").write_text("\n" + json.dumps(condition) + "\n")
    (folder / "extract.json").write_text('{"extracted_at": "2025-01-01"}')
    with pytest.raises(ExtractError) as caught:
        read_extract(folder)
    texts = sorted(str(p) for p in caught.value.problems)
    assert len(texts) == 2, texts
    assert texts[0] == (
        "Condition.ndjson, linje 2 (Condition/c7), element Condition.recordedDate: "
        "ugyldig dato «2024-02-30» (forventer ÅÅÅÅ-MM-DD)"
    )
    assert texts[1].startswith("Patient.ndjson, linje 2 (Patient/p1), element Patient.id: ")
    # Lines that are no resource refuse the extract before anything is read.
    (folder / "Condition.ndjson").write_text(
        json.dumps(condition | {"recordedDate": "2024-02-01"}) + "\n{not json\n[1]\n"
    )
    (folder / "Patient.ndjson").write_text(json.dumps(PATIENT) + "\n")
    with pytest.raises(ExtractError) as caught:
        read_extract(folder)
    assert [str(p) for p in caught.value.problems] == [
        "Condition.ndjson, linje 2: ugyldig JSON (tegn 2)",
        "Condition.ndjson, linje 3: er ikke en FHIR-ressurs",
    ]


def test_observations_and_other_resources_are_accepted_and_not_used(tmp_path: Path) -> None:
    observation = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "valueQuantity": {"value": 150, "unit": "mmHg"},
        "effectiveDateTime": "2024-05-01",
    }
    practitioner = {"resourceType": "Practitioner", "id": "gp1"}
    plain = read_extract(_bundle(tmp_path, [{"resource": PATIENT}]))
    path = _bundle(
        tmp_path, [{"resource": PATIENT}, {"resource": observation}, {"resource": practitioner}]
    )
    ext = read_extract(path)
    assert ext.patients.height == 1 and ext.unknown_codes.count == 0
    assert score_extract(path).frame.drop("model_version").equals(
        score_extract(plain).frame.drop("model_version")
    )
