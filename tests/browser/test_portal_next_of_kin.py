"""A next of kin in «Min plan», in a real browser, every page checked with axe.

The next of kin reads the plan in words written to them («Astrids koordinator», never «din
koordinator», never «you decide who sees your data») and is not offered the person's PSFS
self-score → at the person's explicit wish, recorded by the coordinator, the next of kin scores
on the person's behalf, labelled with who scored → the person scores too → the team sees the two
kept apart → a parent of a child scores for the child, labelled as the parent.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from oppfolging.accounts.models import User
from oppfolging.assessments.models import Assessment, PsfsActivity
from oppfolging.people.models import Person
from oppfolging.portal.models import PsfsSelfScore

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _with_psfs(person: Person, activity: str) -> None:
    """Give the person a latest assessment with one PSFS activity, as the team sets it."""
    latest = person.assessments.order_by("-started_on", "-pk").first()
    if latest is not None and latest.psfs_activities.filter(activity=activity).exists():
        return
    staff = User.objects.get(username="demo-ke")
    assessment = Assessment.objects.create(person=person, created_by=staff)
    PsfsActivity.objects.create(assessment=assessment, position=1, activity=activity, score=3)


def _portal_page(browser, base_url: str, full_name: str):
    context = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(base_url + "/logg-inn/")
    page.get_by_role("button", name=f"Logg inn som {full_name}").click()
    page.wait_for_url(re.compile(r"/min-plan/\d+/$"))
    return page


def test_a_next_of_kin_reads_the_plan_as_next_of_kin_and_never_self_scores_for_the_person(
    page, browser, demo_sign_in, assert_accessible
):
    call_command("demo", skip_risk=True, skip_history=True)
    person = Person.objects.get(user__username="demo-person")
    kin = person.related_persons.get(user__username="demo-parorende")
    assert not kin.scores_for_person
    _with_psfs(person, "Gå i butikken alene")
    name = person.given_name
    whose = f"{name}'" if name[-1].lower() in "sxz" else f"{name}s"
    coordinator = person.teams.get(status="active").current_coordinator_assignment.coordinator
    base = page.base_url

    # 1. The next of kin reads «Planen til Astrid» in words written to a next of kin.
    kin_page = _portal_page(browser, base, kin.full_name)
    expect(kin_page.get_by_role("heading", name=f"Planen til {name}")).to_be_visible()
    expect(kin_page.get_by_text(f"{whose} koordinator er {coordinator.full_name}.")).to_be_visible()
    assert_accessible(kin_page)
    body = kin_page.locator("main").inner_text()
    assert "Din koordinator" not in body and "Planen min" not in body
    expect(kin_page.get_by_role("link", name="Gi skår på aktivitetene mine")).to_have_count(0)
    kin_page.get_by_role("link", name="Samtykke", exact=True).click()
    expect(kin_page.get_by_text(f"{name} bestemmer selv hvem som får se opplysningene")).to_be_visible()
    consent_text = kin_page.locator("main").inner_text()
    assert "Du bestemmer" not in consent_text and "opplysningene dine" not in consent_text
    assert_accessible(kin_page)

    # 2. The scoring page offers no score to a next of kin: only the person scores.
    kin_page.goto(f"{base}/min-plan/{person.pk}/skar/")
    expect(kin_page.get_by_text(f"Bare {name} selv skårer aktivitetene sine.")).to_be_visible()
    expect(kin_page.locator("fieldset.scale")).to_have_count(0)
    expect(kin_page.get_by_role("button", name=re.compile("Lagre skårene"))).to_have_count(0)
    assert_accessible(kin_page)
    # A hand-made post is refused as well.
    token = kin_page.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    refused = kin_page.request.post(f"{base}/min-plan/{person.pk}/skar/", form={"a0": "7"},
                                    headers={"X-CSRFToken": csrf, "Referer": f"{base}/min-plan/{person.pk}/skar/"})
    assert refused.status == 403 and "Du kan ikke gjøre dette" in refused.text()  # the policy, not CSRF
    # Written to a reader of «Min plan», not to staff with read-only access.
    assert "Spør koordinatoren" in refused.text() and "lesetilgang" not in refused.text(), refused.text()
    assert not PsfsSelfScore.objects.filter(person=person).exists()

    # 3. The person asks that the next of kin may score for them; the coordinator records it.
    demo_sign_in(page, coordinator.full_name)
    page.goto(f"{base}/personer/{person.pk}/parorende/{kin.pk}/endre/")
    assert_accessible(page)
    page.get_by_label("Skårer «Hva er viktig for deg?» for personen").check()
    page.get_by_role("button", name=re.compile("Lagre")).click()
    kin.refresh_from_db()
    assert kin.scores_for_person

    # 4. Now the next of kin scores on the person's behalf, told so and labelled with who scored.
    kin_page.reload()
    expect(kin_page.get_by_text(f"Du skårer på vegne av {name}.")).to_be_visible()
    kin_page.locator("fieldset.scale").first.get_by_text("6", exact=True).click()
    kin_page.get_by_role("button", name=f"Lagre skårene på vegne av {name}").click()
    expect(kin_page.get_by_text("Takk! Skårene er lagret, merket med at du skåret dem")).to_be_visible()
    expect(kin_page.get_by_role("row", name=re.compile("Gå i butikken alene"))).to_contain_text(
        "Pårørende på vegne av personen, etter personens ønske")
    assert_accessible(kin_page)
    kin_page.context.close()
    assert PsfsSelfScore.objects.get(person=person).scored_by_kind == "next_of_kin_by_wish"

    # 5. The person scores the same activity themself.
    own = _portal_page(browser, base, person.full_name)
    own.get_by_role("link", name="Gi skår på aktivitetene mine").click()
    own.locator("fieldset.scale").first.get_by_text("4", exact=True).click()
    own.get_by_role("button", name="Lagre skårene").click()
    expect(own.get_by_text("Takk! Skårene dine er lagret")).to_be_visible()
    own.context.close()

    # 6. The team sees the person's own score and the proxy score apart, with who scored.
    page.goto(f"{base}/plan/person/{person.pk}/")
    own_section = page.locator("section", has=page.get_by_role("heading", name="Personens egne skårer mellom møtene"))
    proxy_section = page.locator("section", has=page.get_by_role("heading", name="Skårer satt av andre på vegne av personen"))
    expect(own_section).to_contain_text("Gå i butikken alene – 4")
    expect(own_section).not_to_contain_text("– 6")
    expect(proxy_section).to_contain_text(
        "Gå i butikken alene – 6 (Pårørende på vegne av personen, etter personens ønske)")
    expect(proxy_section).not_to_contain_text("– 4")
    assert_accessible(page)


def test_a_parent_scores_for_a_child_labelled_as_the_parent(browser, live_server, settings, assert_accessible):
    settings.DEMO_MODE = True
    call_command("demo", skip_risk=True, skip_history=True)
    child = Person.objects.get(related_persons__user__username="demo-forelder")
    parent = child.related_persons.get(user__username="demo-forelder")
    _with_psfs(child, "Sykle til skolen")

    page = _portal_page(browser, live_server.url, parent.full_name)
    page.goto(f"{live_server.url}/min-plan/{child.pk}/skar/")
    expect(page.get_by_text(f"Du skårer på vegne av {child.given_name}.")).to_be_visible()
    page.locator("fieldset.scale").first.get_by_text("5", exact=True).click()
    page.get_by_role("button", name=f"Lagre skårene på vegne av {child.given_name}").click()
    expect(page.get_by_role("row", name=re.compile("Sykle til skolen"))).to_contain_text("Forelder på vegne av barnet")
    assert_accessible(page)
    page.context.close()
    assert PsfsSelfScore.objects.get(person=child).scored_by_kind == "parent"
