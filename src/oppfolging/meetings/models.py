"""Team meetings that plan: agenda, attendance, minutes, decisions and action items.

FHIR: Meeting ~ Appointment (then Encounter once held), Invitation ~ Appointment.participant
with its status, AgendaItem ~ a line of the Appointment's description, ActionItem ~ Task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.dates import FOLLOW_UP, WORK_DATE
from oppfolging.teams.models import MemberKind


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planlagt")
    HELD = "held", _("Gjennomført")
    CANCELLED = "cancelled", _("Avlyst")


class Meeting(models.Model):
    """A meeting of a person's follow-up team (FHIR Appointment, then Encounter)."""

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("tidspunkt"), validators=[WORK_DATE])
    ends_at = models.DateTimeField(_("slutter"), null=True, blank=True, validators=[WORK_DATE])
    location = models.CharField(_("sted"), max_length=200, blank=True)
    video_link = models.URLField(_("lenke til videomøte"), blank=True)
    status = models.CharField(max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    agenda_sent_at = models.DateTimeField(null=True, blank=True)
    # Raised when time or place changes after the agenda was sent, so calendars update.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    cancel_reason = models.TextField(_("grunn til avlysning"), blank=True)
    minutes = models.TextField(_("referat"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # Set on upcoming meetings by the portal's meeting page for its template; never stored.
    agenda: list[AgendaItem]
    my_invitation: Invitation | None
    agenda_form: Any  # the person's form to add an item, with a one-time token of its own

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("møte")
        verbose_name_plural = _("møter")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.team.person_id

    @property
    def ends_at_or_default(self) -> dt.datetime:
        return self.ends_at or self.starts_at + dt.timedelta(hours=1)

    @property
    def is_planned(self) -> bool:
        return self.status == MeetingStatus.PLANNED

    @property
    def agenda_due_on(self) -> dt.date:
        """Return the day the agenda is sent by the background job."""
        local = timezone.localtime(self.starts_at).date()
        return local - dt.timedelta(days=settings.AGENDA_SEND_DAYS_BEFORE)


class InviteeKind(models.TextChoices):
    COORDINATOR = "coordinator", _("Koordinator")
    PROFESSIONAL = "professional", _("Tjenesteyter")
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")


class Attendance(models.TextChoices):
    PRESENT = "present", _("Til stede")
    ABSENT_WITH_NOTICE = "absent_with_notice", _("Meldt forfall")
    ABSENT_WITHOUT_NOTICE = "absent_without_notice", _("Ikke møtt, uten å melde forfall")


class Response(models.TextChoices):
    """The invitee's own answer before the meeting (from the message or in the app)."""

    COMING = "coming", _("Kommer")
    NOT_COMING = "not_coming", _("Kommer ikke")


class Invitation(models.Model):
    """Someone invited to a meeting, and whether they came (FHIR Appointment.participant)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="invitations")
    kind = models.CharField(max_length=20, choices=InviteeKind.choices)
    membership = models.ForeignKey(
        "teams.TeamMembership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The service at the time of the meeting, so no-show figures do not move when members do.
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    attendance = models.CharField(
        _("oppmøte"), max_length=30, choices=Attendance.choices, blank=True
    )
    response = models.CharField(_("svar"), max_length=20, choices=Response.choices, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # No longer invited (a coordinator who handed over, a member who left before the meeting):
    # the invitation stays, so who was told what remains visible, but it is not sent to again.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("innkalt")
        verbose_name_plural = _("innkalte")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "membership"], condition=Q(membership__isnull=False),
                name="one_invitation_per_membership",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False),
                name="one_invitation_per_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.meeting.team.person_id

    @property
    def email(self) -> str:
        """Return the address the agenda goes to, or "" when there is none."""
        membership = self.membership
        if self.kind == InviteeKind.PERSON:
            return self.meeting.team.person.email
        if membership is not None and membership.related_person is not None:
            return membership.related_person.email
        if self.user is not None:
            return self.user.email
        if membership is not None and membership.user is not None:
            return membership.user.email
        return ""


class AgendaSource(models.TextChoices):
    GOAL = "goal", _("Mål som skal evalueres")
    ACTION_ITEM = "action_item", _("Åpen oppgave")
    ADDED = "added", _("Meldt inn")


class AddedByKind(models.TextChoices):
    PROFESSIONAL = "professional", _("Tjenesteyter")
    PERSON = "person", _("Personen selv")
    NEXT_OF_KIN = "next_of_kin", _("Pårørende")


class AgendaItem(models.Model):
    """One item on a meeting's agenda: a goal due, an open action item, or one someone added."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=20, choices=AgendaSource.choices, default=AgendaSource.ADDED)
    title = models.CharField(_("sak"), max_length=300)
    details = models.TextField(_("utdyping"), blank=True)
    goal = models.ForeignKey(
        "plans.Goal", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    action_item = models.ForeignKey(
        "meetings.ActionItem", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    added_by_kind = models.CharField(
        _("meldt inn av"), max_length=20, choices=AddedByKind.choices, blank=True
    )
    added_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("sak på dagsorden")
        verbose_name_plural = _("dagsorden")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "goal"], condition=Q(goal__isnull=False), name="goal_once_per_agenda"
            ),
            models.UniqueConstraint(
                fields=["meeting", "action_item"], condition=Q(action_item__isnull=False),
                name="action_item_once_per_agenda",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.meeting.team.person_id


class MeetingDecision(models.Model):
    """A decision the team made at a meeting, as it goes into the minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField(_("beslutning"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A decision recorded by mistake is withdrawn, never deleted: the text stays, marked as such.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(_("hvorfor den trekkes"), max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("beslutning")
        verbose_name_plural = _("beslutninger")

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.meeting.team.person_id


class MinutesRevision(models.Model):
    """The minutes as they read after one save: every earlier wording stays readable."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes_revisions")
    text = models.TextField()
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-saved_at", "-pk"]
        verbose_name = _("tidligere versjon av referatet")
        verbose_name_plural = _("tidligere versjoner av referatet")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="one_minutes_revision_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} v{self.version}"

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.meeting.team.person_id


class ActionItem(models.Model):
    """Something agreed at a meeting, with an owner and a deadline, followed until done (Task)."""

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="action_items")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    description = models.TextField(_("oppgave"))
    owner_membership = models.ForeignKey(
        "teams.TeamMembership", on_delete=models.PROTECT, null=True, blank=True, related_name="action_items",
        verbose_name=_("ansvarlig"),
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="action_items",
        verbose_name=_("ansvarlig ansatt"),
    )
    # A service as a whole may own an action item (whoever in it serves the person sees it).
    owner_service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="action_items",
        verbose_name=_("ansvarlig tjeneste"),
    )
    due_on = models.DateField(_("frist"), validators=[FOLLOW_UP])
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Optimistic locking (lib.versioning): marking done or reopening raises the version.
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("oppgave")
        verbose_name_plural = _("oppgaver")
        indexes = [models.Index(fields=["done_at", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_membership__isnull=False) | Q(owner_user__isnull=False)
                | Q(owner_service__isnull=False),
                name="action_item_has_an_owner",
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def owner_person_id(self) -> int:
        """Return the id of the person this record belongs to (see access.grants)."""
        return self.team.person_id

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return not self.is_done and self.due_on < (today or timezone.localdate())

    @property
    def owner_label(self) -> str:
        if self.owner_membership is not None:
            return self.owner_membership.display_name
        if self.owner_user_id:
            return str(self.owner_user)
        return str(self.owner_service or "")

    @property
    def owner_email(self) -> str:
        """Return where a reminder goes: the owning user, or the member's own address."""
        membership = self.owner_membership
        if self.owner_user is not None:
            return self.owner_user.email
        if membership is None:
            return ""
        if membership.user is not None:
            return membership.user.email
        if membership.related_person is not None:
            return membership.related_person.email
        if membership.kind == MemberKind.PERSON:
            return self.team.person.email
        return ""

    def is_owned_by(self, user: object) -> bool:
        user_id = getattr(user, "pk", None)
        return user_id is not None and user_id in (
            self.owner_user_id, self.owner_membership.user_id if self.owner_membership is not None else None
        )
