"""The demo's synthetic stays and service use: written once, enough for the effect page."""

from __future__ import annotations

from django.core.management import call_command

from oppfolging.accounts.models import Municipality
from oppfolging.catalogue.models import ServicePrice
from oppfolging.outcomes.models import HospitalStay, OutcomeImport, ServiceUse
from oppfolging.outcomes.selectors import effect_report


def counts() -> tuple[int, int, int]:
    return HospitalStay.objects.count(), ServiceUse.objects.count(), OutcomeImport.objects.count()


def test_it_gives_the_demo_stays_and_service_use_once_and_the_leader_an_estimate(db, demo_mode):
    call_command("demo", skip_risk=True)
    first = counts()
    call_command("demo", skip_risk=True)

    assert counts() == first
    assert first[0] > 1000 and first[1] > 1000 and first[2] == 6
    report = effect_report([Municipality.objects.get(number="9901")])
    assert report.estimate is not None and report.estimate.status == "ok"
    for rr in (report.estimate.naive, report.estimate.adjusted):
        assert rr.rate_ratio is not None and rr.ci_low < rr.rate_ratio < rr.ci_high
    assert report.data.service_estimated and report.psfs.n > 20
    # Prices for every year of the data, so the leader sees the cost in kroner and nothing unpriced.
    cost = report.estimate.outcomes["cost_kroner"]
    assert report.data.cost_estimated and report.data.unpriced == []
    assert cost.adjusted.rate_treated > 0 and cost.adjusted.difference_low < cost.adjusted.difference_high
    assert ServicePrice.objects.filter(municipality__number="9901", unit="bed_day").count() == 8
