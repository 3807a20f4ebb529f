"""The GP's list remembers: names, paging, decisions across uploads, unknown codes; retention."""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oppfolging.access import policy
from oppfolging.audit.models import AuditEvent
from oppfolging.gp.models import RiskDecision, RiskEntry, RiskList, RiskReview
from oppfolging.gp.services import entry_review, risk_lists_purge
from oppfolging.lib import identity
from oppfolging.notifications.reminders import run_all

N = 130


def _numbers(cast) -> list[str]:
    """Identity numbers: the register's person first, then synthetic ones."""
    others = [identity.make_synthetic(birth_date=dt.date(1940, 1, 1) + dt.timedelta(days=97 * i),
                                      individual=300 + i) for i in range(1, N)]
    return [cast.person.identity_number, *others]


def extract_files(cast, *, extracted_at="2026-11-01", medications=None) -> dict[str, str]:
    numbers = _numbers(cast)
    patients = "patient_id,national_id,birth_date,sex,gp_id,given_name,family_name\n" + "".join(
        f"p{i},{numbers[i]},{1930 + i % 60}-03-0{1 + i % 9},{'FM'[i % 2]},1,"
        f"{'Elin' if i == 1 else ''},{'Eksempel' if i == 1 else ''}\n"
        for i in range(N)
    )
    # Many patients share the same points at the top: old, with heart failure and COPD.
    diagnoses = "patient_id,date,system,code\n" + "".join(
        f"p{i},2026-0{1 + i % 9}-01,ICPC-2,K77\np{i},2026-02-01,ICD-10,j449\n"
        for i in range(0, N, 3)
    )
    return {
        "extract.json": json.dumps({"extracted_at": extracted_at}),
        "patients.csv": patients,
        "diagnoses.csv": diagnoses,
        "medications.csv": medications or "patient_id,date,atc\np2,2026-05-01,C03CA01\n",
    }


