"""Importing outcome data: all or nothing, never duplicated, matched on identity number only."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from outcome_helpers import person

from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import Role
from oppfolging.audit.models import AuditEvent
from oppfolging.lib import identity
from oppfolging.outcomes.formats import ImportProblems
from oppfolging.outcomes.models import (
    HospitalStay,
    ImportKind,
    OutcomeImport,
    RiskSnapshot,
    ServiceUse,
)
from oppfolging.outcomes.services import outcome_import


def admissions(*rows: str, header: str = "national_id,admitted,discharged,acute") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run(cast, data: bytes, kind: str = ImportKind.ADMISSIONS_CSV, name: str = "innleggelser.csv",
        **kwargs):
    return outcome_import(grant=StaffGrant(cast.cu, cast.municipality, frozenset({Role.COORDINATING_UNIT})), kind=kind,
                          file_name=name, data=data, **kwargs)


def test_it_refuses_a_malformed_admissions_file_whole_naming_file_line_and_column(cast):
    number = cast.person.identity_number
    data = admissions(f"{number},2024-03-01,2024-03-04,true", f"{number},2024-13-01,,true",
                      f"{number},2024-05-01,2024-04-01,TRUE", f"{number},2024-06-01,,kanskje")

    with pytest.raises(ImportProblems) as error:
        run(cast, data)

    assert [str(p) for p in error.value.problems] == [
        "innleggelser.csv, linje 3, kolonne admitted: ugyldig dato «2024-13-01» (forventer ÅÅÅÅ-MM-DD)",
        "innleggelser.csv, linje 4, kolonne discharged: utskrevet «2024-04-01» før innlagt",
        "innleggelser.csv, linje 5, kolonne acute: ugyldig verdi «kanskje» (forventer true eller false)",
    ]
    # The good first line is not imported either.
    assert HospitalStay.objects.count() == 0 and OutcomeImport.objects.count() == 0


def test_it_refuses_a_file_without_a_required_column(cast):
    with pytest.raises(ImportProblems) as error:
        run(cast, admissions("x,2024-01-01,true", header="national_id,admitted,acute"))

    assert str(error.value.problems[0]) == "innleggelser.csv, linje 1, kolonne discharged: påkrevd kolonne mangler"


def test_it_refuses_an_identity_number_with_a_wrong_check_digit(cast):
    wrong = cast.person.identity_number[:-1] + str((int(cast.person.identity_number[-1]) + 1) % 10)

    with pytest.raises(ImportProblems) as error:
        run(cast, admissions(f"{wrong},2024-03-01,,true"))

    assert str(error.value.problems[0]) == (
        "innleggelser.csv, linje 2, kolonne national_id: ugyldig fødselsnummer eller D-nummer")


def test_it_imports_a_valid_file_twice_without_duplicating(cast):
    number = cast.person.identity_number
    data = admissions(f"{number},2024-03-01,2024-03-04,true", f"{number},2024-05-01,,false")

    first = run(cast, data)
    second = run(cast, data)

    assert HospitalStay.objects.count() == 2
    assert (first.created_rows, first.unchanged_rows) == (2, 0)
    assert (second.created_rows, second.updated_rows, second.unchanged_rows) == (0, 0, 2)
    # A later file that knows the discharge of a stay that was open updates it, once.
    third = run(cast, admissions(f"{number},2024-05-01,2024-05-09,false"))
    assert third.updated_rows == 1 and HospitalStay.objects.count() == 2
    assert HospitalStay.objects.get(admitted=dt.date(2024, 5, 1)).discharged == dt.date(2024, 5, 9)


def test_it_reports_rows_of_persons_not_in_the_register_and_never_stores_them(cast):
    stranger = identity.make_synthetic(birth_date=dt.date(1944, 2, 3), individual=321)
    elsewhere = cast.other_person.identity_number  # in the register of another municipality
    data = admissions(f"{cast.person.identity_number},2024-03-01,2024-03-04,true",
                      f"{stranger},2024-03-02,2024-03-04,true", f"{elsewhere},2024-04-02,,true",
                      f"{stranger},2024-06-02,2024-06-04,true")

    record = run(cast, data)

    assert list(HospitalStay.objects.values_list("person", flat=True)) == [cast.person.pk]
    assert (record.rows, record.matched_rows, record.unmatched_rows) == (4, 1, 3)
    assert record.unmatched == [
        {"where": "linje 3", "reason": "not_in_register", "rows": 1},
        {"where": "linje 4", "reason": "not_in_register", "rows": 1},
        {"where": "linje 5", "reason": "not_in_register", "rows": 1},
    ]
    assert stranger not in json.dumps(record.unmatched)


def test_it_reads_windows_1252_semicolons_and_extra_columns(cast):
    text = (f"Avdeling;NATIONAL_ID;admitted;discharged;acute\n"
            f"Medisinsk avd. Ørland;{cast.person.identity_number};2024-03-01;2024-03-02;TRUE\n")

    record = run(cast, text.encode("cp1252"))

    assert record.created_rows == 1 and HospitalStay.objects.get().acute is True


def test_it_takes_the_period_the_source_covers_or_the_file_span(cast):
    data = admissions(f"{cast.person.identity_number},2024-03-01,2024-03-04,true")

    plain = run(cast, data)
    given = run(cast, data, period_start=dt.date(2020, 1, 1), period_end=dt.date(2024, 12, 31))

    assert (plain.period_start, plain.period_end) == (dt.date(2024, 3, 1), dt.date(2024, 3, 4))
    assert (given.period_start, given.period_end) == (dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    with pytest.raises(ValidationError):
        run(cast, data, period_start=dt.date(2024, 3, 2))


def test_it_lets_only_the_coordinating_unit_import(cast):
    with pytest.raises(PermissionDenied):
        outcome_import(grant=StaffGrant(cast.leader, cast.municipality, frozenset({Role.LEADER})),
                       kind=ImportKind.ADMISSIONS_CSV, file_name="x.csv",
                       data=admissions(f"{cast.person.identity_number},2024-03-01,,true"))
    assert OutcomeImport.objects.count() == 0


def test_it_logs_the_import_and_every_person_it_wrote_for(cast):
    record = run(cast, admissions(f"{cast.person.identity_number},2024-03-01,2024-03-04,true"))

    events = AuditEvent.objects.filter(actor=cast.cu).order_by("id")
    assert [(e.resource, e.action, e.person_id) for e in events] == [
        ("outcome_import", "create", None), ("outcomes", "create", cast.person.pk)]
    assert events[1].resource_id == str(record.pk) and "innleggelser.csv" in events[1].purpose


def bundle(*entries: dict) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": list(entries)}).encode()


def encounter(subject: dict, klass: str, start: str, end: str | None = None, **extra) -> dict:
    resource = {"resourceType": "Encounter", "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": klass},
                "subject": subject, "period": {"start": start, **({"end": end} if end else {})},
                **extra}
    return {"resource": resource}


def test_it_imports_fhir_encounters_as_stays_and_municipal_service_visits(cast):
    fnr = {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": cast.person.identity_number}}
    patient = {"fullUrl": "urn:uuid:p1", "resource": {
        "resourceType": "Patient", "id": "p1",
        "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": cast.person.identity_number}]}}
    emergency = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority", "code": "EM"}]}
    home = {"text": "Hjemmesykepleie"}
    data = bundle(
        patient,
        encounter({"reference": "urn:uuid:p1"}, "IMP", "2024-03-01T10:00:00+01:00",
                  "2024-03-05T12:00:00+01:00", priority=emergency),
        encounter(fnr, "NONAC", "2024-04-01", "2024-04-02"),
        encounter(fnr, "HH", "2024-04-03T08:00:00+02:00", "2024-04-03T08:45:00+02:00", serviceType=home),
        encounter(fnr, "HH", "2024-04-20T08:00:00+02:00", serviceType=home,
                  length={"value": 30, "unit": "min", "code": "min"}),
        encounter(fnr, "AMB", "2024-04-21"),
    )

    record = run(cast, data, kind=ImportKind.FHIR_BUNDLE, name="bundle.json")

    stays = list(HospitalStay.objects.order_by("admitted").values_list("admitted", "discharged", "acute"))
    assert stays == [(dt.date(2024, 3, 1), dt.date(2024, 3, 5), True),
                     (dt.date(2024, 4, 1), dt.date(2024, 4, 2), False)]
    use = ServiceUse.objects.get()
    assert (use.service, use.month, str(use.hours), use.visits) == (
        "Hjemmesykepleie", dt.date(2024, 4, 1), "1.25", 2)
    assert record.created_rows == 3


def test_it_refuses_a_bundle_with_an_inpatient_encounter_that_does_not_say_if_it_was_acute(cast):
    fnr = {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": cast.person.identity_number}}
    data = bundle(encounter(fnr, "ACUTE", "2024-03-01"), encounter(fnr, "IMP", "2024-03-10"),
                  encounter({"reference": "Patient/nobody"}, "ACUTE", "2024-03-11"))

    with pytest.raises(ImportProblems) as error:
        run(cast, data, kind=ImportKind.FHIR_BUNDLE, name="bundle.json")

    assert [str(p) for p in error.value.problems] == [
        "bundle.json, oppføring 2, kolonne Encounter.priority: kan ikke avgjøre om oppholdet var "
        "akutt: oppgi priority, hospitalization.admitSource eller class ACUTE/NONAC",
        "bundle.json, oppføring 3, kolonne Encounter.subject.reference: pasienten «Patient/nobody» "
        "finnes ikke i Bundle",
    ]
    assert HospitalStay.objects.count() == 0


def test_it_names_line_and_column_of_a_json_syntax_error(cast):
    with pytest.raises(ImportProblems) as error:
        run(cast, b'{"resourceType": "Bundle",\n "entry": [}', kind=ImportKind.FHIR_BUNDLE,
            name="bundle.json")

    assert str(error.value.problems[0]) == "bundle.json, linje 2, kolonne 12: ugyldig JSON"


def gp_extract(*, patients: str, stays: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("uttrekk/extract.json", json.dumps({"extracted_at": "2025-01-01"}))
        archive.writestr("uttrekk/patients.csv", patients)
        archive.writestr("uttrekk/hospital_stays.csv", stays)
        archive.writestr("uttrekk/diagnoses.csv", "patient_id,date,system,code\nA,2024-05-01,ICPC-2,K77\n")
    return out.getvalue()


def test_it_imports_a_gp_extract_matching_on_national_id_and_keeps_the_risk_score(cast):
    known = cast.person.identity_number
    unknown = identity.make_synthetic(birth_date=dt.date(1944, 2, 3), individual=321)
    data = gp_extract(
        patients=(f"patient_id,national_id,birth_date,sex,gp_id\nA,{known},1960-05-17,F,1\n"
                  f"B,{unknown},1944-02-03,M,1\nC,,1950-01-01,M,1\n"),
        stays=("patient_id,admitted,discharged,acute\nA,2024-02-01,2024-02-03,true\n"
               "B,2024-03-01,2024-03-02,true\nB,2024-04-01,,true\nC,2024-05-01,2024-05-02,false\n"),
    )

    record = run(cast, data, kind=ImportKind.GP_EXTRACT, name="uttrekk.zip")

    assert list(HospitalStay.objects.values_list("person", "admitted")) == [(cast.person.pk, dt.date(2024, 2, 1))]
    assert record.unmatched == [
        {"where": "pasient B", "reason": "not_in_register", "rows": 2},
        {"where": "pasient C", "reason": "no_identity", "rows": 1},
    ]
    assert (record.period_start, record.period_end) == (dt.date(2023, 1, 3), dt.date(2025, 1, 1))
    assert record.covers_register is False and list(record.covered.all()) == [cast.person]
    snapshot = RiskSnapshot.objects.get()
    assert snapshot.person == cast.person and snapshot.components["cond_heart_failure"] == 1.0
    assert snapshot.comorbidity == 1.0


def test_it_refuses_a_faulty_gp_extract_with_the_readers_message(cast):
    data = gp_extract(patients="patient_id,birth_date,sex,gp_id\nA,1960-05-17,X,1\n",
                      stays="patient_id,admitted,discharged,acute\n")

    with pytest.raises(ImportProblems) as error:
        run(cast, data, kind=ImportKind.GP_EXTRACT, name="uttrekk.zip")

    assert str(error.value.problems[0]) == (
        "uttrekk.zip: patients.csv, linje 2, kolonne sex: ugyldig kjønn «X» (forventer F, M eller U)")


def _many_stays(rows: int) -> str:
    # Varied rows, so the zip stays within the reader's compression ratio and only the caps stop it.
    return "patient_id,admitted,discharged,acute\n" + "".join(
        f"A,20{10 + i % 14}-{1 + i % 12:02d}-{1 + i % 28:02d},,{'true' if i % 3 else 'false'}\n"
        for i in range(rows))


def test_it_stops_a_gp_extract_at_the_cap_on_uncompressed_bytes_while_reading(cast, settings, monkeypatch):
    settings.GP_EXTRACT_MAX_UNZIPPED_MB = 1
    settings.GP_EXTRACT_MAX_ROWS = 10_000_000
    data = gp_extract(patients="patient_id,birth_date,sex,gp_id\nA,1960-05-17,F,1\n", stays=_many_stays(80_000))
    assert len(data) < 1024**2 < sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    read: list[int] = []
    real_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        chunk = real_read(self, n)
        read.append(len(chunk))
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    with pytest.raises(ImportProblems) as error:
        run(cast, data, kind=ImportKind.GP_EXTRACT, name="uttrekk.zip")
    assert str(error.value.problems[0]) == (
        "uttrekk.zip: hospital_stays.csv: uttrekket pakker seg ut til mer enn 1 MB (grensen for opplasting)")
    assert sum(read) <= 1024**2 + (1 << 20)  # stopped within one chunk of the cap, not after the whole file
    assert not OutcomeImport.objects.exists()


def test_it_stops_a_gp_extract_at_the_cap_on_rows(cast, settings):
    settings.GP_EXTRACT_MAX_ROWS = 500
    data = gp_extract(patients="patient_id,birth_date,sex,gp_id\nA,1960-05-17,F,1\n", stays=_many_stays(2_000))
    with pytest.raises(ImportProblems) as error:
        run(cast, data, kind=ImportKind.GP_EXTRACT, name="uttrekk.zip")
    assert str(error.value.problems[0]) == (
        "uttrekk.zip: hospital_stays.csv: uttrekket har mer enn 500 rader (grensen for opplasting)")
    assert not OutcomeImport.objects.exists()


def test_it_imports_service_use_per_month_and_refuses_the_same_month_twice(cast):
    number = cast.person.identity_number
    good = f"national_id,service,month,hours\n{number},Hjemmesykepleie,2024-03,\"12,5\"\n"
    record = run(cast, good.encode(), kind=ImportKind.SERVICE_USE_CSV, name="tjenester.csv")

    assert record.created_rows == 1
    assert str(ServiceUse.objects.get().hours) == "12.50"
    assert (record.period_start, record.period_end) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    twice = good + f"{number},Hjemmesykepleie,2024-03,3\n"
    with pytest.raises(ImportProblems) as error:
        run(cast, twice.encode(), kind=ImportKind.SERVICE_USE_CSV, name="tjenester.csv")
    assert str(error.value.problems[0]) == (
        "tjenester.csv, linje 3, kolonne month: samme person, tjeneste og måned står også på linje 2")


def test_it_rematches_nobody_by_name_or_birth_date(cast):
    # Same birth date and a plausible number, but not the person's: never guessed.
    lookalike = identity.make_synthetic(birth_date=cast.person.birth_date, individual=400)
    assert lookalike != cast.person.identity_number

    record = run(cast, admissions(f"{lookalike},2024-03-01,,true"))

    assert HospitalStay.objects.count() == 0 and record.matched_rows == 0
    person(cast.municipality)  # the register grows; the import is not redone by itself
    assert HospitalStay.objects.count() == 0


def test_it_refuses_a_mistyped_year_in_the_period_in_the_form_and_the_service(cast):
    """#13.2: the period a source covers is a date in the last hundred years, checked in both places."""
    from oppfolging.outcomes.forms import ImportForm

    form = ImportForm(data={"kind": ImportKind.ADMISSIONS_CSV, "period_start": "0001-01-01",
                            "period_end": "9999-12-31"})
    assert not form.is_valid()
    assert "Datoen må være mellom" in form.errors["period_start"][0]
    assert "Datoen må være mellom" in form.errors["period_end"][0]
    with pytest.raises(ValidationError) as refused:
        run(cast, admissions(), period_start=dt.date(1, 1, 1))
    assert "period_start" in refused.value.message_dict
    assert not OutcomeImport.objects.exists()


