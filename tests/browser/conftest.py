"""Real browser tests: Playwright driving Debian's chromium, axe-core for WCAG 2.1 A/AA."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import axe_playwright_python
import pytest

CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings) -> Iterator[object]:
    settings.DEMO_MODE = True
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    """Run axe-core in the page and return readable WCAG 2.1 A/AA violations.

    A click that navigates returns before the next page has loaded: axe waits for it, and runs again
    when the page it was injected into was replaced under it.
    """
    from playwright.sync_api import Error

    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            page.evaluate(AXE_SCRIPT)
            result = page.evaluate(
                "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                WCAG_TAGS,
            )
            break
        except Error as error:
            replaced = any(sign in error.message for sign in
                           ("documentElement", "context was destroyed", "axe is not defined"))
            if not replaced or attempt == 2:
                raise
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


@pytest.fixture
def assert_accessible():
    """Return a check that fails with axe-core's WCAG 2.1 A/AA violations on the page."""

    def check(page) -> None:
        violations = axe_violations(page)
        assert not violations, f"{page.url}:\n" + "\n".join(violations)

    return check


@pytest.fixture
def demo_sign_in():
    """Return a function that signs in as a demo user from the demo's sign-in list."""

    def sign_in(page, full_name: str) -> None:
        page.goto(page.base_url + "/logg-inn/")
        page.get_by_role("button", name=f"Logg inn som {full_name}").click()
        page.wait_for_url(re.compile(r"/$"))

    return sign_in
