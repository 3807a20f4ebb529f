"""Which written standard a page and a message are in: bokmål, nynorsk or English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import formats, translation

from oppfolging.accounts.locale import browser_norwegian
from oppfolging.accounts.models import User, written_standard
from oppfolging.notifications import delivery
from oppfolging.notifications.models import Kind, Notification


def lang_of(response) -> str:  # noqa: ANN001
    page = response.content.decode()
    start = page.index('<html lang="') + len('<html lang="')
    return page[start:page.index('"', start)]


def test_it_offers_bokmal_nynorsk_and_english_each_in_its_own_name(cast):
    page = cast.client_for(cast.cu).get("/").content.decode()
    for code, name in (("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English")):
        assert f'value="{code}" class="link-button" lang="{code}"' in page
        assert f">{name}</button>" in page
    assert 'value="nb" class="link-button" lang="nb" aria-pressed="true"' in page


def test_it_uses_the_users_own_choice_first(cast):
    cast.municipality.language = "nb"
    cast.municipality.save()
    cast.cu.language = "nn"
    cast.cu.save()
    response = cast.client_for(cast.cu).get("/")
    assert lang_of(response) == "nn"
    assert response["Content-Language"] == "nn"


def test_it_uses_the_municipalitys_malform_for_staff_who_have_not_chosen(cast):
    cast.municipality.language = "nn"
    cast.municipality.save()
    client = cast.client_for(cast.cu)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # a visitor's cookie does not beat the målform
    assert lang_of(client.get("/")) == "nn"
    cast.cu.language = "en"
    cast.cu.save()
    assert lang_of(client.get("/")) == "en"


def test_the_header_switch_remembers_the_choice_on_the_user(cast):
    cast.municipality.language = "nn"
    cast.municipality.save()
    client = cast.client_for(cast.cu)
    response = client.post("/i18n/setlang/", {"language": "nb", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    cast.cu.refresh_from_db()
    assert cast.cu.language == "nb"
    assert lang_of(client.get("/")) == "nb"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    cast.cu.refresh_from_db()
    assert cast.cu.language == "nb"


def test_a_visitor_gets_the_language_of_the_switch_or_a_norwegian_browser(db):
    client = Client()
    assert lang_of(client.get("/logg-inn/", HTTP_ACCEPT_LANGUAGE="nn-NO,nn;q=0.9,en;q=0.5")) == "nn"
    assert lang_of(client.get("/logg-inn/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9,nn;q=0.5")) == "nb"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/logg-inn/"})
    assert response.status_code == 302
    assert lang_of(client.get("/logg-inn/", HTTP_ACCEPT_LANGUAGE="nn")) == "en"


@pytest.mark.parametrize(("header", "expected"), [
    ("nn", "nn"), ("nn-NO", "nn"), ("no,en", "nb"), ("nb-NO,nn;q=0.8", "nb"),
    ("en-US,en", None), ("", None), ("*", None), ("de,nn", None),
])
def test_it_reads_a_norwegian_written_standard_from_the_browser(header, expected):
    assert browser_norwegian(header) == expected


def test_the_public_report_form_is_in_the_municipalitys_malform(cast):
    cast.municipality.language = "nn"
    cast.municipality.save()
    client = Client()
    assert lang_of(client.get(f"/meld-behov/{cast.municipality.number}/")) == "nn"
    assert lang_of(client.get(f"/meld-behov/{cast.other_municipality.number}/")) == "nb"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    assert lang_of(client.get(f"/meld-behov/{cast.municipality.number}/")) == "nb"


def test_min_plan_is_in_the_persons_municipalitys_malform(cast):
    cast.municipality.language = "nn"
    cast.municipality.save()
    own = User.objects.create(username="petra", first_name="Petra", last_name="Person")
    cast.person.user = own
    cast.person.save(update_fields=["user"])
    client = Client()
    client.force_login(own)
    assert lang_of(client.get("/min-plan/", follow=True)) == "nn"


def test_the_administrator_sets_the_municipalitys_malform(cast):
    response = cast.client_for(cast.admin).post("/kommune/innstillinger/", {
        "referral_deadline_urgent_days": "3", "referral_deadline_soon_days": "7",
        "referral_deadline_days": "14", "contact_email": "", "language": "nn",
        "version": cast.municipality.version})
    assert response.status_code == 302
    cast.municipality.refresh_from_db()
    assert cast.municipality.language == "nn"


def test_a_message_is_written_in_the_recipients_malform(cast):
    cast.municipality.language = "nn"
    cast.municipality.save()
    assert written_standard(None, cast.municipality) == "nn"
    assert written_standard(cast.cu, None) == "nb"
    notification = Notification.objects.create(
        key="t-nn", kind=Kind.MESSAGE_FROM_TEAM, municipality=cast.municipality, person=cast.person,
        recipient_person=cast.person)
    with translation.override("nn"):
        expected = str(delivery.WHAT_WAITS[Kind.MESSAGE_FROM_TEAM])
    assert expected != "Du har fått en ny melding fra teamet i Oppfølging."
    assert expected in delivery.render(notification, "email").body
    cast.municipality.language = "nb"
    cast.municipality.save()
    notification.refresh_from_db()
    assert "Du har fått en ny melding fra teamet i Oppfølging." in delivery.render(notification, "email").body


def test_nynorsk_dates_and_numbers_are_written_as_in_bokmal():
    day = dt.date(2026, 11, 12)
    with translation.override("nn"):
        assert formats.date_format(day) == "12. november 2026"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "12.11.2026"
        assert formats.number_format(1234.5, 1, use_l10n=True, force_grouping=True) == "1\xa0234,5"
        assert formats.date_format(day, "l") == "torsdag"


def test_a_next_of_kin_who_chose_nynorsk_gets_nynorsk_in_a_bokmal_municipality(cast):
    kin_user = User.objects.create(username="nils", first_name="Nils", last_name="Person", language="nn")
    cast.next_of_kin.user = kin_user
    cast.next_of_kin.save(update_fields=["user"])
    notification = Notification.objects.create(
        key="t-kin-nn", kind=Kind.MESSAGE_FROM_TEAM, municipality=cast.municipality, person=cast.person,
        recipient_related=cast.next_of_kin)
    assert delivery.recipient_language(notification) == "nn"
    with translation.override("nn"):
        expected = str(delivery.WHAT_WAITS[Kind.MESSAGE_FROM_TEAM])
    assert expected in delivery.render(notification, "sms").body
