"""Health and metrics endpoints for the municipality's IT (docs/operations.md)."""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from oppfolging.audit.services import client_ip
from oppfolging.operations import metrics
from oppfolging.operations.models import WorkerHeartbeat

_migrations_done = False


@login_not_required
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database; restart the process if this fails)."""
    return JsonResponse({"status": "ok"})


def _pending_migrations() -> bool:
    global _migrations_done
    if not _migrations_done:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrations_done = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return not _migrations_done


def _ping() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@login_not_required
@never_cache
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers, every migration is applied, and a worker was seen lately."""
    checks: dict[str, str] = {}
    try:
        _ping()
        checks["database"] = "ok"
        checks["migrations"] = "pending" if _pending_migrations() else "ok"
        cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_SEEN_SECONDS)
        checks["worker"] = "ok" if WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).exists() else "not seen"
    except DatabaseError:
        checks["database"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values()) and len(checks) == 3
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status=200 if healthy else 503)


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    address = client_ip(request)
    if address and settings.METRICS_ALLOWED_IPS:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_IPS)
    return False


@login_not_required
@never_cache
def prometheus(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a bearer token (METRICS_TOKEN) or listed addresses only; else 404."""
    if not _may_scrape(request):
        raise Http404
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request the server will not read (e.g. a form larger than the limit): say what to do.

    Django's own 400 page renders without the request; ours has the header and the way back, and
    tells the user that what they typed is still in the form they came from.
    """
    return render(request, "400.html", {"too_big": isinstance(exception, RequestDataTooBig)}, status=400)
