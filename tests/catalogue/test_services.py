from django.urls import reverse

from oppfolging.catalogue.models import Service


def service_data(**changes):
    data = {"name": "Frivilligsentralen", "sector": "other", "description": "Aktiviteter.",
            "target_group": "", "how_to_get": "Ta kontakt.", "contact_phone": "",
            "contact_email": "", "address": "", "website": "", "is_active": "on", "version": ""}
    data.update(changes)
    return data


def test_it_lists_and_searches_the_catalogue_for_staff(cast):
    client = cast.client_for(cast.colleague)
    html = client.get(reverse("catalogue:list")).content.decode()
    assert "Hjemmesykepleien" in html and "NAV Andreby" not in html
    html = client.get(reverse("catalogue:list"), {"q": "helsehjelp"}).content.decode()
    assert "Hjemmesykepleien" in html
    html = client.get(reverse("catalogue:list"), {"sector": "nav"}).content.decode()
    assert "Hjemmesykepleien" not in html


def test_it_returns_only_the_results_to_htmx(cast):
    response = cast.client_for(cast.colleague).get(
        reverse("catalogue:list"), {"q": "helse"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Hjemmesykepleien" in html and "<html" not in html


def test_it_lets_the_coordinating_unit_add_and_edit_services(cast):
    client = cast.client_for(cast.cu)
    assert client.post(reverse("catalogue:create"), service_data()).status_code == 302
    service = Service.objects.get(name="Frivilligsentralen")
    assert service.municipality == cast.municipality
    url = reverse("catalogue:edit", args=[service.pk])
    assert client.post(url, service_data(description="Nytt.", version=1)).status_code == 302
    stale = client.post(url, service_data(description="Gammelt.", version=1))
    assert "Noen andre har lagret" in stale.content.decode()
    service.refresh_from_db()
    assert service.description == "Nytt."


def test_it_is_read_only_for_team_members_and_hidden_from_other_municipalities(cast):
    edit = reverse("catalogue:edit", args=[cast.service.pk])
    detail = reverse("catalogue:detail", args=[cast.service.pk])
    assert cast.client_for(cast.colleague).get(detail).status_code == 200
    assert cast.client_for(cast.colleague).get(edit).status_code == 403
    assert cast.client_for(cast.colleague).get(reverse("catalogue:create")).status_code == 403
    assert cast.client_for(cast.stranger).get(detail).status_code == 404
    assert cast.client_for(cast.stranger).get(edit).status_code == 404
    assert cast.client_for(cast.evaluator).get(reverse("catalogue:list")).status_code == 404
