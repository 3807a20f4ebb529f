"""Real worker processes: one killed with SIGKILL mid-job, one whose database connection is cut."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django_tasks_db.models import DBTaskResult

from oppfolging.gp.models import RiskList
from oppfolging.risk.simulate import simulate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("worker-processes")]
HERE = Path(__file__).parent


def database_for_workers(tmp_path: Path) -> tuple[str, Callable[[str, list], list]]:
    """Return a DATABASE_URL the worker processes can open, and a query function that reads it.

    PostgreSQL: the test database itself. SQLite: the test database lives in this process's
    memory, so it is copied to a file the workers share (and the test reads that file).
    """
    if connection.vendor == "postgresql":
        settings = connection.settings_dict

        def query(sql: str, params: list) -> list:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}", query
    path = tmp_path / "workers.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)

    def query_file(sql: str, params: list) -> list:
        with sqlite3.connect(path, timeout=20) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()

    return f"sqlite:///{path}", query_file


def start_worker(url: str, media: Path, worker_id: str, *, slow: bool = False) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"OPPFOLGING_TESTING", "PYTEST_XDIST_WORKER"}}
    env.update(DATABASE_URL=url, DEBUG="1", MEDIA_ROOT=str(media), TASK_LEASE_SECONDS="2", TASK_MAX_ATTEMPTS="2",
               LOG_FORMAT="json")
    program = [sys.executable, str(HERE / "slow_worker.py")] if slow else [sys.executable, "-m", "oppfolging"]
    return subprocess.Popen(
        [*program, "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay", "--worker-id", worker_id],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(condition: Callable[[], bool], *, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            raise AssertionError(f"the worker exited ({process.returncode}):\n{process.stdout.read()}")
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"gave up after {seconds} s; worker output:\n{process.communicate()[0]}")


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    return process.communicate(timeout=30)[0]


def queue_job(task_path: str, args: list) -> str:
    job = DBTaskResult.objects.create(args_kwargs={"args": args, "kwargs": {}}, task_path=task_path,
                                      backend_name="default", queue_name="default", priority=0)
    return str(job.id)


def test_it_retries_a_gp_scoring_job_whose_worker_was_killed_at_45_percent(cast, tmp_path, settings):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    simulate(400, 7, tmp_path / "simulated")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((tmp_path / "simulated" / "t1").iterdir()):
            archive.write(path, path.name)
    risk_list = RiskList(gp=cast.gp, municipality=cast.municipality)
    risk_list.extract_file.save("uttrekk.zip", ContentFile(buffer.getvalue()), save=False)
    risk_list.save()
    job_id = queue_job("oppfolging.gp.tasks.score_risk_list", [risk_list.pk])
    url, query = database_for_workers(tmp_path)

    def list_state() -> tuple:
        return query("SELECT status, progress, extract_file, patient_count FROM gp_risklist WHERE id = %s",
                     [risk_list.pk])[0]

    def job_state() -> tuple:
        return query("SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
                     [job_id.replace("-", "") if url.startswith("sqlite") else job_id])[0]

    first = start_worker(url, media, "first", slow=True)
    wait_for(lambda: list_state()[1] >= 0.45, seconds=90, process=first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    # What the review found: the list says "scoring" and the job "running", with nobody on it.
    assert list_state()[0] == "scoring" and job_state()[0] == "RUNNING"

    second = start_worker(url, media, "second")
    wait_for(lambda: job_state()[0] in ("SUCCESSFUL", "FAILED"), seconds=90, process=second)
    output = stop(second)
    status, workers = job_state()
    assert status == "SUCCESSFUL", output
    assert "first" in workers and "second" in workers
    assert "queued again after attempt 1: worker first stopped sending heartbeats" in output
    list_status, _progress, extract_file, patient_count = list_state()
    assert (list_status, extract_file) == ("done", "") and patient_count > 300
    assert list((media / "gp_extracts").iterdir()) == []  # the raw extract is gone
    assert query("SELECT COUNT(*) FROM operations_workerheartbeat WHERE worker_id = %s", ["second"]) == [(0,)], output


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
def test_it_keeps_the_worker_running_when_the_database_drops_its_connections(tmp_path):
    url, query = database_for_workers(tmp_path)
    worker = start_worker(url, tmp_path / "media", "steady")
    first = queue_job("oppfolging.notifications.reminders.send_reminders", [])
    done = "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s"
    wait_for(lambda: query(done, [first]) == [("SUCCESSFUL",)], seconds=90, process=worker)
    # Cut every connection the worker holds (its loop's and its heartbeat's), as a database
    # restart or failover would.
    cut = query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()", [])
    assert len(cut) >= 1
    second = queue_job("oppfolging.notifications.reminders.send_reminders", [])
    wait_for(lambda: query(done, [second]) == [("SUCCESSFUL",)], seconds=90, process=worker)
    assert worker.poll() is None
    stop(worker)
