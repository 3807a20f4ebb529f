"""Scoring an uploaded extract in the background, with progress the GP can watch."""

from __future__ import annotations

import time

from django.tasks import task

from oppfolging.gp.models import ListStatus, RiskList
from oppfolging.gp.scoring import risk_list_score


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
        raise


def _score(risk_list: RiskList) -> str:
    return risk_list_score(risk_list=risk_list, progress=_progress(risk_list.pk))


def _delete_files(risk_list: RiskList, *, keep: bool) -> None:
    """Delete the raw extract files unless the GP chose to keep them."""
    if keep:
        return
    for field in (risk_list.extract_file, risk_list.previous_file):
        if field:
            field.delete(save=False)
    RiskList.objects.filter(pk=risk_list.pk).update(extract_file="", previous_file="")

