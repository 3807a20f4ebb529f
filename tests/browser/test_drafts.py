"""Drafts of unsent text on a shared device: kept per user, gone after sign-out (issue 12.10)."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from oppfolging.accounts.models import User
from oppfolging.teams.models import Consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNSENT = "Jeg vil ikke at Nils skal vite om dette ennå."


def session_cookie(user: User, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}


@pytest.fixture
def shared_device(cast, page):
    """The person and a next of kin on the consent basis, both with «Min plan» accounts."""
    page.set_default_timeout(60_000)  # the shared test machine is slow under load
    person_user = User.objects.create(username="petra", first_name="Petra", last_name="Person")
    kin_user = User.objects.create(username="nils", first_name="Nils", last_name="Person")
    cast.person.user = person_user
    cast.person.save()
    cast.next_of_kin.user = kin_user
    cast.next_of_kin.save()
    Consent.objects.create(person=cast.person, scope="next_of_kin", related_person=cast.next_of_kin,
                           given_by="person", method="verbal")
    return person_user, kin_user


def draft_values(page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('oppfolging-draft:'))"
        ".map(k => localStorage.getItem(k))")


def type_unsent_message(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Skriv en melding").fill(UNSENT)
    page.get_by_label("Skriv en melding").press("End")  # an input event, as typing gives
    assert UNSENT in draft_values(page)


def test_it_removes_the_persons_draft_when_they_sign_out(page, cast, shared_device):
    person_user, kin_user = shared_device
    url = f"{page.base_url}/min-plan/{cast.person.pk}/meldinger/"
    page.context.add_cookies([session_cookie(person_user, page.base_url)])
    type_unsent_message(page, url)
    page.reload()
    expect(page.get_by_label("Skriv en melding")).to_have_value(UNSENT)  # kept for its owner

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_load_state()
    assert draft_values(page) == []
    page.context.add_cookies([session_cookie(kin_user, page.base_url)])
    page.goto(url)
    expect(page.get_by_label("Skriv en melding")).to_have_value("")
    assert UNSENT not in page.content()


def test_it_never_shows_one_users_draft_to_another_on_the_same_browser(page, cast, shared_device):
    person_user, kin_user = shared_device
    url = f"{page.base_url}/min-plan/{cast.person.pk}/meldinger/"
    page.context.add_cookies([session_cookie(person_user, page.base_url)])
    type_unsent_message(page, url)
    # The person's session ends without signing out; the next of kin signs in on the device.
    page.context.clear_cookies()
    page.context.add_cookies([session_cookie(kin_user, page.base_url)])
    page.goto(url)
    expect(page.get_by_label("Skriv en melding")).to_have_value("")
    assert page.locator(".draft-note").count() == 0
    assert UNSENT not in draft_values(page)
