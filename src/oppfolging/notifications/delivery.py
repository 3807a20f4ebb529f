"""Sending one delivery: checked against the policy at send time, no health information, retried.

Every delivery is claimed before it is sent, so two workers never send it twice; a claim whose
worker died is released by `release_stale_claims`. A message says only that something waits and
where: never a goal, a diagnosis, a decision or any name but the recipient's. Whether the
recipient may still see the person is decided again when the message goes out, by the same
policy as a page view, and every message sent (or refused) is written to the access log.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from oppfolging.access import policy
from oppfolging.access.grants import SYSTEM_NAME
from oppfolging.accounts.models import User, written_standard
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.meetings.models import Invitation
from oppfolging.notifications.models import Channel, Delivery, DeliveryStatus, Kind, Notification
from oppfolging.notifications.sms import send_sms
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import CoordinatorAssignment, TeamMembership

logger = logging.getLogger(__name__)

# Seconds to wait before the next attempt, by the number of attempts made so far.
BACKOFF = (60, 300, 1800, 7200, 43200)
STALE_CLAIM = dt.timedelta(minutes=10)
# What a delivery's last error says when its worker died while sending it.
WORKER_LOST = "WorkerLost"

# What each kind says, to anyone: that something waits, never what it is about.
WHAT_WAITS = {
    Kind.MESSAGE: _("Det har kommet en ny melding til teamet fra en person du følger opp, eller en pårørende."),
    Kind.MESSAGE_FROM_TEAM: _("Du har fått en ny melding fra teamet i Oppfølging."),
    Kind.GOAL_PROPOSAL: _("Det har kommet et forslag til mål som venter på svar."),
    Kind.AGENDA_ITEM: _("Det er meldt inn en ny sak til et møte du er med på."),
    Kind.CONSENT_GIVEN: _("Et samtykke er gitt for en person du følger opp."),
    Kind.CONSENT_WITHDRAWN: _("Et samtykke er trukket tilbake for en person du følger opp."),
    Kind.HANDOVER: _("Du har fått ansvaret som koordinator, og et overføringsnotat venter på deg."),
    Kind.HANDOVER_TO_WRITE: _("En person du er koordinator for, får ny koordinator. Skriv et overføringsnotat."),
    Kind.MEDICAL_REQUEST: _("Du har fått en forespørsel om medisinsk vurdering."),
    Kind.MEDICAL_ANSWER: _("Det har kommet svar på en forespørsel om medisinsk vurdering."),
    Kind.ACTION_ITEM: _("Du har fått en oppgave fra et møte i oppfølgingsteamet."),
    Kind.ACTION_ITEM_OVERDUE: _("En oppgave du har fra et møte i oppfølgingsteamet, har passert fristen."),
    Kind.CHECKPOINT_DUE: _("Et mål skal snart evalueres."),
    Kind.CHECKPOINT_OVERDUE: _("Et mål skulle vært evaluert, og evalueringen er forfalt."),
    Kind.IDLE_PLAN: _("En plan du koordinerer, har ikke vært i bruk på en stund."),
    Kind.MEETING_INVITATION: _("Du er innkalt til møte i oppfølgingsteamet."),
    Kind.MEETING_UPDATED: _("Et møte i oppfølgingsteamet du er innkalt til, er endret."),
    Kind.MEETING_CANCELLED: _("Et møte i oppfølgingsteamet du var innkalt til, er avlyst."),
    Kind.COORDINATOR_CHANGED: _("Du har fått ny koordinator i Oppfølging."),
    Kind.TEAM_CLOSED: _("Et oppfølgingsteam du var med i, er avsluttet."),
    Kind.MEMBER_LEFT: _("En deltaker har sluttet i et team du koordinerer. Se over hvem som tar oppgavene videre."),
    Kind.DECISION: _("Koordinerende enhet har svart deg. Logg inn på Min plan for å lese svaret, eller ta kontakt med oss."),
    Kind.REFERRAL_ASSIGNED: _("Du har fått en melding om behov å behandle."),
    Kind.REFERRAL_RECEIPT: _("Vi har mottatt meldingen din om behov."),
    Kind.REFERRAL_CLOSED: _("Koordinerende enhet er ferdig med meldingen din om behov. Av hensyn til taushetsplikten kan vi ikke si mer om vurderingen."),
    Kind.DOCUMENT_ADDED: _("Det er lagt til et nytt dokument i en plan du følger opp."),
    Kind.TASK_ASSIGNED: _("Du er ført opp som ansvarlig for et tiltak i en individuell plan."),
    Kind.TASK_DUE: _("En oppgave du er ansvarlig for, har frist snart."),
    Kind.CHILD_COORDINATOR: _("Du er oppnevnt som barnekoordinator for et barn."),
}

# What a next of kin is told where the words to the person would not fit them: a next of kin has
# no coordinator of their own, and the message still names no one but the recipient.
WHAT_WAITS_FOR_NEXT_OF_KIN = {
    Kind.COORDINATOR_CHANGED: _("Den du er pårørende for, får ny koordinator i Oppfølging."),
    Kind.TEAM_CLOSED: _("Oppfølgingsteamet til den du er pårørende for, er avsluttet."),
}


@dataclass(frozen=True)
class Recipient:
    """Exactly one of: a staff user, the person, a next of kin, or a reporter's address."""

    user: User | None = None
    person: Person | None = None
    related: RelatedPerson | None = None
    email: str = ""

    @property
    def key(self) -> str:
        if self.user is not None:
            return f"u{self.user.pk}"
        if self.person is not None:
            return f"p{self.person.pk}"
        if self.related is not None:
            return f"r{self.related.pk}"
        return f"e{self.email.lower()}"