def _fhir_file(cast) -> bytes:
    fnr = {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": cast.person.identity_number}}
    emergency = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority", "code": "EM"}]}
    return bundle(
        encounter(fnr, "IMP", "2024-03-01", "2024-03-05", priority=emergency),
        encounter(fnr, "HH", "2024-04-03T08:00:00+02:00", "2024-04-03T08:45:00+02:00",
                  serviceType={"text": "Hjemmesykepleie"}),
    )


def _gp_file(cast) -> bytes:
    return gp_extract(
        patients=f"patient_id,national_id,birth_date,sex,gp_id\nA,{cast.person.identity_number},1960-05-17,F,1\n",
        stays="patient_id,admitted,discharged,acute\nA,2024-02-01,2024-02-03,true\nA,2024-06-01,,false\n",
    )


def _service_file(cast) -> bytes:
    number = cast.person.identity_number
    return (f"national_id,service,month,hours,visits\n{number},Hjemmesykepleie,2024-03,12,20\n"
            f"{number},Praktisk bistand,2024-03,,4\n").encode()


@pytest.mark.parametrize(("kind", "name", "build"), [
    (ImportKind.GP_EXTRACT, "uttrekk.zip", _gp_file),
    (ImportKind.FHIR_BUNDLE, "bundle.json", _fhir_file),
    (ImportKind.SERVICE_USE_CSV, "tjenester.csv", _service_file),
])
def test_it_imports_every_kind_twice_without_duplicating(cast, kind, name, build):
    data = build(cast)

    first = run(cast, data, kind=kind, name=name)
    counts = (HospitalStay.objects.count(), ServiceUse.objects.count(), RiskSnapshot.objects.count())
    second = run(cast, data, kind=kind, name=name)

    assert first.created_rows == first.rows > 0
    assert (second.created_rows, second.updated_rows, second.unchanged_rows) == (0, 0, first.rows)
    assert (HospitalStay.objects.count(), ServiceUse.objects.count(), RiskSnapshot.objects.count()) == counts
    # The second import wrote nothing for the person, so it logs no write for them.
    writes = AuditEvent.objects.filter(resource="outcomes", person=cast.person).values_list("resource_id", flat=True)
    assert list(writes) == [str(first.pk)]


def test_it_refuses_a_malformed_service_use_file_whole_naming_file_line_and_column(cast):
    number = cast.person.identity_number
    data = (f"national_id,service,month,hours,visits\n{number},Hjemmesykepleie,2024-03,12,\n"
            f"{number},Hjemmesykepleie,2024-13,3,\n{number},Praktisk bistand,2024-04,-2,\n"
            f"{number},Dagsenter,2024-04,,\n").encode()

    with pytest.raises(ImportProblems) as error:
        run(cast, data, kind=ImportKind.SERVICE_USE_CSV, name="tjenester.csv")

    problems = [str(p) for p in error.value.problems]
    assert [p.split(":")[0] for p in problems] == [
        "tjenester.csv, linje 3, kolonne month", "tjenester.csv, linje 4, kolonne hours",
        "tjenester.csv, linje 5, kolonne hours"]
    assert ServiceUse.objects.count() == 0 and OutcomeImport.objects.count() == 0
