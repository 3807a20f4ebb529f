"""The dashboard and the comparison: who may see them, what they show, and the access log."""

from __future__ import annotations

import pytest
from django.urls import reverse
from indicator_helpers import at, referral

from oppfolging.audit.models import AuditEvent
from oppfolging.indicators.definitions import INDICATORS
from oppfolging.referrals.models import Source

DASHBOARD = "/indikatorer/9801/"
EXPORTS = ["/indikatorer/9801/indikatorer.csv", "/indikatorer/9801/indikatorer.xlsx",
           "/indikatorer/9801/measurereport.json"]


def test_it_shows_the_leader_every_indicator_with_its_definition_and_chart_data(cast):
    referral(cast.municipality, at(2025, 2, 1), closed=at(2025, 2, 3))

    response = cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Indikatorer for Testvik kommune, 1. kvartal 2025" in html
    assert html.count('<details class="definition">') == len(INDICATORS) == 24
    assert "Meldinger avklart innen fristen" in html and "100 %" in html
    assert 'id="indicator-charts"' in html and "indicators/charts.js" in html
    assert "Ingen data ennå" in html  # acute admissions
    assert "ikke en kontrollert sammenligning" in html
    assert "Petra" not in html and cast.person.identity_number not in html


@pytest.mark.parametrize("role", ["leader", "cu", "admin"])
def test_it_lets_leaders_the_unit_and_administrators_in(cast, role):
    assert cast.client_for(getattr(cast, role)).get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("url", [DASHBOARD, *EXPORTS])
def test_it_gives_404_to_another_municipality_and_to_the_evaluator(cast, url):
    assert cast.client_for(cast.stranger).get(url).status_code == 404
    assert cast.client_for(cast.evaluator).get(url).status_code == 404


@pytest.mark.parametrize("url", [DASHBOARD, *EXPORTS])
def test_it_gives_403_to_staff_of_the_municipality_without_aggregate_access(cast, url):
    assert cast.client_for(cast.colleague).get(url).status_code == 403
    assert cast.client_for(cast.gp).get(url).status_code == 403


def test_it_gives_404_for_a_municipality_that_does_not_exist(cast):
    assert cast.client_for(cast.leader).get("/indikatorer/0000/").status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(cast, client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302 and "/logg-inn/" in response["Location"]


def test_it_switches_between_month_quarter_and_year(cast):
    client = cast.client_for(cast.leader)

    assert "mars 2025" in client.get(DASHBOARD, {"periode": "2025-03"}).content.decode()
    assert "2. kvartal 2025" in client.get(DASHBOARD, {"periode": "2025-K2"}).content.decode()
    year = client.get(DASHBOARD).content.decode()
    assert "Indikatorer for Testvik kommune, 2025" in year
    assert 'href="?periode=2025-06"' in year and 'href="?periode=2025-K2"' in year


@pytest.mark.parametrize("code", ["2025-13", "nonsense", "2030"])
def test_it_gives_404_for_a_period_that_is_not_one(cast, code):
    assert cast.client_for(cast.leader).get(DASHBOARD, {"periode": code}).status_code == 404


@pytest.mark.parametrize("code", ["0000", "0001", "0001/9999", "9999", "9999-12", "0001-01", "0000-K1", "２０２５", "1" * 5000])
def test_it_gives_404_not_a_server_error_for_a_year_out_of_range_on_every_page(cast, code):
    """Year 0 does not exist, year 1's trend starts before it, 9999-12 ends after the last date (#12.14)."""
    leader, evaluator = cast.client_for(cast.leader), cast.client_for(cast.evaluator)
    leader.raise_request_exception = evaluator.raise_request_exception = False
    for client, url in [(leader, DASHBOARD), *((leader, url) for url in EXPORTS),
                        (evaluator, "/indikatorer/kommuner/"), (evaluator, "/indikatorer/kommuner/indikatorer.csv")]:
        assert client.get(url, {"periode": code}).status_code == 404, url


def test_it_logs_each_dashboard_read_without_a_person(cast):
    cast.client_for(cast.leader).get(DASHBOARD, {"periode": "2025-K1"})

    event = AuditEvent.objects.get(resource="indicators")
    assert (event.action, event.actor, event.municipality, event.person) == (
        "read", cast.leader, cast.municipality, None)
    assert "1. kvartal 2025" in event.purpose


def test_it_sends_the_start_link_to_the_users_own_dashboard_or_the_comparison(cast):
    leader = cast.client_for(cast.leader).get(reverse("indicators:start"))
    evaluator = cast.client_for(cast.evaluator).get(reverse("indicators:start"))

    assert leader["Location"] == DASHBOARD
    assert evaluator["Location"] == "/indikatorer/kommuner/"
    assert cast.client_for(cast.colleague).get(reverse("indicators:start")).status_code == 404


def test_it_links_the_leaders_and_the_evaluators_start_pages_to_the_indicators(cast):
    leader = cast.client_for(cast.leader).get("/").content.decode()
    evaluator = cast.client_for(cast.evaluator).get("/").content.decode()

    assert 'href="/indikatorer/"' in leader
    assert 'href="/indikatorer/kommuner/"' in evaluator


def test_it_shows_the_comparison_only_to_evaluators(cast):
    for user in (cast.leader, cast.cu, cast.admin, cast.stranger, cast.colleague):
        assert cast.client_for(user).get("/indikatorer/kommuner/").status_code == 404
        assert cast.client_for(user).get("/indikatorer/kommuner/indikatorer.csv").status_code == 404
    assert cast.client_for(cast.evaluator).get("/indikatorer/kommuner/").status_code == 200


def test_it_never_opens_a_person_page_to_the_evaluator(cast):
    client = cast.client_for(cast.evaluator)

    assert client.get(f"/personer/{cast.person.pk}/").status_code == 404
    assert client.get(f"/personer/{cast.other_person.pk}/").status_code == 404


def test_it_hides_small_counts_in_the_comparison_and_their_complement(cast):
    for _ in range(3):
        referral(cast.municipality, at(2025, 2, 1), source=Source.SCHOOL)
    for _ in range(12):
        referral(cast.other_municipality, at(2025, 2, 1), source=Source.SCHOOL)

    response = cast.client_for(cast.evaluator).get("/indikatorer/kommuner/", {"periode": "2025"})
    rows = {r.indicator.key: r for r in response.context["rows"]}
    count = rows["referrals_by_source"]

    # Andreby (12) is shown after Testvik (3) alphabetically; the total 15 would give both away.
    assert [c.hidden for c in count.cells] == [True, True] and count.total.value == 15
    html = response.content.decode()
    assert "skjult" in html and "Petra" not in html
    sources = response.context["sources"]
    school = sources.sources.index("Skole eller PPT")
    assert all(c.hidden for c in sources.cells[school])
    assert AuditEvent.objects.filter(resource="indicators", actor=cast.evaluator,
                                     municipality=None).count() == 1


def test_it_computes_the_year_with_its_five_year_trend_in_a_bounded_number_of_queries(
    cast, django_assert_max_num_queries
):
    referral(cast.municipality, at(2025, 2, 1), closed=at(2025, 2, 3))
    client = cast.client_for(cast.leader)

    # The first view computes every figure and stores it (one insert per indicator, docs/performance.md)…
    with django_assert_max_num_queries(70):
        assert client.get(DASHBOARD, {"periode": "2025"}).status_code == 200
    # …and the next reads the stored figures.
    with django_assert_max_num_queries(25):
        assert client.get(DASHBOARD, {"periode": "2025"}).status_code == 200
