"""Record that something waits on someone, and mark it handled.

Services call `notify` inside their own transaction: the notification and its deliveries are
written with the change that caused them, and the deliveries are queued for the background
worker only when that transaction commits (nothing is sent while a request waits, and nothing
is sent for a change that was rolled back). The key makes each notification once-only.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.lib.versioning import save_versioned
from oppfolging.notifications.delivery import Recipient, channels_for, refuse_without_basis
from oppfolging.notifications.models import (
    DONE_WHEN_OPENED,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
)
from oppfolging.notifications.tasks import deliver_notification
from oppfolging.people.models import Person


def notify(
    *,
    kind: str,
    key: str,
    recipient: Recipient,
    person: Person | None,
    municipality: Municipality | None = None,
    url: str = "",
    subject: models.Model | None = None,
    event_at: dt.datetime | None = None,
    calendar: str = "",
) -> Notification | None:
    """Record that something waits on the recipient, once per key; queue its messages after commit.

    Returns the new notification, or None when one with this key already exists.
    """
    if municipality is None and person is not None:
        municipality = person.municipality
    full_key = f"{key}:{recipient.key}"[:200]
    # One transaction for the notification and its deliveries, also when the caller has none (the
    # reminder jobs): a notification committed alone would hold its key, and every later run would
    # skip it, so its messages would never be written, let alone sent.
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    key=full_key, kind=kind, municipality=municipality, person=person,
                    recipient_user=recipient.user, recipient_person=recipient.person,
                    recipient_related=recipient.related, recipient_email=recipient.email, url=url[:300],
                    subject_type=subject._meta.label_lower if subject is not None else "",
                    subject_id=subject.pk if subject is not None else None,
                    event_at=event_at, calendar=calendar,
                )
        except IntegrityError:
            return None
        deliveries = Delivery.objects.bulk_create(
            Delivery(notification=notification, channel=channel, address=address[:300],
                     status=DeliveryStatus.TO_PRINT if channel == Channel.LETTER else DeliveryStatus.PENDING)
            for channel, address in channels_for(recipient)
        )
        for delivery in deliveries:
            if delivery.status == DeliveryStatus.PENDING:
                _enqueue_after_commit(delivery.pk)
    return notification


def _enqueue_after_commit(delivery_id: int) -> None:
    """Queue a delivery's job once the transaction commits, without letting a failure undo the save.

    The change is committed by then: a job that cannot be queued (the database went away a moment)
    must not turn the request into an error page that says nothing was saved, nor stop the other
    deliveries' jobs. The delivery stays pending and the retry sweep (`deliveries_retry_due`,
    every reminder run) sends it.
    """
    transaction.on_commit(partial(deliver_notification.enqueue, delivery_id), robust=True)


def notifications_done(*, subject: models.Model, kinds: tuple[str, ...] | None = None,
                       user: User | None = None) -> int:
    """Mark what waits about a record as handled (for everyone, or for one user); return how many."""
    waiting = Notification.objects.filter(
        subject_type=subject._meta.label_lower, subject_id=subject.pk, done_at__isnull=True
    )
    if kinds is not None:
        waiting = waiting.filter(kind__in=kinds)
    if user is not None:
        waiting = waiting.filter(recipient_user=user)
    return waiting.update(done_at=timezone.now())


def notifications_done_for_person(*, user: User, person: Person, kinds: tuple[str, ...]) -> int:
    """Mark what waits on the user about the person, of these kinds, as handled."""
    return Notification.objects.filter(
        recipient_user=user, person=person, kind__in=kinds, done_at__isnull=True
    ).update(done_at=timezone.now())


def notification_open(*, user: User, notification: Notification) -> Notification:
    """Mark the user's own inbox item as opened; a reading kind is done when opened."""
    if notification.recipient_user_id != user.pk:
        raise PermissionDenied("Not the recipient.")
    now = timezone.now()
    fields = []
    if notification.opened_at is None:
        notification.opened_at = now
        fields.append("opened_at")
    if notification.done_at is None and notification.kind in DONE_WHEN_OPENED:
        notification.done_at = now
        fields.append("done_at")
    if fields:
        notification.save(update_fields=fields)
    return notification


def notification_mark_done(*, user: User, notification: Notification) -> Notification:
    """Let the recipient mark their own inbox item done by hand."""
    if notification.recipient_user_id != user.pk:
        raise PermissionDenied("Not the recipient.")
    if notification.done_at is None:
        notification.done_at = timezone.now()
        notification.save(update_fields=["done_at"])
    return notification



def delivery_printed(*, grant: StaffGrant, delivery: Delivery) -> Delivery:
    """Record that a letter was printed and posted; the unit or the person's coordinator does it."""
    grant.require_role(Role.COORDINATING_UNIT, Role.COORDINATOR)
    grant.require_owns(delivery.notification)
    if delivery.status != DeliveryStatus.TO_PRINT:
        raise ValidationError(_("Brevet er allerede sendt."))
    if refuse_without_basis(delivery):
        raise ValidationError(DeliveryStatus.REFUSED.label)
    delivery.status, delivery.sent_at = DeliveryStatus.PRINTED, timezone.now()
    delivery.save(update_fields=["status", "sent_at"])
    audit_record(actor=grant.user, action=Action.SEND, resource="notification",
                 resource_id=delivery.notification_id, person=delivery.notification.person,
                 municipality=grant.municipality, purpose=_("Brev skrevet ut og sendt i posten"))
    return delivery


def delivery_retry(*, grant: StaffGrant, delivery: Delivery) -> Delivery:
    """Try a failed message again from now (the administrator, after fixing the mail server)."""
    grant.require_role(Role.ADMINISTRATOR, Role.COORDINATING_UNIT)
    grant.require_owns(delivery.notification)
    if delivery.status != DeliveryStatus.FAILED:
        raise ValidationError(_("Bare meldinger som ikke kom fram, kan sendes på nytt."))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
    _enqueue_after_commit(delivery.pk)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def notification_preferences_save(
    *, user: User, notify_email: bool, notify_sms: bool, phone: str, language: str, expected_version: int
) -> User:
    """Save how the user wants to be told that something waits, and the written standard they read.

    A save on settings changed since the page was opened (in another tab) raises EditConflict.
    """
    if notify_sms and not phone.strip():
        raise ValidationError({"phone": _("Skriv et mobilnummer for å få varsel på SMS.")})
    user = User.objects.get(pk=user.pk)  # the row itself: the request's user is a lazy stand-in
    user.notify_email, user.notify_sms, user.phone, user.language = notify_email, notify_sms, phone.strip(), language
    user.full_clean()
    save_versioned(user, expected_version=expected_version, fields=["notify_email", "notify_sms", "phone", "language"])
    return user