def channels_for(recipient: Recipient) -> list[tuple[str, str]]:
    """Return the (channel, address) pairs the recipient has chosen and can be reached on.

    Staff see everything in their inbox and may also be told by e-mail or SMS. The person and
    next of kin choose e-mail and SMS in «Min plan»; with neither, they get a letter in the post.
    """
    if recipient.email:
        return [(Channel.EMAIL, recipient.email)]
    who: User | Person | RelatedPerson | None = recipient.user or recipient.person or recipient.related
    if who is None:
        return []
    channels: list[tuple[str, str]] = []
    if who.notify_email and who.email:
        channels.append((Channel.EMAIL, who.email))
    if who.notify_sms and who.phone:
        channels.append((Channel.SMS, who.phone))
    if not channels and recipient.user is None:
        address = postal_address(recipient)
        if address:
            channels.append((Channel.LETTER, address))
    return channels


def postal_address(recipient: Recipient) -> str:
    """Return the recipient's name and postal address for a letter, or "" when we have none."""
    who = recipient.person or recipient.related
    if who is None or not (who.address and who.postal_code):
        return ""
    return "\n".join([who.full_name, who.address, f"{who.postal_code} {who.postal_place}".strip()])


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    calendar: str = ""


def recipient_name(notification: Notification) -> str:
    """Return the recipient's own name: the only name a message may carry."""
    if notification.recipient_user is not None:
        return notification.recipient_user.first_name or notification.recipient_user.full_name
    if notification.recipient_person is not None:
        return notification.recipient_person.given_name
    if notification.recipient_related is not None:
        return notification.recipient_related.given_name
    return ""


def recipient_language(notification: Notification) -> str:
    """Return the written standard the recipient reads: their own choice, else the municipality's."""
    user = notification.recipient_user
    if user is None and notification.recipient_person is not None:
        user = notification.recipient_person.user
    if user is None and notification.recipient_related is not None:
        user = notification.recipient_related.user
    return written_standard(user, notification.municipality)


def may_receive(notification: Notification) -> bool:
    """Tell whether the recipient may still see what the notification is about, now."""
    person = notification.person
    if notification.recipient_user is not None:
        user = notification.recipient_user
        if not user.is_active:
            return False
        if person is not None:
            user._role_assignments_cache = None
            return policy.person_grant(user=user, person=person) is not None or _was_told_before(notification)
        return policy.staff_grant(user=user, municipality=notification.municipality) is not None
    if notification.recipient_person is not None:
        return person is None or notification.recipient_person_id == person.pk
    if notification.recipient_related is not None:
        related = notification.recipient_related
        return (person is None or related.person_id == person.pk) and policy.related_person_basis(related) is not None
    return notification.kind in (Kind.REFERRAL_RECEIPT, Kind.REFERRAL_CLOSED)


def _was_told_before(notification: Notification) -> bool:
    """Tell whether a staff user who no longer sees the person is owed this ending of what they were part of.

    A cancellation takes back an invitation that reached them (a member who left the team, a
    coordinator who handed over: their calendar still holds the meeting), and the end of a team is
    news to those who were in it: neither says more than they knew, and the team's end is what
    took their access. An invitation that never went out to them (refused, say, once consent was
    withdrawn) is not followed by its cancellation.
    """
    user_id, subject_id = notification.recipient_user_id, notification.subject_id
    if subject_id is None or user_id is None:
        return False
    if notification.kind == Kind.MEETING_CANCELLED and notification.subject_type == "meetings.meeting":
        return Invitation.objects.filter(Q(user_id=user_id) | Q(membership__user_id=user_id),
                                         meeting_id=subject_id).exists() and Delivery.objects.filter(
            notification__recipient_user=user_id, notification__subject_type="meetings.meeting",
            notification__subject_id=subject_id,
            notification__kind__in=(Kind.MEETING_INVITATION, Kind.MEETING_UPDATED),
            status__in=(DeliveryStatus.SENT, DeliveryStatus.PRINTED)).exists()
    if notification.kind == Kind.TEAM_CLOSED and notification.subject_type == "teams.team":
        return (TeamMembership.objects.filter(team_id=subject_id, user_id=user_id).exists()
                or CoordinatorAssignment.objects.filter(team_id=subject_id, coordinator_id=user_id).exists())
    return False


