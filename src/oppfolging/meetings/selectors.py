"""Reads for meetings: agendas, invitees, action items, and the figures the unit follows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.accounts.models import Municipality, User
from oppfolging.catalogue.models import Service
from oppfolging.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Invitation,
    InviteeKind,
    Meeting,
    MeetingStatus,
)
from oppfolging.notifications.models import Delivery, Kind
from oppfolging.people.models import Person
from oppfolging.teams.models import CoordinatorAssignment, Team, TeamStatus

# Everything ActionItem.owner_label reads (a member's user, next of kin, service or the team's person,
# an owning user or service), so a list of action items costs one query however they are owned.
ACTION_ITEM_OWNER = (
    "owner_membership__user", "owner_membership__related_person", "owner_membership__service",
    "owner_membership__team__person", "owner_user", "owner_service",
)


def answering_for_service(*, team_id: int, service_id: int, today: dt.date | None = None) -> list[User]:
    """Return who answers for a task a service owns: its members in the team, else the coordinator.

    Members count only while their membership gives access to the person (dates and consent), so
    a task given to a service is never told to no one, nor to someone who may not see the person.
    """
    members = [m.user for m in policy.memberships_giving_access(today).filter(
        team=team_id, service=service_id, user__isnull=False).select_related("user").order_by("pk")]
    if not members:
        members = [a.coordinator for a in CoordinatorAssignment.objects.active().filter(
            team=team_id).select_related("coordinator").order_by("pk")]
    return [user for user in members if user is not None]


def meetings_of(*, person: Person) -> QuerySet[Meeting]:
    """Return all meetings of the person's teams, newest first."""
    return Meeting.objects.filter(team__person=person).select_related("team")


def agenda_of(meeting: Meeting) -> list[AgendaItem]:
    """Return the agenda in the coordinator's order, with what each item points to."""
    return list(
        meeting.agenda_items.select_related("goal", "action_item", "added_by_user",
                                            "action_item__owner_membership", "action_item__owner_user")
    )


def invitations_of(meeting: Meeting) -> list[Invitation]:
    """Return who is invited, with what is needed to show and reach them."""
    return list(
        meeting.invitations.filter(withdrawn_at__isnull=True).select_related(
            "user", "service", "membership__user", "membership__related_person", "meeting__team__person"
        )
    )


def recipients_of(meeting: Meeting, invitations: list[Invitation] | None = None) -> list[Invitation]:
    """Return the invitees the agenda goes to now: those still in the team, with or without an
    address (whoever has none is named as not reached, with a letter or an address to add).

    Next of kin get it only while the policy lets them take part (consent, guardianship, or a
    child's parent who is not excluded). A caller that has `invitations_of(meeting)` already
    passes it, so the invitations are not read twice.
    """
    day = timezone.localtime(meeting.starts_at).date()
    consented = set(policy.related_person_bases(meeting.team.person))
    result = []
    for invitation in invitations_of(meeting) if invitations is None else invitations:
        membership = invitation.membership
        if membership is not None and not membership.is_active_on(day):
            continue
        if invitation.kind == InviteeKind.NEXT_OF_KIN and (
            membership is None or membership.related_person_id not in consented
        ):
            continue
        result.append(invitation)
    return result


def open_action_items() -> QuerySet[ActionItem]:
    """Return every open action item of an active team, with its owner."""
    return ActionItem.objects.filter(done_at__isnull=True, team__status=TeamStatus.ACTIVE).select_related(
        "team__person", "meeting", *ACTION_ITEM_OWNER
    )


def action_items_of(*, team: Team) -> QuerySet[ActionItem]:
    """Return the team's action items: open ones first by deadline, then the done ones."""
    return (
        ActionItem.objects.filter(team=team)
        .select_related("meeting", "done_by", *ACTION_ITEM_OWNER)
        .order_by("done_at", "due_on", "pk")
    )


def open_action_items_for(*, user: User) -> QuerySet[ActionItem]:
    """Return the open action items the user owns, directly or through a team membership."""
    return open_action_items().filter(Q(owner_user=user) | Q(owner_membership__user=user)).order_by("due_on", "pk")


def overdue_action_items(*, municipality: Municipality, today: dt.date | None = None) -> QuerySet[ActionItem]:
    """Return the municipality's open action items past their deadline, oldest first."""
    today = today or timezone.localdate()
    return open_action_items().filter(team__person__municipality=municipality, due_on__lt=today).order_by("due_on", "pk")


