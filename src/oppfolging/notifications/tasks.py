"""Background jobs for notifications: send a delivery, and the sweep that retries what is due."""

from __future__ import annotations

from django.tasks import task

from oppfolging.notifications import delivery


@task()
def deliver_notification(delivery_id: int) -> str:
    """Send one delivery (enqueued after the transaction that created it commits)."""
    return delivery.deliver(delivery_id)


def deliveries_retry_due() -> int:
    """Release claims of dead workers and send every delivery whose time has come; return how many went out."""
    delivery.release_stale_claims()
    return sum(delivery.deliver(pk) == "sent" for pk in delivery.due_deliveries())
