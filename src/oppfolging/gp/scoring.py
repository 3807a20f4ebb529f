"""Score an uploaded extract and store the GP's list: what the background job calls.

Kept apart from tasks.py (which owns claiming, leases and retries) so that the job stays a thin
wrapper: read the files, call the engine, store the entries with names from the register and
the GP's earlier decisions carried over.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from oppfolging.accounts.models import Role
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.gp.models import ListStatus, RiskDecision, RiskEntry, RiskList, RiskReview
from oppfolging.people.models import Person
from oppfolging.risk.engine import TOP_HIGH, score_extract
from oppfolging.risk.features import compute_features
from oppfolging.risk.reader import ExtractError, Limits, read_extract
from oppfolging.teams.models import TeamStatus


def followed_up_ids(risk_list: RiskList) -> set[str]:
    """Return identity numbers of persons the municipality already follows up (team or coordinator)."""
    return set(
        Person.objects.filter(municipality=risk_list.municipality, teams__status=TeamStatus.ACTIVE)
        .values_list("identity_number", flat=True)
    )


def upload_limits() -> Limits:
    """Return the caps on what an uploaded extract may expand to (settings)."""
    return Limits(max_bytes=settings.GP_EXTRACT_MAX_UNZIPPED_MB * 1024**2,
                  max_rows=settings.GP_EXTRACT_MAX_ROWS)


def risk_list_score(*, risk_list: RiskList, progress: Callable[[str, float], None]) -> str:
    """Score one claimed list and store it; "failed" with the reader's message on a bad extract."""
    list_id = risk_list.pk
    try:
        limits = upload_limits()
        extract = read_extract(Path(risk_list.extract_file.path), limits=limits)
        previous = (
            read_extract(Path(risk_list.previous_file.path), limits=limits)
            if risk_list.previous_file else None
        )
        result = score_extract(extract, previous=previous, followed_up_ids=followed_up_ids(risk_list),
                               progress=progress)
    except ExtractError as error:
        RiskList.objects.filter(pk=list_id).update(status=ListStatus.FAILED, error=str(error))
        risk_list_delete_files(risk_list=risk_list, keep=False)
        return ListStatus.FAILED
    demographics = compute_features(extract).select("patient_id", "age").join(
        extract.patients.select("patient_id", "sex", "given_name", "family_name"), on="patient_id", how="left"
    )
    frame = result.frame.join(demographics, on="patient_id", how="left")
    register = _register_names(risk_list, [n for n in frame["national_id"].to_list() if n])
    high_cut = int(max(1, round(TOP_HIGH * frame.height)))
    entries = []
    for row in frame.iter_rows(named=True):
        national_id = row["national_id"] or ""
        from_register = register.get(national_id)
        given, family = from_register or (row["given_name"] or "", row["family_name"] or "")
        entries.append(RiskEntry(
            risk_list=risk_list, patient_id=row["patient_id"], national_id=national_id,
            given_name=given, family_name=family, name_from_register=from_register is not None,
            age=int(row["age"]) if row["age"] is not None else None, sex=row["sex"] or "",
            risk=float(row["risk"]), points=row["points"], percentile=row["percentile"],
            rank=int(row["rank"]), new_priority=int(row["new_priority"]),
            reasons=row["reasons"] or "", rising=bool(row["rising"]),
            not_followed_up=row["not_followed_up"], is_high=int(row["rank"]) <= high_cut,
        ))
    with transaction.atomic():
        RiskEntry.objects.bulk_create(entries, batch_size=2000)
        _carry_decisions(risk_list)
        RiskList.objects.filter(pk=list_id).update(
            status=ListStatus.DONE, progress=1.0, progress_step="", finished_at=timezone.now(),
            extracted_at=result.extracted_at, model_version=result.model_version,
            risk_is_probability=result.is_probability,
            input_sha256=result.input_sha256, previous_sha256=result.previous_sha256 or "",
            patient_count=frame.height, input_format=result.input_format,
            unknown_codes=result.unknown_codes.as_dict(),
        )
    risk_list_delete_files(risk_list=risk_list, keep=risk_list.keep_files)
    return ListStatus.DONE


def _register_names(risk_list: RiskList, national_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Return the register's names of the list's patients the municipality knows, by number."""
    names: dict[str, tuple[str, str]] = {}
    for chunk in range(0, len(national_ids), 5000):
        rows = Person.objects.filter(
            municipality=risk_list.municipality, identity_number__in=national_ids[chunk:chunk + 5000]
        ).values_list("identity_number", "given_name", "family_name")
        names.update({number: (given, family) for number, given, family in rows})
    if names:
        # The register's names are the municipality's data shown on the GP's list: logged once
        # per list, on the GP's behalf.
        audit_record(actor=risk_list.gp, action=Action.READ, resource="risk_list", resource_id=risk_list.pk,
                     municipality=risk_list.municipality, role=Role.GP,
                     purpose=gettext("Navn fra personregisteret til risikolisten (%(n)s pasienter)")
                     % {"n": len(names)})
    return names


def _carry_decisions(risk_list: RiskList) -> None:
    """Give each patient with a decision still in force that decision as a carried review."""
    today = timezone.localdate()
    decisions = {
        d.national_id: d
        for d in RiskDecision.objects.filter(gp=risk_list.gp)
        if d.in_force(today)
    }
    if not decisions:
        return
    entries = risk_list.entries.filter(national_id__in=list(decisions)).only("pk", "national_id")
    RiskReview.objects.bulk_create([
        RiskReview(
            entry=entry, decision=(d := decisions[entry.national_id]).decision, note=d.note,
            reviewed_by_id=d.decided_by_id, reviewed_at=d.decided_at, referral_id=d.referral_id,
            look_again=d.look_again, carried=True,
        )
        for entry in entries
    ])


def risk_list_delete_files(*, risk_list: RiskList, keep: bool) -> None:
    """Delete the raw extract files unless the GP chose to keep them."""
    if keep:
        return
    for field in (risk_list.extract_file, risk_list.previous_file):
        if field:
            field.delete(save=False)
    RiskList.objects.filter(pk=risk_list.pk).update(extract_file="", previous_file="")
