"""Send a notification at most once, whatever the number of workers or runs."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from oppfolging.notifications.models import SentNotification


def send_once(*, key: str, recipient: str, send: Callable[[], object]) -> bool:
    """Run `send` unless a notification with this key was already sent; return whether it ran.

    The key is claimed in the same transaction as the send, so a failed send can be retried and
    two workers racing on one key send once.
    """
    try:
        with transaction.atomic():
            SentNotification.objects.create(key=key[:200], recipient=recipient[:254])
            send()
    except IntegrityError:
        return False
    return True
