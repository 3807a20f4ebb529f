"""The effect page in a real browser: the demo leader sees both estimates and the chart."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_leader_sees_both_estimates_with_intervals_and_the_chart(page, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True)
    demo_sign_in(page, "Tone Eide")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Effekt").click()
    page.wait_for_url(re.compile(r"/effekt/9901/$"))

    assert page.get_by_role("heading", level=1).inner_text() == "Hadde teamene effekt? Fjordvik kommune"
    naive = page.locator("article", has=page.get_by_role("heading", name="Før og etter, samme personer"))
    adjusted = page.locator("article", has=page.get_by_role("heading", name="Mot sammenligningsgruppen (justert)"))
    interval = re.compile(r"Rateratio \d,\d\d \(\d,\d\d–\d,\d\d\)")
    assert interval.search(naive.locator(".figure").inner_text())
    assert interval.search(adjusted.locator(".figure").inner_text())
    # Both charts are drawn from the page's own JSON, as SVG: the estimates and the curves.
    page.wait_for_selector('[data-effect-chart="estimates"][data-drawn="true"] svg rect')
    assert page.locator('[data-effect-chart="curves"] svg path').count() == 2
    page.get_by_text("Vis kurvene som tabell").click()
    expect(page.locator("#curve-caption")).to_be_visible()
    assert page.locator("table:has(#curve-caption) tbody tr").count() == 36
    assert_accessible(page)


def test_the_evaluator_sees_the_pooled_estimate_and_no_count_under_five(page, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True)
    demo_sign_in(page, "Siri Vik")
    page.get_by_role("link", name="Effekt i kommunene").click()
    page.wait_for_url(re.compile(r"/effekt/kommuner/$"))

    expect(page.get_by_text("Justert rateratio").first).to_be_visible()
    for text in page.locator("td[data-count]").all_inner_texts():
        assert text == "skjult" or int(text) == 0 or int(text) >= 5, text
    assert_accessible(page)
