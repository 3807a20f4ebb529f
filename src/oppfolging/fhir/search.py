"""Search parameters shared by every resource type: dates, tokens, references, paging.

Repeated parameters are ANDed, comma-separated values within one are ORed (FHIR search).
A value that cannot be read is a 400, and so is a parameter the resource type does not
support: a client never gets more than it asked for because a filter was silently dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from oppfolging.fhir.errors import BAD_REQUEST, FhirError
from oppfolging.lib.params import id_param, number_param

Filter = Callable[[QuerySet, list[str]], QuerySet]

_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


def bad(message: str) -> FhirError:
    return FhirError(BAD_REQUEST, message)


def date_bounds(value: str) -> tuple[str, dt.datetime, dt.datetime]:
    """Return (prefix, start, end) of a date search value: the instant range [start, end)."""
    prefix = value[:2] if value[:2] in DATE_PREFIXES else "eq"
    text = value[2:] if value[:2] in DATE_PREFIXES else value
    m = _DATE.match(text)
    if not m:
        raise bad(f"Not a FHIR date: {value!r}.")
    try:
        y, mo, d = int(m["y"]), int(m["m"] or 1), int(m["d"] or 1)
        start_date = dt.date(y, mo, d)
        if m["H"] is not None:
            tz = dt.UTC if m["tz"] == "Z" else timezone.get_current_timezone()
            if m["tz"] and m["tz"] != "Z":
                sign = 1 if m["tz"][0] == "+" else -1
                hours, minutes = int(m["tz"][1:3]), int(m["tz"][4:6])
                tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
            start = dt.datetime(y, mo, d, int(m["H"]), int(m["M"]), int(m["S"] or 0), tzinfo=tz)
            end = start + (dt.timedelta(seconds=1) if m["S"] else dt.timedelta(minutes=1))
            return prefix, start, end
    except ValueError:
        raise bad(f"Not a FHIR date: {value!r}.") from None
    if m["d"]:
        end_date = start_date + dt.timedelta(days=1)
    elif m["m"]:
        end_date = (start_date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    else:
        end_date = start_date.replace(year=y + 1)

    def aware(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    return prefix, aware(start_date), aware(end_date)


def date_q(field: str, value: str, *, is_date: bool = False) -> Q:
    """Return the filter for one date value on a DateField (is_date) or DateTimeField."""
    prefix, start, end = date_bounds(value)
    lo: Any = timezone.localtime(start).date() if is_date else start
    hi: Any = timezone.localtime(end).date() if is_date else end
    if is_date and timezone.localtime(end).time() != dt.time.min:
        hi = hi + dt.timedelta(days=1)
    if prefix in ("eq", "ap"):
        return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})
    if prefix == "ne":
        return ~Q(**{f"{field}__gte": lo, f"{field}__lt": hi})
    if prefix in ("gt", "sa"):
        return Q(**{f"{field}__gte": hi})
    if prefix in ("lt", "eb"):
        return Q(**{f"{field}__lt": lo})
    if prefix == "ge":
        return Q(**{f"{field}__gte": lo})
    return Q(**{f"{field}__lt": hi})  # le


def date_filter(field: str, *, is_date: bool = False) -> Filter:
    def apply(qs: QuerySet, values: list[str]) -> QuerySet:
        for value in values:
            q = Q(pk__in=[])
            for one in value.split(","):
                q |= date_q(field, one, is_date=is_date)
            qs = qs.filter(q)
        return qs
    return apply


def token_values(value: str) -> list[tuple[str | None, str]]:
    """Return (system or None, code) for each comma-separated token."""
    result = []
    for one in value.split(","):
        system, sep, code = one.rpartition("|")
        result.append((system if sep else None, code))
    return result


def code_filter(field: str, mapping: dict[str, Any] | None = None, system: str | None = None) -> Filter:
    """Filter on a coded field; `mapping` turns FHIR codes into the model's values (lists allowed).

    `field` may end in a lookup (`answered_at__isnull`); each wanted value is one ORed condition.
    """
    def apply(qs: QuerySet, values: list[str]) -> QuerySet:
        for value in values:
            q = Q(pk__in=[])
            for token_system, code in token_values(value):
                if token_system not in (None, "", system):
                    continue
                if mapping is None:
                    q |= Q(**{field: code})
                elif code in mapping:
                    mapped = mapping[code]
                    for one in mapped if isinstance(mapped, list | tuple) else [mapped]:
                        q |= Q(**{field: one})
            qs = qs.filter(q)
        return qs
    return apply


def reference_id(value: str, resource_type: str) -> str:
    """Return the id in `Type/id`, a full URL ending so, or a bare id; 400 for another type."""
    text = value.rstrip("/")
    if "/" in text:
        parts = text.split("/")
        if parts[-2] != resource_type:
            raise bad(f"Expected a reference to {resource_type}, got {value!r}.")
        text = parts[-1]
    if not text:
        raise bad(f"Empty reference in {value!r}.")
    return text


def int_id(value: str) -> int | None:
    return id_param(value)


def reference_filter(field: str, resource_type: str) -> Filter:
    """Filter on a foreign key by `Type/id` references (ids are database keys)."""
    def apply(qs: QuerySet, values: list[str]) -> QuerySet:
        for value in values:
            ids = [int_id(reference_id(one, resource_type)) for one in value.split(",")]
            qs = qs.filter(**{f"{field}__in": [i for i in ids if i is not None]})
        return qs
    return apply


def string_filter(*fields: str) -> Filter:
    """Case-insensitive "starts with" on any of the fields (FHIR string search)."""
    def apply(qs: QuerySet, values: list[str]) -> QuerySet:
        for value in values:
            q = Q(pk__in=[])
            for one in value.split(","):
                for f in fields:
                    q |= Q(**{f"{f}__istartswith": one})
            qs = qs.filter(q)
        return qs
    return apply


def parse_count(values: list[str], default: int, maximum: int) -> int:
    if not values:
        return default
    count = number_param(values[0]) if len(values) == 1 else None
    if count is None:
        raise bad("_count must be one whole number.")
    return min(count, maximum)
