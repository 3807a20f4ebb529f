"""What operations needs to remember: which workers are alive, and which request queued a job."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """A background worker's lease: renewed every few seconds while the worker process lives.

    A job running under a worker whose heartbeat is older than TASK_LEASE_SECONDS was abandoned
    (the process was killed, the machine died) and is retried or failed (operations/jobs.py).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class JobOrigin(models.Model):
    """The request that queued a background job, so the job's log lines carry its request id."""

    job_id = models.UUIDField(primary_key=True)
    request_id = models.CharField(max_length=64)
    enqueued_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.job_id} ← {self.request_id}"
