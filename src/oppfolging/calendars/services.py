"""The user's own calendar subscription: make a secret address, or revoke it."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.calendars.models import CalendarFeed, token_hash


@transaction.atomic
def calendar_feed_create(*, user: User) -> tuple[CalendarFeed, str]:
    """Make a new secret subscription address for the user, revoking any earlier one.

    Returns the feed and the token; only the token's hash is stored, so the address can be
    shown this once.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in first.")
    now = timezone.now()
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, token_hash=token_hash(token), created_at=now)
    audit_record(actor=user, action=Action.CREATE, resource="calendar_feed", resource_id=feed.pk,
                 purpose=_("Kalenderabonnement laget"))
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, user: User, feed: CalendarFeed) -> CalendarFeed:
    """Revoke the user's own subscription; its address answers 404 from now on."""
    if feed.user_id != user.pk:
        raise PermissionDenied("Not your calendar.")
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit_record(actor=user, action=Action.UPDATE, resource="calendar_feed", resource_id=feed.pk,
                     purpose=_("Kalenderabonnement slettet"))
    return feed
