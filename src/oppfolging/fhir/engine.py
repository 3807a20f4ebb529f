"""Read, search, update and create, the same way for every resource type.

Reads and searches see only rows the caller's access policy allows (resources/*.py build on
`Caller.persons()` and the policy's other filters) and write one access-log entry: a read one
entry for the resource, a search one entry per person whose data is in the page (so each
person's own log shows it), or one entry when no person's data is. Writes call the domain's own
service with the caller's grant; the service checks the grant and logs the write. The API client
is on every entry (audit.services.audit_client).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import QueryDict

from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant, audit_record
from oppfolging.fhir import scopes
from oppfolging.fhir.access import Caller
from oppfolging.fhir.errors import (
    BAD_REQUEST,
    NOT_ALLOWED,
    NOT_FOUND,
    PRECONDITION_FAILED,
    FhirError,
)
from oppfolging.fhir.resources import REGISTRY
from oppfolging.fhir.resources.base import BASE_PATH, Part, ResourceType
from oppfolging.fhir.search import bad, parse_count

CONTROL_PARAMS = {"_count", "_cursor", "_include", "_format"}
_CURSOR = re.compile(r"^(\d{1,2})\.(\d{1,18})$")
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')


def not_found() -> FhirError:
    return FhirError(NOT_FOUND, "No such resource.")


def validated(rt: ResourceType, data: dict[str, Any]) -> dict[str, Any]:
    """Return the resource once fhir.resources has validated it (ValueError otherwise).

    The resource is served as built: serialising the validated model again would cost more
    than validating it (bench/api.py) and give the same JSON.
    """
    rt.fhir_class.model_validate(data)
    return data


def _audit(caller: Caller, rt: ResourceType, action: str, resource_id: str = "", person: Any = None,
           municipality: Any = None) -> None:
    resource = f"fhir:{rt.name}"
    if person is not None:
        grant = caller.person_grant(person, resource_type=rt.name)
        if grant is not None:
            audit_grant(grant=grant, action=action, resource=resource, resource_id=resource_id or person.pk)
            return
    audit_record(
        actor=caller.user, actor_name="" if caller.user else caller.client.name, action=action,
        resource=resource, resource_id=resource_id, person=person,
        municipality=municipality if municipality is not None else caller.client.municipality,
        role="" if caller.user else "system", purpose="FHIR-API",
    )


def _municipality_of(obj: Any) -> Any:
    for attr in ("municipality", "risk_list"):
        value = getattr(obj, attr, None)
        if value is not None:
            return getattr(value, "municipality", value)
    return None


def find(rt: ResourceType, caller: Caller, resource_id: str) -> tuple[Part, Any]:
    """Return the part and row a logical id names, if the caller may see it; 404 otherwise."""
    found = rt.part_for(resource_id)
    if found is None:
        raise not_found()
    part, pk = found
    if caller.is_portal and not part.portal:
        raise not_found()
    obj = part.rows(caller).filter(pk=pk).first()
    if obj is None:
        raise not_found()
    return part, obj


def read(rt: ResourceType, caller: Caller, resource_id: str) -> dict[str, Any]:
    caller.require(rt.name, scopes.READ)
    if rt.computed is not None:
        rows = rt.computed(caller, {"_id": [resource_id]})
        if not rows:
            raise not_found()
        rid, data, municipality = rows[0]
        _audit(caller, rt, Action.READ, rid, municipality=municipality)
        return validated(rt, data)
    part, obj = find(rt, caller, resource_id)
    data = validated(rt, part.to_fhir(obj))
    person = part.person_of(obj)
    _audit(caller, rt, Action.READ, part.id_of(obj), person=person, municipality=_municipality_of(obj))
    return data


def _page_url(base_url: str, query: QueryDict, cursor: str | None) -> str:
    pairs = [(k, v) for k in query for v in query.getlist(k) if k != "_cursor"]
    if cursor is not None:
        pairs.append(("_cursor", cursor))
    return base_url + ("?" + urlencode(pairs) if pairs else "")


def search(rt: ResourceType, caller: Caller, query: QueryDict, base_url: str, origin: str) -> dict[str, Any]:
    """Return a searchset Bundle of one page, with `self` and (when there is more) `next` links."""
    caller.require(rt.name, scopes.READ)
    params = {k: query.getlist(k) for k in query}
    allowed = {p.name for p in rt.search_params()}
    unknown = sorted(set(params) - allowed - CONTROL_PARAMS)
    if unknown:
        raise bad(f"Unsupported search parameter(s) for {rt.name}: {', '.join(unknown)}. "
                  f"Supported: {', '.join(sorted(allowed))}.")
    count = parse_count(params.get("_count", []), settings.FHIR_PAGE_SIZE, settings.FHIR_MAX_PAGE_SIZE)
    includes = [v for value in params.get("_include", []) for v in value.split(",") if v]
    for include in includes:
        if include not in rt.includes:
            raise bad(f"Unsupported _include {include!r}; supported: {', '.join(rt.includes) or 'none'}.")
        # An include is a search of its type: a token without that type's read scope gets a
        # 403, as it would searching the type itself, never the rows through the back door.
        caller.require(rt.include_types[include], scopes.READ)
    filters = {k: v for k, v in params.items() if k not in CONTROL_PARAMS}
    cursor_values = params.get("_cursor", [])
    full = f"{origin}{BASE_PATH}"

    if rt.computed is not None:
        return _computed_search(rt, caller, filters, cursor_values, count, base_url, query, full)

    cursor: tuple[int, int] | None = None
    if cursor_values:
        m = _CURSOR.match(cursor_values[0])
        if not m:
            raise bad("_cursor is not one this server gave out.")
        cursor = (int(m[1]), int(m[2]))

    parts: list[tuple[int, Part, Any]] = []
    for index, part in enumerate(rt.parts):
        if caller.is_portal and not part.portal:
            continue
        qs = part.rows(caller)
        available = part.all_filters()
        usable = True
        for name, values in filters.items():
            if name == "_id":
                for value in values:
                    pks = [f[1] for f in (rt.part_for(v) for v in value.split(",")) if f and f[0] is part]
                    qs = qs.filter(pk__in=pks)
            elif name in available:
                qs = available[name](qs, values)
            else:
                usable = False
                break
        if usable:
            parts.append((index, part, qs))

    total = sum(qs.count() for _i, _p, qs in parts)
    page: list[tuple[Part, Any]] = []
    next_cursor: str | None = None
    for index, part, qs in parts:
        if cursor is not None and index < cursor[0]:
            continue
        ordered = qs.order_by("pk")
        if cursor is not None and index == cursor[0]:
            ordered = ordered.filter(pk__gt=cursor[1])
        need = count - len(page)
        if need <= 0:
            # The page filled up with earlier parts: the next page starts at the first later
            # part with rows (an empty part in between must not end the paging).
            if ordered.exists():
                next_cursor = f"{index}.0"
                break
            continue
        rows = list(ordered[: need + 1])
        page += [(part, r) for r in rows[:need]]
        if len(rows) > need:
            next_cursor = f"{index}.{rows[need - 1].pk}"
            break

    entries = [_entry(rt.name, part, obj, full, "match", rt) for part, obj in page]
    matched = [obj for _part, obj in page]
    seen: set[tuple[str, str]] = set()
    for include in includes:
        for type_name, part, obj in rt.includes[include](matched, caller):
            caller.require(type_name, scopes.READ)  # include_types named it; this keeps them in step
            key = (type_name, part.id_of(obj))
            if key not in seen:
                seen.add(key)
                entries.append(_entry(type_name, part, obj, full, "include"))
                page.append((part, obj))

    persons = {}
    for part, obj in page:
        person = part.person_of(obj)
        if person is not None:
            persons[person.pk] = person
    for person in persons.values():
        _audit(caller, rt, Action.SEARCH, person=person)
    if not persons:
        _audit(caller, rt, Action.SEARCH)

    links = [{"relation": "self", "url": _page_url(base_url, query, cursor_values[0] if cursor_values else None)}]
    if next_cursor is not None and count > 0:
        links.append({"relation": "next", "url": _page_url(base_url, query, next_cursor)})
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links, "entry": entries}


def _entry(type_name: str, part: Part, obj: Any, full: str, mode: str, rt: ResourceType | None = None) -> dict[str, Any]:
    data = validated(rt or REGISTRY[type_name], part.to_fhir(obj))
    return {"fullUrl": f"{full}/{type_name}/{data['id']}", "resource": data, "search": {"mode": mode}}


def _computed_search(rt: ResourceType, caller: Caller, filters: dict[str, list[str]], cursor_values: list[str],
                     count: int, base_url: str, query: QueryDict, full: str) -> dict[str, Any]:
    offset = 0
    if cursor_values:
        m = re.match(r"^c(\d{1,9})$", cursor_values[0])
        if not m:
            raise bad("_cursor is not one this server gave out.")
        offset = int(m[1])
    rows = rt.computed(caller, filters) if rt.computed else []
    page = rows[offset: offset + count]
    entries = [{"fullUrl": f"{full}/{rt.name}/{rid}", "resource": validated(rt, data), "search": {"mode": "match"}}
               for rid, data, _m in page]
    municipalities = {m.pk: m for _r, _d, m in page if m is not None}
    for municipality in municipalities.values():
        _audit(caller, rt, Action.SEARCH, municipality=municipality)
    if not municipalities:
        _audit(caller, rt, Action.SEARCH)
    links = [{"relation": "self", "url": _page_url(base_url, query, cursor_values[0] if cursor_values else None)}]
    if offset + count < len(rows):
        links.append({"relation": "next", "url": _page_url(base_url, query, f"c{offset + count}")})
    return {"resourceType": "Bundle", "type": "searchset", "total": len(rows), "link": links, "entry": entries}


def version_of(obj: Any) -> int | None:
    version = getattr(obj, "version", None)
    return version if isinstance(version, int) else None


def expected_version(if_match: str) -> int:
    """Return the version an If-Match header names; 412 when it is missing or unreadable."""
    if not if_match:
        raise FhirError(PRECONDITION_FAILED, "Updates need If-Match with the version read (ETag), "
                                             "so that no update is lost.")
    m = _ETAG.match(if_match.strip())
    if not m:
        raise FhirError(PRECONDITION_FAILED, "If-Match must be the ETag given with the resource, e.g. W/\"3\".")
    return int(m[1])


def check_body(rt: ResourceType, body: Any, resource_id: str | None = None) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("resourceType") != rt.name:
        raise FhirError(BAD_REQUEST, f"The body must be a {rt.name} resource.")
    if resource_id is not None and str(body.get("id", "")) != resource_id:
        raise FhirError(BAD_REQUEST, "The resource's id must match the URL.")
    try:
        rt.fhir_class.model_validate(body)
    except ValueError as error:
        raise FhirError(BAD_REQUEST, f"Not a valid {rt.name}: {str(error)[:500]}") from None
    return body


def update(rt: ResourceType, caller: Caller, resource_id: str, body: Any, if_match: str) -> tuple[dict[str, Any], Any]:
    """Apply an update through the domain service if the version still matches; 412 otherwise."""
    if rt.update is None:
        raise FhirError(NOT_ALLOWED, f"{rt.name} cannot be updated through this API.", allow="GET")
    caller.require(rt.name, scopes.WRITE)
    part, obj = find(rt, caller, resource_id)
    body = check_body(rt, body, resource_id)
    expected = expected_version(if_match)
    with transaction.atomic():
        # Hold the row while the service writes, so nobody saves between the check and the write.
        current = part.model._default_manager.select_for_update().filter(pk=obj.pk).values_list(
            "version", flat=True).first()
        if current != expected:
            raise FhirError(PRECONDITION_FAILED,
                            f"The resource has changed since version {expected}; it is now version {current}. "
                            "Read it again and reapply the change.")
        rt.update(caller, part, obj, body)
    _part, fresh = find(rt, caller, resource_id)
    return validated(rt, part.to_fhir(fresh)), fresh


def create(rt: ResourceType, caller: Caller, body: Any) -> tuple[dict[str, Any], Any]:
    """Create through the domain service; returns the stored resource."""
    if rt.create is None:
        raise FhirError(NOT_ALLOWED, f"{rt.name} cannot be created through this API.", allow="GET")
    caller.require(rt.name, scopes.WRITE)
    body = check_body(rt, body)
    part, obj = rt.create(caller, body)
    fresh = part.rows(caller).filter(pk=obj.pk).first() or obj
    return validated(rt, part.to_fhir(fresh)), fresh
