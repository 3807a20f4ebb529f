"""Result goal 2, early identification: reports by source, risk-list surprises, age at first report."""

from __future__ import annotations

import datetime as dt

from indicator_helpers import Q1, at, person, referral, team

from oppfolging.indicators import selectors as s
from oppfolging.referrals.models import Source


def test_it_counts_reports_by_source_with_zeros(cast):
    m = cast.municipality
    for source in (Source.GP_RISK_LIST, Source.GP_RISK_LIST, Source.SCHOOL):
        referral(m, at(2025, 2, 1), source=source)
    referral(m, at(2025, 5, 1), source=Source.NAV)

    rows = {r.label: r.value for r in s.breakdown_referrals_by_source(m, Q1)}

    assert s.compute_referrals_by_source(m, [Q1])[0].value == 3
    assert rows["Fastlege, fra risikolisten"] == 2 and rows["Skole eller PPT"] == 1
    assert rows["NAV"] == 0 and len(rows) == len(Source.values)


def test_it_counts_risk_list_reports_about_people_not_already_followed_up(cast):
    m = cast.municipality
    new = person(m)
    referral(m, at(2025, 2, 1), who=new, source=Source.GP_RISK_LIST)
    in_team = person(m)
    team(in_team, at(2025, 1, 5), cast.cu)
    referral(m, at(2025, 2, 10), who=in_team, source=Source.GP_RISK_LIST)
    known = person(m)
    referral(m, at(2024, 12, 1), who=known, source=Source.NAV)
    referral(m, at(2025, 3, 1), who=known, source=Source.GP_RISK_LIST)
    referral(m, at(2025, 3, 2), source=Source.GP_RISK_LIST)  # not linked: left out
    closed_team = person(m)
    team(closed_team, at(2023, 1, 5), cast.cu, closed=at(2023, 6, 1))
    referral(m, at(2025, 3, 3), who=closed_team, source=Source.GP_RISK_LIST)  # team long closed…
    # …but it was reported before (the team came from somewhere): it is not new either.
    referral(m, at(2023, 1, 1), who=closed_team)

    figure = s.compute_risk_list_surprises(m, [Q1])[0]

    assert (figure.numerator, figure.denominator, figure.people) == (1, 4, 4)


def test_it_gives_the_median_age_at_the_first_report_ever(cast):
    m = cast.municipality
    referral(m, at(2025, 2, 10), who=person(m, dt.date(1990, 2, 1)))  # 35
    referral(m, at(2025, 3, 1), who=person(m, dt.date(2010, 3, 15)))  # 14
    earlier = person(m, dt.date(1950, 1, 1))
    referral(m, at(2024, 5, 1), who=earlier)
    referral(m, at(2025, 2, 1), who=earlier)  # not the first report: left out

    figure = s.compute_age_at_first_report(m, [Q1])[0]
    groups = {r.label: r.value for r in s.breakdown_first_report_by_age(m, Q1)}

    assert (figure.value, figure.people) == (24.5, 2)
    assert groups["0–17 år"] == 1 and groups["30–66 år"] == 1 and groups["80 år og eldre"] == 0
