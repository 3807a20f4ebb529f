"""A NUL (``%00``) in the portal's service search is dropped, not sent to the database (#13.10)."""

from __future__ import annotations

from django.urls import reverse

from oppfolging.catalogue.models import Service


def test_a_nul_in_the_portals_service_search_is_dropped(cast, portal):
    Service.objects.filter(pk=cast.service.pk).update(name="Hjemmesykepleie")
    client = cast.client_for(portal.person_user)
    client.raise_request_exception = False
    response = client.get(reverse("portal:services", args=[cast.person.pk]) + "?q=hjemme%00")
    assert response.status_code == 200
    assert "Hjemmesykepleie" in response.content.decode()
