"""gunicorn's settings for Oppfølging (docs/operations.md):

    gunicorn -c python:oppfolging.operations.gunicorn_conf oppfolging.wsgi

Every value can be changed with an environment variable (docs/configuration.md).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from oppfolging.lib import pdf

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: one request at a time each; a GP's upload is read by the proxy first (buffered).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
# Load the application, its URLs and every view's imports once in the master, then fork: a worker
# that starts (and one recycled after max_requests) serves at once, instead of spending its first
# request importing (about 3 s of CPU on the URLs alone: the risk engine, the PDF renderer).
# A deploy restarts gunicorn (docs/operations.md): a HUP alone does not load new code.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
# The proxy in front (nginx, a load balancer) on this machine may say the request was https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log from gunicorn: the app writes one JSON line per request with its request id and
# without the query string (operations/middleware.py). Errors go to standard error (the journal).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def child_exit(server: Any, worker: Any) -> None:
    """Drop a finished worker's request figures from the shared Prometheus files (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def when_ready(server: Any) -> None:
    """Before the first worker forks: import every view (the URLs) and load WeasyPrint's fonts."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing them is the point
    try:
        pdf.warm_up()
    except Exception:  # a missing font library must not stop the web server; the PDF view will say so
        server.log.exception("Could not warm up the PDF renderer")
