"""Result goal 1, structure: deadline share, time to decision and team, the coordinator pool."""

from __future__ import annotations

import datetime as dt

from indicator_helpers import Q1, at, person, referral, team

from oppfolging.assessments.models import Decision, DecisionOutcome
from oppfolging.indicators import periods
from oppfolging.indicators import selectors as s
from oppfolging.referrals.models import Status
from oppfolging.teams.models import CoordinatorAssignment, CoordinatorProfile, Training


def test_it_counts_reports_closed_by_the_deadline_and_leaves_out_withdrawn_and_other_periods(cast):
    m = cast.municipality
    referral(m, at(2025, 1, 10), closed=at(2025, 1, 20))  # within
    referral(m, at(2025, 2, 1), closed=at(2025, 2, 15, 23))  # on the deadline day: within
    referral(m, at(2025, 2, 1), closed=at(2025, 3, 1))  # late
    referral(m, at(2025, 3, 1), status=Status.RECEIVED)  # still open, deadline passed
    referral(m, at(2025, 3, 5), status=Status.WITHDRAWN, closed=at(2025, 3, 6))
    referral(m, at(2025, 4, 2), closed=at(2025, 4, 3))  # next quarter
    referral(m, at(2024, 12, 31), closed=at(2025, 1, 2))  # last year
    referral(cast.other_municipality, at(2025, 1, 10), closed=at(2025, 1, 11))

    figure = s.compute_referrals_within_deadline(m, [Q1])[0]

    assert (figure.numerator, figure.denominator, figure.value) == (2, 4, 0.5)


def test_it_leaves_out_open_reports_whose_deadline_has_not_passed(cast):
    m = cast.municipality
    referral(m, at(2025, 6, 10), status=Status.RECEIVED)  # deadline 24 June, today 15 June
    referral(m, at(2025, 4, 1), status=Status.IN_ASSESSMENT)  # deadline 15 April: overdue

    figure = s.compute_referrals_within_deadline(m, [periods.parse("2025-K2")])[0]

    assert (figure.numerator, figure.denominator) == (0, 1)


def test_it_breaks_the_deadline_share_down_by_age_group(cast):
    m = cast.municipality
    child = person(m, dt.date(2015, 5, 1))
    adult = person(m, dt.date(1980, 5, 1))
    referral(m, at(2025, 1, 10), who=child, closed=at(2025, 1, 12))
    referral(m, at(2025, 1, 10), who=adult, closed=at(2025, 3, 12))
    referral(m, at(2025, 1, 10), closed=at(2025, 1, 12))  # not linked: unknown age

    rows = {r.label: r for r in s.breakdown_referrals_by_age(m, Q1)}

    assert (rows["0–17 år"].numerator, rows["0–17 år"].denominator) == (1, 1)
    assert (rows["30–66 år"].numerator, rows["30–66 år"].denominator) == (0, 1)
    assert (rows["Ukjent alder"].numerator, rows["Ukjent alder"].denominator) == (1, 1)
    assert rows["80 år og eldre"].value is None


def test_it_gives_the_median_and_90th_percentile_of_days_to_decision(cast):
    m = cast.municipality
    for days in (10, 20, 30):
        who = person(m)
        r = referral(m, at(2025, 1, 1), who=who, closed=at(2025, 1, 1) + dt.timedelta(days=days))
        Decision.objects.create(person=who, referral=r, outcome=DecisionOutcome.TEAM, reason="x",
                                decided_by=cast.cu, decided_at=at(2025, 1, 1) + dt.timedelta(days=days))
    Decision.objects.create(person=person(m), outcome=DecisionOutcome.NONE, reason="no report",
                            decided_by=cast.cu, decided_at=at(2025, 2, 1))
    late = person(m)
    Decision.objects.create(person=late, referral=referral(m, at(2025, 3, 1), who=late),
                            outcome=DecisionOutcome.TEAM, reason="x", decided_by=cast.cu,
                            decided_at=at(2025, 4, 5))

    figure = s.compute_days_to_decision(m, [Q1])[0]

    assert (figure.value, figure.secondary, figure.people) == (20.0, 30.0, 3)


def test_it_measures_days_to_team_from_the_latest_report_before_the_team(cast):
    m = cast.municipality
    who = person(m)
    referral(m, at(2024, 6, 1), who=who)
    referral(m, at(2025, 1, 20), who=who)
    team(who, at(2025, 2, 1), cast.cu)
    team(person(m), at(2025, 2, 1), cast.cu)  # no report: left out

    figure = s.compute_days_to_team(m, [Q1])[0]

    assert (figure.value, figure.people) == (12.0, 1)


def test_it_counts_the_pool_and_the_trained_share_at_the_end_of_the_period(cast):
    m = cast.municipality
    trained = CoordinatorProfile.objects.create(user=cast.colleague, municipality=m)
    later = CoordinatorProfile.objects.create(user=cast.gp, municipality=m)
    CoordinatorProfile.objects.create(user=cast.cu, municipality=m, is_active=False)
    CoordinatorProfile.objects.filter(pk__in=[trained.pk, later.pk]).update(created_at=at(2024, 1, 1))
    Training.objects.create(user=cast.colleague, course="Koordinator", completed_on=dt.date(2025, 3, 1))
    Training.objects.create(user=cast.gp, course="Koordinator", completed_on=dt.date(2025, 4, 10))

    assert s.compute_coordinators_in_pool(m, [Q1])[0].value == 2
    figure = s.compute_coordinators_trained(m, [Q1])[0]
    assert (figure.numerator, figure.denominator) == (1, 2)


def test_it_gives_caseload_per_coordinator_from_current_assignments_in_active_teams(cast):
    m = cast.municipality
    a, b = cast.colleague, cast.gp
    for coordinator, closed in ((a, None), (a, None), (b, None), (a, at(2025, 3, 1))):
        t = team(person(m), at(2024, 5, 1), cast.cu, closed=closed)
        CoordinatorAssignment.objects.create(team=t, coordinator=coordinator, appointed_by=cast.cu,
                                             started_at=at(2024, 5, 1))
    handed_over = team(person(m), at(2024, 5, 1), cast.cu)
    CoordinatorAssignment.objects.create(team=handed_over, coordinator=a, appointed_by=cast.cu,
                                         started_at=at(2024, 5, 1), ended_at=at(2025, 2, 1))

    figure = s.compute_caseload(m, [Q1])[0]
    rows = s.breakdown_caseload_by_coordinator(m, Q1)

    assert (figure.value, figure.numerator, figure.denominator, figure.secondary) == (1.5, 3, 2, 2)
    assert [(r.label, r.value) for r in rows] == [(a.full_name, 2), (b.full_name, 1)]
