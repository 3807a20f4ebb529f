"""Helpers for the risk engine tests: write small hand-made extracts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

PATIENTS = (
    "patient_id,national_id,birth_date,sex,gp_id\n"
    "p1,01815012345,1950-01-01,F,1234567\n"
    "p2,,1990-06-15,M,1234567\n"
)

WriteExtract = Callable[..., Path]


def write_extract_files(
    folder: Path,
    files: dict[str, str | bytes],
    *,
    extracted_at: str = "2025-01-01",
    with_json: bool = True,
) -> Path:
    """Write an extract folder from file contents (str is written as UTF-8)."""
    folder.mkdir(parents=True, exist_ok=True)
    if with_json:
        (folder / "extract.json").write_text(
            json.dumps({"extracted_at": extracted_at, "source": "test", "gp_office": "test"})
        )
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def extract_to_fhir(folder: Path) -> list[dict]:
    """Return the FHIR R4 resources equivalent to a CSV extract folder (see docs/risk.md)."""
    import csv

    def rows(name: str) -> list[dict[str, str]]:
        path = folder / name
        if not path.exists():
            return []
        with path.open(encoding="utf-8-sig", newline="") as file:
            return list(csv.DictReader(file))

    subject = lambda pid: {"reference": f"Patient/{pid}"}  # noqa: E731
    out: list[dict] = []
    genders = {"F": "female", "M": "male", "U": "unknown"}
    for row in rows("patients.csv"):
        patient: dict = {
            "resourceType": "Patient",
            "id": row["patient_id"],
            "gender": genders[row["sex"]],
            "birthDate": row.get("birth_date") or row.get("birth_year"),
            "generalPractitioner": [
                {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.4", "value": row["gp_id"]}}
            ],
        }
        if row.get("national_id"):
            patient["identifier"] = [
                {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": row["national_id"]}
            ]
        if row.get("given_name") or row.get("family_name"):
            patient["name"] = [{"given": [row["given_name"]], "family": row["family_name"]}]
        out.append(patient)
    systems = {
        "ICPC-2": "urn:oid:2.16.578.1.12.4.1.1.7170",
        "ICD-10": "http://hl7.org/fhir/sid/icd-10",
    }
    for i, row in enumerate(rows("diagnoses.csv")):
        out.append(
            {
                "resourceType": "Condition",
                "id": f"c{i}",
                "subject": subject(row["patient_id"]),
                "recordedDate": row["date"],
                "code": {"coding": [{"system": systems[row["system"]], "code": row["code"]}]},
            }
        )
    for i, row in enumerate(rows("medications.csv")):
        # Alternate the two resources the reader accepts for a prescription.
        resource = {
            "resourceType": "MedicationRequest" if i % 2 else "MedicationStatement",
            "id": f"m{i}",
            "subject": subject(row["patient_id"]),
            "medicationCodeableConcept": {
                "coding": [{"system": "http://www.whocc.no/atc", "code": row["atc"]}]
            },
        }
        if i % 2:
            resource["authoredOn"] = row["date"]
        else:
            resource["effectiveDateTime"] = f"{row['date']}T10:00:00+01:00"
        out.append(resource)
    classes = {
        "consultation": "AMB",
        "home_visit": "HH",
        "phone": "VR",
        "e_consultation": "VR",
        "out_of_hours": "EMER",
        "other": "FLD",
    }
    for i, row in enumerate(rows("contacts.csv")):
        encounter = {
            "resourceType": "Encounter",
            "id": f"k{i}",
            "status": "finished",
            "subject": subject(row["patient_id"]),
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": classes[row["kind"]],
            },
            "period": {"start": row["date"]},
        }
        if row["kind"] == "phone":
            encounter["type"] = [{"coding": [{"code": "phone"}]}]
        out.append(encounter)
    for i, row in enumerate(rows("hospital_stays.csv")):
        period = {"start": row["admitted"]}
        if row.get("discharged"):
            period["end"] = row["discharged"]
        out.append(
            {
                "resourceType": "Encounter",
                "id": f"s{i}",
                "status": "finished",
                "subject": subject(row["patient_id"]),
                "class": {"code": "IMP"},
                "priority": {"coding": [{"code": "EM" if row["acute"].lower() == "true" else "R"}]},
                "period": period,
            }
        )
    return out


def write_fhir_bundle(folder: Path, target: Path, *, extracted_at: str | None = None) -> Path:
    """Write a CSV extract folder as one FHIR Bundle (timestamp = extracted_at)."""
    meta = json.loads((folder / "extract.json").read_text())
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": f"{extracted_at or meta['extracted_at']}T00:00:00+01:00",
        "entry": [
            {"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in extract_to_fhir(folder)
        ],
    }
    target.write_text(json.dumps(bundle))
    return target


def write_fhir_ndjson(folder: Path, target: Path) -> Path:
    """Write a CSV extract folder as NDJSON files per resource type, with its extract.json."""
    target.mkdir(parents=True, exist_ok=True)
    by_type: dict[str, list[str]] = {}
    for resource in extract_to_fhir(folder):
        by_type.setdefault(resource["resourceType"], []).append(json.dumps(resource))
    for kind, lines in by_type.items():
        (target / f"{kind}.ndjson").write_text("\n".join(lines) + "\n")
    (target / "extract.json").write_text((folder / "extract.json").read_text())
    return target
