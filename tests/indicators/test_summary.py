"""The dashboard and the comparison read the summary table; the job and the command keep it fresh."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.management import call_command
from indicator_helpers import at, referral

from oppfolging.indicators import periods
from oppfolging.indicators.models import IndicatorFigure
from oppfolging.indicators.tasks import FRESH_FOR, default_periods, refresh_indicators

DASHBOARD = "/indikatorer/9801/"


def _within_deadline(cast, code: str) -> IndicatorFigure:
    return IndicatorFigure.objects.get(municipality=cast.municipality, key="referrals_within_deadline",
                                       period=code)


def test_the_job_fills_the_summary_table_for_every_period_shown_by_default(cast):
    referral(cast.municipality, at(2025, 2, 1), closed=at(2025, 2, 3))

    result = refresh_indicators.call()

    shown = default_periods()
    # 24 figures and the attendance breakdown per period, and the start page's no-show rates.
    assert result[cast.municipality.number] == len(shown) * 25 + 1
    figure = _within_deadline(cast, "2025-K1")
    assert (figure.numerator, figure.denominator, figure.value) == (1, 1, 1.0)
    assert periods.containing(periods.YEAR, dt.date(2021, 1, 1)) in shown  # the year trend reaches back


def test_the_dashboard_reads_the_figures_from_the_summary_table(cast):
    referral(cast.municipality, at(2025, 2, 1), closed=at(2025, 2, 3))
    call_command("refresh_indicators", municipality=cast.municipality.number)
    # Only the table says 42 %: the page shows what was stored, it does not compute it again.
    IndicatorFigure.objects.filter(municipality=cast.municipality, key="referrals_within_deadline",
                                   period="2025-K1").update(value=0.42)

    html = cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K1"}).content.decode()

    assert "42 %" in html


def test_the_dashboard_reads_the_attendance_breakdown_from_the_summary_table(cast):
    from oppfolging.indicators.definitions import INDICATORS
    from oppfolging.indicators.tasks import stored_breakdown

    no_show = next(i for i in INDICATORS if i.key == "no_show")
    quarter = periods.parse("2025-K1")
    call_command("refresh_indicators", municipality=cast.municipality.number)
    stored = IndicatorFigure.objects.get(municipality=cast.municipality, key="no_show/breakdown", period="2025-K1")
    assert stored_breakdown(no_show, cast.municipality, quarter) == no_show.breakdown(cast.municipality, quarter)
    IndicatorFigure.objects.filter(pk=stored.pk).update(rows=[
        {"label": "Tabelltjenesten", "value": 0.25, "numerator": 1, "denominator": 4, "extra": {"present": 3}}])

    html = cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K1"}).content.decode()

    assert "Tabelltjenesten" in html


def test_a_stale_figure_of_the_current_period_is_computed_again(cast):
    cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K2"})
    assert _within_deadline(cast, "2025-K2").denominator == 0
    referral(cast.municipality, at(2025, 6, 1), closed=at(2025, 6, 3))

    # Within FRESH_FOR the stored figure stands; after it, the page computes and stores it again.
    cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K2"})
    assert _within_deadline(cast, "2025-K2").denominator == 0
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + FRESH_FOR + dt.timedelta(minutes=1), tick=False):
        cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K2"})
    assert _within_deadline(cast, "2025-K2").denominator == 1


def test_a_closed_period_computed_after_it_ended_is_kept(cast):
    cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K1"})
    computed = _within_deadline(cast, "2025-K1").computed_at
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=3), tick=False):
        cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K1"})
    assert _within_deadline(cast, "2025-K1").computed_at == computed


def test_the_scheduler_enqueues_the_refresh(cast, monkeypatch):
    from oppfolging.indicators import tasks
    from oppfolging.notifications.management.commands import scheduler

    enqueued = []
    monkeypatch.setattr(scheduler, "refresh_indicators", type("T", (), {
        "enqueue": staticmethod(lambda: enqueued.append(True) or tasks.refresh_indicators.enqueue())}))
    call_command("scheduler", once=True)
    assert enqueued == [True]
