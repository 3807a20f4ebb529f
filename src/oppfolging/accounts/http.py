"""The request as our views see it: a signed-in user, the municipality they work in, their roles.

ActiveMunicipalityMiddleware sets the three attributes on every request; views of signed-in
users annotate their request with this class instead of silencing the type checker.
"""

from __future__ import annotations

from django.http import HttpRequest

from oppfolging.accounts.models import Municipality, User


class AuthenticatedHttpRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    municipality: Municipality | None
    roles: frozenset[str]
    all_municipalities: list[Municipality]
