"""A page's query count never grows with the data (no N+1), on every page that lists or shows a person.

Each page is fetched once with a small world, then again after the world has grown (more
persons, goals, measures, meetings, members, messages, log entries); the number of queries must
be the same. The small count is pinned too, so a new query is added on purpose, not by accident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oppfolging.access import policy
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.assessments.models import Assessment, Decision, PsfsActivity
from oppfolging.audit.models import AuditEvent
from oppfolging.gp.models import RiskEntry, RiskList
from oppfolging.meetings import services as meeting_services
from oppfolging.meetings.models import (
    ActionItem,
    AgendaItem,
    Invitation,
    Meeting,
    MeetingDecision,
    MinutesRevision,
)
from oppfolging.notifications.models import Notification
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.plans.models import Goal, GoalEvaluation, IndividualPlan, Measure
from oppfolging.portal.models import GoalProposal, Message
from oppfolging.teams.models import (
    Consent,
    CoordinatorAssignment,
    CoordinatorProfile,
    Team,
    TeamMembership,
)

from .conftest import Cast, make_person, make_user


@dataclass
class World:
    cast: Cast
    coordinator: User
    person_user: User
    kin_user: User
    team: Team
    plan: IndividualPlan
    meeting: Meeting
    risk_list: RiskList
    extra: int = 0


def _follow_up(cast: Cast, person: Person, coordinator: User, *, index: int) -> tuple[Team, IndividualPlan, Meeting]:
    """Give a person a team with members, consent, a plan with goals and measures, a meeting."""
    today = timezone.localdate()
    Decision.objects.create(person=person, outcome="team_with_plan", reason="Mange tjenester.", decided_by=cast.cu)
    team = Team.objects.create(person=person, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=coordinator, appointed_by=cast.cu)
    Consent.objects.create(person=person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=person, scope="share_with_service", service=cast.service, given_by="person",
                           method="paper")
    member = TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service,
                                           role_in_team="Ergoterapeut", added_by=cast.cu)
    TeamMembership.objects.create(team=team, kind="person", added_by=cast.cu)
    plan = IndividualPlan.objects.create(person=person, team=team, created_by=cast.cu, what_matters="Bo hjemme")
    meeting = Meeting.objects.create(team=team, starts_at=timezone.now() + dt.timedelta(days=3 + index),
                                     location="Rådhuset", created_by=cast.cu)
    _grow_plan(cast, plan, team, meeting, member, index=index)
    assessment = Assessment.objects.create(person=person, created_by=cast.cu, status="completed")
    PsfsActivity.objects.create(assessment=assessment, position=1, activity=f"Gå tur {index}", score=3)
    Message.objects.create(person=person, sender_user=coordinator, sender_kind="professional", body="Hei")
    GoalProposal.objects.create(person=person, text=f"Forslag {index}", proposed_by_kind="person")
    Notification.objects.create(key=f"q-{person.pk}-{index}", kind="message", recipient_user=coordinator,
                                person=person, municipality=person.municipality)
    AuditEvent.objects.create(actor=cast.cu, actor_name="Kari", action="read", resource="person",
                              person=person, municipality=person.municipality)
    del today
    return team, plan, meeting


def _grow_plan(cast: Cast, plan: IndividualPlan, team: Team, meeting: Meeting, member: TeamMembership,
               *, index: int) -> None:
    today = timezone.localdate()
    for n in range(2):
        goal = Goal.objects.create(plan=plan, text=f"Mål {index}-{n}", author_kind="person",
                                   next_evaluation_on=today + dt.timedelta(days=n))
        Goal.objects.create(plan=plan, parent=goal, text=f"Delmål {index}-{n}", author_kind="professional",
                            next_evaluation_on=today + dt.timedelta(days=30))
        Measure.objects.create(goal=goal, description=f"Tiltak {index}-{n}", responsible_membership=member)
        Measure.objects.create(goal=goal, description=f"Tiltak {index}-{n}b", responsible_service=cast.service)
    AgendaItem.objects.create(meeting=meeting, title=f"Sak {index}", position=index)
    MeetingDecision.objects.create(meeting=meeting, text=f"Beslutning {index}", recorded_by=cast.cu)
    ActionItem.objects.create(team=team, meeting=meeting, description=f"Oppgave {index}", owner_membership=member,
                              due_on=today - dt.timedelta(days=1), created_by=cast.cu)


@pytest.fixture
def world(cast: Cast) -> World:
    coordinator = make_user("koordinator", "Kai", "Koordinator")
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, municipality=cast.municipality)
    CoordinatorProfile.objects.create(user=coordinator, municipality=cast.municipality)
    person_user = make_user("petra", "Petra", "Person")
    cast.person.user = person_user
    cast.person.save()
    kin_user = make_user("nils", "Nils", "Person")
    cast.next_of_kin.user = kin_user
    cast.next_of_kin.save()
    team, plan, meeting = _follow_up(cast, cast.person, coordinator, index=0)
    Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=cast.next_of_kin,
                           given_by="person", method="verbal")
    TeamMembership.objects.create(team=team, kind="next_of_kin", related_person=cast.next_of_kin, added_by=cast.cu)
    risk_list = RiskList.objects.create(gp=cast.gp, municipality=cast.municipality, status="done", patient_count=1)
    RiskEntry.objects.create(risk_list=risk_list, patient_id="p0", national_id=cast.person.identity_number,
                             risk=0.5, rank=1, new_priority=1, reasons="Hjertesvikt")
    return World(cast, coordinator, person_user, kin_user, team, plan, meeting, risk_list)


def grow(world: World, times: int = 3) -> None:
    """Add more of everything: persons followed up, and more on the first person's plan and meeting."""
    cast = world.cast
    member = TeamMembership.objects.filter(team=world.team, user=cast.colleague).get()
    for _ in range(times):
        world.extra += 1
        index = world.extra
        _grow_plan(cast, world.plan, world.team, world.meeting, member, index=100 + index)
        person = make_person(cast.municipality, given=f"Per{index}", family="Vekst",
                             birth=dt.date(1950, 1, 1) + dt.timedelta(days=index), individual=400 + index, gp=cast.gp)
        _follow_up(cast, person, world.coordinator, index=index)
        related = RelatedPerson.objects.create(person=cast.person, given_name=f"Slekt{index}", family_name="Vekst",
                                               relationship="sibling")
        Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=related,
                               given_by="person", method="verbal")
        RiskEntry.objects.create(risk_list=world.risk_list, patient_id=f"p{index}", risk=0.1, rank=1 + index,
                                 new_priority=1 + index, reasons="Diabetes")
        related.user = make_user(f"slekt{index}", f"Slekt{index}", "Vekst")
        related.save()
        helper = make_user(f"hjelper{index}", f"Hjelper{index}", "Vekst")
        RoleAssignment.objects.create(user=helper, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                      service=cast.service)
        TeamMembership.objects.create(team=world.team, user=helper, service=cast.service, added_by=cast.cu)
        Message.objects.create(person=cast.person, sender_user=world.person_user, sender_kind="person", body="Hallo")
        AuditEvent.objects.create(actor=world.coordinator, actor_name="Kai", action="read", resource="plan",
                                  person=cast.person, municipality=cast.municipality)


