"""Result goal 2, early identification: reports by source, risk-list surprises, age at first report."""

from __future__ import annotations

import datetime as dt

from indicator_helpers import Q1, at, person, referral

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


def test_it_gives_the_share_of_reviewed_high_risk_patients_not_already_followed_up(cast):
    from oppfolging.gp.models import RiskEntry, RiskList, RiskReview

    m = cast.municipality
    risk_list = RiskList.objects.create(gp=cast.gp, municipality=m, status="done")

    def entry(n: int, high: bool = True) -> RiskEntry:
        return RiskEntry.objects.create(risk_list=risk_list, patient_id=f"P{n}", risk=0.5, rank=n,
                                        new_priority=n, is_high=high)

    for n, decision in enumerate(["followed_up", "followed_up", "not_relevant", "refer"], start=1):
        RiskReview.objects.create(entry=entry(n), decision=decision, reviewed_by=cast.gp,
                                  reviewed_at=at(2025, 2, n))
    RiskReview.objects.create(entry=entry(9, high=False), decision="refer", reviewed_by=cast.gp,
                              reviewed_at=at(2025, 2, 9))  # not high risk: left out
    RiskReview.objects.create(entry=entry(10), decision="refer", reviewed_by=cast.gp,
                              reviewed_at=at(2025, 5, 1))  # another quarter
    entry(11)  # not reviewed: left out

    figure = s.compute_risk_list_surprises(m, [Q1])[0]

    assert (figure.numerator, figure.denominator, figure.people) == (2, 4, 4)


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