def what_waits(notification: Notification) -> str:
    """Return what waits, in words that fit the recipient (a next of kin is not the person)."""
    kind = Kind(notification.kind)
    if notification.recipient_related_id is not None and kind in WHAT_WAITS_FOR_NEXT_OF_KIN:
        return str(WHAT_WAITS_FOR_NEXT_OF_KIN[kind])
    return str(WHAT_WAITS[kind])


def render(notification: Notification, channel: str) -> Message:
    """Return the message for a channel, in the recipient's written standard."""
    with translation.override(recipient_language(notification)):
        link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else settings.SITE_URL
        when = ""
        if notification.event_at is not None:
            local = timezone.localtime(notification.event_at)
            # A change from a date (a new coordinator) starts at midnight: the date says it all.
            pattern = "j. F Y" if (local.hour, local.minute) == (0, 0) else "j. F Y \\k\\l. H.i"
            when = formats.date_format(local, pattern)
        receipt_code = ""
        if notification.subject_type == "referrals.referral" and notification.subject_id:
            receipt_code = Referral.objects.filter(pk=notification.subject_id).values_list(
                "receipt_code", flat=True).first() or ""
        context = {
            "name": recipient_name(notification), "what": what_waits(notification),
            "when": when, "link": link, "receipt_code": receipt_code,
            "municipality": notification.municipality.name if notification.municipality else "",
            "is_staff": notification.recipient_user_id is not None,
        }
        template = "notifications/sms.txt" if channel == Channel.SMS else "notifications/email.txt"
        body = render_to_string(template, context).strip() + "\n"
        subject = str(_("Oppfølging: %(what)s") % {"what": Kind(notification.kind).label})
    return Message(subject=subject, body=body, calendar=notification.calendar)


def _send(delivery: Delivery, message: Message) -> None:
    if delivery.channel == Channel.EMAIL:
        email = EmailMessage(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [delivery.address])
        if message.calendar:
            method = "CANCEL" if "METHOD:CANCEL" in message.calendar else "REQUEST"
            email.attach("mote.ics", message.calendar, f"text/calendar; method={method}")
        email.send()
    elif delivery.channel == Channel.SMS:
        send_sms(to=delivery.address, text=message.body)
    else:
        raise ValueError(f"A {delivery.channel} is not sent by the worker")


def _log(notification: Notification, delivery: Delivery, purpose: str) -> None:
    audit_record(
        actor=None, actor_name=SYSTEM_NAME, action=Action.SEND, resource="notification",
        resource_id=notification.pk, person=notification.person, municipality=notification.municipality,
        purpose=purpose,
    )


def refuse_without_basis(delivery: Delivery) -> bool:
    """Refuse a message whose recipient may no longer see the person, and log why; return whether it was.

    Called when a message goes out, whatever the channel: by the worker for e-mail and SMS, and
    when a letter is printed, however long it waited in the print queue.
    """
    notification = delivery.notification
    if may_receive(notification):
        return False
    label = f"{Kind(notification.kind).label} ({Channel(delivery.channel).label})"
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.REFUSED, claimed_at=None)
    delivery.status = DeliveryStatus.REFUSED
    _log(notification, delivery, str(_("Varsel ikke sendt, mottakeren har ikke tilgang: %(what)s") % {"what": label}))
    return True


def recipient_of(notification: Notification) -> Recipient:
    """Return the notification's recipient, as `notify` was given it."""
    return Recipient(user=notification.recipient_user, person=notification.recipient_person,
                     related=notification.recipient_related, email=notification.recipient_email)


