"""The whole first half of the path in a real browser, every page checked with axe.

An anonymous report on the public form → triage → assignment → assessment with IPLOS and
PSFS → decision → coordinator appointed with the person's wish shown → team composed →
a member who has left can no longer open the person.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from oppfolging.lib import identity
from oppfolging.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_walks_from_an_anonymous_report_to_a_team(page, browser, settings, demo_sign_in, assert_accessible):
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    call_command("demo", skip_risk=True, skip_history=True)
    number = identity.make_synthetic(birth_date=dt.date(1948, 6, 1), individual=222)

    # 1. Anyone reports a need on the public form, without signing in.
    page.goto(page.base_url + "/meld-behov/")
    assert_accessible(page)
    page.get_by_role("link", name="Fjordvik kommune").click()
    assert_accessible(page)
    page.get_by_label("Pårørende").check()
    page.get_by_label("Ditt navn").fill("Randi Testesen")
    page.get_by_label("Din e-post").fill("randi@example.invalid")
    page.get_by_label("Fornavn").fill("Tor")
    page.get_by_label("Etternavn").fill("Testesen")
    page.get_by_label("Fødselsnummer (11 siffer), hvis du vet det").fill(number)
    page.get_by_label("Hva har du sett, og hva er vanskelig?").fill("Far faller og glemmer medisiner.")
    page.get_by_label("Hva ønsker personen selv?").fill("Bo hjemme.")
    page.get_by_label("Snart – innen en uke").check()
    page.get_by_label("Personen har samtykket til meldingen").check()
    page.get_by_role("button", name="Send meldingen").click()
    assert page.get_by_role("heading", name="Takk – meldingen er sendt").is_visible()
    assert_accessible(page)
    # The anonymous form never writes to the register: the unit registers the person in triage.
    assert not Person.objects.filter(identity_number=number).exists()

    # 2. The coordinating unit triages, registers the person and assigns the report.
    demo_sign_in(page, "Ingrid Solberg")
    page.get_by_role("link", name="Meldinger", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Tor Testesen").click()
    assert_accessible(page)
    page.get_by_label("Saksbehandler").select_option(label="Ingrid Solberg")
    page.get_by_role("button", name="Lagre saksbehandler").click()
    expect(page.get_by_text("Saksbehandler er oppdatert.")).to_be_visible()
    page.get_by_role("button", name="Registrer personen fra meldingen").click()
    expect(page.get_by_text("Meldingen er koblet til personregisteret.")).to_be_visible()
    person = Person.objects.get(identity_number=number)

    # 3. The interdisciplinary assessment, with PSFS and IPLOS.
    page.get_by_role("link", name="Start kartlegging").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start kartleggingen").click()
    assert_accessible(page)
    page.locator("#id_what_matters").fill("Å klare meg hjemme og gå tur med hunden.")
    page.locator("#id_psfs_1_activity").fill("Gå tur med hunden")
    page.locator("#id_psfs_1_score").select_option("3")
    page.locator("fieldset.iplos").first.locator("input[type=radio]").nth(2).check()
    page.get_by_role("button", name="Lagre", exact=True).click()
    assert_accessible(page)
    assessment = person.assessments.get()
    assert assessment.psfs_activities.get().activity == "Gå tur med hunden"
    assert assessment.iplos_scores.count() == 1

    # 4. The decision: a follow-up team with an individual plan.
    page.goto(f"{page.base_url}/utredning/person/{person.pk}/avgjorelse/")
    assert_accessible(page)
    page.get_by_label("Oppfølgingsteam med individuell plan").check()
    page.get_by_label("Begrunnelse").fill("Mange tjenester over tid, ønsker én å forholde seg til.")
    page.get_by_role("button", name=re.compile("Lagre|Fatt|Registrer")).first.click()
    assert person.decisions.get().outcome == "team_with_plan"
    assert person.referrals.get().status == "decided"

    # 5. The wish is recorded and shown when the coordinator is appointed.
    page.goto(f"{page.base_url}/team/person/{person.pk}/")
    assert_accessible(page)
    page.get_by_text("Registrer ønske").click()
    page.get_by_label("Personen selv").check()
    page.get_by_label("Ønsket koordinator").select_option(label="Marte Haugen")
    page.get_by_label("Ønsket med personens egne ord").fill("Marte hjalp mamma.")
    page.get_by_role("button", name="Lagre ønsket").click()
    page.get_by_role("button", name="Opprett oppfølgingsteam").click()
    page.get_by_role("link", name="Oppnevn koordinator").click()
    assert page.get_by_text("Marte hjalp mamma.").is_visible()
    assert_accessible(page)
    page.locator("#id_coordinator").select_option(label="Marte Haugen")
    page.get_by_role("button", name="Oppnevn").click()
    overloaded = page.get_by_label("Jeg vet at koordinatoren har flere personer enn grensen, og vil oppnevne likevel")
    if overloaded.count():  # the demo's Marte may already be over the unit's caseload limit
        assert page.locator("#id_coordinator_error").get_by_text(re.compile("koordinerer allerede")).is_visible()
        overloaded.check()
        page.get_by_role("button", name="Oppnevn").click()
    assert page.get_by_text("personens ønske", exact=True).is_visible()

    # 6. Consent, then the team is composed.
    page.get_by_role("link", name="Registrer samtykke").click()
    assert_accessible(page)
    page.get_by_label("Oppfølgingsteam og individuell plan").check()
    page.get_by_label("Personen selv").check()
    page.get_by_label("Muntlig").check()
    page.get_by_role("button", name="Registrer").click()
    page.get_by_role("link", name="Registrer samtykke").click()
    page.get_by_label("Deling av opplysninger med en tjeneste").check()
    page.locator("#id_service").select_option(label="Fysio- og ergoterapi")
    page.get_by_label("Personen selv").check()
    page.get_by_label("Muntlig").check()
    page.get_by_role("button", name="Registrer").click()
    page.get_by_role("link", name="Legg til deltaker").click()
    assert_accessible(page)
    page.get_by_label("Tjenesteyter").check()
    page.locator("#id_service").select_option(label="Fysio- og ergoterapi")
    page.locator("#id_user").select_option(label="Sofie Lunde")
    page.get_by_label("Rolle i teamet").fill("Ergoterapeut")
    page.get_by_role("button", name="Legg til").click()
    assert page.get_by_role("row", name=re.compile("Sofie Lunde")).is_visible()
    assert_accessible(page)

    # 7. The member sees the person while in the team, and not after leaving.
    member = browser.new_context(locale="nb-NO")
    member_page = member.new_page()
    member_page.base_url = page.base_url
    demo_sign_in(member_page, "Sofie Lunde")
    response = member_page.goto(f"{page.base_url}/personer/{person.pk}/")
    assert response.status == 200
    page.get_by_role("button", name="Avslutt Sofie Lunde").click()
    response = member_page.goto(f"{page.base_url}/personer/{person.pk}/")
    assert response.status == 404
    member.close()