def count(client: Client, url: str) -> int:
    """Count the page's queries; PostgreSQL's lock on the audit chain is not a query for data."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return sum(1 for q in queries.captured_queries if "pg_advisory_xact_lock" not in q["sql"])


# (page, queries with the small world, who asks, url)
PAGES: list[tuple[str, int, str, Any]] = [
    ("start, coordinating unit", 22, "cu", lambda w: reverse("home:start")),
    ("start, coordinator", 15, "coordinator", lambda w: reverse("home:start")),
    ("start, team member", 11, "colleague", lambda w: reverse("home:start")),
    ("start, GP", 11, "gp", lambda w: reverse("home:start")),
    ("start, leader", 8, "leader", lambda w: reverse("home:start")),
    ("inbox", 7, "coordinator", lambda w: reverse("notifications:inbox")),
    ("person list", 7, "cu", lambda w: reverse("people:list")),
    ("person", 9, "cu", lambda w: reverse("people:detail", args=[w.cast.person.pk])),
    ("team", 28, "cu", lambda w: reverse("teams:person_team", args=[w.cast.person.pk])),
    ("plan", 38, "coordinator", lambda w: reverse("plans:detail", args=[w.cast.person.pk])),
    ("meetings", 11, "coordinator", lambda w: reverse("meetings:list", args=[w.cast.person.pk])),
    ("meeting", 25, "coordinator", lambda w: reverse("meetings:detail", args=[w.cast.person.pk, w.meeting.pk])),
    ("action items", 12, "colleague", lambda w: reverse("meetings:action_items", args=[w.cast.person.pk])),
    ("GP list", 17, "gp", lambda w: reverse("gp:detail", args=[w.risk_list.pk])),
    ("Min plan, the person", 18, "person_user", lambda w: reverse("portal:plan", args=[w.cast.person.pk])),
    ("Min plan, next of kin", 20, "kin_user", lambda w: reverse("portal:plan", args=[w.cast.person.pk])),
    ("Min plan, meetings", 14, "kin_user", lambda w: reverse("portal:meetings", args=[w.cast.person.pk])),
    ("Min plan, consent", 18, "person_user", lambda w: reverse("portal:consent", args=[w.cast.person.pk])),
    ("Min plan, who has looked", 9, "person_user", lambda w: reverse("portal:access_log", args=[w.cast.person.pk])),
    ("audit search", 8, "cu", lambda w: reverse("audit:search") + f"?person={w.cast.person.pk}"),
    ("indicators", 18, "leader", lambda w: reverse("indicators:dashboard", args=[w.cast.municipality.number])),
    # The pages of the large-municipality benchmark (bench/scale.py, docs/performance.md).
    ("followed-up overview", 10, "cu", lambda w: reverse("teams:overview")),
    ("new report form", 4, "cu", lambda w: reverse("referrals:create")),
    ("new report, person search", 7, "cu", lambda w: reverse("referrals:person_search") + "?person_q=Vekst"),
    ("report queue", 7, "cu", lambda w: reverse("referrals:queue")),
    ("audit search by person", 9, "cu",
     lambda w: reverse("audit:search") + f"?person={w.cast.person.identity_number}"),
    ("audit search by user", 9, "cu", lambda w: reverse("audit:search") + f"?user={w.coordinator.pk}"),
    ("audit search by period", 8, "cu", lambda w: reverse("audit:search") + "?date_from=2020-01-01"),
    ("evaluator comparison", 44, "evaluator", lambda w: reverse("indicators:comparison")),
    ("plan PDF", 27, "coordinator", lambda w: reverse("plans:pdf", args=[w.cast.person.pk])),
]


def _user(world: World, who: str) -> User:
    return getattr(world, who, None) or getattr(world.cast, who)


@pytest.mark.parametrize(("page", "expected", "who", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_it_answers_with_as_many_queries_at_a_larger_size(world: World, page: str, expected: int, who: str,
                                                          url: Any) -> None:
    client = Client()
    client.force_login(_user(world, who))
    target = url(world)
    count(client, target)  # warm caches that are per process, not per request (translations, content types)
    small = count(client, target)
    grow(world)
    count(client, target)  # the meeting page brings its agenda up to date once, in one insert
    large = count(client, target)
    assert large == small, f"{page}: {small} queries with the small world, {large} with the larger"
    assert small == expected, f"{page}: {small} queries, pinned at {expected}: update the pin if the new query is meant"


# The pages the large-municipality benchmark found slow or growing (bench/scale.py).
AT_FIVE_TIMES = ["plan", "meeting", "Min plan, next of kin", "Min plan, who has looked", "followed-up overview",
                 "new report form", "audit search by person", "audit search by user", "audit search by period",
                 "indicators", "evaluator comparison", "plan PDF", "start, coordinator", "inbox"]


@pytest.mark.parametrize(("page", "who", "url"), [(p[0], p[2], p[3]) for p in PAGES if p[0] in AT_FIVE_TIMES],
                         ids=[p[0] for p in PAGES if p[0] in AT_FIVE_TIMES])
def test_it_answers_with_as_many_queries_at_five_times_the_data(world: World, page: str, who: str,
                                                                url: Any) -> None:
    """1× and 5× the persons followed up, goals, meetings, messages and log entries: the same count."""
    client = Client()
    client.force_login(_user(world, who))
    target = url(world)
    count(client, target)
    once = count(client, target)
    grow(world, times=4)
    for _ in range(20):  # the access log grows faster than anything else
        AuditEvent.objects.create(actor=world.coordinator, actor_name="Kai", action="read", resource="plan",
                                  person=world.cast.person, municipality=world.cast.municipality)
    count(client, target)
    five = count(client, target)
    assert five == once, f"{page}: {once} queries at 1×, {five} at 5×"


def _busy_meeting(cast: Cast, coordinator: User, person: Person, *, n: int) -> Meeting:
    """Give the person a team and a meeting today with `n` of every kind of thing the meeting page shows.

    Members of every kind (staff, a service without a named user, the person, next of kin with and
    without an address), goals and sub-goals due (one evaluated at the meeting), the last meeting's open
    action items, items added by staff and by the person, this meeting's action items under every kind
    of owner (open and done), answers and attendance, decisions (one withdrawn), earlier minutes; the
    agenda has been sent, so the page also shows how each invitee was reached.
    """
    today = timezone.localdate()
    Decision.objects.create(person=person, outcome="team_with_plan", reason="Mange tjenester.", decided_by=cast.cu)
    team = Team.objects.create(person=person, created_by=cast.cu)
    CoordinatorAssignment.objects.create(team=team, coordinator=coordinator, appointed_by=cast.cu,
                                         started_at=timezone.now() - dt.timedelta(days=60))
    Consent.objects.create(person=person, scope="team_and_plan", given_by="person", method="paper")
    Consent.objects.create(person=person, scope="share_with_service", service=cast.service, given_by="person",
                           method="paper")
    person_member = TeamMembership.objects.create(team=team, kind="person", added_by=cast.cu)
    service_member = TeamMembership.objects.create(team=team, service=cast.service, role_in_team="Vakt",
                                                   added_by=cast.cu)
    # The colleague serves every person built here, to look at both meetings as a member who only reads.
    TeamMembership.objects.create(team=team, user=cast.colleague, service=cast.service, role_in_team="Ergoterapeut",
                                  added_by=cast.cu)
    staff, kin = [], []
    for i in range(n):
        user = make_user(f"m{person.pk}-{i}", f"Hjelper{i}", f"Nr{person.pk}")
        user.email = f"h{person.pk}-{i}@example.invalid"
        user.save()
        RoleAssignment.objects.create(user=user, role=Role.TEAM_MEMBER, municipality=cast.municipality,
                                      service=cast.service)
        staff.append(TeamMembership.objects.create(team=team, user=user, service=cast.service,
                                                   role_in_team="Sykepleier", added_by=cast.cu))
        # Next of kin: one with an e-mail address, one with a postal address (a letter), one with neither.
        related = RelatedPerson.objects.create(
            person=person, given_name=f"Slekt{i}", family_name=f"Nr{person.pk}", relationship="sibling",
            email=f"s{person.pk}-{i}@example.invalid" if i % 3 == 0 else "",
            address="Storgata 1" if i % 3 == 1 else "", postal_code="9800" if i % 3 == 1 else "")
        Consent.objects.create(person=person, scope="next_of_kin", related_person=related, given_by="person",
                               method="verbal")
        kin.append(TeamMembership.objects.create(team=team, kind="next_of_kin", related_person=related,
                                                 added_by=cast.cu))
    plan = IndividualPlan.objects.create(person=person, team=team, created_by=cast.cu, what_matters="Bo hjemme")
    earlier = Meeting.objects.create(team=team, starts_at=timezone.now() - dt.timedelta(days=30), status="held",
                                     created_by=cast.cu)
    meeting = Meeting.objects.create(
        team=team, created_by=cast.cu, location="Rådhuset",
        starts_at=timezone.make_aware(dt.datetime.combine(today, dt.time(0, 5))))
    grant = policy.person_grant(user=coordinator, person=person)
    assert grant is not None
    meeting_services.invitation_sync(grant=grant, meeting=meeting)
    owners: list[dict[str, Any]] = [
        {"owner_membership": staff[0]}, {"owner_membership": person_member}, {"owner_membership": kin[0]},
        {"owner_membership": service_member}, {"owner_user": coordinator}, {"owner_service": cast.service},
    ]
    for i in range(n):
        goal = Goal.objects.create(plan=plan, text=f"Mål {i}", author_kind="person", next_evaluation_on=today)
        Goal.objects.create(plan=plan, text=f"Delmål {i}", parent=goal, author_kind="person",
                            next_evaluation_on=today)
        ActionItem.objects.create(team=team, meeting=earlier, description=f"Gammel oppgave {i}", due_on=today,
                                  created_by=cast.cu, **owners[i % len(owners)])
        AgendaItem.objects.create(meeting=meeting, title=f"Sak {i}", position=100 + i, added_by_kind="professional",
                                  added_by_user=staff[i].user)
        AgendaItem.objects.create(meeting=meeting, title=f"Personens sak {i}", position=200 + i,
                                  added_by_kind="person")
        for owner in owners:
            ActionItem.objects.create(
                team=team, meeting=meeting, description=f"Oppgave {i}", due_on=today + dt.timedelta(days=7),
                created_by=cast.cu, **owner,
                **({"done_at": timezone.now(), "done_by": coordinator} if i % 2 else {}))
        MeetingDecision.objects.create(
            meeting=meeting, text=f"Beslutning {i}", recorded_by=staff[i].user,
            **({"withdrawn_at": timezone.now(), "withdrawn_by": coordinator} if i % 2 else {}))
        MinutesRevision.objects.create(meeting=meeting, text=f"Referat {i}", saved_by=staff[i].user, version=i + 1)
    # The first goal was evaluated at the meeting and carried on; the others wait for theirs.
    GoalEvaluation.objects.create(goal=Goal.objects.filter(plan=plan, parent=None).order_by("pk").first(),
                                  due_on=today, result="partly", next_step="continue", evaluated_by=coordinator,
                                  meeting=meeting, learned="Bra")
    # The page puts the goals and the last meeting's open action items on the agenda when first shown.
    Meeting.objects.filter(pk=meeting.pk).update(agenda_sent_at=timezone.now() - dt.timedelta(days=1),
                                                 minutes="Referat")
    for i, invitation in enumerate(Invitation.objects.filter(meeting=meeting)):
        invitation.response = ["coming", "not_coming", ""][i % 3]
        invitation.attendance = ["present", "absent_with_notice", "absent_without_notice", ""][i % 4]
        invitation.save()
    return meeting


@pytest.mark.parametrize("who", ["coordinator", "colleague"])
def test_the_meeting_page_answers_with_as_many_queries_for_a_large_meeting_as_for_a_small(cast: Cast,
                                                                                         who: str) -> None:
    """A meeting with one of every kind of item and one with six of each: the same count.

    The test above shows the same meeting as the world grows; this one compares two meetings, as
    bench/scale.py does, so a query per agenda item, invitee, action item or owner, goal, decision
    or earlier minutes shows. Both meetings have at least one of every kind, since a section with
    nothing to show may skip its query. The coordinator's first look, which puts the due goals and
    open action items on the agenda, is compared too; a member who only reads sees the agenda as it is.
    """
    coordinator = make_user("koordinator", "Kai", "Koordinator")
    RoleAssignment.objects.create(user=coordinator, role=Role.COORDINATOR, municipality=cast.municipality)
    CoordinatorProfile.objects.create(user=coordinator, municipality=cast.municipality)
    persons = [cast.person] + [
        make_person(cast.municipality, given=given, family="Møte", birth=dt.date(1955, 3, 3 + n),
                    individual=345 + n, gp=cast.gp)
        for n, given in enumerate(["Stor", "Varm"])
    ]
    meetings = [_busy_meeting(cast, coordinator, person, n=n) for person, n in zip(persons, [1, 6, 1], strict=True)]
    small_url, large_url, warm_url = (reverse("meetings:detail", args=[p.pk, m.pk]) for p, m in zip(
        persons, meetings, strict=True))
    if who == "colleague":  # a reader never builds the agenda: the coordinator's look has done it
        for person, meeting in zip(persons, meetings, strict=True):
            grant = policy.person_grant(user=coordinator, person=person)
            assert grant is not None
            meeting_services.agenda_build(grant=grant, meeting=meeting)
    client = Client()
    client.force_login(coordinator if who == "coordinator" else cast.colleague)
    count(client, warm_url)  # warm caches that are per process, not per request (translations, content types)
    first = count(client, small_url), count(client, large_url)
    assert first[1] == first[0], f"first look: {first[0]} queries for the small meeting, {first[1]} for the large"
    again = count(client, small_url), count(client, large_url)
    assert again[1] == again[0], f"{again[0]} queries for the small meeting, {again[1]} for the large"
