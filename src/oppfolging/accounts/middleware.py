"""Attach the municipality the user works in now, and their roles there, to each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from oppfolging.access.policy import role_assignments

SESSION_KEY = "municipality_id"


class ActiveMunicipalityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.municipality = None  # type: ignore[attr-defined]
        request.roles = frozenset()  # type: ignore[attr-defined]
        assignments = role_assignments(request.user)  # type: ignore[arg-type]
        municipalities = {a.municipality_id: a.municipality for a in assignments if a.municipality}
        if municipalities:
            chosen = request.session.get(SESSION_KEY)
            active = municipalities.get(chosen) or min(
                municipalities.values(), key=lambda m: m.name
            )
            request.municipality = active  # type: ignore[attr-defined]
        active_id = request.municipality.pk if request.municipality else None  # type: ignore[attr-defined]
        request.roles = frozenset(  # type: ignore[attr-defined]
            a.role for a in assignments if a.municipality_id in (active_id, None)
        )
        request.all_municipalities = sorted(  # type: ignore[attr-defined]
            municipalities.values(), key=lambda m: m.name
        )
        return self.get_response(request)
