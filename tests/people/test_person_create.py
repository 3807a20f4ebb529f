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


def test_the_loser_of_a_race_to_register_the_same_number_is_led_to_the_person(cast, monkeypatch):
    """#13.5: a colleague registers the number between the check and the save: a message and a link, not a 500."""
    number = identity.make_synthetic(birth_date=dt.date(2010, 3, 4), individual=600)
    real_full_clean = Person.full_clean
    registered = []

    def a_colleague_registers_first(self, *args, **kwargs):
        real_full_clean(self, *args, **kwargs)
        if not args and not kwargs:  # the service's own check (the form's passes `exclude`)
            registered.append(Person.objects.create(
                municipality=self.municipality, given_name="Først", family_name="Registrert",
                identity_number=self.identity_number, identity_kind=self.identity_kind, birth_date=self.birth_date))

    monkeypatch.setattr(Person, "full_clean", a_colleague_registers_first)
    response = cast.client_for(cast.cu).post(reverse("people:create"), {**data(number), "phone": "99887766"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Denne personen er allerede registrert i kommunen." in html and 'value="99887766"' in html
    assert f'href="{reverse("people:detail", args=[registered[0].pk])}"' in html
    # Nothing of the losing request is saved (the colleague's row, made here inside the request's
    # transaction, is undone with it; in real life it is the colleague's committed row).
    assert not Person.objects.filter(identity_number=number).exists()


def test_a_second_registration_of_a_number_links_to_the_person_registered(cast):
    response = cast.client_for(cast.cu).post(reverse("people:create"), data(cast.person.identity_number))
    assert f'href="{reverse("people:detail", args=[cast.person.pk])}"' in response.content.decode()
