"""What waits on someone, and the messages that tell them it waits.

A Notification is one thing that waits on one recipient: a staff user (it shows in their inbox
until handled), the person or a next of kin (told by their chosen channel), or the reporter of a
need (a receipt). Its key makes it once-only: the same thing never waits twice. Each Notification
has a Delivery per channel (e-mail, SMS, letter), created in the same transaction and sent by the
background worker after commit. A delivery is checked against the access policy when it is sent,
carries no health information (only that something waits, and a link), and is retried when the
mail server or SMS gateway fails; the administrator sees those that keep failing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.choices import choice_label


class Kind(models.TextChoices):
    """What waits. The label is what the inbox shows; it never names a person or a diagnosis."""

    MESSAGE = "message", _("Ny melding fra personen eller pårørende")
    MESSAGE_FROM_TEAM = "message_from_team", _("Ny melding fra teamet")
    GOAL_PROPOSAL = "goal_proposal", _("Forslag til mål")
    AGENDA_ITEM = "agenda_item", _("Ny sak til dagsorden")
    CONSENT_GIVEN = "consent_given", _("Samtykke gitt")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Samtykke trukket tilbake")
    HANDOVER = "handover", _("Overføringsnotat å lese")
    HANDOVER_TO_WRITE = "handover_to_write", _("Overføringsnotat å skrive")
    MEDICAL_REQUEST = "medical_request", _("Forespørsel om medisinsk vurdering")
    MEDICAL_ANSWER = "medical_answer", _("Svar på medisinsk vurdering")
    ACTION_ITEM = "action_item", _("Oppgave til deg")
    ACTION_ITEM_OVERDUE = "action_item_overdue", _("Oppgave har passert fristen")
    CHECKPOINT_DUE = "checkpoint_due", _("Evaluering snart")
    CHECKPOINT_OVERDUE = "checkpoint_overdue", _("Evaluering forfalt")
    IDLE_PLAN = "idle_plan", _("Plan uten aktivitet")
    MEETING_INVITATION = "meeting_invitation", _("Innkalling til møte")
    MEETING_UPDATED = "meeting_updated", _("Møtet er endret")
    MEETING_CANCELLED = "meeting_cancelled", _("Møtet er avlyst")
    COORDINATOR_CHANGED = "coordinator_changed", _("Ny koordinator")
    DECISION = "decision", _("Svar fra koordinerende enhet")
    REFERRAL_ASSIGNED = "referral_assigned", _("Melding om behov til deg")
    REFERRAL_RECEIPT = "referral_receipt", _("Kvittering for melding om behov")
    REFERRAL_CLOSED = "referral_closed", _("Meldingen er ferdig behandlet")
    DOCUMENT_ADDED = "document_added", _("Nytt dokument i planen")
    TASK_ASSIGNED = "task_assigned", _("Tiltak du er ansvarlig for")
    TASK_DUE = "task_due", _("Oppgave med frist snart")
    CHILD_COORDINATOR = "child_coordinator", _("Oppnevnt som barnekoordinator")
    TEAM_CLOSED = "team_closed", _("Oppfølgingsteamet er avsluttet")
    MEMBER_LEFT = "member_left", _("En deltaker har sluttet")


# Kinds whose handling is reading: opening the item from the inbox marks it done.
DONE_WHEN_OPENED = frozenset({
    Kind.MESSAGE, Kind.MESSAGE_FROM_TEAM, Kind.AGENDA_ITEM, Kind.CONSENT_GIVEN,
    Kind.CONSENT_WITHDRAWN, Kind.MEDICAL_ANSWER, Kind.MEETING_INVITATION, Kind.MEETING_UPDATED,
    Kind.MEETING_CANCELLED, Kind.COORDINATOR_CHANGED, Kind.DECISION, Kind.IDLE_PLAN,
    Kind.REFERRAL_RECEIPT, Kind.REFERRAL_CLOSED, Kind.DOCUMENT_ADDED, Kind.TASK_ASSIGNED,
    Kind.CHILD_COORDINATOR, Kind.TEAM_CLOSED,
})


class Notification(models.Model):
    """One thing that waits on one recipient."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Whom it is about: delivery is checked against the policy for this person at send time.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Exactly one recipient: a staff user, the person, a next of kin, or an address (reporter).
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="notifications",
    )
    recipient_person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_related = models.ForeignKey(
        "people.RelatedPerson", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient_email = models.EmailField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # The record it is about, so the service that handles it can mark it done.
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    # For meetings: when it is (shown in the message), and the calendar invitation to attach.
    event_at = models.DateTimeField(null=True, blank=True)
    calendar = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("varsel")
        verbose_name_plural = _("varsler")
        indexes = [
            models.Index(fields=["recipient_user", "done_at", "-created_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(recipient_user__isnull=False, recipient_person__isnull=True, recipient_related__isnull=True,
                      recipient_email="")
                    | Q(recipient_user__isnull=True, recipient_person__isnull=False, recipient_related__isnull=True,
                        recipient_email="")
                    | Q(recipient_user__isnull=True, recipient_person__isnull=True, recipient_related__isnull=False,
                        recipient_email="")
                    | Q(recipient_user__isnull=True, recipient_person__isnull=True, recipient_related__isnull=True)
                    & ~Q(recipient_email="")
                ),
                name="notification_has_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def kind_label(self) -> str:
        """Return what the inbox calls the kind, as `get_kind_display()` does, in one look-up."""
        return choice_label(Kind, self.kind)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Channel(models.TextChoices):
    EMAIL = "email", _("E-post")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Brev i posten")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Venter")
    SENDING = "sending", _("Sendes")
    SENT = "sent", _("Sendt")
    FAILED = "failed", _("Kom ikke fram")
    REFUSED = "refused", _("Ikke sendt: mottakeren har ikke lenger tilgang")
    TO_PRINT = "to_print", _("Skal skrives ut og sendes i posten")
    PRINTED = "printed", _("Sendt i posten")


class Delivery(models.Model):
    """One message telling a recipient that something waits, on one channel."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why the last attempt failed, without personal data (an exception class and a code).
    last_error = models.CharField(max_length=200, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("utsending")
        verbose_name_plural = _("utsendinger")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_status_display()}"
