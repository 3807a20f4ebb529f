"""Demo meeting history: held meetings with no-shows, minutes, decisions and action items,
an upcoming meeting whose agenda has gone out and one whose agenda has not."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from oppfolging.access.grants import PersonGrant
from oppfolging.accounts.models import Municipality, User
from oppfolging.meetings.models import (
    ActionItem,
    AddedByKind,
    AgendaItem,
    Attendance,
    InviteeKind,
    Meeting,
    MeetingDecision,
    MeetingStatus,
)
from oppfolging.meetings.services import agenda_build, invitation_sync
from oppfolging.teams.models import MemberKind, Team, TeamMembership, TeamStatus

MINUTES = [
    "{name} fortalte at hverdagen går bedre med faste besøk om morgenen. Fastlegen har justert "
    "medisinene. Teamet gikk gjennom målene og ble enige om neste steg.",
    "Vi snakket om hva som er viktig for {name} framover: å klare mer selv hjemme og komme ut "
    "blant folk. Pårørende opplever at det er lettere å vite hvem de skal ringe.",
    "Gjennomgang av oppgavene fra forrige møte. Det som ikke er gjort, står på neste dagsorden.",
]
DECISIONS = [
    "Hjemmesykepleien øker til to besøk om dagen i fire uker, så vurderer vi igjen.",
    "Vi søker om brukerstyrt personlig assistanse.",
    "Neste møte holdes hjemme hos {name}, på formiddagen.",
]
ACTIONS = [
    "Sende søknad om trygghetsalarm",
    "Avtale time hos fysioterapeut for gangtrening",
    "Undersøke tilbud om dagaktivitet to dager i uka",
    "Ringe NAV om arbeidsavklaringspenger",
    "Sjekke om det finnes ledig plass i treningsgruppa",
]
PERSON_ITEMS = ["Jeg vil snakke om transport til dagsenteret.", "Jeg sover dårlig og vil ta opp medisinene."]
KIN_ITEMS = ["Hvem kan vi ringe i helgene?"]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _organiser(team: Team) -> User:
    assignment = team.current_coordinator_assignment
    return assignment.coordinator if assignment else team.created_by


def _owners(team: Team) -> list[TeamMembership]:
    return [m for m in team.memberships.all() if m.kind == MemberKind.PROFESSIONAL and m.left_on is None]


def _held(team: Team, index: int, day: dt.date, *, no_show: bool) -> Meeting:
    organiser = _organiser(team)
    name = team.person.given_name
    meeting = Meeting.objects.create(
        team=team, starts_at=_at(day), ends_at=_at(day, 11), location="Helsehuset, møterom 2",
        created_by=organiser, created_at=_at(day - dt.timedelta(days=14)), status=MeetingStatus.HELD,
        agenda_sent_at=_at(day - dt.timedelta(days=7), 7), minutes=MINUTES[index % len(MINUTES)].format(name=name),
    )
    invitation_sync(grant=PersonGrant.system(team.person), meeting=meeting)
    professionals = list(meeting.invitations.filter(kind=InviteeKind.PROFESSIONAL))
    for invitation in meeting.invitations.all():
        if no_show and professionals and invitation.pk == professionals[-1].pk:
            invitation.attendance = Attendance.ABSENT_WITHOUT_NOTICE
        elif invitation.kind == InviteeKind.NEXT_OF_KIN and index % 2:
            invitation.attendance = Attendance.ABSENT_WITH_NOTICE
        else:
            invitation.attendance = Attendance.PRESENT
        invitation.save(update_fields=["attendance"])
    AgendaItem.objects.create(meeting=meeting, position=0, title="Hvordan har det gått siden sist?",
                              added_by_kind=AddedByKind.PROFESSIONAL, added_by_user=organiser)
    AgendaItem.objects.create(meeting=meeting, position=1, title=PERSON_ITEMS[index % len(PERSON_ITEMS)],
                              added_by_kind=AddedByKind.PERSON)
    MeetingDecision.objects.create(meeting=meeting, text=DECISIONS[index % len(DECISIONS)].format(name=name),
                                   recorded_by=organiser, created_at=_at(day, 11))
    return meeting


def _action(team: Team, meeting: Meeting, text: str, *, due: dt.date, done_on: dt.date | None,
            owner_index: int) -> None:
    owners = _owners(team)
    organiser = _organiser(team)
    membership = owners[owner_index % len(owners)] if owners else None
    ActionItem.objects.create(
        team=team, meeting=meeting, description=text, due_on=due,
        owner_membership=membership, owner_user=None if membership else organiser,
        done_at=_at(done_on, 14) if done_on else None, done_by=organiser if done_on else None,
        created_by=organiser, created_at=meeting.starts_at,
    )


def create_demo_meetings(*, municipality: Municipality, today: dt.date) -> None:
    """Give the municipality's active teams a believable meeting history, once per team."""
    teams = (
        Team.objects.filter(person__municipality=municipality, status=TeamStatus.ACTIVE)
        .select_related("person", "created_by").prefetch_related("memberships", "coordinator_assignments")
        .order_by("pk")
    )
    for index, team in enumerate(teams):
        if team.meetings.exists():
            continue
        created = timezone.localtime(team.created_at).date()
        if index % 5 == 4:
            # An idle team: one meeting long ago, nothing since, so the unit sees it flagged.
            day = max(created + dt.timedelta(days=7), today - dt.timedelta(days=150))
            if day < today - dt.timedelta(days=7):
                _held(team, index, day, no_show=True)
            continue
        if team.meeting_interval_weeks is None and index % 3 != 2:
            Team.objects.filter(pk=team.pk).update(meeting_interval_weeks=4 if index % 2 else 6)
        first_day, second_day = today - dt.timedelta(days=56), today - dt.timedelta(days=21)
        first = _held(team, index, first_day, no_show=index % 3 == 0) if first_day > created else None
        second = _held(team, index + 1, second_day, no_show=index % 4 == 1) if second_day > created else None
        if first is not None:
            _action(team, first, ACTIONS[index % len(ACTIONS)], due=first_day + dt.timedelta(days=14),
                    done_on=first_day + dt.timedelta(days=10), owner_index=0)
            _action(team, first, ACTIONS[(index + 1) % len(ACTIONS)], due=first_day + dt.timedelta(days=21),
                    done_on=None, owner_index=1)  # overdue
        if second is not None:
            _action(team, second, ACTIONS[(index + 2) % len(ACTIONS)], due=today + dt.timedelta(days=10),
                    done_on=None, owner_index=index)
        organiser = _organiser(team)
        upcoming = Meeting.objects.create(
            team=team, starts_at=_at(today + dt.timedelta(days=5), 13), ends_at=_at(today + dt.timedelta(days=5), 14),
            location="Hjemme hos " + team.person.given_name if index % 2 else "",
            video_link="" if index % 2 else "https://video.demo.oppfolging.invalid/team-" + str(team.pk),
            created_by=organiser, created_at=_at(today - dt.timedelta(days=10)),
        )
        invitation_sync(grant=PersonGrant.system(team.person), meeting=upcoming)
        AgendaItem.objects.create(meeting=upcoming, title=PERSON_ITEMS[(index + 1) % len(PERSON_ITEMS)],
                                  added_by_kind=AddedByKind.PERSON, position=0)
        if team.memberships.filter(kind=MemberKind.NEXT_OF_KIN).exists():
            AgendaItem.objects.create(meeting=upcoming, title=KIN_ITEMS[0],
                                      added_by_kind=AddedByKind.NEXT_OF_KIN, position=1)
        agenda_build(grant=PersonGrant.system(team.person), meeting=upcoming)
        Meeting.objects.filter(pk=upcoming.pk).update(agenda_sent_at=_at(today - dt.timedelta(days=2), 7))
        if index % 2 == 0:
            later = Meeting.objects.create(
                team=team, starts_at=_at(today + dt.timedelta(days=33)), ends_at=_at(today + dt.timedelta(days=33), 11),
                location="Helsehuset, møterom 1", created_by=organiser, created_at=_at(today - dt.timedelta(days=1)),
            )
            invitation_sync(grant=PersonGrant.system(team.person), meeting=later)
