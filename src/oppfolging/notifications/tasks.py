"""Background jobs for notifications: send a delivery, and the sweep that retries what is due."""

from __future__ import annotations

import logging

from django.tasks import task

from oppfolging.notifications import delivery

logger = logging.getLogger(__name__)


@task()
def deliver_notification(delivery_id: int) -> str:
    """Send one delivery (enqueued after the transaction that created it commits)."""
    return delivery.deliver(delivery_id)


def deliveries_retry_due() -> int:
    """Release claims of dead workers and send every delivery whose time has come; return how many went out.

    One delivery that cannot be handled (its database row is locked, the connection blinked) is
    logged and left for the next sweep: it must not keep the others from going out.
    """
    delivery.release_stale_claims()
    sent = 0
    for pk in delivery.due_deliveries():
        try:
            sent += delivery.deliver(pk) == "sent"
        except Exception:  # noqa: BLE001 - logged with its traceback; the delivery is released later
            logger.exception("Delivery %s could not be handled; the next sweep tries again", pk)
    return sent
