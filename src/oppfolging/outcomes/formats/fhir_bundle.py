"""FHIR R4 Encounter resources in a Bundle: hospital stays and municipal service visits.

Each Encounter is read by its ``class`` (v3-ActCode):

* inpatient (``IMP``, ``ACUTE``, ``NONAC``, ``SS``, ``OBSENC``, ``PRENC``) → a hospital stay:
  ``period.start`` is the admission, ``period.end`` the discharge (absent while still in). It is
  acute when the class is ``ACUTE``, the ``priority`` is emergency, urgent, stat or as soon as
  possible (v3-ActPriority ``EM``, ``UR``, ``S``, ``A``) or the admission came from the
  emergency department (``hospitalization.admitSource`` ``emd``); elective when the class is
  ``NONAC`` or the priority is ``EL`` or ``R``. An inpatient Encounter that says neither is
  refused: guessing would bias the very count the estimate rests on.
* home and community (``HH``, ``FLD``, ``VR``) → one visit of the service named in
  ``serviceType``, summed per person, service and month; its hours from ``length`` (h or min),
  else from ``period``.
* anything else (outpatient ``AMB``, emergency visits ``EMER`` without admission) is counted
  and left out. So are cancelled, planned and entered-in-error Encounters.

The person is the Encounter's ``subject``: an identifier with the fødselsnummer or D-nummer
system (no-basis: urn:oid:2.16.578.1.12.4.1.4.1 / …4.2), directly or on the Patient resource
in the Bundle that the subject refers to. Problems name the entry (1-based) and the field, and
JSON syntax errors the line and column.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from fhir.resources.R4B.encounter import Encounter
from pydantic import ValidationError

from oppfolging.lib import identity
from oppfolging.outcomes.formats import ImportProblems, Parsed, Problem, ServiceRow, StayRow

IDENTITY_SYSTEMS = ("urn:oid:2.16.578.1.12.4.1.4.1", "urn:oid:2.16.578.1.12.4.1.4.2")
INPATIENT = {"IMP", "ACUTE", "NONAC", "SS", "OBSENC", "PRENC"}
COMMUNITY = {"HH", "FLD", "VR"}
ACUTE_PRIORITY = {"EM", "UR", "S", "A"}
ELECTIVE_PRIORITY = {"EL", "R"}
SKIPPED_STATUS = {"cancelled", "entered-in-error", "planned"}


def parse(name: str, data: bytes) -> Parsed:
    """Return the stays and service visits in the Bundle, or raise ImportProblems."""
    try:
        bundle = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportProblems([Problem(name, None, None, _("filen er ikke UTF-8"))]) from None
    except json.JSONDecodeError as error:
        raise ImportProblems([Problem(name, error.lineno, str(error.colno), _("ugyldig JSON"))]) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ImportProblems([Problem(name, None, "resourceType", _("forventer en FHIR Bundle"))])
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise ImportProblems([Problem(name, None, "Bundle.entry", _("forventer en liste"))])

    patients = _patients(entries)
    problems: list[Problem] = []
    stays: list[StayRow] = []
    visits: dict[tuple[str, str, dt.date], list[Any]] = defaultdict(lambda: [Decimal(0), 0, None, 0])
    ignored = 0
    encounters = 0
    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(Problem(name, None, "resource", _("oppføringen mangler en ressurs"), number))
            continue
        if resource.get("resourceType") != "Encounter":
            continue
        encounters += 1
        found: list[Problem] = []

        def problem(field: str, message: str, found: list[Problem] = found, number: int = number) -> None:
            found.append(Problem(name, None, f"Encounter.{field}", message, number))

        try:
            Encounter.model_validate(resource)
        except ValidationError as error:
            first = error.errors()[0]
            path = ".".join(str(p) for p in first["loc"] if p != "__root__") or "resource"
            problem(path, _("ugyldig etter FHIR R4"))
            problems += found
            continue
        if resource.get("status") in SKIPPED_STATUS:
            ignored += 1
            continue
        kind = ((resource.get("class") or {}).get("code") or "").upper()
        if kind not in INPATIENT and kind not in COMMUNITY:
            ignored += 1
            continue
        national_id = _subject(resource, patients, problem)
        period = resource.get("period") or {}
        start = _date(period.get("start"), "period.start", problem, required=True)
        end = _date(period.get("end"), "period.end", problem, required=False)
        if start and end and end < start:
            problem("period.end", _("slutt før start"))
        if kind in INPATIENT:
            acute = _acute(resource, kind)
            if acute is None:
                problem("priority", _("kan ikke avgjøre om oppholdet var akutt: oppgi priority, "
                                      "hospitalization.admitSource eller class ACUTE/NONAC"))
            if not found and start is not None and acute is not None:
                stays.append(StayRow(national_id, start, end, acute,
                                     _("oppføring %(n)s") % {"n": number}))
        else:
            service = _service(resource)
            if not service:
                problem("serviceType", _("tjenesten mangler (serviceType)"))
            hours = _hours(resource, period, problem)
            if not found and start is not None and national_id and service:
                month = start.replace(day=1)
                total = visits[(national_id, service[:200], month)]
                total[0] += hours or Decimal(0)
                total[1] += 1
                total[2] = total[2] or number
                total[3] += 1 if hours is not None else 0
        problems += found
    if problems:
        raise ImportProblems(problems)
    if not encounters:
        raise ImportProblems([Problem(name, None, "Bundle.entry", _("Bundle har ingen Encounter"))])
    services = [
        ServiceRow(national_id, service, month,
                   hours.quantize(Decimal("0.01")) if with_hours else None, count,
                   _("oppføring %(n)s") % {"n": first})
        for (national_id, service, month), (hours, count, first, with_hours) in visits.items()
    ]
    dates = [s.admitted for s in stays] + [s.discharged for s in stays if s.discharged]
    dates += [s.month for s in services]
    parsed = Parsed(stays=stays, services=services, ignored=ignored)
    if dates:
        parsed.period = (min(dates), max(dates))
    return parsed


def _patients(entries: list[Any]) -> dict[str, str | None]:
    """Return the identity number of each Patient in the Bundle, by fullUrl and Patient/<id>."""
    found: dict[str, str | None] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
            continue
        number = _identifier(resource.get("identifier"))
        if entry.get("fullUrl"):
            found[str(entry["fullUrl"])] = number
        if resource.get("id"):
            found[f"Patient/{resource['id']}"] = number
    return found


def _identifier(identifiers: Any) -> str | None:
    for item in identifiers if isinstance(identifiers, list) else [identifiers]:
        if isinstance(item, dict) and item.get("system") in IDENTITY_SYSTEMS and item.get("value"):
            return str(item["value"])
    return None


def _subject(resource: dict, patients: dict[str, str | None], problem: Any) -> str | None:
    """Return the Encounter's person's identity number, or record why there is none."""
    subject = resource.get("subject") or {}
    value = _identifier(subject.get("identifier"))
    if value is None and subject.get("reference"):
        reference = str(subject["reference"])
        if reference not in patients:
            problem("subject.reference", _("pasienten «%(ref)s» finnes ikke i Bundle") % {"ref": reference})
            return None
        value = patients[reference]
    if value is None:
        problem("subject", _("mangler fødselsnummer eller D-nummer for personen"))
        return None
    try:
        return identity.parse(value, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS).value
    except identity.InvalidIdentityNumber:
        problem("subject", _("ugyldig fødselsnummer eller D-nummer"))
        return None


def _date(value: Any, field: str, problem: Any, *, required: bool) -> dt.date | None:
    """Return the date of a FHIR date or dateTime (its first ten characters)."""
    if not value:
        if required:
            problem(field, _("verdi mangler"))
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        problem(field, _("ugyldig dato «%(value)s»") % {"value": value})
        return None


def _acute(resource: dict, kind: str) -> bool | None:
    """Tell whether an inpatient Encounter was acute; None when it does not say."""
    if kind == "ACUTE":
        return True
    codes = {c.get("code") for c in (resource.get("priority") or {}).get("coding") or []}
    source = (resource.get("hospitalization") or {}).get("admitSource") or {}
    sources = {c.get("code") for c in source.get("coding") or []}
    if codes & ACUTE_PRIORITY or "emd" in sources:
        return True
    if kind == "NONAC" or codes & ELECTIVE_PRIORITY:
        return False
    return None


def _service(resource: dict) -> str:
    service_type = resource.get("serviceType") or {}
    codings = service_type.get("coding") or [{}]
    return str(service_type.get("text") or codings[0].get("display") or codings[0].get("code") or "").strip()


def _hours(resource: dict, period: dict, problem: Any) -> Decimal | None:
    """Return the visit's length in hours, from ``length`` or else from ``period``."""
    length = resource.get("length")
    if length:
        unit = (length.get("code") or length.get("unit") or "").lower()
        value = Decimal(str(length.get("value", 0)))
        if unit in ("h", "hour", "hours", "time", "timer"):
            return value
        if unit in ("min", "minute", "minutes", "minutter"):
            return value / 60
        problem("length", _("ukjent enhet «%(unit)s» (forventer h eller min)") % {"unit": unit})
        return None
    start, end = period.get("start"), period.get("end")
    if start and end and len(str(start)) > 10 and len(str(end)) > 10:
        try:
            seconds = (dt.datetime.fromisoformat(str(end)) - dt.datetime.fromisoformat(str(start))).total_seconds()
        except ValueError:
            return None
        return Decimal(seconds / 3600).quantize(Decimal("0.01")) if seconds >= 0 else None
    return None
