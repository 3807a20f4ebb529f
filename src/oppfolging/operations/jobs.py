"""Background jobs that survive a dying worker: a lease per worker, and recovery of abandoned jobs.

django-tasks-db (0.13) marks a job RUNNING and appends the worker's id when a worker claims it,
but has no lease: a worker killed mid-job (kill -9, out of memory, a lost machine) leaves the job
RUNNING for ever. Our `oppfolging db_worker` (operations/management/commands/db_worker.py) keeps
a heartbeat row per worker (WorkerHeartbeat). `jobs_recover` finds RUNNING jobs whose worker's
heartbeat is older than TASK_LEASE_SECONDS and puts them back in the queue, or, after
TASK_MAX_ATTEMPTS claims, fails them with a clear message. A task whose own state must follow
(the GP's list that says "scoring") registers a handler with `on_worker_lost`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.tasks import TaskResultStatus
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from oppfolging.operations import logs
from oppfolging.operations.models import JobOrigin, WorkerHeartbeat

logger = logging.getLogger(__name__)

WORKER_LOST = "oppfolging.operations.jobs.WorkerLost"
LostHandler = Callable[..., None]
_lost_handlers: dict[str, LostHandler] = {}


class WorkerLost(Exception):
    """The worker running a job stopped before the job finished (recorded on the failed job)."""


def on_worker_lost(task: Any) -> Callable[[LostHandler], LostHandler]:
    """Register `handler(*args, retrying=bool, **kwargs)` to run when `task`'s worker is lost.

    It gets the job's own arguments. With retrying=True the job goes back in the queue (release
    any claim the job took); with retrying=False it has failed for good (say so, clean up).
    """

    def register(handler: LostHandler) -> LostHandler:
        _lost_handlers[task.module_path] = handler
        return handler

    return register


def heartbeat(*, worker_id: str) -> None:
    """Renew this worker's lease."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"seen_at": now, "hostname": socket.gethostname()[:255], "pid": os.getpid()},
        create_defaults={"seen_at": now, "started_at": now, "hostname": socket.gethostname()[:255],
                         "pid": os.getpid()},
    )


