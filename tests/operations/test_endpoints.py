"""Health endpoints, protected Prometheus metrics, request ids and JSON log lines without personal data."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from oppfolging.notifications.models import Delivery, Notification
from oppfolging.operations import logs, views
from oppfolging.operations.models import JobOrigin

from .conftest import beat


@pytest.fixture
def migrated(monkeypatch):
    monkeypatch.setattr(views, "_migrations_done", False)


def test_it_answers_liveness_without_sign_in_or_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/helse/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_it_is_ready_with_the_database_up_migrations_applied_and_a_worker_seen(db, client, migrated):
    beat("w1", seconds_ago=10)
    response = client.get("/helse/klar")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "worker": "ok"}}


def test_it_is_not_ready_without_a_recent_worker(db, client, migrated, settings):
    settings.WORKER_SEEN_SECONDS = 180
    beat("w1", seconds_ago=600)
    response = client.get("/helse/klar")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "worker": "not seen"}


def test_it_is_not_ready_with_a_migration_pending(db, client, migrated, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    beat("w1", seconds_ago=1)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("audit", "9999_next")])
    response = client.get("/helse/klar")
    assert (response.status_code, response.json()["checks"]["migrations"]) == (503, "pending")


def test_it_is_not_ready_when_the_database_does_not_answer(db, client, migrated, monkeypatch):
    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "_ping", refuse)
    response = client.get("/helse/klar")
    assert (response.status_code, response.json()["checks"]) == (503, {"database": "unavailable"})


def test_it_hides_metrics_unless_configured_and_asked_with_the_token(db, client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200


def test_it_lets_listed_addresses_scrape_metrics(db, client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 404


def test_it_reports_requests_per_view_the_queue_failed_jobs_and_failed_notifications(cast, client, settings):
    settings.METRICS_TOKEN = "t0ken-for-the-test"
    cast.client_for(cast.cu).get(reverse("home:start"))
    waiting = DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}},
                                          task_path="oppfolging.notifications.reminders.send_reminders",
                                          backend_name="default", queue_name="default", priority=0)
    DBTaskResult.objects.filter(pk=waiting.pk).update(enqueued_at=timezone.now() - dt.timedelta(minutes=10))
    DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}}, task_path="oppfolging.notifications.reminders.send_reminders",
                                backend_name="default", queue_name="default", priority=0, status="FAILED",
                                finished_at="2100-01-01T00:00:00Z")

    notification = Notification.objects.create(key="k", kind="message", recipient_user=cast.cu)
    Delivery.objects.create(notification=notification, channel="email", address="kari@example.invalid",
                            status="failed", attempts=6, last_error="ConnectionRefusedError")
    beat("w1", seconds_ago=3)
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken-for-the-test").content.decode()
    assert 'oppfolging_http_request_duration_seconds_count{method="GET",status="200",view="home:start"}' in text
    assert 'oppfolging_jobs{status="ready"} 1.0' in text and 'oppfolging_jobs{status="failed"} 1.0' in text
    assert "oppfolging_jobs_failed_last_day 1.0" in text
    assert "oppfolging_notifications_failed 1.0" in text
    waited = float(re.search(r"^oppfolging_jobs_oldest_queued_age_seconds (\S+)$", text, re.M).group(1))
    assert 600 <= waited < 700  # the queue's age: the job queued ten minutes ago
    assert "oppfolging_notifications_retrying 0.0" in text
    age = float(re.search(r"^oppfolging_worker_last_seen_age_seconds (\S+)$", text, re.M).group(1))
    assert 2 <= age < 60
    assert "kim@example.invalid" not in text


def test_it_gives_each_request_an_id_and_keeps_a_sane_one_from_the_proxy(db, client):
    generated = client.get("/helse/live")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/helse/live", HTTP_X_REQUEST_ID="proxy-1234abcd")["X-Request-ID"] == "proxy-1234abcd"
    assert client.get("/helse/live", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_it_logs_a_request_as_one_json_line_without_its_query_or_personal_data(cast, json_log):
    client = cast.client_for(cast.cu)
    response = client.get(reverse("people:list"), {"q": cast.person.identity_number})
    [line] = [entry for entry in json_lines(json_log) if entry["logger"] == "oppfolging.request"]
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["path"], line["view"], line["status"]) == (reverse("people:list"), "people:list", 200)
    assert cast.person.identity_number not in json_log.getvalue()


def test_it_scrubs_identity_numbers_addresses_and_key_values_from_messages_and_tracebacks(json_log):
    logger = logging.getLogger("oppfolging.test")
    try:
        raise ValueError('duplicate key\nDETAIL:  Key (identity_number)=(01818012345) already exists.')
    except ValueError:
        logger.exception("Could not save 01818012345 / 018180 12345 for kari@example.invalid")
    [entry] = json_lines(json_log)
    text = json.dumps(entry)
    assert "01818012345" not in text and "018180 12345" not in text and "kari@example.invalid" not in text
    assert entry["message"] == "Could not save [personnummer] / [personnummer] for [e-post]"
    assert "DETAIL: [skjult]" in entry["exception"]


@pytest.mark.django_db(transaction=True)  # the upload's job is queued when its transaction commits
def test_it_ties_a_request_to_the_jobs_it_queued_and_their_log_lines(cast, settings, tmp_path, json_log):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.tasks import task_backends
    from django.tasks.signals import task_started

    settings.MEDIA_ROOT = tmp_path
    task_backends["default"] = DatabaseBackend("default", {})  # queue, as in production
    try:
        response = cast.client_for(cast.gp).post(reverse("gp:lists"), {
            "extract": SimpleUploadedFile("uttrekk.zip", b"PK..", content_type="application/zip")})
        request_id = response["X-Request-ID"]
        job = DBTaskResult.objects.get()
        assert JobOrigin.objects.get(job_id=job.id).request_id == request_id
        # In the worker: the job's log lines carry the request's id.
        task_started.send(sender=DatabaseBackend, task_result=job.task_result)
        logging.getLogger("oppfolging.gp").info("scoring")
        assert logs.request_id.get() == request_id and logs.job_id.get() == str(job.id)
        lines = json_lines(json_log)
        assert any(e["message"].startswith("job enqueued") and e["request_id"] == request_id for e in lines)
        assert {"request_id": request_id, "job_id": str(job.id)}.items() <= lines[-1].items()
    finally:
        logs.request_id.set(""), logs.job_id.set("")
        del task_backends["default"]  # back to the test suite's immediate backend
