"""Writes for meetings: schedule, agenda, sending, attendance, minutes, decisions, action items.

Each write validates, saves and logs in one transaction. Invitations, updates and reminders are
notifications (notifications.services.notify), written in the same transaction and sent by the
worker after commit, so a failing mail server never blocks a save and nobody is told twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.accounts.models import User, written_standard
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant, audit_record
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import save_versioned
from oppfolging.meetings import selectors
from oppfolging.meetings.ics import meeting_calendar
from oppfolging.meetings.models import (
    ActionItem,
    AddedByKind,
    AgendaItem,
    AgendaSource,
    Attendance,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingDecision,
    MeetingStatus,
    MinutesRevision,
    Response,
)
from oppfolging.notifications.models import Channel, Kind
from oppfolging.notifications.services import Recipient, channels_for, notifications_done, notify
from oppfolging.plans.models import Goal, GoalStatus, PlanStatus
from oppfolging.teams.models import (
    MemberKind,
    Team,
    TeamMembership,
    TeamStatus,
)
from oppfolging.teams.selectors import coordinators_of


def _audit(grant: PersonGrant, action: str, resource: str, obj: object, purpose: str = "") -> None:
    audit_grant(grant=grant, action=action, resource=resource,
                resource_id=getattr(obj, "pk", ""), purpose=purpose)


def _require_planned(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Møtet er ikke lenger planlagt, og kan ikke endres slik."))


def _validate_time_and_place(
    *, starts_at: dt.datetime, ends_at: dt.datetime | None, location: str, video_link: str
) -> None:
    if not location.strip() and not video_link.strip():
        raise ValidationError({"location": _("Oppgi sted eller lenke til videomøte.")})
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("Møtet må slutte etter at det begynner.")})


def _service_of(user: User, team: Team) -> Service | None:
    return next(
        (a.service for a in user.role_assignments.all()
         if a.municipality_id == team.person.municipality_id and a.service_id),
        None,
    )


def invitation_sync(*, grant: PersonGrant, meeting: Meeting) -> list[Invitation]:
    """Invite everyone who should come and is not invited yet; never invites anyone twice.

    The coordinator, the members serving on the day, the person, and next of kin the policy lets
    take part (the person's consent, guardianship, or a child's parent who is not excluded). Safe
    when two runs overlap (the reminder job twice, or the job and a coordinator's click): the
    meeting row is locked before anyone is looked up, so the second run sees the first one's
    invitations instead of writing them again.
    """
    grant.require_write()
    grant.require_owns(meeting)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        return _invitation_sync_locked(meeting)


def _invitation_sync_locked(meeting: Meeting) -> list[Invitation]:
    team = meeting.team
    day = timezone.localtime(meeting.starts_at).date()
    invited_memberships = set(meeting.invitations.exclude(membership=None).values_list("membership_id", flat=True))
    invited_users = set(meeting.invitations.exclude(user=None).values_list("user_id", flat=True))
    new: list[Invitation] = []
    # Everyone who coordinates on the meeting's day: both, during a handover's overlap.
    for assignment in team.coordinator_assignments.active(meeting.starts_at).select_related("coordinator"):
        if assignment.coordinator_id in invited_users:
            continue
        coordinator = assignment.coordinator
        new.append(Invitation(meeting=meeting, kind=InviteeKind.COORDINATOR, user=coordinator,
                              service=_service_of(coordinator, team), name=coordinator.full_name))
        invited_users.add(coordinator.pk)
    # Next of kin take part as the policy says: with the person's consent, as a guardian, or as a
    # parent of a child, never when the unit has excluded them.
    consented = set(policy.related_person_bases(team.person))
    memberships = TeamMembership.objects.filter(team=team).select_related("user", "service", "related_person")
    for membership in memberships:
        if membership.pk in invited_memberships or not membership.is_active_on(day):
            continue
        if membership.kind == MemberKind.NEXT_OF_KIN and membership.related_person_id not in consented:
            continue
        if membership.user_id and membership.user_id in invited_users:
            continue  # the coordinator who is also a member is invited once
        new.append(Invitation(meeting=meeting, kind=membership.kind, membership=membership,
                              user=None, service=membership.service, name=membership.display_name))
        if membership.user_id:
            invited_users.add(membership.user_id)
    for invitation in new:
        invitation.save()
    return new


@transaction.atomic
def meeting_schedule(
    *,
    grant: PersonGrant,
    team: Team,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    location: str = "",
    video_link: str = "",
) -> Meeting:
    """Schedule a meeting of the person's active team and invite its members."""
    grant.require_write()
    grant.require_owns(team)
    actor = grant.require_user()
    if team.status != TeamStatus.ACTIVE:
        raise ValidationError(_("Personen har ikke et aktivt oppfølgingsteam."))
    _validate_time_and_place(starts_at=starts_at, ends_at=ends_at, location=location, video_link=video_link)
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _(
            "Et møte kan ikke planlegges bakover i tid. Er møtet allerede holdt, registrer det som holdt.")})
    meeting = Meeting(team=team, starts_at=starts_at, ends_at=ends_at, location=location.strip(),
                      video_link=video_link.strip(), created_by=actor)
    meeting.full_clean()
    meeting.save()
    invitation_sync(grant=grant, meeting=meeting)
    agenda_build(grant=grant, meeting=meeting)
    _audit(grant, Action.CREATE, "meeting", meeting,
           _("Møte planlagt %(when)s") % {"when": _when(starts_at)})
    return meeting