def heartbeat_end(*, worker_id: str) -> None:
    """Give up this worker's lease when it stops cleanly."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def jobs_recover(*, now: dt.datetime | None = None, worker_id: str | None = None) -> list[str]:
    """Retry or fail every RUNNING job whose worker is gone; return what was done, one line a job.

    A worker is gone when its heartbeat is older than the lease, or when it has none (it stopped
    a day ago, or is an old-style worker) and the job started longer than a lease ago.
    `worker_id` names a worker known to have dropped its job (our own, after its database
    connection was lost).
    """
    now = now or timezone.now()
    lease_ago = now - dt.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    seen = dict(WorkerHeartbeat.objects.values_list("worker_id", "seen_at"))
    done = []
    for job_id in DBTaskResult.objects.running().values_list("id", flat=True):
        try:
            line = _recover_if_abandoned(job_id, seen=seen, lease_ago=lease_ago, now=now, worker_id=worker_id)
        except (OperationalError, InterfaceError):
            raise  # the connection itself: the caller waits and tries the whole pass again
        except Exception:  # noqa: BLE001 - one job's handler must not keep every other job abandoned
            # Nothing of this job's recovery was kept (one transaction); it is tried again at the
            # next pass, and this line says why it is still running.
            logger.exception("job %s: recovery failed; trying again at the next pass", job_id,
                             extra={"job_id": str(job_id)})
            continue
        if line:
            done.append(line)
    WorkerHeartbeat.objects.filter(seen_at__lt=now - dt.timedelta(days=1)).delete()
    JobOrigin.objects.filter(enqueued_at__lt=now - dt.timedelta(days=30)).delete()
    return done


def _recover_if_abandoned(job_id: Any, *, seen: dict[str, dt.datetime], lease_ago: dt.datetime, now: dt.datetime,
                          worker_id: str | None) -> str:
    """Retry or fail one RUNNING job if its worker is gone, in one transaction; return what was done, or ""."""
    with transaction.atomic():
        job = DBTaskResult.objects.running().select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            return ""
        last = job.worker_ids[-1] if job.worker_ids else ""
        if last == worker_id:
            reason = f"worker {last} lost its database connection during the job"
        elif last in seen and seen[last] < lease_ago:
            reason = f"worker {last} stopped sending heartbeats (killed or its machine stopped)"
        elif last not in seen and job.started_at is not None and job.started_at < lease_ago:
            reason = f"worker {last or '(unknown)'} has no heartbeat"
        else:
            return ""
        return _recover(job, reason=reason, now=now)


def _recover(job: DBTaskResult, *, reason: str, now: dt.datetime) -> str:
    attempts = len(job.worker_ids)
    retrying = attempts < settings.TASK_MAX_ATTEMPTS
    try:
        job.task  # imports the task's module, which registers its handler  # noqa: B018
    except ImportError:
        logger.warning("job %s: task %s no longer exists", job.id, job.task_path)
    handler = _lost_handlers.get(job.task_path)
    if handler is not None:
        handler(*job.args_kwargs.get("args", []), retrying=retrying, **job.args_kwargs.get("kwargs", {}))
    if retrying:
        job.status = TaskResultStatus.READY
        job.save(update_fields=["status"])
        line = f"job {job.id} ({job.task_path}) queued again after attempt {attempts}: {reason}"
    else:
        job.status = TaskResultStatus.FAILED
        job.finished_at = now
        job.exception_class_path = WORKER_LOST
        job.traceback = (f"{WORKER_LOST}: the job was abandoned after {attempts} attempts; "
                         f"the last one ended because {reason}.\n")
        job.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
        line = f"job {job.id} ({job.task_path}) failed after {attempts} attempts: {reason}"
    logger.warning(line, extra={"job_id": str(job.id)})
    return line


def jobs_waiting_or_running(task: Any, *, first_args: Iterable[Any]) -> set[Any]:
    """Return those of `first_args` for which a job of `task` (called with it first) waits or runs.

    For a sweep that re-queues work whose job was never queued; with another backend than the
    database (the tests' immediate one) no job waits, so the answer is empty.
    """
    wanted = list(first_args)
    if not wanted:
        return set()
    rows = DBTaskResult.objects.filter(
        task_path=task.module_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).values_list("args_kwargs", flat=True)
    found = {row["args"][0] for row in rows if row.get("args")}
    return found & set(wanted)


def _queued(task_result: Any) -> bool:
    """Say whether the job went to the database queue (the test suite runs jobs at once instead)."""
    return isinstance(task_result.task.get_backend(), DatabaseBackend)


def _remember_origin(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id = logs.request_id.get()
    if request_id and _queued(task_result):
        JobOrigin.objects.get_or_create(job_id=task_result.id, defaults={"request_id": request_id})
    logger.info("job enqueued: %s %s", task_result.task.module_path, task_result.id,
                extra={"job_id": str(task_result.id)})


def _job_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if not _queued(task_result):
        return
    origin = JobOrigin.objects.filter(job_id=task_result.id).values_list("request_id", flat=True).first()
    logs.job_id.set(str(task_result.id))
    logs.request_id.set(origin or "")
    logger.info("job started: %s", task_result.task.module_path)


def _job_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if not _queued(task_result):
        return
    logger.info("job finished: %s %s", task_result.task.module_path, task_result.status)
    logs.job_id.set("")
    logs.request_id.set("")


task_enqueued.connect(_remember_origin, dispatch_uid="oppfolging.operations.origin")
task_started.connect(_job_started, dispatch_uid="oppfolging.operations.started")
task_finished.connect(_job_finished, dispatch_uid="oppfolging.operations.finished")
