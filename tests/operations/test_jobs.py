"""A job whose worker vanished is queued again, or failed with a clear message, and its state follows."""

from __future__ import annotations

from pathlib import Path

from django.core.files.base import ContentFile
from django.urls import reverse

from oppfolging.gp.models import ListStatus, RiskList
from oppfolging.operations import jobs

from .conftest import beat, running_job

REMINDERS = "oppfolging.notifications.reminders.send_reminders"
SCORING = "oppfolging.gp.tasks.score_risk_list"


def scoring_list(cast, settings, tmp_path) -> RiskList:
    settings.MEDIA_ROOT = tmp_path / "media"
    risk_list = RiskList(gp=cast.gp, municipality=cast.municipality, status=ListStatus.SCORING, progress=0.45,
                         progress_step="Beregner risiko")
    risk_list.extract_file.save("uttrekk.zip", ContentFile(b"PK fake extract with identity numbers"), save=False)
    risk_list.save()
    return risk_list


def test_it_queues_a_job_again_when_its_worker_stopped_renewing_its_lease(cast, lease):
    beat("dead", seconds_ago=120)
    job = running_job(REMINDERS, [], workers=["dead"])
    [line] = jobs.jobs_recover()
    job.refresh_from_db()
    assert job.status == "READY" and job.worker_ids == ["dead"]
    assert "queued again after attempt 1" in line and "stopped sending heartbeats" in line


def test_it_leaves_a_job_alone_while_its_worker_renews_its_lease(cast, lease):
    beat("alive", seconds_ago=5)
    job = running_job(REMINDERS, [], workers=["alive"], started_minutes_ago=30)
    assert jobs.jobs_recover() == []
    job.refresh_from_db()
    assert job.status == "RUNNING"


def test_it_recovers_a_job_of_a_worker_that_never_had_a_lease_once_a_lease_has_passed(cast, lease):
    young = running_job(REMINDERS, [], workers=["old-style"], started_minutes_ago=0.5)
    old = running_job(REMINDERS, [], workers=["old-style"], started_minutes_ago=2)
    assert len(jobs.jobs_recover()) == 1
    young.refresh_from_db(), old.refresh_from_db()
    assert (young.status, old.status) == ("RUNNING", "READY")


def test_it_fails_a_job_with_a_clear_message_after_the_last_attempt(cast, lease):
    beat("dead", seconds_ago=120)
    job = running_job(REMINDERS, [], workers=["first", "dead"])
    jobs.jobs_recover()
    job.refresh_from_db()
    assert job.status == "FAILED" and job.finished_at is not None
    assert job.exception_class_path == "oppfolging.operations.jobs.WorkerLost"
    assert "abandoned after 2 attempts" in job.traceback and "worker dead stopped sending heartbeats" in job.traceback
    assert job.task_result.errors[0].exception_class_path == "oppfolging.operations.jobs.WorkerLost"


def test_it_frees_the_gp_lists_claim_so_the_retried_job_scores_it(cast, lease, settings, tmp_path):
    risk_list = scoring_list(cast, settings, tmp_path)
    beat("dead", seconds_ago=120)
    running_job(SCORING, [risk_list.pk], workers=["dead"])
    jobs.jobs_recover()
    risk_list.refresh_from_db()
    assert (risk_list.status, risk_list.progress) == (ListStatus.QUEUED, 0)
    assert Path(risk_list.extract_file.path).exists()  # the retry needs it


def test_it_fails_the_gp_list_in_norwegian_stops_polling_and_deletes_the_extract(cast, lease, settings, tmp_path):
    risk_list = scoring_list(cast, settings, tmp_path)
    path = Path(risk_list.extract_file.path)
    beat("dead", seconds_ago=120)
    running_job(SCORING, [risk_list.pk], workers=["first", "dead"])
    jobs.jobs_recover()
    risk_list.refresh_from_db()
    assert risk_list.status == ListStatus.FAILED
    assert risk_list.error.startswith("Beregningen ble avbrutt fordi bakgrunnsprosessen stoppet")
    assert not risk_list.extract_file and not path.exists()
    html = cast.client_for(cast.gp).get(reverse("gp:detail", args=[risk_list.pk])).content.decode()
    assert "Beregningen ble avbrutt fordi bakgrunnsprosessen stoppet" in html
    assert "hx-trigger" not in html  # the page no longer polls


def test_it_recovers_the_other_jobs_when_one_jobs_handler_fails(cast, lease, settings, tmp_path, monkeypatch):
    """A handler that raises (the extract's storage refuses a delete) must not keep every job
    behind it abandoned: the others are recovered, and the failing one is tried at the next pass."""
    risk_list = scoring_list(cast, settings, tmp_path)
    beat("dead", seconds_ago=120)
    stuck = running_job(SCORING, [risk_list.pk], workers=["dead"])
    other = running_job(REMINDERS, [], workers=["dead"])
    release = jobs._lost_handlers[SCORING]

    def storage_refuses(*args, **kwargs):
        raise PermissionError("the storage refused")

    monkeypatch.setitem(jobs._lost_handlers, SCORING, storage_refuses)

    [line] = jobs.jobs_recover()

    stuck.refresh_from_db(), other.refresh_from_db(), risk_list.refresh_from_db()
    assert f"job {other.id}" in line and "queued again" in line
    assert (other.status, stuck.status, risk_list.status) == ("READY", "RUNNING", ListStatus.SCORING)
    monkeypatch.setitem(jobs._lost_handlers, SCORING, release)
    [line] = jobs.jobs_recover()
    stuck.refresh_from_db(), risk_list.refresh_from_db()
    assert (stuck.status, risk_list.status) == ("READY", ListStatus.QUEUED)