@transaction.atomic
def meeting_record_held(
    *,
    grant: PersonGrant,
    team: Team,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    location: str = "",
    video_link: str = "",
) -> Meeting:
    """Record a meeting that was held without being planned here, so attendance and minutes can be kept.

    Nobody is invited or told: the meeting is over.
    """
    grant.require_write()
    grant.require_owns(team)
    actor = grant.require_user()
    _validate_time_and_place(starts_at=starts_at, ends_at=ends_at, location=location, video_link=video_link)
    if starts_at > timezone.now():
        raise ValidationError({"starts_at": _("Et møte som er holdt, har et tidspunkt som er passert.")})
    meeting = Meeting(team=team, starts_at=starts_at, ends_at=ends_at, location=location.strip(),
                      video_link=video_link.strip(), created_by=actor, status=MeetingStatus.HELD)
    meeting.full_clean()
    meeting.save()
    invitation_sync(grant=grant, meeting=meeting)
    _audit(grant, Action.CREATE, "meeting", meeting,
           _("Holdt møte registrert %(when)s") % {"when": _when(starts_at)})
    return meeting


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j. F Y \\k\\l. H.i")


@transaction.atomic
def meeting_update(
    *,
    grant: PersonGrant,
    meeting: Meeting,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    location: str = "",
    video_link: str = "",
    expected_version: int,
) -> Meeting:
    """Change time or place; if the invitation already went out, an update goes out at once.

    A save based on an old version of the meeting is refused (EditConflict), never applied.
    The update keeps the calendar event's UID with a higher SEQUENCE, so calendars move it.
    """
    grant.require_write()
    grant.require_owns(meeting)
    _require_planned(meeting)
    _validate_time_and_place(starts_at=starts_at, ends_at=ends_at, location=location, video_link=video_link)
    changed = (meeting.starts_at, meeting.ends_at, meeting.location, meeting.video_link) != (
        starts_at, ends_at, location.strip(), video_link.strip())
    if changed and starts_at != meeting.starts_at and starts_at < timezone.now():
        raise ValidationError({"starts_at": _("Et møte kan ikke flyttes bakover i tid.")})
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.location, meeting.video_link = location.strip(), video_link.strip()
    resend = changed and meeting.agenda_sent_at is not None
    if resend:
        meeting.sequence += 1
    meeting.full_clean()
    save_versioned(meeting, expected_version=expected_version,
                   fields=["starts_at", "ends_at", "location", "video_link", "sequence"])
    if resend:
        invitation_sync(grant=grant, meeting=meeting)
        _notify_invitees(meeting, kind=Kind.MEETING_UPDATED, key=f"meeting:{meeting.pk}:{meeting.sequence}")
    _audit(grant, Action.UPDATE, "meeting", meeting)
    return meeting


@transaction.atomic
def meetings_follow_coordinator(*, grant: PersonGrant, team: Team, since: dt.datetime) -> list[Meeting]:
    """Move the team's planned meetings from a handover to whoever coordinates on their day.

    The incoming coordinator is invited; a coordinator who no longer coordinates on the day is
    withdrawn and, if the invitation had gone out, gets a cancellation for their calendar while
    everyone else gets the update (same calendar event, higher sequence).
    """
    grant.require_write()
    grant.require_owns(team)
    moved = []
    for meeting in team.meetings.select_for_update().filter(status=MeetingStatus.PLANNED, starts_at__gte=since):
        coordinating = set(team.coordinator_assignments.active(meeting.starts_at).values_list(
            "coordinator_id", flat=True))
        withdrawn = list(meeting.invitations.filter(kind=InviteeKind.COORDINATOR, withdrawn_at__isnull=True)
                         .exclude(user__in=coordinating).select_related("user"))
        Invitation.objects.filter(pk__in=[i.pk for i in withdrawn]).update(withdrawn_at=timezone.now())
        added = _invitation_sync_locked(meeting)
        if not (withdrawn or added):
            continue
        moved.append(meeting)
        if meeting.agenda_sent_at is None:
            continue
        meeting.sequence += 1
        Meeting.objects.filter(pk=meeting.pk).update(sequence=meeting.sequence)
        _notify_invitees(meeting, kind=Kind.MEETING_UPDATED, key=f"meeting:{meeting.pk}:{meeting.sequence}")
        for invitation in withdrawn:
            _tell_withdrawn(meeting, invitation, Recipient(user=invitation.user))
        _audit(grant, Action.UPDATE, "meeting", meeting, _("Møtet flyttet til ny koordinator"))
    return moved


