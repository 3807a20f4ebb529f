"""Attach the municipality the user works in now, and their roles there, to each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from oppfolging.access.policy import role_assignments
from oppfolging.accounts.http import MunicipalityHttpRequest

SESSION_KEY = "municipality_id"


class ActiveMunicipalityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: MunicipalityHttpRequest) -> HttpResponse:
        request.municipality = None
        request.roles = frozenset()
        assignments = role_assignments(request.user)
        municipalities = {a.municipality_id: a.municipality for a in assignments if a.municipality}
        if municipalities:
            chosen = request.session.get(SESSION_KEY)
            active = municipalities.get(chosen) or min(
                municipalities.values(), key=lambda m: m.name
            )
            request.municipality = active
        active_id = request.municipality.pk if request.municipality else None
        request.roles = frozenset(
            a.role for a in assignments if a.municipality_id in (active_id, None)
        )
        request.all_municipalities = sorted(
            municipalities.values(), key=lambda m: m.name
        )
        return self.get_response(request)


class NoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of anything the app answers (Cache-Control: no-store).

    Pages, fragments, PDFs, documents, calendar feeds and API answers carry personal data; a
    copy in a shared browser's cache or a proxy outlives the session. Static files are served
    before this (WhiteNoise) and stay cacheable; a view that marks its answer public, or already
    says no-store, keeps its own header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        if "public" not in cache_control and "no-store" not in cache_control:
            add_never_cache_headers(response)
        return response
