"""The shape every resource module has: its parts (models), to_fhir, search parameters, writes.

A FHIR resource type is served by one or more *parts*, each a model with its own id prefix
(Task is a report of need, a medical-assessment request or an action item: `referral-3`,
`medical-5`, `action-7`). Each part says which rows the caller may see (always through the
access policy), how one row becomes a FHIR resource, and how each search parameter filters
it. A part that cannot answer a parameter contributes no rows to that search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from django.utils import timezone
from fhir_core.fhirabstractmodel import FHIRAbstractModel

from oppfolging.fhir.search import Filter, date_filter, reference_filter
from oppfolging.lib.params import id_param

if TYPE_CHECKING:
    from oppfolging.fhir.access import Caller
    from oppfolging.people.models import Person

BASE_PATH = "/fhir/R4"
FNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.2"
HPR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.4"
MUNICIPALITY_SYSTEM = "urn:oid:2.16.578.1.12.4.1.1.3402"
# Our own code systems and canonical URLs; not registered anywhere (docs/fhir.md says so).
CODE_BASE = "urn:oppfolging:codesystem:"


@dataclass(frozen=True)
class Param:
    """A search parameter as the CapabilityStatement and the OpenAPI document describe it."""

    name: str
    type: str  # token | reference | date | string | number
    documentation: str


COUNT = Param("_count", "number", "Page size (at most FHIR_MAX_PAGE_SIZE); paging links follow.")
CURSOR = Param("_cursor", "string", "Opaque position of the next page, from a `next` link.")
ID = Param("_id", "token", "The resource's logical id.")
LAST_UPDATED = Param("_lastUpdated", "date", "When the resource last changed.")
PATIENT = Param("patient", "reference", "The person (Patient/id) the resource is about.")
SUBJECT = Param("subject", "reference", "The person (Patient/id) the resource is about.")


@dataclass
class Part:
    """One model behind a resource type."""

    key: str
    model: type[Model]
    rows: Callable[[Caller], QuerySet]
    to_fhir: Callable[[Any], dict[str, Any]]
    person_of: Callable[[Any], Person | None] = lambda obj: None
    filters: dict[str, Filter] = field(default_factory=dict)
    updated: str | None = None
    person_field: str | None = None
    portal: bool = False

    def id_of(self, obj: Any) -> str:
        return f"{self.key}-{obj.pk}" if self.key else str(obj.pk)

    def all_filters(self) -> dict[str, Filter]:
        result = dict(self.filters)
        if self.person_field:
            result.setdefault("patient", reference_filter(self.person_field, "Patient"))
            result.setdefault("subject", reference_filter(self.person_field, "Patient"))
        if self.updated:
            result.setdefault("_lastUpdated", date_filter(self.updated))
        return result


@dataclass
class ResourceType:
    """A FHIR resource type the API serves."""

    name: str
    fhir_class: type[FHIRAbstractModel]
    parts: Sequence[Part]
    params: Sequence[Param] = ()
    includes: dict[str, Callable[[list[Any], Caller], list[tuple[str, Part, Any]]]] = field(default_factory=dict)
    # The type each include adds, so its read scope is required like a search of it.
    include_types: dict[str, str] = field(default_factory=dict)
    update: Callable[..., Any] | None = None
    create: Callable[..., tuple[Part, Any]] | None = None
    versioned: bool = False
    documentation: str = ""
    # Resources not stored as rows (Questionnaire, MeasureReport): (id, resource, municipality)
    # for the caller, already filtered by the search parameters.
    computed: Callable[[Caller, dict[str, list[str]]], list[tuple[str, dict[str, Any], Any]]] | None = None

    def part_for(self, resource_id: str) -> tuple[Part, int] | None:
        """Return the part and primary key a logical id names, or None."""
        for part in self.parts:
            if part.key:
                prefix = part.key + "-"
                if resource_id.startswith(prefix) and (pk := id_param(resource_id[len(prefix):])) is not None:
                    return part, pk
            elif (pk := id_param(resource_id)) is not None:
                return part, pk
        return None

    def search_params(self) -> list[Param]:
        names = {p.name for p in self.params}
        common = [ID]
        if any(part.updated for part in self.parts) and "_lastUpdated" not in names:
            without = [part.key for part in self.parts if not part.updated]
            if without:
                # Say so rather than let a client syncing by _lastUpdated believe it saw everything.
                kinds = ", ".join(f"`{key}-<id>`" for key in without)
                common.append(Param(LAST_UPDATED.name, LAST_UPDATED.type,
                                    f"When the resource last changed. Not kept for {kinds}: those never match "
                                    "and carry no meta.lastUpdated."))
            else:
                common.append(LAST_UPDATED)
        return common + list(self.params)


# Helpers for building resources.


def ref(resource_type: str, pk: object, display: str = "") -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"{resource_type}/{pk}"}
    if display:
        reference["display"] = display
    return reference


def patient_ref(person: Person | None) -> dict[str, Any]:
    if person is None:
        return {"display": "—"}
    return ref("Patient", person.pk, person.full_name)


def user_ref(user: Any) -> dict[str, Any] | None:
    return ref("Practitioner", user.pk, user.full_name) if user is not None else None


def instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def meta(*, version: int | None = None, updated: dt.datetime | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if version is not None:
        result["versionId"] = str(version)
    if updated is not None:
        result["lastUpdated"] = instant(updated)
    return result


def coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    return {"coding": [coding(system, code, display)], "text": display or code}


def clean(value: Any) -> Any:
    """Drop None, empty strings, empty lists and empty dicts, recursively (FHIR forbids empties)."""
    if isinstance(value, dict):
        cleaned = {k: clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned_list = [clean(v) for v in value]
        return [v for v in cleaned_list if v not in (None, "", [], {})]
    return value


def persons_rows(model_rows: QuerySet, person_field: str) -> Callable[[Caller], QuerySet]:
    """Return a `rows` function: the model's rows of persons the caller may see."""
    def rows(caller: Caller) -> QuerySet:
        return model_rows.filter(**{f"{person_field}__in": caller.persons().values("pk")})
    return rows
