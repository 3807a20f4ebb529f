"""Scoring an uploaded extract in the background, with progress the GP can watch."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.gp.models import ListStatus, RiskList
from oppfolging.gp.scoring import risk_list_delete_files, risk_list_score
from oppfolging.operations.jobs import jobs_waiting_or_running, on_worker_lost

logger = logging.getLogger(__name__)

# A list still queued this long after its upload, with no job to score it, lost its job.
QUEUE_LOST_AFTER = dt.timedelta(minutes=10)


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
        risk_list_delete_files(risk_list=risk_list, keep=False)
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
        risk_list_delete_files(risk_list=risk_list, keep=False)


def _score(risk_list: RiskList) -> str:
    return risk_list_score(risk_list=risk_list, progress=_progress(risk_list.pk))


def risk_lists_requeue_lost(*, now: dt.datetime | None = None) -> int:
    """Queue the scoring again of every list that waits with no job to score it; return how many.

    The upload queues its job once its transaction commits; when that fails (the database went
    away at that moment) the list would say "queued" for ever and keep the extract with its
    identity numbers. Safe to run twice: the job claims the list, and a second finds it taken.
    """
    now = now or timezone.now()
    waiting = set(RiskList.objects.filter(status=ListStatus.QUEUED, uploaded_at__lt=now - QUEUE_LOST_AFTER)
                  .values_list("pk", flat=True))
    lost = sorted(waiting - jobs_waiting_or_running(score_risk_list, first_args=waiting))
    for list_id in lost:
        logger.warning("GP risk list %s waited with no job to score it; queued again", list_id)
        score_risk_list.enqueue(list_id)
    return len(lost)
