"""A tired coordinator on a phone ends the follow-up with a double click: it ends once, the page
says what happened, and the person reads in «Min plan» that the team has ended."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from oppfolging.notifications.models import Kind, Notification
from oppfolging.teams.models import TeamStatus

from ..plantools_world import build_world
from .test_plan_tools import login_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_on_a_phone_ends_the_follow_up_once(page, cast, assert_accessible):
    w = build_world(cast)
    page.set_viewport_size({"width": 375, "height": 740})
    login_as(page, w.coordinator)
    page.goto(f"{page.base_url}/team/person/{cast.person.pk}/")
    page.get_by_role("link", name="Avslutt oppfølgingen").click()
    expect(page.get_by_role("heading", name="Avslutte oppfølgingen av Petra Person?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, avslutt oppfølgingen").click()  # without a reason: the browser stops it
    assert page.get_by_label("Hvorfor avsluttes oppfølgingen?").evaluate("e => e.validity.valueMissing")
    w.team.refresh_from_db()
    assert w.team.status == TeamStatus.ACTIVE
    page.get_by_label("Hvorfor avsluttes oppfølgingen?").fill("Petra vil klare seg selv nå.")
    page.get_by_role("button", name="Ja, avslutt oppfølgingen").dblclick()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_text(re.compile("(Oppfølgingen av Petra Person er avsluttet|Oppfølgingen er avsluttet)"))).to_be_visible()
    assert_accessible(page)
    w.team.refresh_from_db()
    assert w.team.status == TeamStatus.CLOSED
    assert Notification.objects.filter(kind=Kind.TEAM_CLOSED, recipient_user=w.physio).count() == 1

    login_as(page, w.person_user)
    page.goto(f"{page.base_url}/min-plan/{cast.person.pk}/team/")
    expect(page.get_by_role("heading", name=re.compile("Oppfølgingsteamet ble avsluttet"))).to_be_visible()
    expect(page.get_by_text("Petra vil klare seg selv nå.")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
