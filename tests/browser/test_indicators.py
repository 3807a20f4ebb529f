"""The indicators in a real browser: the demo leader's dashboard and the evaluator's comparison."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from oppfolging.accounts.models import Municipality
from oppfolging.demo.history import create_demo_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def demo_with_history() -> None:
    call_command("demo", skip_risk=True)
    for municipality in Municipality.objects.filter(number__in=["9901", "9902"]):
        create_demo_history(municipality=municipality, seed=2026, today=timezone.localdate())


def test_the_leader_opens_the_dashboard_switches_period_reads_a_definition_and_exports_csv(
    page, demo_sign_in, assert_accessible
):
    demo_with_history()
    demo_sign_in(page, "Tone Eide")
    page.get_by_role("link", name="Indikatorer for resultatmålene").click()
    page.wait_for_url(re.compile(r"/indikatorer/9901/$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Indikatorer for Fjordvik kommune")
    # The charts are drawn from the page's own JSON, as SVG.
    page.wait_for_selector('[data-chart="referrals_within_deadline"][data-drawn="true"] svg')
    assert page.locator(".chart svg path").count() > 5
    assert_accessible(page)

    page.get_by_role("link", name="Kvartal", exact=True).click()
    page.wait_for_url(re.compile(r"periode=\d{4}-K\d"))
    assert "kvartal" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("combobox", name="Periode").select_option(index=2)
    page.get_by_role("button", name="Vis periode").click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "kvartal" in heading

    card = page.locator("#ind-agenda_sent_ahead")
    definition = card.locator("details.definition")
    expect(definition.locator("dd").first).not_to_be_visible()
    definition.locator("summary").click()
    expect(definition.get_by_text("saklisten ble sendt minst ett døgn før møtet")).to_be_visible()
    card.get_by_text("Vis utviklingen som tabell").click()
    expect(card.locator("table tbody tr")).to_have_count(8)
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Last ned CSV").click()
    download = download_info.value
    assert re.fullmatch(r"indikatorer-9901-\d{4}-K\d\.csv", download.suggested_filename)
    text = open(download.path(), encoding="utf-8-sig").read()
    assert text.startswith("kommunenummer,kommune,periode") and "agenda_sent_ahead" in text


def test_the_evaluator_sees_every_municipality_and_no_count_under_five(
    page, demo_sign_in, assert_accessible
):
    demo_with_history()
    demo_sign_in(page, "Siri Vik")
    page.get_by_role("link", name="Indikatorene for alle kommuner side om side").click()
    page.wait_for_url(re.compile(r"/indikatorer/kommuner/$"))
    headers = page.locator("table.comparison").first.locator("thead th").all_inner_texts()
    assert {"Fjordvik kommune", "Åsdal kommune", "Nordhavn kommune"} <= set(headers)
    assert_accessible(page)

    for year in ("2024", str(timezone.localdate().year)):
        page.goto(page.base_url + f"/indikatorer/kommuner/?periode={year}")
        counts = page.locator("td[data-count]").all_inner_texts()
        assert counts
        for text in counts:
            if text != "skjult":
                value = int(text.replace("\xa0", "").replace(" ", ""))
                assert value == 0 or value >= 5, text
        people = [int(t.split("=")[1]) for t in page.locator("td .muted").all_inner_texts() if "n =" in t]
        assert people and min(people) >= 5
    assert page.get_by_text("Petra").count() == 0
    assert_accessible(page)
