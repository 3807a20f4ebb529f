"""Scoring an uploaded extract in the background, with progress the GP can watch."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.gp.models import ListStatus, RiskEntry, RiskList
from oppfolging.operations.jobs import on_worker_lost
from oppfolging.people.models import Person
from oppfolging.risk.engine import TOP_HIGH, score_extract
from oppfolging.risk.features import compute_features
from oppfolging.risk.reader import ExtractError, read_extract
from oppfolging.teams.models import TeamStatus


def followed_up_ids(risk_list: RiskList) -> set[str]:
    """Return identity numbers of persons the municipality already follows up (team or coordinator)."""
    return set(
        Person.objects.filter(municipality=risk_list.municipality, teams__status=TeamStatus.ACTIVE)
        .values_list("identity_number", flat=True)
    )


def _progress(list_id: int):  # noqa: ANN202
    last = [0.0]

    def update(step: str, fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] > 0.5 or fraction >= 1.0:
            last[0] = now
            RiskList.objects.filter(pk=list_id).update(progress=fraction, progress_step=step[:100])

    return update


@task()
def score_risk_list(list_id: int) -> str:
    """Score one uploaded list; does nothing if it was already picked up (safe to run twice)."""
    claimed = RiskList.objects.filter(pk=list_id, status=ListStatus.QUEUED).update(status=ListStatus.SCORING)
    if not claimed:
        return "skipped"
    risk_list = RiskList.objects.get(pk=list_id)
    try:
        return _score(risk_list)
    except Exception:
        # Never leave a list hanging in "scoring": the GP sees that it failed and can upload again.
        RiskList.objects.filter(pk=list_id).update(
            status=ListStatus.FAILED, error="Beregningen feilet uventet. Prøv igjen, eller kontakt support."
        )
        _delete_files(risk_list, keep=False)
        raise


@on_worker_lost(score_risk_list)
def release_or_fail(list_id: int, *, retrying: bool) -> None:
    """Follow a scoring job whose worker died: free the claim for the retry, or fail and clean up.

    The entries are written in one transaction at the end, so a killed job left none behind.
    """
    if retrying:
        RiskList.objects.filter(pk=list_id, status=ListStatus.SCORING).update(
            status=ListStatus.QUEUED, progress=0, progress_step="")
        return
    RiskList.objects.filter(pk=list_id, status__in=[ListStatus.QUEUED, ListStatus.SCORING]).update(
        status=ListStatus.FAILED,
        error=_("Beregningen ble avbrutt fordi bakgrunnsprosessen stoppet, også da den ble prøvd på nytt. "
                "Ingenting er lagret, og uttrekket er slettet. Last opp uttrekket på nytt, eller kontakt "
                "support om det skjer igjen."),
    )
    risk_list = RiskList.objects.filter(pk=list_id).first()
    if risk_list is not None:
        _delete_files(risk_list, keep=False)


def _score(risk_list: RiskList) -> str:
    list_id = risk_list.pk
    try:
        extract = read_extract(Path(risk_list.extract_file.path))
        previous = read_extract(Path(risk_list.previous_file.path)) if risk_list.previous_file else None
        result = score_extract(extract, previous=previous, followed_up_ids=followed_up_ids(risk_list),
                               progress=_progress(list_id))
    except ExtractError as error:
        RiskList.objects.filter(pk=list_id).update(status=ListStatus.FAILED, error=str(error))
        _delete_files(risk_list, keep=False)
        return "failed"
    demographics = compute_features(extract).select("patient_id", "age").join(
        extract.patients.select("patient_id", "sex"), on="patient_id", how="left"
    )
    frame = result.frame.join(demographics, on="patient_id", how="left")
    high_cut = int(max(1, round(TOP_HIGH * frame.height)))
    entries = [
        RiskEntry(
            risk_list=risk_list, patient_id=row["patient_id"], national_id=row["national_id"] or "",
            age=int(row["age"]) if row["age"] is not None else None, sex=row["sex"] or "",
            risk=float(row["risk"]), rank=int(row["rank"]), new_priority=int(row["new_priority"]),
            reasons=row["reasons"] or "", rising=bool(row["rising"]),
            not_followed_up=row["not_followed_up"], is_high=int(row["rank"]) <= high_cut,
        )
        for row in frame.iter_rows(named=True)
    ]
    with transaction.atomic():
        RiskEntry.objects.bulk_create(entries, batch_size=2000)
        RiskList.objects.filter(pk=list_id).update(
            status=ListStatus.DONE, progress=1.0, progress_step="", finished_at=timezone.now(),
            extracted_at=result.extracted_at, model_version=result.model_version,
            risk_is_probability=result.is_probability,
            input_sha256=result.input_sha256, previous_sha256=result.previous_sha256 or "",
            patient_count=frame.height,
        )
    _delete_files(risk_list, keep=risk_list.keep_files)
    return "done"


def _delete_files(risk_list: RiskList, *, keep: bool) -> None:
    """Delete the raw extract files unless the GP chose to keep them."""
    if keep:
        return
    for field in (risk_list.extract_file, risk_list.previous_file):
        if field:
            field.delete(save=False)
    RiskList.objects.filter(pk=risk_list.pk).update(extract_file="", previous_file="")

