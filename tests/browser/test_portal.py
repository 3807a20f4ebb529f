"""«Min plan» in a real browser: the person's main flow, keyboard only, and axe on every page."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from oppfolging.accounts.models import User
from oppfolging.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["", "team/", "moter/", "viktig/", "skar/", "koordinator/", "samtykke/", "tjenester/", "innsyn/", "meldinger/",
         "varsler/"]


def person_of(username: str) -> Person:
    user = User.objects.get(username=username)
    return Person.objects.filter(user=user).first() or user.related_person_records.first().person


def upcoming_meeting(person: Person) -> None:
    import datetime as dt

    from django.utils import timezone

    from oppfolging.meetings.models import Meeting

    team = person.teams.get(status="active")
    if not Meeting.objects.filter(team=team, status="planned", starts_at__gte=timezone.now()).exists():
        Meeting.objects.create(team=team, starts_at=timezone.now() + dt.timedelta(days=9),
                               created_by=team.created_by, location="Rådhuset, møterom 2")


def test_it_lets_the_person_shape_their_plan_and_withdraw_a_next_of_kins_consent(
    page, browser, demo_sign_in, assert_accessible
):
    call_command("demo", skip_risk=True, skip_history=True)
    person = person_of("demo-person")
    upcoming_meeting(person)
    coordinator = person.teams.get(status="active").current_coordinator_assignment.coordinator
    kin = person.related_persons.get(user__username="demo-parorende")

    # The coordinator reads the person's page; the person will see it in the access log.
    demo_sign_in(page, coordinator.full_name)
    page.goto(f"{page.base_url}/personer/{person.pk}/")
    page.context.clear_cookies()

    demo_sign_in_as_portal(page, person.full_name)
    expect(page.get_by_role("heading", name="Planen min")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Skriv eller endre, og foreslå mål").click()
    page.get_by_label("Et mål du vil jobbe mot").fill("Begynne å svømme igjen")
    page.get_by_role("button", name="Send forslaget").click()
    expect(page.get_by_text("«Begynne å svømme igjen» – Foreslått")).to_be_visible()

    page.get_by_role("link", name="Planen", exact=True).click()
    page.get_by_role("link", name="Gi skår på aktivitetene mine").click()
    assert_accessible(page)
    if page.locator("fieldset.scale").count():
        page.locator("fieldset.scale").first.get_by_text("7", exact=True).click()
        page.get_by_role("button", name="Lagre skårene").click()
        expect(page.get_by_text("Skårene dine er lagret")).to_be_visible()

    page.get_by_role("link", name="Møter", exact=True).click()
    page.get_by_label("Hva vil du ta opp på møtet?").first.fill("Skyss til dagsenteret")
    page.get_by_role("button", name="Legg til på dagsordenen").first.click()
    expect(page.get_by_text("Skyss til dagsenteret").first).to_be_visible()

    page.get_by_role("link", name="Samtykke", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"Trekk tilbake.*{kin.full_name}")).click()
    expect(page.get_by_text(kin.full_name).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, trekk tilbake").click()
    expect(page.get_by_text("Samtykket er trukket tilbake")).to_be_visible()

    page.get_by_role("link", name="Hvem har sett", exact=True).click()
    expect(page.get_by_text(coordinator.full_name).first).to_be_visible()
    assert_accessible(page)

    # The next of kin, signed in, can no longer see the plan.
    kin_context = browser.new_context(locale="nb-NO")
    kin_page = kin_context.new_page()
    kin_page.base_url = page.base_url
    kin_page.goto(page.base_url + "/logg-inn/")
    kin_page.get_by_role("button", name=f"Logg inn som {kin.full_name}").click()
    response = kin_page.goto(f"{page.base_url}/min-plan/{person.pk}/")
    assert response.status == 404
    kin_context.close()


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 740}, {"width": 1280, "height": 900}])
def test_it_passes_axe_on_every_portal_page_on_phone_and_desktop(page, viewport, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True, skip_history=True)
    person = person_of("demo-person")
    upcoming_meeting(person)
    page.set_viewport_size(viewport)
    demo_sign_in_as_portal(page, person.full_name)
    for path in PAGES:
        page.goto(f"{page.base_url}/min-plan/{person.pk}/{path}")
        assert page.locator("main h1").count() == 1
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} scrolls sideways ({width}px)"


def demo_sign_in_as_portal(page, full_name: str) -> None:
    page.goto(page.base_url + "/logg-inn/")
    page.get_by_role("button", name=f"Logg inn som {full_name}").click()
    page.wait_for_url(re.compile(r"/min-plan/"))


def test_it_works_with_the_keyboard_alone(page):
    call_command("demo", skip_risk=True, skip_history=True)
    person = person_of("demo-person")
    page.goto(page.base_url + "/logg-inn/")
    sign_in = page.get_by_role("button", name=f"Logg inn som {person.full_name}")
    for _ in range(80):
        page.keyboard.press("Tab")
        if sign_in.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/min-plan/"))
    # Skip link first, then to «Hva er viktig» and propose a goal, all by keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Hopp til hovedinnholdet"
    target = page.get_by_role("link", name="Skriv eller endre, og foreslå mål")
    for _ in range(60):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/viktig/"))
    field = page.get_by_label("Et mål du vil jobbe mot")
    for _ in range(40):
        page.keyboard.press("Tab")
        if field.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.type("Klare trappa selv")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Send forslaget"
    page.keyboard.press("Enter")
    expect(page.get_by_text("«Klare trappa selv» – Foreslått")).to_be_visible()
