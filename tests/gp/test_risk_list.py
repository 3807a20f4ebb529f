import datetime as dt
import re
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from oppfolging.audit.models import AuditEvent
from oppfolging.gp import services, tasks
from oppfolging.gp.models import RiskList
from oppfolging.notifications.reminders import run_all
from oppfolging.referrals.models import Referral


def upload(cast, client, django_capture_on_commit_callbacks, extract, previous=None, keep=False):
    data = {"extract": extract}
    if previous is not None:
        data["previous"] = previous
    if keep:
        data["keep_files"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gp:lists"), data)
    return response, RiskList.objects.latest("pk")


def test_it_scores_an_uploaded_extract_in_the_background_and_deletes_the_files(
        cast, extract_zip, previous_zip, django_capture_on_commit_callbacks, settings):
    client = cast.client_for(cast.gp)
    response, risk_list = upload(cast, client, django_capture_on_commit_callbacks, extract_zip, previous_zip)
    assert response["Location"] == reverse("gp:detail", args=[risk_list.pk])
    risk_list.refresh_from_db()
    assert risk_list.status == "done" and risk_list.patient_count > 300
    assert risk_list.model_version and len(risk_list.input_sha256) == 64 and risk_list.previous_sha256
    assert not risk_list.extract_file and not list(Path(settings.MEDIA_ROOT, "gp_extracts").glob("*"))
    first = risk_list.entries.order_by("new_priority").first()
    assert first.not_followed_up or first.rising
    assert risk_list.entries.filter(reasons__gt="").count() > 0
    html = client.get(reverse("gp:detail", args=[risk_list.pk])).content.decode()
    assert first.patient_id in html and "Begrunnelse" in html
    assert AuditEvent.objects.filter(resource="risk_list", action="list", actor=cast.gp).exists()


def test_it_keeps_the_files_when_the_gp_asks(cast, extract_zip, django_capture_on_commit_callbacks):
    _, risk_list = upload(cast, cast.client_for(cast.gp), django_capture_on_commit_callbacks, extract_zip, keep=True)
    risk_list.refresh_from_db()
    assert risk_list.extract_file and Path(risk_list.extract_file.path).exists()


def test_it_refuses_a_bad_extract_whole_with_file_line_and_column(cast, broken_zip, django_capture_on_commit_callbacks):
    _, risk_list = upload(cast, cast.client_for(cast.gp), django_capture_on_commit_callbacks, broken_zip)
    risk_list.refresh_from_db()
    assert risk_list.status == "failed"
    assert "patients.csv" in risk_list.error and "sex" in risk_list.error
    assert risk_list.entries.count() == 0
    html = cast.client_for(cast.gp).get(reverse("gp:detail", args=[risk_list.pk])).content.decode()
    assert "Uttrekket kunne ikke leses" in html


def test_it_records_reviews_and_the_share_already_followed_up(cast, extract_zip, django_capture_on_commit_callbacks):
    client = cast.client_for(cast.gp)
    _, risk_list = upload(cast, client, django_capture_on_commit_callbacks, extract_zip)
    high = list(risk_list.entries.filter(is_high=True)[:2])
    client.post(reverse("gp:review", args=[risk_list.pk, high[0].pk]), {"decision": "followed_up"})
    client.post(reverse("gp:review", args=[risk_list.pk, high[1].pk]), {"decision": "not_relevant"},
                headers={"HX-Request": "true"})
    from oppfolging.gp.selectors import review_summary

    summary = review_summary(risk_list)
    assert summary["reviewed"] == 2 and summary["followed_up"] == 1


def test_it_refers_a_patient_and_the_coordinating_unit_sees_the_report(cast, extract_zip, django_capture_on_commit_callbacks):
    client = cast.client_for(cast.gp)
    _, risk_list = upload(cast, client, django_capture_on_commit_callbacks, extract_zip)
    entry = risk_list.entries.exclude(national_id="").order_by("new_priority").first()
    page = client.get(reverse("gp:refer", args=[risk_list.pk, entry.pk])).content.decode()
    assert entry.national_id in page and "Fra risikolisten" in page
    # The page shows the patient's number and reasons: the GP's look at them is in the log.
    read = AuditEvent.objects.get(resource="risk_entry")
    assert (read.actor, read.action, read.resource_id, read.municipality, read.purpose) == (
        cast.gp, "read", str(entry.pk), cast.municipality, "Melding om behov fra fastlegens risikoliste")
    response = client.post(reverse("gp:refer", args=[risk_list.pk, entry.pk]), {
        "subject_given_name": "Liste", "subject_family_name": "Pasient",
        "subject_identity_number": entry.national_id, "subject_birth_date": "", "subject_phone": "",
        "subject_address": "", "observations": "Fra risikolisten: mange innleggelser", "person_wants": "",
        "urgency": "normal", "consent": "given", "consent_absent_reason": ""})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.source == "gp_risk_list" and referral.channel == "gp_risk_list"
    assert referral.person is not None and referral.person.identity_number == entry.national_id
    entry.refresh_from_db()
    assert entry.review.decision == "refer" and entry.review.referral == referral
    assert "Liste Pasient" in cast.client_for(cast.cu).get(reverse("referrals:queue")).content.decode()


def test_it_keeps_the_list_from_another_gp_and_from_the_municipality(cast, extract_zip, django_capture_on_commit_callbacks):
    from oppfolging.accounts.models import RoleAssignment

    _, risk_list = upload(cast, cast.client_for(cast.gp), django_capture_on_commit_callbacks, extract_zip)
    RoleAssignment.objects.create(user=cast.colleague, municipality=cast.municipality, role="gp")
    entry = risk_list.entries.first()
    for user in (cast.colleague, cast.cu, cast.stranger, cast.leader):
        client = cast.client_for(user)
        assert client.get(reverse("gp:detail", args=[risk_list.pk])).status_code == 404
        assert client.post(reverse("gp:review", args=[risk_list.pk, entry.pk]), {"decision": "followed_up"}).status_code == 404
        assert client.get(reverse("gp:refer", args=[risk_list.pk, entry.pk])).status_code == 404
    assert cast.client_for(cast.cu).get(reverse("gp:lists")).status_code == 403
    # The GP authorises a colleague at the office, who can then read it.
    cast.client_for(cast.gp).post(reverse("gp:authorise", args=[risk_list.pk]), {"users": [cast.colleague.pk]})
    assert cast.client_for(cast.colleague).get(reverse("gp:detail", args=[risk_list.pk])).status_code == 200
    assert cast.client_for(cast.colleague).post(reverse("gp:authorise", args=[risk_list.pk]), {"users": []}).status_code == 403


def test_it_runs_the_scoring_job_only_once(cast, extract_zip, django_capture_on_commit_callbacks):
    from oppfolging.gp.tasks import score_risk_list

    _, risk_list = upload(cast, cast.client_for(cast.gp), django_capture_on_commit_callbacks, extract_zip)
    count = risk_list.entries.count()
    assert score_risk_list.call(risk_list.pk) == "skipped"
    assert risk_list.entries.count() == count


def test_it_closes_the_list_to_a_gp_who_lost_the_gp_role_or_left_the_municipality(cast):
    """Lists and reviews follow the GP role in the list's municipality, not who uploaded them (#12.3)."""
    from oppfolging.access import policy
    from oppfolging.accounts.models import RoleAssignment
    from oppfolging.gp.models import RiskEntry, RiskReview

    risk_list = RiskList.objects.create(gp=cast.gp, municipality=cast.municipality, status="done")
    entry = RiskEntry.objects.create(risk_list=risk_list, patient_id="P1", national_id=cast.person.identity_number,
                                     risk=0.5, rank=1, new_priority=1, reasons="Hjertesvikt (K77)")
    RoleAssignment.objects.create(user=cast.colleague, municipality=cast.municipality, role="gp")
    risk_list.authorised.add(cast.colleague)
    detail = reverse("gp:detail", args=[risk_list.pk])
    assert cast.client_for(cast.gp).get(detail).status_code == 200
    assert cast.client_for(cast.colleague).get(detail).status_code == 200

    RoleAssignment.objects.filter(user=cast.gp, role="gp").delete()
    RoleAssignment.objects.create(user=cast.gp, municipality=cast.other_municipality, role="gp")
    RoleAssignment.objects.filter(user=cast.colleague, role="gp").delete()

    for user in (cast.gp, cast.colleague):
        client = cast.client_for(user)
        assert not policy.risk_lists_visible_to(user=user).exists()
        assert client.get(detail).status_code == 404
        assert client.post(reverse("gp:review", args=[risk_list.pk, entry.pk]),
                           {"decision": "followed_up"}).status_code == 404
        assert client.get(reverse("gp:refer", args=[risk_list.pk, entry.pk])).status_code == 404
    assert not RiskReview.objects.filter(entry=entry).exists()
    assert cast.client_for(cast.colleague).get(reverse("gp:lists")).status_code == 403


def test_a_review_from_a_stale_list_leaves_the_first_review_and_says_whose_it_is(
        cast, extract_zip, django_capture_on_commit_callbacks):
    """#13: the list was open in two tabs (or with a colleague); the later review never overwrites the first."""
    from oppfolging.gp.models import RiskReview

    client = cast.client_for(cast.gp)
    _, risk_list = upload(cast, client, django_capture_on_commit_callbacks, extract_zip)
    entry = risk_list.entries.filter(is_high=True).first()
    url = reverse("gp:review", args=[risk_list.pk, entry.pk])
    assert client.post(url, {"decision": "followed_up"}).status_code == 302
    row = client.post(url, {"decision": "not_relevant"}, headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert "Lars Lege vurderte pasienten før deg" in row.content.decode()
    page = client.post(url, {"decision": "not_relevant"}, follow=True).content.decode()
    assert "Vurderingen din er ikke lagret." in page
    review = RiskReview.objects.get(entry=entry)
    assert (review.decision, review.reviewed_by) == ("followed_up", cast.gp)


REFER_FORM = {
    "subject_given_name": "Liste", "subject_family_name": "Pasient", "subject_birth_date": "",
    "subject_phone": "", "subject_address": "", "observations": "Fra risikolisten: mange innleggelser",
    "person_wants": "", "urgency": "normal", "consent": "given", "consent_absent_reason": "",
}


def test_a_double_click_on_refer_sends_one_report_and_shows_its_receipt(cast, extract_zip, django_capture_on_commit_callbacks):
    client = cast.client_for(cast.gp)
    _, risk_list = upload(cast, client, django_capture_on_commit_callbacks, extract_zip)
    entry = risk_list.entries.exclude(national_id="").order_by("new_priority").first()
    url = reverse("gp:refer", args=[risk_list.pk, entry.pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="submission_token" value="([0-9a-f-]+)"', page).group(1)
    form = {**REFER_FORM, "subject_identity_number": entry.national_id, "submission_token": token}
    assert client.post(url, form).status_code == 302
    second = client.post(url, form, follow=True).content.decode()
    referral = Referral.objects.get()
    assert f"kvittering {referral.receipt_code}" in second
    # Another tab, with a token of its own, is told the same, and sends nothing.
    assert client.post(url, {**form, "submission_token": str(uuid.uuid4())}).status_code == 302
    assert Referral.objects.count() == 1


def test_referring_keeps_the_note_of_an_earlier_review(cast, extract_zip, django_capture_on_commit_callbacks):
    from oppfolging.access import policy
    from oppfolging.gp import services
    from oppfolging.gp.forms import GpReferralForm

    client = cast.client_for(cast.gp)
    _, risk_list = upload(cast, client, django_capture_on_commit_callbacks, extract_zip)
    entry = risk_list.entries.exclude(national_id="").order_by("new_priority").first()
    client.post(reverse("gp:review", args=[risk_list.pk, entry.pk]),
                {"decision": "not_relevant", "note": "Har samtale med henne i januar"})
    url = reverse("gp:refer", args=[risk_list.pk, entry.pk])
    assert client.post(url, {**REFER_FORM, "subject_identity_number": entry.national_id}).status_code == 302
    entry.refresh_from_db()
    assert entry.review.decision == "refer" and entry.review.note == "Har samtale med henne i januar"
    # The service refuses a second report of the same entry, whatever the page did.
    form = GpReferralForm({**REFER_FORM, "subject_identity_number": entry.national_id})
    assert form.is_valid(), form.errors
    grant = policy.staff_grant(user=cast.gp, municipality=cast.municipality)
    with pytest.raises(ValidationError, match="allerede meldt"):
        services.entry_refer(grant=grant, entry=entry, **form.data_without_token())
    assert Referral.objects.count() == 1


def test_it_scores_a_list_whose_job_could_not_be_queued_after_the_upload(
        cast, extract_zip, django_capture_on_commit_callbacks, monkeypatch):
    """The upload has committed when its job is queued: a failure there shows the GP the list,
    not an error page saying nothing was saved, and the reminder run queues the job again."""
    def database_gone(list_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "score_risk_list", SimpleNamespace(enqueue=database_gone))
    response, risk_list = upload(cast, cast.client_for(cast.gp), django_capture_on_commit_callbacks, extract_zip)
    assert response["Location"] == reverse("gp:detail", args=[risk_list.pk])
    assert RiskList.objects.get(pk=risk_list.pk).status == "queued"

    assert run_all()["gp_risk_lists_requeued"] == 0  # a list just uploaded may still be waiting its turn
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert run_all()["gp_risk_lists_requeued"] == 1

    risk_list.refresh_from_db()
    assert risk_list.status == "done" and risk_list.patient_count > 300


def test_it_leaves_a_list_alone_while_a_job_to_score_it_waits_or_runs(cast, monkeypatch):
    long_ago = timezone.now() - dt.timedelta(hours=1)
    waiting, running, lost = (RiskList.objects.create(gp=cast.gp, municipality=cast.municipality, uploaded_at=long_ago)
                              for _ in range(3))
    for risk_list, status in ((waiting, "READY"), (running, "RUNNING"), (lost, "FAILED")):
        DBTaskResult.objects.create(id=uuid.uuid4(), status=status, task_path=tasks.score_risk_list.module_path,
                                    args_kwargs={"args": [risk_list.pk], "kwargs": {}}, backend_name="default",
                                    queue_name="default", priority=0, worker_ids=[])
    queued = []
    monkeypatch.setattr(tasks, "score_risk_list", SimpleNamespace(
        enqueue=queued.append, module_path=tasks.score_risk_list.module_path))

    assert tasks.risk_lists_requeue_lost() == 1
    assert queued == [lost.pk]
