"""Outcomes: PSFS and IPLOS change from the first to the latest assessment; admissions."""

from __future__ import annotations

import datetime as dt

import pytest
from indicator_helpers import Q1, at, person, team

from oppfolging.assessments.models import Assessment, IplosScore, PsfsActivity
from oppfolging.indicators import periods
from oppfolging.indicators import selectors as s
from oppfolging.outcomes.models import HospitalStay, ImportKind, OutcomeImport


def assessment(who, cast, completed, psfs=(), iplos=(), direction="higher_is_better",
               status="completed"):
    a = Assessment.objects.create(person=who, created_by=cast.cu, status=status,
                                  completed_at=completed if status == "completed" else None,
                                  psfs_direction=direction, started_on=completed.date())
    for position, score in enumerate(psfs, start=1):
        PsfsActivity.objects.create(assessment=a, position=position, activity=f"a{position}", score=score)
    variables = ["social_participation", "daily_decisions", "own_behaviour"]
    for variable, score in zip(variables, iplos, strict=False):
        IplosScore.objects.create(assessment=a, variable=variable, score=score)
    return a


@pytest.fixture
def assessed(cast):
    m = cast.municipality
    a = person(m)
    assessment(a, cast, at(2024, 6, 1), psfs=(2, 3, 4), iplos=(3, 3, 9))  # PSFS 3, IPLOS 3
    assessment(a, cast, at(2025, 2, 1), psfs=(5, 6, 7), iplos=(2, 2, 9))  # PSFS 6, IPLOS 2
    b = person(m)
    # The first form ran the other way: 8 on it is 2 on the higher-is-better scale.
    assessment(b, cast, at(2024, 9, 1), psfs=(8, 8, 8), iplos=(4, 4), direction="lower_is_better")
    assessment(b, cast, at(2025, 3, 1), psfs=(3, 3, 3), iplos=(4, 5))  # PSFS 3, IPLOS 4.5
    assessment(b, cast, at(2025, 3, 20), psfs=(9, 9, 9), status="in_progress")  # not completed
    only_one = person(m)
    assessment(only_one, cast, at(2025, 2, 1), psfs=(1, 1, 1), iplos=(5, 5))
    next_quarter = person(m)
    assessment(next_quarter, cast, at(2024, 1, 1), psfs=(1, 1, 1))
    assessment(next_quarter, cast, at(2025, 4, 10), psfs=(9, 9, 9))


def test_it_gives_the_mean_psfs_change_normalised_and_the_share_improved_by_two(cast, assessed):
    figure = s.compute_psfs_change(cast.municipality, [Q1])[0]

    # A: 3 → 6 (+3, improved); B: 2 → 3 (+1). Mean +2, one of two improved by at least 2.
    assert (figure.value, figure.numerator, figure.denominator, figure.secondary) == (2.0, 1, 2, 0.5)


def test_it_gives_the_mean_iplos_change_leaving_out_not_relevant(cast, assessed):
    figure = s.compute_iplos_change(cast.municipality, [Q1])[0]

    # A: 3 → 2 (−1); B: 4 → 4.5 (+0.5). Mean −0.25; one of two needs less help.
    assert (figure.value, figure.numerator, figure.denominator) == (-0.25, 1, 2)


def test_it_says_there_is_no_admission_data_before_any_stays_are_imported(cast):
    figure = s.compute_acute_admissions(cast.municipality, [Q1])[0]

    assert figure.available is False and figure.value is None and figure.people == 0


def test_it_counts_acute_admissions_after_and_before_team_start_once_stays_are_imported(cast):
    m = cast.municipality
    source = OutcomeImport.objects.create(
        municipality=m, kind=ImportKind.ADMISSIONS_CSV, file_name="x.csv", sha256="0" * 64,
        imported_by=cast.cu, period_start=dt.date(2022, 1, 1), period_end=dt.date(2025, 6, 1),
        covers_stays=True,
    )
    with_team = person(m)
    team(with_team, at(2024, 2, 1), cast.cu)
    too_recent = person(m)
    team(too_recent, at(2024, 8, 1), cast.cu)
    for who, day, acute in ((with_team, dt.date(2023, 6, 1), True), (with_team, dt.date(2023, 12, 1), True),
                            (with_team, dt.date(2024, 5, 1), True), (with_team, dt.date(2024, 6, 1), False),
                            (too_recent, dt.date(2024, 9, 1), True)):
        HospitalStay.objects.create(person=who, admitted=day, acute=acute, source=source)

    q1, q3 = s.compute_acute_admissions(m, [periods.parse("2024-K1"), periods.parse("2024-K3")])

    assert (q1.available, q1.value, q1.secondary, q1.people) == (True, 1, 2, 1)
    # A team that started less than 12 months ago is not counted yet.
    assert (q3.available, q3.value, q3.people) == (True, None, 0)
