"""The demo's synthetic history: idempotent, synthetic identities, and believable trends."""

from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone

from oppfolging.accounts.models import Municipality
from oppfolging.demo.history import create_demo_history
from oppfolging.indicators import periods, report
from oppfolging.indicators import selectors as s
from oppfolging.lib import identity
from oppfolging.people.models import Person
from oppfolging.referrals.models import Referral, Source


def test_it_builds_years_of_history_once_and_every_trend_has_data(db, demo_mode):
    from oppfolging.meetings.models import Meeting
    from oppfolging.plans.models import GoalEvaluation

    call_command("demo", skip_risk=True)  # the demo command writes the history
    municipality = Municipality.objects.get(number="9901")
    today = timezone.localdate()
    before = Person.objects.count()

    again = create_demo_history(municipality=municipality, seed=7, today=today)

    assert again == {} and Person.objects.count() == before
    assert Person.objects.filter(municipality=municipality).count() >= 250
    assert Meeting.objects.filter(team__person__municipality=municipality).count() > 1000
    assert GoalEvaluation.objects.filter(goal__plan__person__municipality=municipality).count() > 500
    for number in Person.objects.filter(municipality=municipality).values_list("identity_number", flat=True):
        assert identity.parse(number, allow_synthetic=True).kind == identity.IdentityKind.TENOR
    sources = set(Referral.objects.filter(municipality=municipality).values_list("source", flat=True))
    assert Source.GP_RISK_LIST in sources and len(sources) >= 8

    years = periods.recent(periods.YEAR, 5, today)
    first, last = years[1], years[-1]  # the first whole year of history, and this year
    sections = report.municipality_report(municipality, last)
    # The GP's reviews come from the demo's one scored list (this year), not from the history.
    rows = (r for section in sections for r in section.rows
            if r.indicator.trend and r.indicator.key != "risk_list_surprises")
    for row in rows:
        values = [f.value for p, f in row.trend if p.start >= first.start]
        assert all(v is not None for v in values), row.indicator.key

    def value(compute, period):
        return compute(municipality, [period])[0].value

    assert value(s.compute_agenda_sent_ahead, last) > value(s.compute_agenda_sent_ahead, first) + 0.2
    assert value(s.compute_referrals_within_deadline, last) > value(s.compute_referrals_within_deadline, first)
    assert value(s.compute_no_show, last) < value(s.compute_no_show, first)
    assert value(s.compute_goals_by_person, last) > value(s.compute_goals_by_person, first)
    assert value(s.compute_psfs_change, last) > 1
    assert value(s.compute_iplos_change, last) < 0
