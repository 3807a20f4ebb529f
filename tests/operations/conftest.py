import datetime as dt
import uuid

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from oppfolging.operations.models import WorkerHeartbeat


def running_job(task_path: str, args: list, *, workers: list[str], started_minutes_ago: float = 5) -> DBTaskResult:
    """A job a worker claimed, as django-tasks-db leaves it while the job runs."""
    return DBTaskResult.objects.create(
        id=uuid.uuid4(), status="RUNNING", args_kwargs={"args": args, "kwargs": {}}, task_path=task_path,
        backend_name="default", queue_name="default", priority=0, worker_ids=workers,
        started_at=timezone.now() - dt.timedelta(minutes=started_minutes_ago),
    )


def beat(worker_id: str, *, seconds_ago: float) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="test", pid=1,
                                          seen_at=timezone.now() - dt.timedelta(seconds=seconds_ago))


@pytest.fixture
def lease(settings):
    settings.TASK_LEASE_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 2