def zipped(files: dict[str, str | bytes], name="uttrekk.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file, content in files.items():
            archive.writestr(file, content)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def upload(client, capture, extract) -> RiskList:
    with capture(execute=True):
        client.post(reverse("gp:lists"), {"extract": extract})
    risk_list = RiskList.objects.latest("pk")
    risk_list.refresh_from_db()
    return risk_list


@pytest.fixture
def gp_client(cast):
    return cast.client_for(cast.gp)


def test_it_shows_names_from_the_register_and_from_the_extract(
        cast, gp_client, django_capture_on_commit_callbacks):
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    assert risk_list.status == "done", risk_list.error
    registered = risk_list.entries.get(patient_id="p0")
    assert (registered.name, registered.name_from_register) == ("Petra Person", True)
    named = risk_list.entries.get(patient_id="p1")
    assert (named.name, named.name_from_register) == ("Elin Eksempel", False)
    assert risk_list.entries.get(patient_id="p2").name == ""
    assert AuditEvent.objects.filter(
        resource="risk_list", resource_id=str(risk_list.pk), action="read", actor=cast.gp,
        purpose="Navn fra personregisteret til risikolisten (1 pasienter)").exists()
    html = gp_client.get(reverse("gp:detail", args=[risk_list.pk]) + "?vis=new&side=1").content.decode()
    html += gp_client.get(reverse("gp:detail", args=[risk_list.pk]) + "?vis=new&side=2").content.decode()
    html += gp_client.get(reverse("gp:detail", args=[risk_list.pk]) + "?vis=new&side=3").content.decode()
    assert "Petra Person" in html and "fra personregisteret" in html and "Elin Eksempel" in html


def test_it_pages_the_list_and_audits_each_page(cast, gp_client, django_capture_on_commit_callbacks):
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    url = reverse("gp:detail", args=[risk_list.pk])
    first = gp_client.get(url).content.decode()
    last = gp_client.get(url + "?vis=new&side=3").content.decode()
    assert first.count('<tr id="entry-') == 50 and last.count('<tr id="entry-') == N - 100
    assert "Side 1 av 3" in first and "Side 3 av 3" in last
    purposes = list(AuditEvent.objects.filter(resource="risk_list", action="list", actor=cast.gp)
                    .order_by("pk").values_list("purpose", flat=True))
    assert purposes == ["Fastlegens risikoliste, side 1", "Fastlegens risikoliste, side 3"]


def test_it_tells_apart_the_top_of_the_list_with_rank_percentile_and_points(
        cast, gp_client, django_capture_on_commit_callbacks):
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    top = list(RiskEntry.objects.filter(risk_list=risk_list).order_by("rank")[:11])
    # The reference score ties many patients; the list still orders and tells them apart.
    assert len({e.risk for e in top}) < 11
    assert [e.rank for e in top] == list(range(1, 12))
    assert len({e.percentile for e in top}) == 11
    html = gp_client.get(reverse("gp:detail", args=[risk_list.pk]) + "?vis=high").content.decode()
    for entry in top[:5]:
        assert f"plass {entry.rank} av {N}" in html
    assert f"persentil {round(top[0].percentile, 1):.1f}".replace(".", ",") in html
    assert "1,00" not in html


def test_it_keeps_the_gps_decisions_across_uploads_by_identity_number(
        cast, gp_client, django_capture_on_commit_callbacks):
    with time_machine.travel(dt.datetime(2026, 11, 12, 10, tzinfo=dt.UTC), tick=False):
        first = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
        refer, followed, later, soon = (first.entries.get(patient_id=p) for p in ("p3", "p4", "p5", "p6"))
        response = gp_client.post(reverse("gp:refer", args=[first.pk, refer.pk]), {
            "subject_given_name": "Liste", "subject_family_name": "Pasient",
            "subject_identity_number": refer.national_id, "subject_birth_date": "",
            "subject_phone": "", "subject_address": "", "observations": "Mange innleggelser",
            "person_wants": "", "urgency": "normal", "consent": "given", "consent_absent_reason": ""})
        assert response.status_code == 302
        gp_client.post(reverse("gp:review", args=[first.pk, followed.pk]), {"decision": "followed_up"})
        gp_client.post(reverse("gp:review", args=[first.pk, later.pk]),
                       {"decision": "not_relevant", "look_again": "2027-06-01"})
        gp_client.post(reverse("gp:review", args=[first.pk, soon.pk]),
                       {"decision": "not_relevant", "look_again": "2026-12-01"})
    assert RiskDecision.objects.filter(gp=cast.gp).count() == 4
    with time_machine.travel(dt.datetime(2026, 12, 20, 10, tzinfo=dt.UTC), tick=False):
        gp_client = cast.client_for(cast.gp)  # a new sign-in: the first has expired
        second = upload(gp_client, django_capture_on_commit_callbacks,
                        zipped(extract_files(cast, extracted_at="2026-12-15")))
        carried = {r.entry.patient_id: r for r in RiskReview.objects.filter(entry__risk_list=second)}
        assert set(carried) == {"p3", "p4", "p5"}  # p6's date to look again has passed
        assert all(r.carried for r in carried.values())
        assert carried["p3"].label == "henvist 12.11" and carried["p3"].referral is not None
        assert carried["p4"].label == "følges allerede opp (vurdert 12.11)"
        assert carried["p5"].label == "ikke aktuelt nå (vurdert 12.11, se igjen 1.6.2027)"
        pages = "".join(
            gp_client.get(reverse("gp:detail", args=[second.pk]) + f"?vis=new&side={n}").content.decode()
            for n in (1, 2, 3))
        # One query count for every page, with or without carried reviews and referrals.
        counts = []
        for n in (1, 3):
            with CaptureQueriesContext(connection) as queries:
                gp_client.get(reverse("gp:detail", args=[second.pk]) + f"?vis=new&side={n}")
            counts.append(len(queries))
        assert counts[0] == counts[1]
    assert "henvist 12.11" in pages and "2026-11-12" not in pages
    # Decided patients are not listed as new: they come after every undecided patient.
    rows = pages.split('<tr id="entry-')[1:]
    decided_at = [i for i, row in enumerate(rows) if "vurdert før" in row]
    assert decided_at == [N - 3, N - 2, N - 1]
    # The row numbers follow the list as shown, across pages.
    assert [row.split('<th scope="row">', 1)[1].split("<", 1)[0] for row in rows] == [
        str(n) for n in range(1, N + 1)]
    unreviewed = gp_client.get(reverse("gp:detail", args=[second.pk]) + "?vis=unreviewed").content.decode()
    assert "henvist 12.11" not in unreviewed


def test_it_reports_unknown_codes_on_the_gps_page(cast, gp_client, django_capture_on_commit_callbacks):
    meds = "patient_id,date,atc\np2,2026-05-01,C03CA01\np7,2026-05-01,C99XX01\np8,2026-05-01,A12AX\n"
    risk_list = upload(gp_client, django_capture_on_commit_callbacks,
                       zipped(extract_files(cast, medications=meds)))
    assert risk_list.status == "done"
    assert risk_list.unknown_codes["count"] == 1
    html = gp_client.get(reverse("gp:detail", args=[risk_list.pk])).content.decode()
    assert "1 ukjent kode er satt til side" in html
    assert "medications.csv" in html and "linje 3" in html and "C99XX01" in html


def test_it_accepts_a_fhir_bundle(cast, gp_client, django_capture_on_commit_callbacks, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "risk"))
    from risk_helpers import write_fhir_bundle

    folder = tmp_path / "csv"
    folder.mkdir()
    for name, content in extract_files(cast).items():
        (folder / name).write_text(content)
    bundle = write_fhir_bundle(folder, tmp_path / "bundle.json")
    risk_list = upload(gp_client, django_capture_on_commit_callbacks,
                       SimpleUploadedFile("bundle.json", bundle.read_bytes(), "application/fhir+json"))
    assert risk_list.status == "done", risk_list.error
    assert risk_list.input_format == "fhir" and risk_list.patient_count == N
    csv_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    fhir_scores = list(risk_list.entries.order_by("patient_id").values_list("patient_id", "risk", "rank"))
    assert fhir_scores == list(csv_list.entries.order_by("patient_id").values_list("patient_id", "risk", "rank"))


