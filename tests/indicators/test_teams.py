"""Result goal 3, teams as the way of working: coordinator, consented plan, evaluations, meetings."""

from __future__ import annotations

import datetime as dt

import pytest
from indicator_helpers import Q1, at, person, team

from oppfolging.catalogue.models import Sector, Service
from oppfolging.indicators import selectors as s
from oppfolging.meetings.models import Attendance, Invitation, InviteeKind, Meeting, MeetingStatus
from oppfolging.plans.models import Goal, GoalEvaluation, IndividualPlan, PlanChange
from oppfolging.teams.models import (
    Consent,
    ConsentScope,
    CoordinatorAssignment,
    MemberKind,
    TeamMembership,
)


def consent(who, given, withdrawn=None, by=None):
    return Consent.objects.create(person=who, scope=ConsentScope.TEAM_AND_PLAN, given_by="person",
                                  method="paper", given_at=given, withdrawn_at=withdrawn)


def test_it_gives_the_share_of_active_teams_with_a_coordinator_and_with_a_consented_plan(cast):
    m = cast.municipality
    full = team(person(m), at(2024, 1, 1), cast.cu)
    CoordinatorAssignment.objects.create(team=full, coordinator=cast.colleague,
                                         appointed_by=cast.cu, started_at=at(2024, 1, 2))
    IndividualPlan.objects.create(person=full.person, team=full, created_by=cast.cu,
                                  created_at=at(2024, 2, 1))
    consent(full.person, at(2024, 1, 1))
    withdrawn = team(person(m), at(2024, 1, 1), cast.cu)
    CoordinatorAssignment.objects.create(team=withdrawn, coordinator=cast.colleague,
                                         appointed_by=cast.cu, started_at=at(2024, 1, 2))
    IndividualPlan.objects.create(person=withdrawn.person, team=withdrawn, created_by=cast.cu,
                                  created_at=at(2024, 2, 1))
    consent(withdrawn.person, at(2024, 1, 1), withdrawn=at(2025, 3, 15))
    no_plan = team(person(m), at(2024, 1, 1), cast.cu)
    CoordinatorAssignment.objects.create(team=no_plan, coordinator=cast.gp, appointed_by=cast.cu,
                                         started_at=at(2025, 3, 1))
    consent(no_plan.person, at(2024, 1, 1))
    team(person(m), at(2025, 3, 1), cast.cu)  # nothing yet
    team(person(m), at(2024, 1, 1), cast.cu, closed=at(2025, 2, 1))  # closed: left out
    team(person(m), at(2025, 4, 2), cast.cu)  # after the period

    coordinator = s.compute_teams_with_coordinator(m, [Q1])[0]
    plan = s.compute_teams_with_consented_plan(m, [Q1])[0]

    assert (coordinator.numerator, coordinator.denominator) == (3, 4)
    assert (plan.numerator, plan.denominator) == (1, 4)


def make_plan(m, cast, created):
    who = person(m)
    return IndividualPlan.objects.create(person=who, created_by=cast.cu, created_at=created)


def test_it_counts_checkpoints_evaluated_on_time_and_missed_ones(cast):
    m = cast.municipality
    plan = make_plan(m, cast, at(2024, 10, 1))
    on_time = Goal.objects.create(plan=plan, text="a", author_kind="person", next_evaluation_on=dt.date(2025, 5, 1))
    GoalEvaluation.objects.create(goal=on_time, due_on=dt.date(2025, 2, 1), evaluated_on=dt.date(2025, 1, 30),
                                  result="partly", next_step="continue", evaluated_by=cast.cu)
    late = Goal.objects.create(plan=plan, text="b", author_kind="person", next_evaluation_on=dt.date(2025, 5, 1))
    GoalEvaluation.objects.create(goal=late, due_on=dt.date(2025, 2, 10), evaluated_on=dt.date(2025, 2, 20),
                                  result="partly", next_step="continue", evaluated_by=cast.cu)
    Goal.objects.create(plan=plan, text="missed", author_kind="person", next_evaluation_on=dt.date(2025, 3, 10))
    Goal.objects.create(plan=plan, text="later", author_kind="person", next_evaluation_on=dt.date(2025, 4, 10))

    figure = s.compute_goals_evaluated_on_time(m, [Q1])[0]

    assert (figure.numerator, figure.denominator, figure.people) == (1, 3, 1)