def _address_chosen_now(delivery: Delivery) -> bool:
    """Send to the address the recipient has chosen now on this channel; say whether there is one.

    A message can wait hours (retries) or days (a coordinator from a later date) after it was
    written: a number given up since may belong to someone else now, and a channel turned off is
    a choice to respect. Without one the delivery is not sent (and logged); a person or next of
    kin left with no channel at all gets a letter instead, as `notify` would have given them.
    """
    notification = delivery.notification
    chosen = dict(channels_for(recipient_of(notification)))
    address = chosen.get(delivery.channel, "")[:300]
    if address:
        if address != delivery.address:
            Delivery.objects.filter(pk=delivery.pk).update(address=address)
            delivery.address = address
        return True
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.OPTED_OUT, claimed_at=None)
    delivery.status = DeliveryStatus.OPTED_OUT
    if Channel.LETTER in chosen:
        Delivery.objects.get_or_create(notification=notification, channel=Channel.LETTER, defaults={
            "address": chosen[Channel.LETTER][:300], "status": DeliveryStatus.TO_PRINT})
    label = f"{Kind(notification.kind).label} ({Channel(delivery.channel).label})"
    _log(notification, delivery, str(_("Varsel ikke sendt, mottakeren har valgt det bort: %(what)s") % {"what": label}))
    return False


def waits_for_access(notification: Notification) -> dt.datetime | None:
    """Return when a staff recipient who may not see the person yet will be able to, or None.

    A coordinator appointed from a later date is told of what waits on them (the handover note,
    the updated invitation to a meeting they now lead) from that date, not refused it.
    """
    user, person = notification.recipient_user, notification.person
    if user is None or person is None or not user.is_active:
        return None
    user._role_assignments_cache = None
    begins = policy.coordinator_access_begins(user=user, person=person)
    if begins is None or may_receive(notification):
        return None
    return begins


def deliver(delivery_id: int) -> str:
    """Send one pending delivery if it is due; return what happened.

    Once claimed, a delivery leaves this function pending (for a later attempt), sent, refused or
    failed, never still claimed: whatever goes wrong after the claim (the mail server, the policy
    check, rendering, a bad row) counts as a failed attempt, so a message that cannot be sent
    reaches the administrator's list of failed messages instead of coming back for ever.
    """
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now)
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related(
        "notification__recipient_user", "notification__recipient_person", "notification__recipient_related__person",
        "notification__person", "notification__municipality",
    ).get(pk=delivery_id)
    try:
        notification = delivery.notification
        label = f"{Kind(notification.kind).label} ({Channel(delivery.channel).label})"
        begins = waits_for_access(notification)
        if begins is not None:
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, claimed_at=None,
                                                           next_attempt_at=begins)
            return "postponed"
        if refuse_without_basis(delivery):
            return "refused"
        if not _address_chosen_now(delivery):
            return "opted_out"
        _send(delivery, render(notification, delivery.channel))
    except Exception as error:  # noqa: BLE001 (any failure before the message left is retried, then shown)
        return _attempt_failed(delivery, error_name=type(error).__name__, now=now)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=delivery.attempts + 1, claimed_at=None,
    )
    _log(notification, delivery, str(_("Varsel sendt: %(what)s") % {"what": label}))
    return "sent"


def _attempt_failed(delivery: Delivery, *, error_name: str, now: dt.datetime,
                    retry_at: dt.datetime | None = None) -> str:
    """Count a failed attempt of a claimed delivery: wait before the next, or fail for good after the last.

    Returns "retry" or "failed", or "skipped" when the delivery is no longer the claim it was
    (another worker, or the refusal just written, settled it).
    """
    attempts = delivery.attempts + 1
    failed = attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
    updated = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at,
    ).update(
        status=DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING, attempts=attempts,
        last_error=error_name[:200], claimed_at=None,
        next_attempt_at=retry_at or now + dt.timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1]),
    )
    if not updated:
        return "skipped"
    logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, attempts, error_name)
    return "failed" if failed else "retry"


def release_stale_claims(*, now: dt.datetime | None = None) -> int:
    """Put back deliveries whose worker died while sending them; return how many.

    The lost attempt counts like one the mail server refused (the worker may have died on this
    very message): after NOTIFICATION_MAX_ATTEMPTS the delivery is failed and shown to the
    administrator, instead of being claimed, lost and put back for ever. Before that it is tried
    again at once: it was due when it was claimed.
    """
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return sum(_attempt_failed(delivery, error_name=WORKER_LOST, now=now, retry_at=now) != "skipped"
               for delivery in stale)


def due_deliveries(*, now: dt.datetime | None = None) -> list[int]:
    """Return the ids of pending deliveries whose time has come (for the retry sweep)."""
    now = now or timezone.now()
    return list(Delivery.objects.filter(
        Q(status=DeliveryStatus.PENDING), Q(next_attempt_at__lte=now)
    ).order_by("next_attempt_at").values_list("pk", flat=True)[:1000])