def test_it_accepts_fhir_ndjson_files_in_a_zip(cast, gp_client, django_capture_on_commit_callbacks, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "risk"))
    from risk_helpers import write_fhir_ndjson

    folder = tmp_path / "csv"
    folder.mkdir()
    for name, content in extract_files(cast).items():
        (folder / name).write_text(content)
    ndjson = write_fhir_ndjson(folder, tmp_path / "ndjson")
    upload_file = zipped({p.name: p.read_bytes() for p in ndjson.iterdir()}, name="fhir.zip")
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, upload_file)
    assert risk_list.status == "done", risk_list.error
    assert risk_list.input_format == "fhir" and risk_list.patient_count == N
    csv_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    fhir_scores = list(risk_list.entries.order_by("patient_id").values_list("patient_id", "risk", "rank"))
    assert fhir_scores == list(csv_list.entries.order_by("patient_id").values_list("patient_id", "risk", "rank"))


def test_it_refuses_a_malformed_bundle_naming_the_entry(cast, gp_client, django_capture_on_commit_callbacks):
    bundle = {"resourceType": "Bundle", "timestamp": "2026-11-01T00:00:00Z",
              "entry": [{"resource": {"resourceType": "Patient", "id": "p1", "gender": "female",
                                      "birthDate": "1950-01-01"}}, {"fullUrl": "urn:uuid:x"}]}
    risk_list = upload(gp_client, django_capture_on_commit_callbacks,
                       SimpleUploadedFile("bundle.json", json.dumps(bundle).encode(), "application/fhir+json"))
    assert risk_list.status == "failed"
    assert "oppføring 2" in risk_list.error
    html = gp_client.get(reverse("gp:detail", args=[risk_list.pk])).content.decode()
    assert "oppføring 2" in html


def test_it_refuses_a_patient_id_longer_than_the_database_keeps_naming_the_line(
        cast, gp_client, django_capture_on_commit_callbacks):
    files = extract_files(cast)
    files["patients.csv"] += f"{'x' * 65},,1950-01-01,F,1,,\n"
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(files))
    assert risk_list.status == "failed"
    assert f"patients.csv, linje {N + 2}, kolonne patient_id" in risk_list.error
    assert "uventet" not in risk_list.error


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04 truncated"])
def test_it_never_shows_a_server_path_for_a_broken_upload(
        cast, gp_client, django_capture_on_commit_callbacks, settings, content):
    risk_list = upload(gp_client, django_capture_on_commit_callbacks,
                       SimpleUploadedFile("uttrekk.zip", content, "application/zip"))
    assert risk_list.status == "failed"
    assert str(settings.MEDIA_ROOT) not in risk_list.error and "gp_extracts" not in risk_list.error
    html = gp_client.get(reverse("gp:detail", args=[risk_list.pk])).content.decode()
    assert str(settings.MEDIA_ROOT) not in html and "avkortet" in html


def test_it_stops_a_zip_bomb_at_the_unzipped_cap(cast, gp_client, django_capture_on_commit_callbacks, settings):
    settings.GP_EXTRACT_MAX_UNZIPPED_MB = 1
    files = extract_files(cast)
    files["contacts.csv"] = "patient_id,date,kind\n" + "".join(
        f"p{i % N},2026-{1 + i % 12:02d}-{1 + i % 28:02d},phone\n" for i in range(60_000))
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(files))
    assert risk_list.status == "failed"
    assert "contacts.csv" in risk_list.error and "1 MB" in risk_list.error


