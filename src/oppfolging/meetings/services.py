"""Writes for meetings: schedule, agenda, sending, attendance, minutes, decisions, action items.

Each write validates, saves and logs in one transaction. Sending is the exception: each e-mail
is claimed and sent on its own (notifications.send_once), so a failure half-way can be retried
without sending anything twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant
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
)
from oppfolging.notifications.services import send_once
from oppfolging.plans.models import Goal, GoalStatus
from oppfolging.teams.models import (
    Consent,
    ConsentScope,
    MemberKind,
    Team,
    TeamMembership,
    TeamStatus,
)


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


def _service_of(user: User, team: Team) -> object:
    return next(
        (a.service for a in user.role_assignments.all()
         if a.municipality_id == team.person.municipality_id and a.service_id),
        None,
    )


def invitation_sync(*, grant: PersonGrant, meeting: Meeting) -> list[Invitation]:
    """Invite everyone who should come and is not invited yet; never invites anyone twice.

    The coordinator, the members serving on the day, the person, and next of kin whose taking
    part the person has consented to.
    """
    grant.require_write()
    grant.require_owns(meeting)
    team = meeting.team
    day = timezone.localtime(meeting.starts_at).date()
    invited_memberships = set(meeting.invitations.exclude(membership=None).values_list("membership_id", flat=True))
    invited_users = set(meeting.invitations.exclude(user=None).values_list("user_id", flat=True))
    new: list[Invitation] = []
    assignment = team.coordinator_assignments.filter(ended_at__isnull=True).select_related("coordinator").first()
    if assignment is not None and assignment.coordinator_id not in invited_users:
        coordinator = assignment.coordinator
        new.append(Invitation(meeting=meeting, kind=InviteeKind.COORDINATOR, user=coordinator,
                              service=_service_of(coordinator, team), name=coordinator.full_name))
        invited_users.add(coordinator.pk)
    consented = set(
        Consent.objects.active().filter(person=team.person_id, scope=ConsentScope.NEXT_OF_KIN)
        .values_list("related_person_id", flat=True)
    )
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
    meeting = Meeting(team=team, starts_at=starts_at, ends_at=ends_at, location=location.strip(),
                      video_link=video_link.strip(), created_by=actor)
    meeting.full_clean()
    meeting.save()
    invitation_sync(grant=grant, meeting=meeting)
    agenda_build(grant=grant, meeting=meeting)
    _audit(grant, Action.CREATE, "meeting", meeting,
           _("Møte planlagt %(when)s") % {"when": formats.localize(timezone.localtime(starts_at))})
    return meeting


@transaction.atomic
def meeting_update(
    *,
    grant: PersonGrant,
    meeting: Meeting,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    location: str = "",
    video_link: str = "",
) -> Meeting:
    """Change time or place; if the agenda already went out, it goes out again as an update."""
    grant.require_write()
    grant.require_owns(meeting)
    _require_planned(meeting)
    _validate_time_and_place(starts_at=starts_at, ends_at=ends_at, location=location, video_link=video_link)
    changed = (meeting.starts_at, meeting.ends_at, meeting.location, meeting.video_link) != (
        starts_at, ends_at, location.strip(), video_link.strip())
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.location, meeting.video_link = location.strip(), video_link.strip()
    if changed and meeting.agenda_sent_at is not None:
        meeting.sequence += 1
        meeting.agenda_sent_at = None
    meeting.full_clean()
    meeting.save(update_fields=["starts_at", "ends_at", "location", "video_link", "sequence", "agenda_sent_at"])
    _audit(grant, Action.UPDATE, "meeting", meeting)
    return meeting


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
        for invitation in selectors.recipients_of(meeting):
            email = invitation.email
            send_once(key=f"cancel:{meeting.pk}:{email.lower()}", recipient=email,
                      send=lambda invitation=invitation: _mail(meeting, invitation, cancel=True))
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
        goals = (
            Goal.objects.filter(plan__person=meeting.team.person_id, plan__status="active",
                                status=GoalStatus.ACTIVE, next_evaluation_on__lte=day)
            .exclude(agenda_items__meeting=meeting)
            .order_by("next_evaluation_on", "position", "pk")
        )
        for goal in goals:
            AgendaItem.objects.get_or_create(
                meeting=meeting, goal=goal,
                defaults={"source": AgendaSource.GOAL, "title": (_("Evaluere målet: %(goal)s") % {"goal": goal.text})[:300],
                          "position": _next_position(meeting)},
            )
        items = (
            ActionItem.objects.filter(team=meeting.team, done_at__isnull=True)
            .exclude(meeting=meeting).exclude(agenda_items__meeting=meeting)
            .select_related("owner_membership__user", "owner_membership__related_person", "owner_user")
        )
        for item in items:
            AgendaItem.objects.get_or_create(
                meeting=meeting, action_item=item,
                defaults={"source": AgendaSource.ACTION_ITEM,
                          "title": (_("Oppgave: %(text)s") % {"text": item.description})[:300],
                          "details": _("Ansvarlig: %(owner)s. Frist: %(due)s.") % {
                              "owner": item.owner_label, "due": formats.localize(item.due_on)},
                          "position": _next_position(meeting)},
            )
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
    _audit(grant, Action.CREATE, "agenda_item", item,
           _("Sak meldt inn til møtet: %(title)s") % {"title": item.title[:200]})
    return item


@transaction.atomic
def agenda_item_update(*, grant: PersonGrant, item: AgendaItem, title: str, details: str = "") -> AgendaItem:
    """Change an agenda item's wording."""
    grant.require_write()
    grant.require_owns(item)
    if not title.strip():
        raise ValidationError({"title": _("Skriv hva saken gjelder.")})
    item.title, item.details = title.strip(), details.strip()
    item.full_clean()
    item.save(update_fields=["title", "details"])
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


