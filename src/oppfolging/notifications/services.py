"""Send a notification at most once, whatever the number of workers or runs."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction

from oppfolging.notifications.models import NotificationFailure, SentNotification

logger = logging.getLogger(__name__)


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
    except OSError as error:
        # The mail server failed: the key was rolled back with the transaction, so the next
        # run tries again. One bad address must not stop the other reminders.
        logger.exception("Could not send notification %s", key)
        NotificationFailure.objects.create(key=key[:200], error=type(error).__name__[:100])
        return False
    return True
