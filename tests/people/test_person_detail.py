from __future__ import annotations

from django.urls import reverse

from oppfolging.audit.models import AuditEvent


def url(cast):
    return reverse("people:detail", args=[cast.person.pk])


def test_it_shows_the_person_to_the_coordinating_unit_and_logs_one_read(cast):
    response = cast.client_for(cast.cu).get(url(cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Petra Person" in html
    assert cast.person.identity_number in html
    assert "Nils Person" in html
    assert "Endre personopplysninger" in html
    events = list(AuditEvent.objects.filter(person=cast.person))
    assert len(events) == 1
    event = events[0]
    assert event.actor == cast.cu
    assert event.actor_name == "Kari Koordinerende"
    assert event.actor_role == "coordinating_unit"
    assert event.action == "read"
    assert event.resource == "person"
    assert event.resource_id == str(cast.person.pk)
    assert event.municipality == cast.municipality
    assert event.purpose == "koordinerende enhet i kommunen"
    assert event.break_glass is False
    assert event.ip == "127.0.0.1"


def test_it_shows_the_person_read_only_to_their_gp(cast):
    response = cast.client_for(cast.gp).get(url(cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bare lesetilgang" in html
    assert "Endre personopplysninger" not in html
    assert AuditEvent.objects.get(person=cast.person).actor_role == "gp"


def test_it_hides_the_person_from_a_colleague_who_does_not_serve_them(cast):
    assert cast.client_for(cast.colleague).get(url(cast)).status_code == 404
    assert not AuditEvent.objects.filter(person=cast.person).exists()


def test_it_hides_the_person_from_another_municipality(cast):
    assert cast.client_for(cast.stranger).get(url(cast)).status_code == 404


def test_it_hides_the_person_from_leaders_and_evaluators(cast):
    assert cast.client_for(cast.leader).get(url(cast)).status_code == 404
    assert cast.client_for(cast.evaluator).get(url(cast)).status_code == 404


def test_it_answers_404_for_a_person_that_does_not_exist(cast):
    response = cast.client_for(cast.cu).get(reverse("people:detail", args=[999999]))
    assert response.status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(cast, client):
    response = client.get(url(cast))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