def _mail(meeting: Meeting, invitation: Invitation, *, cancel: bool = False) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        when = formats.date_format(timezone.localtime(meeting.starts_at), "j. F Y \\k\\l. H.i")
        text = selectors.agenda_text(meeting)
        if cancel:
            subject = _("Avlyst: møte i oppfølgingsteamet %(when)s") % {"when": when}
            summary = _("Avlyst: møte i oppfølgingsteamet")
        else:
            subject = _("Innkalling og dagsorden: møte i oppfølgingsteamet %(when)s") % {"when": when}
            summary = _("Møte i oppfølgingsteamet")
        body = render_to_string("meetings/email/agenda.txt", {
            "meeting": meeting, "invitation": invitation, "when": when, "agenda": text, "cancel": cancel,
            "site_url": getattr(settings, "SITE_URL", ""),
        })
        calendar = meeting_calendar(meeting, summary=summary, description=text or summary,
                                    attendee=invitation.email, method="CANCEL" if cancel else "REQUEST")
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    message.attach("mote.ics", calendar, "text/calendar")
    message.send()


def agenda_send(*, grant: PersonGrant, meeting: Meeting) -> int:
    """Build the agenda and send it with a calendar invitation to every invitee with an address.

    Returns how many e-mails went out now. Safe to run again: each recipient gets one e-mail per
    version of the meeting (a change of time or place is a new version).
    """
    grant.require_write()
    grant.require_owns(meeting)
    _require_planned(meeting)
    invitation_sync(grant=grant, meeting=meeting)
    agenda_build(grant=grant, meeting=meeting)
    sent = 0
    recipients = selectors.recipients_of(meeting)
    for invitation in recipients:
        email = invitation.email
        key = f"agenda:{meeting.pk}:{meeting.sequence}:{email.lower()}"
        if send_once(key=key, recipient=email, send=lambda invitation=invitation: _mail(meeting, invitation)):
            sent += 1
    with transaction.atomic():
        if meeting.agenda_sent_at is None:
            meeting.agenda_sent_at = timezone.now()
            Meeting.objects.filter(pk=meeting.pk).update(agenda_sent_at=meeting.agenda_sent_at)
        purpose = _("Dagsorden sendt til %(count)s av %(total)s innkalte") % {
            "count": len(recipients), "total": meeting.invitations.count()}
        if grant.user is not None or sent:
            _audit(grant, Action.UPDATE, "meeting_agenda", meeting, purpose)
    return sent


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
def decision_delete(*, grant: PersonGrant, decision: MeetingDecision) -> None:
    """Remove a decision recorded by mistake; the log keeps that it was there."""
    grant.require_write()
    grant.require_owns(decision)
    _audit(grant, Action.DELETE, "meeting_decision", decision, decision.text[:200])
    decision.delete()


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
) -> ActionItem:
    """Record an action item with an owner in the team and a deadline."""
    grant.require_write()
    grant.require_owns(team, meeting, owner_membership)
    actor = grant.require_user()
    if meeting is not None and meeting.team_id != team.pk:
        raise PermissionDenied("The meeting belongs to another team.")
    if owner_membership is None and owner_user is None:
        raise ValidationError({"owner_membership": _("Velg hvem som er ansvarlig.")})
    if owner_membership is not None and owner_membership.team_id != team.pk:
        raise ValidationError({"owner_membership": _("Den ansvarlige må være med i teamet.")})
    if not description.strip():
        raise ValidationError({"description": _("Skriv hva som skal gjøres.")})
    item = ActionItem(team=team, meeting=meeting, description=description.strip(), due_on=due_on,
                      owner_membership=owner_membership, owner_user=owner_user, created_by=actor)
    item.full_clean()
    item.save()
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
def team_meeting_interval_set(*, grant: PersonGrant, team: Team, weeks: int | None) -> Team:
    """Set how often the team meets; empty means as needed."""
    grant.require_write()
    grant.require_owns(team)
    if weeks is not None and not 1 <= weeks <= 52:
        raise ValidationError({"meeting_interval_weeks": _("Velg mellom 1 og 52 uker.")})
    team.meeting_interval_weeks = weeks
    team.save(update_fields=["meeting_interval_weeks"])
    _audit(grant, Action.UPDATE, "team", team,
           _("Møtehyppighet: hver %(weeks)s. uke") % {"weeks": weeks} if weeks else _("Møtehyppighet: ved behov"))
    return team


def action_item_remind(*, grant: PersonGrant, item: ActionItem) -> bool:
    """Remind the owner of an overdue action item by e-mail, once; return whether it was sent."""
    grant.require_owns(item)
    email = item.owner_email
    if not email:
        return False

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Påminnelse: oppgave fra møte i oppfølgingsteamet har passert fristen")
            body = render_to_string("meetings/email/action_item_reminder.txt", {
                "item": item, "due": formats.localize(item.due_on),
                "site_url": getattr(settings, "SITE_URL", ""),
            })
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email]).send()

    return send_once(key=f"action_item:{item.pk}:{email.lower()}", recipient=email, send=send)
