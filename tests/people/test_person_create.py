from __future__ import annotations

import datetime as dt

from django.urls import reverse

from oppfolging.audit.models import AuditEvent
from oppfolging.lib import identity
from oppfolging.people.models import Person


def data(number: str) -> dict[str, object]:
    return {"given_name": "Ny", "family_name": "Person", "identity_number": number,
            "gender": "male", "birth_date": "", "version": ""}


def test_it_registers_a_person_with_the_birth_date_from_the_number(cast):
    number = identity.make_synthetic(birth_date=dt.date(2010, 3, 4), individual=600)
    response = cast.client_for(cast.cu).post(reverse("people:create"), data(number))
    person = Person.objects.get(identity_number=number)
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert person.birth_date == dt.date(2010, 3, 4)
    assert person.municipality == cast.municipality
    assert person.identity_kind == "tenor"
    assert AuditEvent.objects.filter(person=person, action="create", actor=cast.cu).count() == 1


def test_it_refuses_a_second_person_with_the_same_number(cast):
    response = cast.client_for(cast.cu).post(
        reverse("people:create"), data(cast.person.identity_number)
    )
    assert response.status_code == 200
    assert "allerede registrert" in response.content.decode()
    assert Person.objects.filter(identity_number=cast.person.identity_number).count() == 1


def test_it_is_only_for_the_coordinating_unit(cast):
    assert cast.client_for(cast.gp).get(reverse("people:create")).status_code == 403
    assert cast.client_for(cast.leader).get(reverse("people:create")).status_code == 403


def _token(html: str) -> str:
    import re

    return re.search(r'name="submission_token" value="([0-9a-f-]{36})"', html).group(1)


def test_a_double_click_registers_a_person_without_a_number_once(cast):
    """#13.4: a person known by name only has no unique number to stop a twin; the one-time token does."""
    client = cast.client_for(cast.cu)
    url = reverse("people:create")
    form = {**data(""), "birth_date": "1950-02-03", "submission_token": _token(client.get(url).content.decode())}
    first = client.post(url, form)
    assert first.status_code == 302
    repeat = client.post(url, form, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Ny Person" in repeat.content.decode()
    assert Person.objects.filter(given_name="Ny", family_name="Person").count() == 1


def test_a_double_click_adds_a_next_of_kin_once(cast):
    """#13.4: the next-of-kin form carries the one-time token; a repeat shows the person's page."""
    from oppfolging.people.models import RelatedPerson

    client = cast.client_for(cast.cu)
    url = reverse("people:related_create", args=[cast.person.pk])
    form = {"given_name": "Vera", "family_name": "Verge", "relationship": "guardian", "identity_number": "",
            "phone": "", "email": "", "is_guardian": "on", "version": "",
            "submission_token": _token(client.get(url).content.decode())}
    assert client.post(url, form).status_code == 302
    repeat = client.post(url, form, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Vera Verge" in repeat.content.decode()
    assert RelatedPerson.objects.filter(given_name="Vera", person=cast.person).count() == 1
