"""Prometheus metrics: requests and latency per view (counted as they happen), and the job queue,
failed jobs, failed notifications and the workers' heartbeats (read from the database when scraped).

With several gunicorn worker processes, set PROMETHEUS_MULTIPROC_DIR (docs/operations.md) so the
request figures of every process are added up; the database figures are the same whoever asks.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

from django.db.models import Count, Min
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from oppfolging.notifications.models import Delivery, DeliveryStatus
from oppfolging.operations.models import WorkerHeartbeat

REQUEST_SECONDS = Histogram(
    "oppfolging_http_request_duration_seconds", "Time to answer a request, per view, method and status.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class DatabaseCollector(Collector):
    """Read the job queue, failures and heartbeats from the database at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        day_ago = now - dt.timedelta(days=1)
        jobs = GaugeMetricFamily("oppfolging_jobs", "Background jobs by status.", labels=["status"])
        counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        for status in (TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.SUCCESSFUL,
                       TaskResultStatus.FAILED):
            jobs.add_metric([status.lower()], counts.get(status, 0))
        yield jobs
        oldest = DBTaskResult.objects.ready().aggregate(oldest=Min("enqueued_at"))["oldest"]
        yield GaugeMetricFamily("oppfolging_jobs_oldest_queued_age_seconds",
                                "Age of the oldest job waiting for a worker (0 when none waits).",
                                value=(now - oldest).total_seconds() if oldest else 0)
        yield GaugeMetricFamily("oppfolging_jobs_failed_last_day", "Jobs that failed in the last 24 hours.",
                                value=DBTaskResult.objects.failed().filter(finished_at__gte=day_ago).count())
        yield GaugeMetricFamily("oppfolging_notifications_failed",
                                "E-mails and SMS that did not get through after every attempt (the administrator sees them).",
                                value=Delivery.objects.filter(status=DeliveryStatus.FAILED).count())
        yield GaugeMetricFamily("oppfolging_notifications_retrying",
                                "E-mails and SMS that failed at least once and wait for another attempt.",
                                value=Delivery.objects.filter(status=DeliveryStatus.PENDING, attempts__gt=0).count())
        newest = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        yield GaugeMetricFamily("oppfolging_worker_last_seen_age_seconds",
                                "Seconds since a background worker last renewed its lease (-1: never).",
                                value=(now - newest).total_seconds() if newest else -1)
        yield GaugeMetricFamily("oppfolging_workers", "Workers with a heartbeat row.", value=WorkerHeartbeat.objects.count())


def render() -> bytes:
    """Return every metric in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return generate_latest(registry) + generate_latest(database)