def test_it_deletes_lists_after_the_review_period_except_referred_patients(
        cast, gp_client, django_capture_on_commit_callbacks, settings):
    settings.GP_RISK_LIST_RETENTION_DAYS = 90
    settings.GP_RISK_DECISION_RETENTION_DAYS = 400
    with time_machine.travel(dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC), tick=False):
        old = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
        untouched = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
        entry = old.entries.get(patient_id="p3")
        grant = policy.staff_grant(user=cast.gp, municipality=cast.municipality)
        entry_review(grant=grant, entry=entry, decision="refer")
        entry_review(grant=grant, entry=old.entries.get(patient_id="p4"), decision="followed_up")
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC), tick=False):
        gp_client = cast.client_for(cast.gp)
        fresh = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
        assert risk_lists_purge() == {"lists": 1, "entries": 2 * N - 1, "decisions": 0}
        assert risk_lists_purge() == {"lists": 0, "entries": 0, "decisions": 0}
    assert not RiskList.objects.filter(pk=untouched.pk).exists()
    assert list(RiskEntry.objects.filter(risk_list=old).values_list("patient_id", flat=True)) == ["p3"]
    assert RiskEntry.objects.filter(risk_list=fresh).count() == N
    assert AuditEvent.objects.filter(resource="risk_list", action="delete").count() == 2
    with time_machine.travel(dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        call_command("gp_purge_risk_lists")
    assert not RiskDecision.objects.exists()
    assert not RiskList.objects.filter(pk=fresh.pk).exists()


def test_the_scheduler_purges_lists_past_the_review_period_daily_keeping_referred_patients(
        cast, gp_client, django_capture_on_commit_callbacks, settings):
    """`oppfolging scheduler` enqueues the reminder sweep, which runs the purge (#12 gaps)."""
    settings.GP_RISK_LIST_RETENTION_DAYS = 90
    with time_machine.travel(dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC), tick=False):
        old = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
        unreviewed = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
        grant = policy.staff_grant(user=cast.gp, municipality=cast.municipality)
        entry_review(grant=grant, entry=old.entries.get(patient_id="p3"), decision="refer")
    with time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False):
        call_command("scheduler", "--once", stdout=io.StringIO())  # day 90: still in the period
    assert RiskEntry.objects.filter(risk_list=old).count() == N
    assert RiskList.objects.filter(pk=unreviewed.pk).exists()
    with time_machine.travel(dt.datetime(2026, 4, 11, 10, tzinfo=dt.UTC), tick=False):
        call_command("scheduler", "--once", stdout=io.StringIO())
        assert run_all()["gp_risk_lists_purged"] == 0  # the day's later runs find nothing
    assert not RiskList.objects.filter(pk=unreviewed.pk).exists()
    assert list(RiskEntry.objects.filter(risk_list=old).values_list("patient_id", flat=True)) == ["p3"]
    assert AuditEvent.objects.filter(resource="risk_list", action="delete").count() == 2


def test_it_refuses_a_date_to_look_again_in_the_past_and_says_why(
        cast, gp_client, django_capture_on_commit_callbacks):
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    entry = risk_list.entries.get(patient_id="p5")
    url = reverse("gp:review", args=[risk_list.pk, entry.pk])
    html = gp_client.post(url, {"decision": "not_relevant", "look_again": "2020-01-01"},
                          headers={"HX-Request": "true"}).content.decode()
    assert "Velg en dato fram i tid, innen tre år." in html
    assert not RiskReview.objects.filter(entry=entry).exists()
    assert not RiskDecision.objects.exists()
    response = gp_client.post(url, {"decision": "not_relevant", "look_again": "2020-01-01"}, follow=True)
    assert "Velg en dato fram i tid, innen tre år." in response.content.decode()


def test_it_keeps_the_list_and_its_memory_from_others(cast, django_capture_on_commit_callbacks):
    risk_list = upload(cast.client_for(cast.gp), django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    entry = risk_list.entries.get(patient_id="p5")
    for user in (cast.cu, cast.stranger, cast.colleague):
        client = cast.client_for(user)
        assert client.get(reverse("gp:detail", args=[risk_list.pk]) + "?side=2").status_code == 404
        response = client.post(reverse("gp:review", args=[risk_list.pk, entry.pk]),
                               {"decision": "not_relevant", "look_again": "2099-01-01"})
        assert response.status_code == 404
    assert not RiskDecision.objects.exists() and not RiskReview.objects.exists()


def test_a_reviewed_row_keeps_its_number_in_the_list_as_shown(
        cast, gp_client, django_capture_on_commit_callbacks):
    risk_list = upload(gp_client, django_capture_on_commit_callbacks, zipped(extract_files(cast)))
    entry = risk_list.entries.get(patient_id="p5")
    url = reverse("gp:review", args=[risk_list.pk, entry.pk])
    html = gp_client.post(url, {"decision": "followed_up", "number": "77"},
                          headers={"HX-Request": "true"}).content.decode()
    assert '<th scope="row">77</th>' in html
    other = risk_list.entries.get(patient_id="p6")
    html = gp_client.post(reverse("gp:review", args=[risk_list.pk, other.pk]),
                          {"decision": "followed_up", "number": "²"},
                          headers={"HX-Request": "true"}).content.decode()
    assert f'<th scope="row">{other.new_priority}</th>' in html
