"""Writes of outcome data: one import, matched on identity number, all or nothing, audited.

Only the coordinating unit imports (policy.can_import_outcomes). A file with any error writes
nothing (the parser raises first); rows whose identity number is not in the municipality's
register are reported and never stored or guessed at. Importing the same file again changes
nothing: stays are keyed by (person, admitted, acute), service use by (person, service, month),
snapshots by (person, extracted_at), and a row that is already there is left alone (a stay
that was open gets its discharge date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.lib.dates import PAST_EVENT, check_date
from oppfolging.outcomes.formats import (
    Parsed,
    admissions_csv,
    fhir_bundle,
    gp_extract,
    service_use_csv,
)
from oppfolging.outcomes.models import (
    HospitalStay,
    ImportKind,
    OutcomeImport,
    RiskSnapshot,
    ServiceUse,
)
from oppfolging.people.models import Person

PARSERS: dict[str, Callable[[str, bytes], Parsed]] = {
    ImportKind.GP_EXTRACT: gp_extract.parse,
    ImportKind.ADMISSIONS_CSV: admissions_csv.parse,
    ImportKind.FHIR_BUNDLE: fhir_bundle.parse,
    ImportKind.SERVICE_USE_CSV: service_use_csv.parse,
}
# Why a row was not imported; the import page shows the label.
NOT_IN_REGISTER = "not_in_register"
NO_IDENTITY = "no_identity"


@transaction.atomic
def outcome_import(
    *,
    grant: StaffGrant,
    kind: str,
    file_name: str,
    data: bytes,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    ip: str | None = None,
) -> OutcomeImport:
    """Import one file of outcome data for the municipality; return what was imported.

    Raises ImportProblems (from the parser) when the file has any fault, PermissionDenied when
    the grant is not the coordinating unit's, and ValidationError when a given period does not hold the file's
    dates. ``period_start``/``period_end`` say what the source covers for everybody in the
    register; without them the file's first and last date are taken. A GP extract always
    covers the two years before its date, for the patients on its list.
    """
    grant.require_role(Role.COORDINATING_UNIT)
    check_date(PAST_EVENT, period_start, field="period_start")
    check_date(PAST_EVENT, period_end, field="period_end")
    actor, municipality = grant.user, grant.municipality
    parsed = PARSERS[kind](file_name, data)
    if parsed.period is None:
        raise ValidationError(_("Filen har ingen opphold eller tjenestebruk å importere."))
    start, end = parsed.period
    if kind != ImportKind.GP_EXTRACT and (period_start or period_end):
        start_given, end_given = period_start or start, period_end or end
        if start_given > start or end_given < end:
            raise ValidationError(
                _("Perioden må omfatte alle datoene i filen, fra %(start)s til %(end)s.")
                % {"start": start.strftime("%d.%m.%Y"), "end": end.strftime("%d.%m.%Y")}
            )
        start, end = start_given, end_given

    numbers = {r.national_id for r in parsed.stays if r.national_id}
    numbers |= {r.national_id for r in parsed.services if r.national_id}
    numbers |= {s.national_id for s in parsed.snapshots}
    numbers |= parsed.covered or set()
    persons = {
        p.identity_number: p
        for p in Person.objects.filter(municipality=municipality, identity_number__in=numbers)
    }
    record = OutcomeImport.objects.create(
        municipality=municipality, kind=kind, file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(), imported_by=actor, imported_at=timezone.now(),
        period_start=start, period_end=end, covers_register=parsed.covered is None,
        covers_stays=bool(parsed.stays) or kind in (ImportKind.GP_EXTRACT, ImportKind.ADMISSIONS_CSV),
        covers_service_use=bool(parsed.services) or kind == ImportKind.SERVICE_USE_CSV,
        rows=len(parsed.stays) + len(parsed.services),
    )
    unmatched: Counter[tuple[str, str]] = Counter()
    touched: dict[int, str] = {}
    created = updated = unchanged = matched = 0

    stay_rows = []
    for row in parsed.stays:
        person = persons.get(row.national_id or "")
        if person is None:
            unmatched[(row.where, NO_IDENTITY if not row.national_id else NOT_IN_REGISTER)] += 1
            continue
        stay_rows.append((person, row))
    existing = {
        (s.person_id, s.admitted, s.acute): s
        for s in HospitalStay.objects.filter(person__in={p.pk for p, _r in stay_rows})
    }
    new_stays = []
    for person, row in stay_rows:
        matched += 1
        key = (person.pk, row.admitted, row.acute)
        stay = existing.get(key)
        if stay is None:
            stay = HospitalStay(person=person, admitted=row.admitted, discharged=row.discharged,
                                acute=row.acute, source=record)
            existing[key] = stay
            new_stays.append(stay)
            created += 1
            touched.setdefault(person.pk, Action.CREATE)
        elif row.discharged is not None and stay.discharged != row.discharged:
            stay.discharged = row.discharged
            stay.source = record
            if stay.pk is not None:
                stay.save(update_fields=["discharged", "source"])
            updated += 1
            touched[person.pk] = Action.UPDATE
        else:
            unchanged += 1
    HospitalStay.objects.bulk_create(new_stays, batch_size=2000)

    service_rows = []
    for use_row in parsed.services:
        person = persons.get(use_row.national_id or "")
        if person is None:
            unmatched[(use_row.where, NO_IDENTITY if not use_row.national_id else NOT_IN_REGISTER)] += 1
            continue
        service_rows.append((person, use_row))
    existing_use = {
        (u.person_id, u.service, u.month): u
        for u in ServiceUse.objects.filter(person__in={p.pk for p, _r in service_rows})
    }
    new_use = []
    for person, use_row in service_rows:
        matched += 1
        use_key = (person.pk, use_row.service, use_row.month)
        use = existing_use.get(use_key)
        if use is None:
            use = ServiceUse(person=person, service=use_row.service, month=use_row.month, hours=use_row.hours,
                             visits=use_row.visits, source=record)
            existing_use[use_key] = use
            new_use.append(use)
            created += 1
            touched.setdefault(person.pk, Action.CREATE)
        elif (use.hours, use.visits) != (use_row.hours, use_row.visits):
            use.hours, use.visits, use.source = use_row.hours, use_row.visits, record
            if use.pk is not None:
                use.save(update_fields=["hours", "visits", "source"])
            updated += 1
            touched[person.pk] = Action.UPDATE
        else:
            unchanged += 1
    ServiceUse.objects.bulk_create(new_use, batch_size=2000)

    known_snapshots = set(
        RiskSnapshot.objects.filter(
            person__in=[persons[s.national_id].pk for s in parsed.snapshots if s.national_id in persons]
        ).values_list("person_id", "extracted_at")
    )
    new_snapshots = [
        RiskSnapshot(person=persons[s.national_id], extracted_at=s.extracted_at,
                     risk_score=s.risk_score, comorbidity=s.comorbidity,
                     components=s.components, source=record)
        for s in parsed.snapshots
        if s.national_id in persons
        and (persons[s.national_id].pk, s.extracted_at) not in known_snapshots
    ]
    RiskSnapshot.objects.bulk_create(new_snapshots, batch_size=2000)
    for snapshot in new_snapshots:
        touched.setdefault(snapshot.person.pk, Action.CREATE)
    if parsed.covered is not None:
        record.covered.set([persons[n] for n in parsed.covered if n in persons])

    record.matched_rows = matched
    record.created_rows, record.updated_rows, record.unchanged_rows = created, updated, unchanged
    record.unmatched = [
        {"where": where, "reason": reason, "rows": n}
        for (where, reason), n in sorted(unmatched.items(), key=lambda item: _line_order(item[0][0]))
    ]
    record.save(update_fields=["matched_rows", "created_rows", "updated_rows", "unchanged_rows",
                               "unmatched"])
    _audit(actor, municipality, record, touched, ip)
    return record


def _line_order(where: str) -> tuple[int, str]:
    digits = "".join(ch for ch in where if ch.isascii() and ch.isdigit())[:18]
    return (int(digits) if digits else 0, where)


def _audit(
    actor: User, municipality: Municipality, record: OutcomeImport, touched: dict[int, str],
    ip: str | None,
) -> None:
    """Log the import, and one write per person whose outcome data it created or changed.

    One entry at a time: each entry is sealed into the municipality's hash chain (audit/chain.py).
    """
    purpose = _("Import av utfallsdata fra %(file)s") % {"file": record.file_name}
    log = partial(audit_record, actor=actor, role=Role.COORDINATING_UNIT, municipality=municipality,
                  purpose=purpose[:300], ip=ip)
    log(resource="outcome_import", resource_id=record.pk, action=Action.CREATE)
    persons = Person.objects.in_bulk(list(touched))
    for person_id, action in touched.items():
        log(person=persons[person_id], resource="outcomes", resource_id=record.pk, action=action)
