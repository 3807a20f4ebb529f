from django.test import RequestFactory

from oppfolging.audit.services import client_ip


def test_it_uses_the_socket_address_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "10.0.0.1"


def test_it_takes_the_address_our_proxy_saw_and_ignores_forged_ones(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "203.0.113.7"


def test_it_records_the_client_address_for_writes_made_deep_in_services(cast):
    from django.urls import reverse

    from oppfolging.audit.models import AuditEvent

    cast.client_for(cast.cu).post(reverse("teams:wish_record", args=[cast.person.pk]),
                                  {"stated_by": "person", "text": "Kim"}, REMOTE_ADDR="192.0.2.44")
    assert AuditEvent.objects.get(resource="coordinator_wish").ip == "192.0.2.44"
