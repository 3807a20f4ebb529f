"""Report to plan without retyping (#14): one-step registration, urgency deadlines, urgent first."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from tests.referrals.test_triage import make_referral

from oppfolging.access import policy
from oppfolging.accounts.models import Municipality
from oppfolging.lib import identity
from oppfolging.people.models import Person
from oppfolging.referrals import services
from oppfolging.referrals.models import Referral


def test_the_unit_sees_the_contact_details_the_reporter_typed_and_a_prefilled_registration(cast):
    referral = make_referral(cast, subject_given_name="Astrid", subject_family_name="Fjell",
                             subject_birth_date=dt.date(1951, 3, 4), subject_phone="+47 912 34 567",
                             subject_address="Fjellveien 3")
    html = cast.client_for(cast.cu).get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "+47 912 34 567" in html and "Fjellveien 3" in html
    assert 'name="given_name" value="Astrid"' in html
    assert 'value="1951-03-04"' in html
    assert 'name="phone" value="+47 912 34 567"' in html


def test_one_step_registers_without_an_identity_number_and_flags_the_person(cast):
    referral = make_referral(cast, subject_given_name="Astrid", subject_family_name="Fjell",
                             subject_birth_date=dt.date(1951, 3, 4), subject_phone="+47 912 34 567",
                             subject_address="Fjellveien 3")
    client = cast.client_for(cast.cu)
    response = client.post(reverse("referrals:register_person", args=[referral.pk]), {
        "given_name": "Astrid", "family_name": "Fjell", "identity_number": "", "birth_date": "1951-03-04",
        "gender": "female", "phone": "+47 912 34 567", "email": "", "address": "Fjellveien 3",
    }, follow=True)
    assert "registrert uten fødselsnummer" in response.content.decode()
    referral.refresh_from_db()
    person = referral.person
    assert person is not None and person.identity_missing
    assert (person.phone, person.address, person.birth_date) == ("+47 912 34 567", "Fjellveien 3", dt.date(1951, 3, 4))
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "mangler fødselsnummer" in page
    # Two persons without a number do not clash on the empty number.
    other = make_referral(cast, subject_given_name="Bjørn", subject_family_name="Fjell",
                          subject_birth_date=dt.date(1950, 1, 1))
    grant = policy.staff_grant(user=cast.cu, municipality=cast.municipality)
    second = services.referral_register_person(grant=grant, referral=other, given_name="Bjørn",
                                               family_name="Fjell", birth_date=dt.date(1950, 1, 1))
    assert second.identity_missing and second.pk != person.pk


def test_the_flag_goes_when_the_number_is_added(cast):
    referral = make_referral(cast, subject_birth_date=dt.date(1951, 3, 4))
    grant = policy.staff_grant(user=cast.cu, municipality=cast.municipality)
    person = services.referral_register_person(grant=grant, referral=referral, given_name="Astrid",
                                               family_name="Fjell", birth_date=dt.date(1951, 3, 4))
    number = identity.make_synthetic(birth_date=dt.date(1951, 3, 4), individual=321)
    response = cast.client_for(cast.cu).post(reverse("people:edit", args=[person.pk]), {
        "given_name": "Astrid", "family_name": "Fjell", "identity_number": number, "birth_date": "",
        "gender": "female", "version": person.version,
    })
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.identity_number == number and not person.identity_missing


def test_registration_with_a_known_number_links_the_existing_person_instead_of_a_duplicate(cast):
    referral = make_referral(cast, subject_identity_number=cast.person.identity_number)
    grant = policy.staff_grant(user=cast.cu, municipality=cast.municipality)
    person = services.referral_register_person(grant=grant, referral=referral, given_name="Petra",
                                               family_name="Person", birth_date=None,
                                               identity_number=cast.person.identity_number)
    assert person == cast.person
    assert Person.objects.filter(municipality=cast.municipality).count() == 1


def test_registration_needs_a_birth_date_without_a_number(cast):
    referral = make_referral(cast)
    grant = policy.staff_grant(user=cast.cu, municipality=cast.municipality)
    with pytest.raises(ValidationError):
        services.referral_register_person(grant=grant, referral=referral, given_name="A",
                                          family_name="B", birth_date=None)
    assert Referral.objects.get(pk=referral.pk).person is None


@pytest.mark.parametrize(("urgency", "days"), [("urgent", 2), ("soon", 5), ("normal", 10)])
def test_urgency_sets_the_deadline_per_municipality(cast, urgency, days):
    Municipality.objects.filter(pk=cast.municipality.pk).update(
        referral_deadline_urgent_days=2, referral_deadline_soon_days=5, referral_deadline_days=10)
    cast.municipality.refresh_from_db()
    referral = services.referral_create_public(
        municipality=cast.municipality, subject_given_name="A", subject_family_name="B",
        subject_birth_date=dt.date(1990, 1, 1), source="next_of_kin", observations="Trenger hjelp.",
        consent="given", urgency=urgency,
    )
    assert referral.deadline == timezone.localdate() + dt.timedelta(days=days)


def test_the_defaults_are_three_seven_and_fourteen_days(cast):
    m = cast.municipality
    assert [m.referral_deadline_days_for(u) for u in ("urgent", "soon", "normal")] == [3, 7, 14]


def test_the_start_page_shows_every_urgent_report_first_not_the_five_earliest(cast):
    for i in range(6):
        make_referral(cast, subject_given_name=f"Tidlig{i}", deadline=timezone.localdate() + dt.timedelta(days=1))
    for i in range(3):
        make_referral(cast, subject_given_name=f"Haster{i}", urgency="urgent",
                      deadline=timezone.localdate() + dt.timedelta(days=3))
    html = cast.client_for(cast.cu).get(reverse("home:start")).content.decode()
    for i in range(3):
        assert f"Haster{i} Person" in html
        assert html.index(f"Haster{i} Person") < html.index("Tidlig0 Person")
    queue = cast.client_for(cast.cu).get(reverse("referrals:queue")).content.decode()
    assert queue.index("Haster2 Person") < queue.index("Tidlig0 Person")


def test_the_administrator_sets_the_deadlines_per_urgency(cast):
    response = cast.client_for(cast.admin).post(reverse("accounts:municipality_settings"), {
        "referral_deadline_urgent_days": 2, "referral_deadline_soon_days": 6, "referral_deadline_days": 12,
        "contact_email": "", "language": "nb", "version": cast.municipality.version,
    })
    assert response.status_code == 302
    cast.municipality.refresh_from_db()
    assert (cast.municipality.referral_deadline_urgent_days, cast.municipality.referral_deadline_soon_days,
            cast.municipality.referral_deadline_days) == (2, 6, 12)
