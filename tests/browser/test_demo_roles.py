"""Sign in as each demo role, see its start page, and check every reachable page with axe."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (demo user, a heading their start page must show)
ROLES = [
    ("Ingrid Solberg", "Koordinerende enhet"),
    ("Marte Haugen", "Personer du følger opp"),
    ("Sofie Lunde", "Personer du følger opp"),
    ("Erik Dahl", "Dine listepasienter som kommunen følger opp"),
    ("Tone Eide", "Kommunen i tall"),
    ("Siri Vik", "Kommunene side om side"),
    ("Ola Strand", "Ansatte og roller"),
]


def crawl(page, check, limit: int = 40) -> list[str]:
    """Visit same-site pages reachable by links from the start page, one per URL shape.

    Each HTML page is loaded once and handed to `check` while it is open.
    """
    origin = page.base_url
    queue = [page.url]
    seen_shapes: set[str] = set()
    visited: list[str] = []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        path = urlparse(url).path
        shape = re.sub(r"\d+", "N", path)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        # Only HTML pages: PDFs and exports are checked by their own tests.
        if "text/html" not in page.request.get(url).headers.get("content-type", ""):
            continue
        page.goto(url)
        check(page, url)
        visited.append(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            if href.startswith(origin) and "#" not in href and "/static/" not in href:
                queue.append(href)
    return visited


@pytest.mark.parametrize(("name", "heading"), ROLES)
def test_it_signs_in_each_demo_role_to_its_start_page_and_every_page_passes_axe(
    page, name, heading, demo_sign_in, assert_accessible
):
    call_command("demo", skip_risk=True, skip_history=True)
    page.goto(page.base_url + "/logg-inn/")
    assert_accessible(page)
    demo_sign_in(page, name)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    start = page.url  # checked with axe as the crawl's first page

    def check(page, url: str) -> None:
        assert page.locator("main h1").count() == 1, f"{url} has no single h1"
        assert_accessible(page)

    assert start in crawl(page, check)


def test_it_works_on_a_phone_sized_screen(page, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True, skip_history=True)
    page.set_viewport_size({"width": 375, "height": 740})
    demo_sign_in(page, "Ingrid Solberg")
    assert_accessible(page)
    page.get_by_role("link", name="Personer", exact=True).click()
    assert_accessible(page)
    page.locator("main table a").first.click()
    expect(page.get_by_role("heading", name="Personopplysninger")).to_be_visible()
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page scrolls sideways on a phone ({width}px)"


def test_it_switches_to_english_to_nynorsk_and_back(page, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True, skip_history=True)
    demo_sign_in(page, "Ingrid Solberg")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Nynorsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.get_by_role("button", name="Nynorsk")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)
    page.reload()  # the choice is kept on the user, not only for this page
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    page.get_by_role("button", name="Bokmål").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
