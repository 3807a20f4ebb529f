"""Structured logs: one JSON object a line, with the request id (and job id) of what is running.

A request gets an id (the proxy's X-Request-ID when it sends a sane one, else a new one); it is
sent back in the X-Request-ID header, written on every log line of the request, stored with each
job the request queues (JobOrigin) and written on every log line of that job in the worker.

No personal data in logs: request lines carry the path without the query string (searches put
names there), and every message and traceback is scrubbed of anything that looks like an
identity number (11 digits) or an e-mail address, and of PostgreSQL's DETAIL lines (which quote
the values of a violated unique key).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
job_id: ContextVar[str] = ContextVar("job_id", default="")

_SCRUB = [
    (re.compile(r"(?<!\d)\d{11}(?!\d)"), "[personnummer]"),
    (re.compile(r"(?<!\d)\d{6}[ .-]\d{5}(?!\d)"), "[personnummer]"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[e-post]"),
    (re.compile(r"DETAIL:.*"), "DETAIL: [skjult]"),
]


def scrub(text: str) -> str:
    """Remove what looks like personal data from a log message or traceback."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Put the current request id and job id on every record (text and JSON formats alike)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", "") or request_id.get()
        record.job_id = getattr(record, "job_id", "") or job_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, ids, scrubbed exception."""

    EXTRA = ("method", "path", "view", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for name in ("request_id", "job_id", *self.EXTRA):
            value = getattr(record, name, "")
            if value not in ("", None):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The same, scrubbed, as plain text for a developer's console."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s%(job_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))
