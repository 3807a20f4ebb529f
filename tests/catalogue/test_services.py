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


def _token(html: str) -> str:
    import re

    return re.search(r'name="submission_token" value="([0-9a-f-]{36})"', html).group(1)


def test_a_double_click_adds_a_service_once(cast):
    """#13.4: the new-service form carries a one-time token; a repeat shows the service made."""
    client = cast.client_for(cast.cu)
    url = reverse("catalogue:create")
    form = service_data(submission_token=_token(client.get(url).content.decode()))
    assert client.post(url, form).status_code == 302
    repeat = client.post(url, form, follow=True)
    assert "Dette var allerede lagret." in repeat.content.decode() and "Frivilligsentralen" in repeat.content.decode()
    assert Service.objects.filter(name="Frivilligsentralen").count() == 1


def test_the_loser_of_a_race_to_add_a_service_by_the_same_name_gets_a_form_error(cast, monkeypatch):
    """#13.5: a colleague adds the same name between the check and the save: a message, not a 500."""
    real_full_clean = Service.full_clean

    def a_colleague_saves_first(self, *args, **kwargs):
        real_full_clean(self, *args, **kwargs)
        if not args and not kwargs:  # the service's own check (the form's passes `exclude`)
            Service.objects.create(municipality=cast.municipality, name=self.name, sector="other")

    monkeypatch.setattr(Service, "full_clean", a_colleague_saves_first)
    response = cast.client_for(cast.cu).post(reverse("catalogue:create"), service_data(description="Mitt."))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Det finnes allerede en tjeneste med dette navnet i katalogen." in html and "Mitt.</textarea>" in html
    # Nothing of the losing request is saved (the colleague's row, made here inside the request's
    # transaction, is undone with it; in real life it is the colleague's committed row).
    assert not Service.objects.filter(name="Frivilligsentralen").exists()
    monkeypatch.undo()
    Service.objects.create(municipality=cast.municipality, name="Frivilligsentralen", sector="other")
    again = cast.client_for(cast.cu).post(reverse("catalogue:create"), service_data(description="Mitt."))
    assert "Det finnes allerede en tjeneste med dette navnet i katalogen." in again.content.decode()