@transaction.atomic
def meetings_follow_team(*, grant: PersonGrant, team: Team) -> list[Meeting]:
    """Bring the team's planned meetings up to date after a member joined or left.

    A member who joined is invited to the meetings on or after the day they join, and told at
    once if the invitation has already gone out (so nobody waits for a change of time to hear of
    it). A member who leaves before a meeting is withdrawn from it and, if the invitation had
    gone out, gets a cancellation for their calendar; nobody else is told, nothing changed for them.
    """
    grant.require_write()
    grant.require_owns(team)
    touched = []
    planned = team.meetings.select_for_update().filter(
        status=MeetingStatus.PLANNED, starts_at__gte=timezone.now()).select_related("team__person")
    for meeting in planned:
        day = timezone.localtime(meeting.starts_at).date()
        gone = [invitation for invitation in meeting.invitations.filter(
                    withdrawn_at__isnull=True, membership__isnull=False).select_related(
                    "membership__user", "membership__related_person")
                if invitation.membership is not None and not invitation.membership.is_active_on(day)]
        Invitation.objects.filter(pk__in=[i.pk for i in gone]).update(withdrawn_at=timezone.now())
        added = _invitation_sync_locked(meeting)
        if not (gone or added):
            continue
        touched.append(meeting)
        if meeting.agenda_sent_at is None:
            continue  # the invitation goes out when it is due, to whoever is invited then
        if added:
            # The key of the sending itself: those who already have this version are not told twice.
            kind = Kind.MEETING_UPDATED if meeting.sequence else Kind.MEETING_INVITATION
            _notify_invitees(meeting, kind=kind, key=f"meeting:{meeting.pk}:{meeting.sequence}")
        for invitation in gone:
            recipient = _invitation_recipient(invitation)
            if recipient is not None:
                _tell_withdrawn(meeting, invitation, recipient)
        _audit(grant, Action.UPDATE, "meeting", meeting, _("Innkallingen fulgte endringen i teamet"))
    return touched


def _tell_withdrawn(meeting: Meeting, invitation: Invitation, recipient: Recipient) -> None:
    """Send one withdrawn invitee the cancellation for their calendar (the meeting goes on without them)."""
    url = _meeting_url(meeting, recipient)
    notify(kind=Kind.MEETING_CANCELLED, key=f"meeting-withdrawn:{meeting.pk}:{invitation.pk}",
           recipient=recipient, person=meeting.team.person, url=url, subject=meeting, event_at=meeting.starts_at,
           calendar=_calendar(meeting, recipient, url, cancel=True))


RSVP_SALT = "oppfolging.meetings.rsvp"


def rsvp_token(invitation: Invitation) -> str:
    """Return the signed token that lets the invitee answer from the message, without signing in."""
    return signing.dumps({"i": invitation.pk}, salt=RSVP_SALT, compress=True)


def is_invitee(grant: PersonGrant, invitation: Invitation) -> bool:
    """Tell whether the invitation is the grant holder's own."""
    membership = invitation.membership
    if invitation.kind == InviteeKind.PERSON:
        return grant.basis == Basis.PERSON_SELF
    if membership is not None and membership.related_person_id:
        return grant.related_person is not None and grant.related_person.pk == membership.related_person_id
    user_id = invitation.user_id or (membership.user_id if membership is not None else None)
    return grant.user is not None and grant.user.pk == user_id


def _record_response(invitation: Invitation, response: str) -> Invitation:
    if response not in Response.values:
        raise ValidationError(_("Svar at du kommer eller ikke kommer."))
    meeting = invitation.meeting
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at < timezone.now():
        raise ValidationError(_("Møtet er ikke lenger planlagt, så svaret kan ikke endres."))
    if invitation.withdrawn_at is not None:
        raise ValidationError(_("Du er ikke lenger innkalt til dette møtet."))
    invitation.response, invitation.responded_at = response, timezone.now()
    invitation.save(update_fields=["response", "responded_at"])
    return invitation


