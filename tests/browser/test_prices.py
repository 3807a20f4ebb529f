"""The price table in a real browser: a leader on a phone adds a price from the effect page."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from oppfolging.catalogue.models import ServicePrice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_on_a_phone_adds_a_price_and_a_double_click_adds_it_once(browser, live_server, demo_sign_in,
                                                                          assert_accessible, settings):
    settings.DEMO_MODE = True
    call_command("demo", skip_risk=True)
    phone = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(30_000)
    page.base_url = live_server.url
    demo_sign_in(page, "Tone Eide")
    page.goto(live_server.url + "/effekt/9901/")
    page.get_by_role("link", name="Priser på tjenester").click()
    page.wait_for_url(re.compile(r"/tjenester/priser/$"))
    assert_accessible(page)
    before = ServicePrice.objects.count()

    page.get_by_role("link", name="Legg til pris").click()
    assert_accessible(page)
    page.get_by_label("Enhet").select_option(label="per liggedøgn på sykehus")
    page.get_by_label("Gjelder fra år").fill("2031")
    page.get_by_label("Pris i kroner").fill("6 500")
    page.get_by_label("Grunnlag").fill("Døgnpris for utskrivningsklare pasienter")
    page.get_by_role("button", name="Lagre").dblclick()
    page.wait_for_url(re.compile(r"/tjenester/priser/$"))
    row = page.get_by_role("row", name=re.compile("2031"))
    assert re.search(r"6\s500(,00)? kr", row.inner_text())  # kroner the Norwegian way, never 6500.00
    assert ServicePrice.objects.count() == before + 1
    assert_accessible(page)
    phone.close()