def teams_without_recent_meeting(*, municipality: Municipality, days: int) -> QuerySet[Team]:
    """Return the active teams that have not met in the last `days` days.

    A meeting counts when it was not cancelled and its time has come; one planned for next
    week does not make an idle team look busy.
    """
    now = timezone.now()
    recent = Meeting.objects.filter(
        team=OuterRef("pk"), starts_at__gte=now - dt.timedelta(days=days), starts_at__lte=now
    ).exclude(status=MeetingStatus.CANCELLED)
    return (
        Team.objects.filter(person__municipality=municipality, status=TeamStatus.ACTIVE)
        .exclude(Exists(recent))
        .select_related("person")
        .order_by("person__family_name", "person__given_name")
    )


@dataclass(frozen=True)
class NoShowRow:
    """Attendance at held meetings for one service, and its share of no-shows."""

    service: Service
    invited: int
    present: int
    absent_with_notice: int
    absent_without_notice: int

    @property
    def recorded(self) -> int:
        return self.present + self.absent_with_notice + self.absent_without_notice

    @property
    def rate(self) -> float | None:
        """Return the share of recorded invitations where the member did not come nor call."""
        return self.absent_without_notice / self.recorded if self.recorded else None


def no_show_rates_by_service(*, municipality: Municipality, since: dt.date | dt.datetime) -> list[NoShowRow]:
    """Return attendance per service at meetings held since the date, most no-shows first.

    Counts professional invitations only, by the service the member came from at the time.
    """
    return no_show_rows(no_show_counts_by_service(municipality=municipality, since=since))


def no_show_counts_by_service(*, municipality: Municipality, since: dt.date | dt.datetime) -> list[dict[str, Any]]:
    """Return the counts behind `no_show_rates_by_service`, one dict per service (plain data, to store)."""
    if isinstance(since, dt.datetime):
        start = since
    else:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    return [
        dict(row) for row in Invitation.objects.filter(
            meeting__team__person__municipality=municipality, meeting__status=MeetingStatus.HELD,
            meeting__starts_at__gte=start, service__isnull=False,
        )
        .values("service")
        .annotate(
            invited=Count("pk"),
            present=Count("pk", filter=Q(attendance=Attendance.PRESENT)),
            with_notice=Count("pk", filter=Q(attendance=Attendance.ABSENT_WITH_NOTICE)),
            without_notice=Count("pk", filter=Q(attendance=Attendance.ABSENT_WITHOUT_NOTICE)),
        )
        .order_by()
    ]


def no_show_rows(counts: Sequence[dict[str, Any]]) -> list[NoShowRow]:
    """Return the rows of `no_show_counts_by_service` with their services, most no-shows first.

    A service deleted since the counts were taken is left out.
    """
    services = Service.objects.in_bulk([row["service"] for row in counts])
    result = [
        NoShowRow(services[row["service"]], row["invited"], row["present"], row["with_notice"],
                  row["without_notice"])
        for row in counts
        if row["service"] in services
    ]
    return sorted(result, key=lambda r: (-(r.rate or 0), r.service.name))


def due_for_agenda(*, now: dt.datetime, days_before: int) -> QuerySet[Meeting]:
    """Return planned meetings whose agenda is due to go out and has not gone yet."""
    return Meeting.objects.filter(
        status=MeetingStatus.PLANNED, agenda_sent_at__isnull=True, starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=days_before), team__status=TeamStatus.ACTIVE,
    ).select_related("team__person").order_by("starts_at")


def invitation_deliveries(meeting: Meeting) -> dict[str, dict[str, str]]:
    """Return, per recipient key ("u5", "p3", "r2"), how the latest invitation or update reached them.

    Each channel maps to the status of its delivery, so the coordinator sees an e-mail that never
    got through, not only that one was planned. One query whatever the number of invitees.
    """
    rows = Delivery.objects.filter(
        notification__subject_type="meetings.meeting", notification__subject_id=meeting.pk,
        notification__kind__in=(Kind.MEETING_INVITATION, Kind.MEETING_UPDATED),
    ).order_by("notification_id", "pk").values_list(
        "notification__recipient_user_id", "notification__recipient_person_id",
        "notification__recipient_related_id", "notification_id", "channel", "status")
    latest: dict[str, tuple[int, dict[str, str]]] = {}
    for user_id, person_id, related_id, notification_id, channel, status in rows:
        key = f"u{user_id}" if user_id else f"p{person_id}" if person_id else f"r{related_id}"
        seen = latest.get(key)
        if seen is None or seen[0] != notification_id:
            seen = (notification_id, {})
            latest[key] = seen
        seen[1][channel] = status
    return {key: channels for key, (_id, channels) in latest.items()}
