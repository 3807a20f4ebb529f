"""Read FHIR R4 input (a Bundle, or NDJSON files) into the reader's string tables.

The result has the same columns as the CSV files of the extract contract, as strings, so the
reader checks a FHIR extract with exactly the rules of a CSV one (see reader.py). Each row
carries where it came from: ``_file`` (the file inside the extract), ``_entry`` (the resource
and its position: ``oppføring 12 (Condition/c12)`` in a Bundle, ``linje 12 (Condition/c12)``
in NDJSON) and ``_line`` (the position as a number).

Which resources and elements are read, and how Encounter classes become contacts and hospital
stays, is documented in docs/risk.md ("FHIR input"). Resources of other types, and codings in
systems other than ICPC-2, ICD-10 and ATC, are not used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import polars as pl

LINE = "_line"
SOURCE = "_file"
ENTRY = "_entry"

ICPC2_SYSTEMS = frozenset(
    {"urn:oid:2.16.578.1.12.4.1.1.7170", "http://hl7.org/fhir/sid/icpc-2", "ICPC-2"}
)
ICD10_SYSTEMS = frozenset(
    {"urn:oid:2.16.578.1.12.4.1.1.7110", "http://hl7.org/fhir/sid/icd-10", "ICD-10"}
)
ATC_SYSTEMS = frozenset({"http://www.whocc.no/atc", "urn:oid:2.16.578.1.12.4.1.1.7180"})
# Fødselsnummer and D-nummer (Norwegian identity numbers); HPR (health personnel register).
NATIONAL_ID_SYSTEMS = frozenset({"urn:oid:2.16.578.1.12.4.1.4.1", "urn:oid:2.16.578.1.12.4.1.4.2"})
HPR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.4"

# Encounter.class codes (HL7 v3 ActCode) that are hospital stays, and the acute ones among them.
STAY_CLASSES = frozenset({"IMP", "ACUTE", "NONAC", "SS", "OBSENC"})
ACUTE_PRIORITIES = frozenset({"EM", "UR", "A", "S"})
# Encounter.class → contact kind; any other class is "other".
CONTACT_CLASSES = {
    "AMB": "consultation",
    "HH": "home_visit",
    "VR": "e_consultation",
    "EMER": "out_of_hours",
}

GENDERS = {"female": "F", "male": "M", "other": "U", "unknown": "U"}

TABLE_COLUMNS: dict[str, list[str]] = {
    "patients.csv": [
        "patient_id",
        "national_id",
        "birth_date",
        "birth_year",
        "sex",
        "gp_id",
        "given_name",
        "family_name",
    ],
    "diagnoses.csv": ["patient_id", "date", "system", "code"],
    "medications.csv": ["patient_id", "date", "atc"],
    "contacts.csv": ["patient_id", "date", "kind"],
    "hospital_stays.csv": ["patient_id", "admitted", "discharged", "acute"],
}

# The element a table's column comes from, named in messages instead of the CSV column.
FHIR_ELEMENTS: dict[tuple[str, str], str] = {
    ("patients.csv", "patient_id"): "Patient.id",
    ("patients.csv", "national_id"): "Patient.identifier",
    ("patients.csv", "birth_date"): "Patient.birthDate",
    ("patients.csv", "birth_year"): "Patient.birthDate",
    ("patients.csv", "sex"): "Patient.gender",
    ("patients.csv", "gp_id"): "Patient.generalPractitioner",
    ("patients.csv", "given_name"): "Patient.name.given",
    ("patients.csv", "family_name"): "Patient.name.family",
    ("diagnoses.csv", "patient_id"): "Condition.subject",
    ("diagnoses.csv", "date"): "Condition.recordedDate",
    ("diagnoses.csv", "system"): "Condition.code.coding.system",
    ("diagnoses.csv", "code"): "Condition.code.coding.code",
    ("medications.csv", "patient_id"): "subject",
    ("medications.csv", "date"): "effective[x]/authoredOn",
    ("medications.csv", "atc"): "medicationCodeableConcept.coding.code",
    ("contacts.csv", "patient_id"): "Encounter.subject",
    ("contacts.csv", "date"): "Encounter.period.start",
    ("contacts.csv", "kind"): "Encounter.class",
    ("hospital_stays.csv", "patient_id"): "Encounter.subject",
    ("hospital_stays.csv", "admitted"): "Encounter.period.start",
    ("hospital_stays.csv", "discharged"): "Encounter.period.end",
    ("hospital_stays.csv", "acute"): "Encounter.priority",
}

# (file, entry, element, message): a structural fault of the FHIR input itself.
FhirProblem = tuple[str, str | None, str | None, str]
Row = dict[str, Any]


def read_resources(
    contents: dict[str, bytes],
) -> tuple[dict[str, pl.DataFrame], str | None, list[FhirProblem]]:
    """Turn FHIR files into the reader's string tables.

    Parameters
    ----------
    contents : file name → bytes; ``.ndjson`` files hold one resource a line, other ``.json``
        files one Bundle each.

    Returns
    -------
    The tables by CSV name, the Bundle's ``timestamp`` date (for ``extracted_at`` when there is
    no extract.json), and the structural problems found (empty when the input is usable).
    """
    rows: dict[str, list[Row]] = {name: [] for name in TABLE_COLUMNS}
    problems: list[FhirProblem] = []
    extracted_at: str | None = None
    for name, data in contents.items():
        if name.lower().endswith(".ndjson"):
            resources = _ndjson(name, data, problems)
        else:
            resources, stamp = _bundle(name, data, problems)
            extracted_at = extracted_at or stamp
        for position, label, resource in resources:
            where = {LINE: position, SOURCE: name, ENTRY: label}
            _resource(resource, where, rows)
    tables = {
        name: pl.DataFrame(
            rows[name],
            schema={LINE: pl.UInt32, SOURCE: pl.String, ENTRY: pl.String}
            | {c: pl.String for c in columns},
        )
        for name, columns in TABLE_COLUMNS.items()
    }
    return tables, extracted_at, problems


Located = tuple[int, str, dict[str, Any]]


def _label(kind: str, position: int, resource: dict[str, Any]) -> str:
    rid = resource.get("id")
    return f"{kind} {position} ({resource.get('resourceType')}/{rid if rid else '–'})"


def _ndjson(name: str, data: bytes, problems: list[FhirProblem]) -> Iterator[Located]:
    """Yield each line's resource; record lines that are not a JSON resource."""
    found: list[Located] = []
    for number, line in enumerate(data.decode("utf-8-sig", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((name, f"linje {number}", None, f"ugyldig JSON (tegn {exc.colno})"))
            continue
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.append((name, f"linje {number}", None, "er ikke en FHIR-ressurs"))
            continue
        found.append((number, _label("linje", number, resource), resource))
    return iter(found)


def _bundle(
    name: str, data: bytes, problems: list[FhirProblem]
) -> tuple[Iterator[Located], str | None]:
    """Return a Bundle's entries with their positions (1-based) and its timestamp's date."""
    try:
        bundle = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.append((name, None, None, "filen er ikke UTF-8"))
        return iter(()), None
    except json.JSONDecodeError as exc:
        problems.append((name, None, None, f"ugyldig JSON (linje {exc.lineno}, tegn {exc.colno})"))
        return iter(()), None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        problems.append((name, None, "resourceType", "forventer en FHIR Bundle"))
        return iter(()), None
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        problems.append((name, None, "Bundle.entry", "forventer en liste av oppføringer"))
        return iter(()), None
    found: list[Located] = []
    for number, entry in enumerate(entries, 1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(
                (name, f"oppføring {number}", "Bundle.entry.resource", "mangler ressursen")
            )
            continue
        if not isinstance(resource.get("resourceType"), str):
            problems.append(
                (name, f"oppføring {number}", "resourceType", "ressursen mangler resourceType")
            )
            continue
        found.append((number, _label("oppføring", number, resource), resource))
    stamp = bundle.get("timestamp")
    return iter(found), stamp[:10] if isinstance(stamp, str) else None


def _text(value: Any) -> str | None:
    """Return a trimmed string, or None for absent or empty values (numbers become text)."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _date(value: Any) -> str | None:
    """Return the date part of a FHIR date or dateTime (a partial date stays as written)."""
    text = _text(value)
    return text[:10] if text and len(text) > 10 and text[10] == "T" else text


def _subject(resource: dict[str, Any]) -> str | None:
    """Return the patient id a resource points to (``Patient/<id>`` or ``urn:uuid:<id>``)."""
    ref = resource.get("subject") or resource.get("patient") or {}
    text = _text(ref.get("reference")) if isinstance(ref, dict) else None
    if text is None:
        return None
    for prefix in ("Patient/", "urn:uuid:"):
        if text.startswith(prefix):
            return text[len(prefix) :] or None
    return text


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [c for c in concept["coding"] if isinstance(c, dict)]


def _first(items: Any) -> dict[str, Any]:
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return {}


def _resource(resource: dict[str, Any], where: Row, rows: dict[str, list[Row]]) -> None:
    """Add the table rows one resource gives (none for types the engine does not use)."""
    kind = resource["resourceType"]
    if kind == "Patient":
        rows["patients.csv"].append(where | _patient(resource))
    elif kind == "Condition":
        patient = _subject(resource)
        day = _date(resource.get("recordedDate")) or _date(resource.get("onsetDateTime"))
        for coding in _codings(resource.get("code")):
            system = _text(coding.get("system"))
            name = (
                "ICPC-2"
                if system in ICPC2_SYSTEMS
                else "ICD-10"
                if system in ICD10_SYSTEMS
                else None
            )
            if name is not None:
                rows["diagnoses.csv"].append(
                    where
                    | {
                        "patient_id": patient,
                        "date": day,
                        "system": name,
                        "code": _text(coding.get("code")),
                    }
                )
    elif kind in ("MedicationStatement", "MedicationRequest"):
        patient = _subject(resource)
        if kind == "MedicationRequest":
            day = _date(resource.get("authoredOn"))
        else:
            period = resource.get("effectivePeriod")
            day = (
                _date(resource.get("effectiveDateTime"))
                or (_date(period.get("start")) if isinstance(period, dict) else None)
                or _date(resource.get("dateAsserted"))
            )
        for coding in _codings(resource.get("medicationCodeableConcept")):
            if _text(coding.get("system")) in ATC_SYSTEMS:
                rows["medications.csv"].append(
                    where | {"patient_id": patient, "date": day, "atc": _text(coding.get("code"))}
                )
    elif kind == "Encounter":
        _encounter(resource, where, rows)


def _patient(resource: dict[str, Any]) -> Row:
    national_id = None
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") in NATIONAL_ID_SYSTEMS:
            national_id = _text(ident.get("value"))
    gp_id = None
    for practitioner in resource.get("generalPractitioner") or []:
        ident = practitioner.get("identifier") if isinstance(practitioner, dict) else None
        if isinstance(ident, dict) and _text(ident.get("value")):
            if ident.get("system") in (HPR_SYSTEM, None) or gp_id is None:
                gp_id = _text(ident.get("value"))
    born = _date(resource.get("birthDate"))
    gender = _text(resource.get("gender"))
    name = _first(resource.get("name"))
    given = name.get("given")
    return {
        "patient_id": _text(resource.get("id")),
        "national_id": national_id,
        "birth_date": born if born is None or len(born) != 4 else None,
        "birth_year": born if born is not None and len(born) == 4 else None,
        "sex": GENDERS.get(gender, gender) if gender is not None else None,
        "gp_id": gp_id,
        "given_name": _text(" ".join(str(g) for g in given)) if isinstance(given, list) else None,
        "family_name": _text(name.get("family")),
    }


def _encounter(resource: dict[str, Any], where: Row, rows: dict[str, list[Row]]) -> None:
    klass = resource.get("class")
    code = _text(klass.get("code")) if isinstance(klass, dict) else None
    found = resource.get("period")
    period: dict[str, Any] = found if isinstance(found, dict) else {}
    patient = _subject(resource)
    start = _date(period.get("start"))
    if code in STAY_CLASSES:
        priorities = {_text(c.get("code")) for c in _codings(resource.get("priority"))}
        acute = code == "ACUTE" or (code != "NONAC" and bool(priorities & ACUTE_PRIORITIES))
        rows["hospital_stays.csv"].append(
            where
            | {
                "patient_id": patient,
                "admitted": start,
                "discharged": _date(period.get("end")),
                "acute": "true" if acute else "false",
            }
        )
        return
    kind = CONTACT_CLASSES.get(code or "", "other")
    types = {_text(c.get("code")) for t in resource.get("type") or [] for c in _codings(t)}
    if code == "VR" and "phone" in types:
        kind = "phone"
    rows["contacts.csv"].append(where | {"patient_id": patient, "date": start, "kind": kind})