@transaction.atomic
def invitation_respond(*, grant: PersonGrant, invitation: Invitation, response: str) -> Invitation:
    """Record the invitee's own answer: coming or not. Only the invitee answers for themself."""
    grant.require_owns(invitation)
    if not is_invitee(grant, invitation):
        raise PermissionDenied("Only the invitee answers the invitation.")
    invitation = _record_response(invitation, response)
    _audit(grant, Action.UPDATE, "meeting_invitation", invitation, _("Svar på innkalling: %(answer)s") % {
        "answer": invitation.get_response_display()})
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """Return the invitation a signed link names, or None for a link that is not ours."""
    try:
        invitation_id = signing.loads(token, salt=RSVP_SALT)["i"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    return Invitation.objects.select_related("meeting").filter(pk=invitation_id).first()


@transaction.atomic
def invitation_respond_by_token(*, token: str, response: str) -> Invitation:
    """Record an answer sent from the link in the invitation message.

    The signed link is the invitee's own: it names one invitation and answers only for it.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(_("Lenken er ikke gyldig. Svar i Oppfølging i stedet."))
    invitation = _record_response(invitation, response)
    audit_record(actor=None, actor_name=invitation.name, action=Action.UPDATE, resource="meeting_invitation",
                 resource_id=invitation.pk, person=invitation.meeting.team.person,
                 purpose=_("Svar på innkalling fra lenken i meldingen: %(answer)s") % {
                     "answer": invitation.get_response_display()})
    return invitation


def _agenda_changed(meeting: Meeting) -> None:
    """Tell the invitees that the agenda changed after it was sent: once a day at most."""
    if not Meeting.objects.filter(pk=meeting.pk, agenda_sent_at__isnull=False, status=MeetingStatus.PLANNED).exists():
        return
    _notify_invitees(meeting, kind=Kind.MEETING_UPDATED,
                     key=f"meeting-agenda:{meeting.pk}:{timezone.localdate().isoformat()}")


def meeting_cancel(*, grant: PersonGrant, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a planned meeting; those who got the agenda get a cancellation for their calendar."""
    grant.require_write()
    grant.require_owns(meeting)
    with transaction.atomic():
        _require_planned(meeting)
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancel_reason = reason.strip()
        meeting.save(update_fields=["status", "cancel_reason"])
        _audit(grant, Action.UPDATE, "meeting", meeting, _("Møtet er avlyst"))
        if meeting.agenda_sent_at is not None:
            _notify_invitees(meeting, kind=Kind.MEETING_CANCELLED, key=f"meeting-cancelled:{meeting.pk}")
    return meeting


def _next_position(meeting: Meeting) -> int:
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def agenda_build(*, grant: PersonGrant, meeting: Meeting) -> list[AgendaItem]:
    """Add the goals due for evaluation and the team's open action items to a planned agenda.

    Idempotent: a goal or an action item is on an agenda once, whatever the number of calls.
    A held or cancelled meeting keeps the agenda it had.
    """
    grant.require_write()
    grant.require_owns(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        return selectors.agenda_of(meeting)
    day = timezone.localtime(meeting.starts_at).date()
    with transaction.atomic():
        # A goal evaluated since it was put on the agenda (here or elsewhere) leaves it, unless it
        # was evaluated at this meeting; items that someone wrote never leave.
        AgendaItem.objects.filter(meeting=meeting, source=AgendaSource.GOAL).exclude(
            goal__status=GoalStatus.ACTIVE, goal__next_evaluation_on__lte=day).exclude(
            goal__evaluations__meeting=meeting).delete()
        goals = list(
            Goal.objects.filter(plan__person=meeting.team.person_id, plan__status=PlanStatus.ACTIVE,
                                status=GoalStatus.ACTIVE, next_evaluation_on__lte=day)
            .exclude(agenda_items__meeting=meeting)
            .order_by("next_evaluation_on", "position", "pk")
        )
        items = list(
            ActionItem.objects.filter(team=meeting.team, done_at__isnull=True)
            .exclude(meeting=meeting).exclude(agenda_items__meeting=meeting)
            .select_related(*selectors.ACTION_ITEM_OWNER)
            .order_by("due_on", "pk")
        )
        position = _next_position(meeting)
        new = [
            AgendaItem(meeting=meeting, goal=goal, source=AgendaSource.GOAL, position=position + n,
                       title=(_("Evaluere målet: %(goal)s") % {"goal": goal.text})[:300])
            for n, goal in enumerate(goals)
        ]
        position += len(new)
        new += [
            AgendaItem(meeting=meeting, action_item=item, source=AgendaSource.ACTION_ITEM, position=position + n,
                       title=(_("Oppgave: %(text)s") % {"text": item.description})[:300],
                       details=_("Ansvarlig: %(owner)s. Frist: %(due)s.") % {
                           "owner": item.owner_label, "due": formats.date_format(item.due_on, "SHORT_DATE_FORMAT")})
            for n, item in enumerate(items)
        ]
        # Two writers building the same agenda at once add each goal and item once (unique constraints).
        AgendaItem.objects.bulk_create(new, ignore_conflicts=True)
    return selectors.agenda_of(meeting)


@transaction.atomic
def agenda_item_add(
    *,
    grant: PersonGrant,
    meeting: Meeting,
    title: str,
    details: str = "",
) -> AgendaItem:
    """Add an item to a planned meeting's agenda, from a member, the person or next of kin.

    Those who serve the person add items from the staff pages; the person and next of kin from
    «Min plan» (their grant comes from PortalGrant.as_person_grant). Emergency access, case
    work and assessment participation never add to the agenda.
    """
    if not grant.is_portal:
        grant.require_serves()
    grant.require_owns(meeting)
    if not title.strip():
        raise ValidationError({"title": _("Skriv hva saken gjelder.")})
    _require_planned(meeting)
    added_by_kind = {Basis.PERSON_SELF: AddedByKind.PERSON, Basis.NEXT_OF_KIN: AddedByKind.NEXT_OF_KIN}.get(
        grant.basis, AddedByKind.PROFESSIONAL)
    item = AgendaItem(meeting=meeting, source=AgendaSource.ADDED, title=title.strip(), details=details.strip(),
                      added_by_kind=added_by_kind, added_by_user=grant.user,
                      position=_next_position(meeting))
    item.full_clean()
    item.save()
    _agenda_changed(meeting)
    for coordinator in coordinators_of(meeting.team.person):
        if coordinator != grant.user:
            notify(kind=Kind.AGENDA_ITEM, key=f"agenda-item:{item.pk}", recipient=Recipient(user=coordinator),
                   person=meeting.team.person, subject=meeting,
                   url=reverse("meetings:detail", args=[meeting.team.person_id, meeting.pk]))
    _audit(grant, Action.CREATE, "agenda_item", item,
           _("Sak meldt inn til møtet: %(title)s") % {"title": item.title[:200]})
    return item


@transaction.atomic
def agenda_item_update(
    *, grant: PersonGrant, item: AgendaItem, title: str, details: str = "", expected_version: int
) -> AgendaItem:
    """Change an agenda item's wording; a save based on an old version is refused, never applied."""
    grant.require_write()
    grant.require_owns(item)
    if not title.strip():
        raise ValidationError({"title": _("Skriv hva saken gjelder.")})
    item.title, item.details = title.strip(), details.strip()
    item.full_clean()
    save_versioned(item, expected_version=expected_version, fields=["title", "details"])
    _agenda_changed(item.meeting)
    _audit(grant, Action.UPDATE, "agenda_item", item)
    return item


@transaction.atomic
def agenda_item_move(*, grant: PersonGrant, item: AgendaItem, direction: str) -> AgendaItem:
    """Move an item one step up or down the agenda."""
    grant.require_write()
    grant.require_owns(item)
    if direction not in ("up", "down"):
        raise ValidationError(_("Ukjent retning."))
    items = list(item.meeting.agenda_items.select_for_update().order_by("position", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    item.position = next(o.position for o in items if o.pk == item.pk)
    _audit(grant, Action.UPDATE, "agenda_item", item, _("Dagsorden ordnet"))
    return item


@dataclass(frozen=True)
class SendReport:
    """Who the invitation reached, and how; who has no address (a letter is offered instead)."""

    reached: list[tuple[str, list[str]]]
    unreachable: list[str]

    @property
    def count(self) -> int:
        return len(self.reached)


def _invitation_recipient(invitation: Invitation) -> Recipient | None:
    """Return who an invitation goes to: a staff user, the person, or a next of kin."""
    membership = invitation.membership
    if invitation.kind == InviteeKind.PERSON:
        return Recipient(person=invitation.meeting.team.person)
    if membership is not None and membership.related_person_id:
        return Recipient(related=membership.related_person)
    user = invitation.user or (membership.user if membership is not None else None)
    return Recipient(user=user) if user is not None else None


def _meeting_url(meeting: Meeting, recipient: Recipient) -> str:
    if recipient.user is not None:
        return reverse("meetings:detail", args=[meeting.team.person_id, meeting.pk])
    return reverse("portal:meetings", args=[meeting.team.person_id])


def _calendar(meeting: Meeting, recipient: Recipient, url: str, *, cancel: bool) -> str:
    """Return the invitation for the recipient's calendar: time, place and a link, nothing more."""
    user = recipient.user or (recipient.person.user if recipient.person is not None else None) or (
        recipient.related.user if recipient.related is not None else None)
    with translation.override(written_standard(user, meeting.team.person.municipality)):
        summary = str(_("Avlyst: møte i oppfølgingsteam") if cancel else _("Møte i oppfølgingsteam"))
        description = str(_("Se innkallingen i Oppfølging: %(link)s") % {
            "link": f"{settings.SITE_URL.rstrip('/')}{url}"})
    return meeting_calendar(meeting, summary=summary, description=description,
                            attendee=_channels_address(recipient), method="CANCEL" if cancel else "REQUEST").decode()


def _channels_address(recipient: Recipient) -> str:
    """Return the recipient's e-mail address if they are told by e-mail, for the calendar."""
    return next((address for channel, address in channels_for(recipient) if channel == Channel.EMAIL), "")


def _notify_invitees(meeting: Meeting, *, kind: str, key: str) -> SendReport:
    """Tell every invitee who may still come: staff in their inbox, everyone by their channels."""
    reached: list[tuple[str, list[str]]] = []
    unreachable: list[str] = []
    cancel = kind == Kind.MEETING_CANCELLED
    for invitation in selectors.recipients_of(meeting):
        recipient = _invitation_recipient(invitation)
        if recipient is None:
            unreachable.append(invitation.name)
            continue
        url = _meeting_url(meeting, recipient)
        link = url if cancel or recipient.user is not None else reverse("meetings:rsvp", args=[rsvp_token(invitation)])
        notify(kind=kind, key=key, recipient=recipient, person=meeting.team.person, url=link,
               subject=meeting, event_at=meeting.starts_at,
               calendar=_calendar(meeting, recipient, url, cancel=cancel))
        channels = [str(Channel(c).label) for c, _address in channels_for(recipient)]
        if recipient.user is not None:
            channels.insert(0, str(_("innboks")))
        if channels:
            reached.append((invitation.name, channels))
        else:
            unreachable.append(invitation.name)
    return SendReport(reached, unreachable)


@transaction.atomic
def agenda_send(*, grant: PersonGrant, meeting: Meeting) -> SendReport:
    """Build the agenda and send the invitation, with a calendar file, to every invitee.

    The message says only that there is a meeting, when, and where to read the agenda. Safe to
    run again: each invitee is told once per version of the meeting (a change of time or place
    is a new version, sent as an update).
    """
    grant.require_write()
    grant.require_owns(meeting)
    meeting = Meeting.objects.select_for_update().select_related("team__person").get(pk=meeting.pk)
    _require_planned(meeting)
    invitation_sync(grant=grant, meeting=meeting)
    agenda_build(grant=grant, meeting=meeting)
    kind = Kind.MEETING_UPDATED if meeting.sequence else Kind.MEETING_INVITATION
    report = _notify_invitees(meeting, kind=kind, key=f"meeting:{meeting.pk}:{meeting.sequence}")
    first = meeting.agenda_sent_at is None
    if first:
        meeting.agenda_sent_at = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(agenda_sent_at=meeting.agenda_sent_at)
    if grant.user is not None or first:
        _audit(grant, Action.UPDATE, "meeting_agenda", meeting,
               _("Innkalling sendt til %(count)s av %(total)s innkalte") % {
                   "count": report.count, "total": meeting.invitations.count()})
    return report


@transaction.atomic
def attendance_record(
    *, grant: PersonGrant, meeting: Meeting, attendance: dict[int, str]
) -> Meeting:
    """Record who came, who sent word and who did not; the meeting then counts as held."""
    grant.require_write()
    grant.require_owns(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Møtet er avlyst."))
    if timezone.localtime(meeting.starts_at).date() > timezone.localdate():
        raise ValidationError(_("Oppmøte kan registreres fra den dagen møtet holdes."))
    allowed = set(Attendance.values) | {""}
    for invitation in meeting.invitations.all():
        value = attendance.get(invitation.pk, invitation.attendance)
        if value not in allowed:
            raise ValidationError(_("Ukjent verdi for oppmøte."))
        if value != invitation.attendance:
            invitation.attendance = value
            invitation.save(update_fields=["attendance"])
    if meeting.status == MeetingStatus.PLANNED and meeting.invitations.exclude(attendance="").exists():
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["status"])
    _audit(grant, Action.UPDATE, "meeting_attendance", meeting)
    return meeting


@transaction.atomic
def minutes_save(
    *, grant: PersonGrant, meeting: Meeting, minutes: str, expected_version: int
) -> Meeting:
    """Save the minutes; refused with EditConflict when someone else saved since the user opened them."""
    grant.require_write()
    grant.require_owns(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Møtet er avlyst."))
    meeting.minutes = minutes.strip()
    save_versioned(meeting, expected_version=expected_version, fields=["minutes"])
    # Every wording of the minutes is kept: an overwrite never loses what someone wrote.
    MinutesRevision.objects.create(meeting=meeting, text=meeting.minutes, saved_by=grant.require_user(),
                                   version=meeting.version)
    _audit(grant, Action.UPDATE, "meeting_minutes", meeting)
    return meeting


@transaction.atomic
def decision_add(*, grant: PersonGrant, meeting: Meeting, text: str) -> MeetingDecision:
    """Record a decision made at the meeting."""
    grant.require_write()
    grant.require_owns(meeting)
    actor = grant.require_user()
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Møtet er avlyst."))
    if not text.strip():
        raise ValidationError({"text": _("Skriv beslutningen.")})
    decision = MeetingDecision.objects.create(meeting=meeting, text=text.strip(), recorded_by=actor)
    _audit(grant, Action.CREATE, "meeting_decision", decision)
    return decision


@transaction.atomic
def decision_withdraw(*, grant: PersonGrant, decision: MeetingDecision, reason: str = "") -> MeetingDecision:
    """Withdraw a decision recorded by mistake: it stays, with its whole text, marked as withdrawn."""
    grant.require_write()
    grant.require_owns(decision)
    decision = MeetingDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.is_withdrawn:
        raise ValidationError(_("Beslutningen er allerede trukket."))
    decision.withdrawn_at, decision.withdrawn_by = timezone.now(), grant.require_user()
    decision.withdrawal_reason = reason.replace("\x00", "").strip()[:300]  # a NUL is never text
    decision.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    _audit(grant, Action.UPDATE, "meeting_decision", decision, _("Beslutning trukket"))
    return decision


@transaction.atomic
def action_item_add(
    *,
    grant: PersonGrant,
    team: Team,
    description: str,
    due_on: dt.date,
    owner_membership: TeamMembership | None = None,
    owner_user: User | None = None,
    meeting: Meeting | None = None,
    owner_service: Service | None = None,
) -> ActionItem:
    """Record an action item with an owner (a member, the coordinator or a service) and a deadline."""
    grant.require_write()
    grant.require_owns(team, meeting, owner_membership)
    actor = grant.require_user()
    if meeting is not None and meeting.team_id != team.pk:
        raise PermissionDenied("The meeting belongs to another team.")
    if owner_membership is None and owner_user is None and owner_service is None:
        raise ValidationError({"owner_membership": _("Velg hvem som er ansvarlig.")})
    if owner_service is not None and owner_service.municipality_id != team.person.municipality_id:
        raise ValidationError({"owner_membership": _("Tjenesten hører til en annen kommune.")})
    if owner_membership is not None and owner_membership.team_id != team.pk:
        raise ValidationError({"owner_membership": _("Den ansvarlige må være med i teamet.")})
    if not description.strip():
        raise ValidationError({"description": _("Skriv hva som skal gjøres.")})
    item = ActionItem(team=team, meeting=meeting, description=description.strip(), due_on=due_on,
                      owner_membership=owner_membership, owner_user=owner_user, owner_service=owner_service,
                      created_by=actor)
    item.full_clean()
    item.save()
    for recipient in _action_item_recipients(item):
        if recipient.user != actor:
            notify(kind=Kind.ACTION_ITEM, key=f"action-item:{item.pk}", recipient=recipient,
                   person=team.person, url=_action_item_url(item, recipient), subject=item)
    _audit(grant, Action.CREATE, "action_item", item,
           _("Oppgave til %(owner)s, frist %(due)s") % {"owner": item.owner_label, "due": due_on})
    return item


def _require_may_mark(grant: PersonGrant, item: ActionItem) -> User:
    """Refuse unless the user writes the person's plan or owns the action item."""
    grant.require_owns(item)
    actor = grant.require_user()
    if not (grant.can_write or item.is_owned_by(actor)):
        raise PermissionDenied("Only the owner or the coordinator marks this.")
    return actor


@transaction.atomic
def action_item_done(*, grant: PersonGrant, item: ActionItem) -> ActionItem:
    """Mark an action item done: its owner or whoever writes the person's plan."""
    actor = _require_may_mark(grant, item)
    if item.done_at is not None:
        raise ValidationError(_("Oppgaven er allerede gjort."))
    item.done_at, item.done_by = timezone.now(), actor
    save_versioned(item, expected_version=item.version, fields=["done_at", "done_by"])
    notifications_done(subject=item)
    _audit(grant, Action.UPDATE, "action_item", item, _("Oppgave gjort"))
    return item


@transaction.atomic
def action_item_reopen(*, grant: PersonGrant, item: ActionItem) -> ActionItem:
    """Open an action item again, undoing a wrong "done"."""
    _require_may_mark(grant, item)
    item.done_at, item.done_by = None, None
    save_versioned(item, expected_version=item.version, fields=["done_at", "done_by"])
    _audit(grant, Action.UPDATE, "action_item", item, _("Oppgave åpnet igjen"))
    return item


@transaction.atomic
def action_items_hand_over(*, grant: PersonGrant, membership: TeamMembership) -> list[ActionItem]:
    """Give the open action items of a member who leaves the team to its coordinator, and tell them.

    Called when the end of a membership is recorded, so a task never stays with someone who can
    no longer see the person (their reminders would be refused, and nobody else would hear of it).
    A member who still coordinates the team, or serves in it another way, keeps their items. A
    team without a coordinator keeps them as they are: the coordinating unit sees them as overdue.
    """
    grant.require_write()
    grant.require_owns(membership)
    team = membership.team
    now = timezone.now()
    coordinator = next(iter(team.coordinator_assignments.active(now).select_related("coordinator")
                            .order_by("-started_at")), None)
    if coordinator is None:
        return []
    owned = Q(owner_membership=membership)
    if membership.user_id is not None:
        still_serving = coordinators_of(team.person) + [
            m.user for m in TeamMembership.objects.filter(team=team, user=membership.user_id).exclude(
                pk=membership.pk).select_related("user") if m.is_active_on(timezone.localdate())]
        if membership.user in still_serving:
            return []
        owned |= Q(owner_user=membership.user_id)
    items = ActionItem.objects.select_for_update().filter(owned, team=team, done_at__isnull=True)
    return _action_items_pass(grant, list(items), new_owner=coordinator.coordinator, key=f"membership:{membership.pk}",
                              purpose=_("Oppgaven gikk til koordinatoren fordi %(name)s sluttet i teamet") % {
                                  "name": membership.display_name})


@transaction.atomic
def action_items_follow_coordinator(
    *, grant: PersonGrant, team: Team, outgoing: User, incoming: User
) -> list[ActionItem]:
    """Give the outgoing coordinator's open action items in the team to the incoming one, and tell them.

    Called at a handover: the outgoing coordinator loses sight of the person when the overlap
    ends, and a task left with them would be reminded to no one. One who stays in the team as a
    member keeps their items.
    """
    grant.require_write()
    grant.require_owns(team)
    today = timezone.localdate()
    if any(m.is_active_on(today) for m in TeamMembership.objects.filter(team=team, user=outgoing)):
        return []
    items = ActionItem.objects.select_for_update().filter(team=team, owner_user=outgoing, done_at__isnull=True)
    return _action_items_pass(grant, list(items), new_owner=incoming, key=f"coordinator:{incoming.pk}",
                              purpose=_("Oppgaven gikk til den nye koordinatoren %(name)s") % {
                                  "name": incoming.full_name})


def _action_items_pass(grant: PersonGrant, items: list[ActionItem], *, new_owner: User, key: str,
                       purpose: str) -> list[ActionItem]:
    """Make new_owner the owner of the items, update planned agendas, tell them and log why."""
    for item in items:
        item.owner_membership, item.owner_user = None, new_owner
        item.save(update_fields=["owner_membership", "owner_user"])
        notifications_done(subject=item)
        AgendaItem.objects.filter(action_item=item, meeting__status=MeetingStatus.PLANNED).update(
            details=_("Ansvarlig: %(owner)s. Frist: %(due)s.") % {
                "owner": item.owner_label, "due": formats.date_format(item.due_on, "SHORT_DATE_FORMAT")})
        recipient = Recipient(user=new_owner)
        notify(kind=Kind.ACTION_ITEM, key=f"action-item-handed:{item.pk}:{key}", recipient=recipient,
               person=item.team.person, url=_action_item_url(item, recipient), subject=item)
        _audit(grant, Action.UPDATE, "action_item", item, purpose)
    return items


@transaction.atomic
def team_meeting_interval_set(*, grant: PersonGrant, team: Team, weeks: int | None, expected_version: int) -> Team:
    """Set how often the team meets; empty means as needed.

    A change based on an older version (another member set it since) is refused with EditConflict.
    """
    grant.require_write()
    grant.require_owns(team)
    if weeks is not None and not 1 <= weeks <= 52:
        raise ValidationError({"meeting_interval_weeks": _("Velg mellom 1 og 52 uker.")})
    team.meeting_interval_weeks = weeks
    save_versioned(team, expected_version=expected_version, fields=["meeting_interval_weeks"])
    _audit(grant, Action.UPDATE, "team", team,
           _("Møtehyppighet: hver %(weeks)s. uke") % {"weeks": weeks} if weeks else _("Møtehyppighet: ved behov"))
    return team


def _action_item_recipient(item: ActionItem) -> Recipient | None:
    """Return who owns an action item: a staff user, the person, or a next of kin."""
    if item.owner_user_id:
        return Recipient(user=item.owner_user)
    membership = item.owner_membership
    if membership is None:
        return None
    if membership.user_id:
        return Recipient(user=membership.user)
    if membership.related_person_id:
        return Recipient(related=membership.related_person)
    if membership.kind == MemberKind.PERSON:
        return Recipient(person=item.team.person)
    return None


def _action_item_recipients(item: ActionItem) -> list[Recipient]:
    """Return who answers for an action item: its owner, or for a service, who answers for it."""
    recipient = _action_item_recipient(item)
    if recipient is not None:
        return [recipient]
    service_id = item.owner_service_id or (item.owner_membership.service_id if item.owner_membership else None)
    if service_id is None:
        return []
    return [Recipient(user=user) for user in selectors.answering_for_service(team_id=item.team_id,
                                                                             service_id=service_id)]


def _action_item_url(item: ActionItem, recipient: Recipient) -> str:
    if recipient.user is not None:
        return reverse("meetings:action_items", args=[item.team.person_id])
    return reverse("portal:meetings", args=[item.team.person_id])


def action_item_remind(*, grant: PersonGrant, item: ActionItem) -> bool:
    """Remind the owner of an overdue action item once (for a service, who answers for it); return whether any was."""
    grant.require_owns(item)
    reminded = False
    for recipient in _action_item_recipients(item):
        reminded |= notify(kind=Kind.ACTION_ITEM_OVERDUE, key=f"action-item-overdue:{item.pk}", recipient=recipient,
                           person=item.team.person, url=_action_item_url(item, recipient), subject=item) is not None
    return reminded
