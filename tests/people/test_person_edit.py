from __future__ import annotations

from django.urls import reverse

from oppfolging.audit.models import AuditEvent
from oppfolging.people.models import Person


def form_data(person: Person, **changes: object) -> dict[str, object]:
    data = {
        "given_name": person.given_name, "family_name": person.family_name,
        "identity_number": person.identity_number, "birth_date": "", "gender": person.gender,
        "phone": person.phone, "email": person.email, "address": person.address,
        "postal_code": person.postal_code, "postal_place": person.postal_place,
        "preferred_language": "", "gp": person.gp_id or "", "version": person.version,
    }
    data.update(changes)
    return data


def test_it_saves_a_change_and_logs_it(cast):
    url = reverse("people:edit", args=[cast.person.pk])
    response = cast.client_for(cast.cu).post(url, form_data(cast.person, phone="98765432"))
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[cast.person.pk])
    cast.person.refresh_from_db()
    assert cast.person.phone == "98765432"
    assert cast.person.version == 2
    event = AuditEvent.objects.get(person=cast.person, action="update")
    assert event.actor == cast.cu and event.resource == "person"


def test_it_refuses_a_stale_save_and_keeps_both_changes_visible(cast):
    url = reverse("people:edit", args=[cast.person.pk])
    colleague_a = cast.client_for(cast.cu)
    stale = form_data(cast.person, phone="11111111")
    # Someone else saves first, from the same starting version.
    assert colleague_a.post(url, form_data(cast.person, phone="22222222")).status_code == 302
    response = colleague_a.post(url, stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Noen andre har lagret en endring mens du skrev" in html
    assert "22222222" in html  # the other change is shown
    assert 'value="11111111"' in html  # and what this user typed is kept
    cast.person.refresh_from_db()
    assert cast.person.phone == "22222222"
    assert cast.person.version == 2
    # Saving again from the page (now carrying version 2) is a deliberate overwrite.
    resubmit = form_data(cast.person, phone="11111111")
    assert colleague_a.post(url, resubmit).status_code == 302
    cast.person.refresh_from_db()
    assert cast.person.phone == "11111111"


def test_it_rejects_an_invalid_identity_number_with_a_field_message(cast):
    url = reverse("people:edit", args=[cast.person.pk])
    number = cast.person.identity_number
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    response = cast.client_for(cast.cu).post(url, form_data(cast.person, identity_number=bad))
    assert response.status_code == 200
    assert "Kontrollsifrene stemmer ikke" in response.content.decode()
    cast.person.refresh_from_db()
    assert cast.person.identity_number == number


def test_it_is_read_only_for_the_gp(cast):
    url = reverse("people:edit", args=[cast.person.pk])
    client = cast.client_for(cast.gp)
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(cast.person, phone="1")).status_code == 403


def test_it_hides_the_form_from_strangers_and_colleagues(cast):
    url = reverse("people:edit", args=[cast.person.pk])
    assert cast.client_for(cast.stranger).get(url).status_code == 404
    assert cast.client_for(cast.colleague).post(url, form_data(cast.person)).status_code == 404
