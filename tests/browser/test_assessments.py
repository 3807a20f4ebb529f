"""The coordinating unit fills in an assessment with IPLOS and PSFS; every page passes axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.assessments.models import Assessment, AssessmentStatus, MedicalAssessment
from oppfolging.demo.assessments import create_demo_assessments
from oppfolging.lib import identity
from oppfolging.people.models import Gender, Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def setup_people() -> Person:
    municipality = Municipality.objects.create(number="9811", name="Prøvevik kommune")
    cu = User.objects.create(username="demo-ke-test", first_name="Kari", last_name="Koordinerende")
    gp = User.objects.create(username="demo-lege-test", first_name="Lars", last_name="Lege")
    RoleAssignment.objects.create(user=cu, role=Role.COORDINATING_UNIT, municipality=municipality)
    RoleAssignment.objects.create(user=gp, role=Role.GP, municipality=municipality)
    birth = dt.date(1958, 3, 4)
    return Person.objects.create(
        municipality=municipality, given_name="Petra", family_name="Person",
        identity_number=identity.make_synthetic(birth_date=birth, individual=321),
        identity_kind="tenor", birth_date=birth, gender=Gender.FEMALE, gp=gp,
        email="petra@example.invalid",
    )


def test_it_lets_the_coordinating_unit_fill_in_an_assessment(page, demo_sign_in,
                                                              assert_accessible):
    person = setup_people()
    demo_sign_in(page, "Kari Koordinerende")
    page.goto(f"{page.base_url}/utredning/person/{person.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Start ny kartlegging").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start kartleggingen").click()
    page.wait_for_url(re.compile(r"/endre/$"))
    assert_accessible(page)

    page.get_by_role("textbox", name="Hva er viktig for deg?").fill("Å klare meg selv hjemme.")
    page.get_by_label("Aktivitet 1", exact=True).fill("Gå til butikken")
    page.get_by_label("Skår for aktivitet 1").select_option("3")
    page.get_by_label("Aktivitet 2", exact=True).fill("Lage middag")
    page.get_by_label("Skår for aktivitet 2").select_option("6")
    page.get_by_label("Behov – Egen helse").fill("Glemmer medisinene.")
    social = page.get_by_role("group", name="Sosial deltakelse")
    social.get_by_label(re.compile(r"^3 – Middels behov")).check()
    cooking = page.get_by_role("group", name="Lage mat")
    cooking.get_by_label(re.compile(r"^9 – Ikke relevant")).check()
    vision = page.get_by_role("group", name="Syn")
    vision.get_by_label(re.compile(r"^2 – ")).check()
    page.get_by_role("button", name="Lagre", exact=True).click()
    page.wait_for_url(re.compile(rf"/utredning/person/{person.pk}/\d+/$"))
    expect(page.get_by_text(re.compile(r"Snitt: 3[,.]0 \(1 = ikke behov"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Be fastlegen om medisinsk vurdering").click()
    assert_accessible(page)
    page.get_by_label("Hva ønsker dere at fastlegen vurderer?").fill("Tåler hun trening?")
    page.get_by_role("button", name="Send til fastlegen").click()
    page.get_by_role("link", name="Fullfør kartleggingen").click()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, fullfør og lås").click()
    page.wait_for_url(re.compile(rf"/utredning/person/{person.pk}/$"))
    assert_accessible(page)

    page.get_by_role("link", name="Registrer avgjørelse").click()
    assert_accessible(page)
    page.get_by_label("Oppfølgingsteam", exact=True).check()
    page.get_by_label("Begrunnelse").fill("Flere tjenester må samarbeide.")
    page.get_by_role("button", name="Registrer avgjørelsen").click()
    page.wait_for_url(re.compile(rf"/utredning/person/{person.pk}/$"))
    expect(page.get_by_text("Personen fikk beskjed om at svaret ligger i Min plan")).to_be_visible()
    assert_accessible(page)

    assessment = Assessment.objects.get(person=person)
    assert assessment.status == AssessmentStatus.COMPLETED
    assert assessment.psfs_pairs() == [("Gå til butikken", 3), ("Lage middag", 6)]
    assert assessment.iplos_dict() == {"social_participation": 3, "cooking": 9, "vision": 2}
    assert assessment.medical_assessments.count() == 1


def test_it_shows_the_demo_history_and_lets_the_gp_answer(page, demo_sign_in, assert_accessible):
    call_command("demo", skip_risk=True, skip_history=True)
    municipality = Municipality.objects.get(number="9901")
    staff: dict[str, list[User]] = {}
    for assignment in RoleAssignment.objects.filter(municipality=municipality,
                                                    user__username__startswith="demo-"):
        staff.setdefault(assignment.role, []).append(assignment.user)
    erik = User.objects.get(first_name="Erik", last_name="Dahl")
    persons = list(Person.objects.filter(municipality=municipality, gp=erik).order_by("pk"))
    create_demo_assessments(municipality=municipality, persons=persons, staff_by_role=staff,
                            today=dt.date(2026, 1, 1))
    person = persons[0]

    demo_sign_in(page, "Ingrid Solberg")
    page.goto(f"{page.base_url}/utredning/person/{person.pk}/")
    expect(page.get_by_role("heading", name="Endring mellom kartlegginger")).to_be_visible()
    expect(page.get_by_text("tydelig bedre")).to_be_visible()
    assert_accessible(page)
    page.locator("main table a").first.click()
    expect(page.get_by_role("heading", name="IPLOS – behov for hjelp")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    demo_sign_in(page, "Erik Dahl")
    waiting = MedicalAssessment.objects.filter(gp=erik, answered_at__isnull=True).first()
    page.goto(f"{page.base_url}/utredning/person/{waiting.assessment.person_id}/"
              f"legevurdering/{waiting.pk}/")
    assert_accessible(page)
    page.get_by_label("Medisinsk vurdering").fill("Ingen hindring for trening.")
    page.get_by_role("button", name="Send svaret").click()
    page.wait_for_url(re.compile(r"/utredning/person/\d+/\d+/$"))
    expect(page.get_by_text("Ingen hindring for trening.")).to_be_visible()
    assert_accessible(page)
    waiting.refresh_from_db()
    assert waiting.answer == "Ingen hindring for trening."
