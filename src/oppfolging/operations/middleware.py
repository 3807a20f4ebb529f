"""Per request: an id and one structured log line with the view's time (and its Prometheus sample);
a clear answer instead of a 500 when the database connection is lost half-way through a request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string

from oppfolging.operations import logs
from oppfolging.operations.metrics import REQUEST_SECONDS

logger = logging.getLogger("oppfolging.request")
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestMiddleware:
    """Give each request an id, log it as one line when answered, and time it per view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get("X-Request-ID", "")
        token = logs.request_id.set(offered if SANE_ID.match(offered) else uuid.uuid4().hex)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - start
            match = request.resolver_match
            view = match.view_name if match else "unresolved"
            REQUEST_SECONDS.labels(view=view, method=request.method, status=response.status_code).observe(elapsed)
            response["X-Request-ID"] = logs.request_id.get()
            # Health checks, scrapes and static files (WhiteNoise) would drown the log; a path
            # that matched nothing is logged only when it is answered with an error.
            if (match is not None or response.status_code >= 400) and not view.startswith("operations:"):
                logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
                    "method": request.method, "path": request.path, "view": view,
                    "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
            return response
        finally:
            logs.request_id.reset(token)


class NulCharacterMiddleware:
    """Keep NUL characters (``%00``) in a URL away from the database.

    PostgreSQL refuses a NUL in any text value, so ``/meld-behov/%00/`` or ``?q=%00`` reached a
    query and failed with a 500. A path with a NUL names nothing: 404. In the query string a NUL
    is never meant, so it is dropped. Form fields refuse NULs themselves (Django's CharField);
    the body is not read here, so an upload page can still choose its upload handlers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404("No such page.")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query:
            # request.GET is parsed from QUERY_STRING when first read (and not before this point).
            request.META["QUERY_STRING"] = query.replace("%00", "")
            request.__dict__.pop("GET", None)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a plain explanation when the database connection breaks mid-request.

    Connection health checks (CONN_HEALTH_CHECKS) replace a connection that died while idle
    before the request uses it; this covers one that dies while the request runs. Nothing of
    the request was saved (its transaction is gone with the connection), and the browser's
    back button brings the form back with what was typed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database connection lost during %s %s", request.method, request.path, exc_info=exception)
        for connection in connections.all(initialized_only=True):
            if connection.in_atomic_block:
                continue  # the request's own transaction: Django rolls it back and closes it
            connection.close()
        # No request context: its processors would ask the database that just went away.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
