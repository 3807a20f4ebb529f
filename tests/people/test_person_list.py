from django.urls import reverse

from oppfolging.audit.models import AuditEvent


def test_it_lists_only_persons_the_user_serves(cast):
    html = cast.client_for(cast.gp).get(reverse("people:list")).content.decode()
    assert "Petra Person" in html
    assert "Otto Annen" not in html
    html = cast.client_for(cast.colleague).get(reverse("people:list")).content.decode()
    assert "Petra Person" not in html
    assert "Du ser bare personer du følger opp nå" in html


def test_it_searches_by_name_and_number_and_logs_the_search(cast):
    client = cast.client_for(cast.cu)
    html = client.get(reverse("people:list"), {"q": "petra"}).content.decode()
    assert "Petra Person" in html
    html = client.get(reverse("people:list"), {"q": cast.person.identity_number[:6]}).content.decode()
    assert "Petra Person" in html
    html = client.get(reverse("people:list"), {"q": "ingen-slik"}).content.decode()
    assert "Petra Person" not in html
    assert AuditEvent.objects.filter(actor=cast.cu, action="search", resource="person_list").count() == 3