def test_it_counts_plans_without_change_in_the_idle_period_as_idle(cast, settings):
    settings.PLAN_IDLE_DAYS = 90
    m = cast.municipality
    busy = make_plan(m, cast, at(2024, 6, 1))
    PlanChange.objects.create(plan=busy, at=at(2025, 2, 1), actor_name="x", item_type="goal",
                              item_id=1, action="update", summary="x", snapshot={})
    idle = make_plan(m, cast, at(2024, 6, 1))
    PlanChange.objects.create(plan=idle, at=at(2024, 7, 1), actor_name="x", item_type="goal",
                              item_id=1, action="update", summary="x", snapshot={})
    make_plan(m, cast, at(2025, 3, 1))  # new: not idle

    figure = s.compute_idle_plans(m, [Q1])[0]

    assert (figure.numerator, figure.denominator) == (1, 3)


@pytest.fixture
def meetings(cast):
    """Three meetings held in Q1 (agenda a week ahead, two hours ahead, never), one cancelled,
    one held in April; attendance at the held ones."""
    m = cast.municipality
    t = team(person(m), at(2024, 1, 1), cast.cu)
    nav = Service.objects.create(municipality=m, name="NAV Testvik", sector=Sector.NAV,
                                 description="x", how_to_get="x")
    held = []
    for day, sent in ((at(2025, 1, 15), at(2025, 1, 8)), (at(2025, 2, 15), at(2025, 2, 15, 8)),
                      (at(2025, 3, 15), None)):
        held.append(Meeting.objects.create(team=t, starts_at=day, status=MeetingStatus.HELD,
                                           created_by=cast.cu, agenda_sent_at=sent))
    Meeting.objects.create(team=t, starts_at=at(2025, 3, 20), status=MeetingStatus.CANCELLED,
                           created_by=cast.cu, agenda_sent_at=at(2025, 3, 1))
    april = Meeting.objects.create(team=t, starts_at=at(2025, 4, 15), status=MeetingStatus.HELD,
                                   created_by=cast.cu, agenda_sent_at=at(2025, 4, 1))
    rows = [
        (held[0], cast.service, Attendance.PRESENT), (held[0], nav, Attendance.PRESENT),
        (held[1], cast.service, Attendance.PRESENT), (held[1], nav, Attendance.ABSENT_WITH_NOTICE),
        (held[2], cast.service, Attendance.ABSENT_WITHOUT_NOTICE), (held[2], nav, Attendance.PRESENT),
        (held[2], None, ""), (april, nav, Attendance.ABSENT_WITHOUT_NOTICE),
    ]
    for meeting, service, attendance in rows:
        Invitation.objects.create(meeting=meeting, kind=InviteeKind.PROFESSIONAL, service=service,
                                  name="x", attendance=attendance)
    return held


def test_it_counts_held_meetings_with_the_agenda_sent_a_day_ahead(cast, meetings):
    figure = s.compute_agenda_sent_ahead(cast.municipality, [Q1])[0]

    assert (figure.numerator, figure.denominator, figure.people) == (1, 3, 1)


def test_it_gives_attendance_and_no_shows_with_a_breakdown_per_service(cast, meetings):
    m = cast.municipality
    no_show = s.compute_no_show(m, [Q1])[0]
    rows = {r.label: (r.numerator, r.denominator) for r in s.breakdown_attendance_by_service(m, Q1)}

    assert (no_show.numerator, no_show.denominator, no_show.secondary) == (1, 6, 4 / 6)
    assert rows == {"Hjemmesykepleien": (1, 3), "NAV Testvik": (0, 3)}


def test_it_counts_distinct_services_per_active_team(cast):
    m = cast.municipality
    nav = Service.objects.create(municipality=m, name="NAV Testvik", sector=Sector.NAV,
                                 description="x", how_to_get="x")
    two = team(person(m), at(2024, 1, 1), cast.cu)
    one = team(person(m), at(2024, 1, 1), cast.cu)
    none = team(person(m), at(2024, 1, 1), cast.cu)
    for t, service, left in ((two, cast.service, None), (two, cast.service, None), (two, nav, None),
                             (one, cast.service, None), (one, nav, dt.date(2025, 3, 1))):
        TeamMembership.objects.create(team=t, service=service, added_by=cast.cu,
                                      joined_on=dt.date(2024, 1, 1), left_on=left)
    TeamMembership.objects.create(team=none, kind=MemberKind.PERSON, added_by=cast.cu,
                                  joined_on=dt.date(2024, 1, 1))

    figure = s.compute_services_per_team(m, [Q1])[0]
    rows = {r.label: r.value for r in s.breakdown_services_in_teams(m, Q1)}

    assert (figure.value, figure.numerator, figure.denominator) == (1.0, 3, 3)
    assert rows == {"Hjemmesykepleien": 2, "NAV Testvik": 1}
