"""The request as our views see it: a signed-in user, the municipality they work in, their roles.

ActiveMunicipalityMiddleware sets the three attributes on every request; views of signed-in
users annotate their request with AuthenticatedHttpRequest instead of silencing the type checker.
"""

from __future__ import annotations

from django.http import HttpRequest

from oppfolging.accounts.models import Municipality, User


class MunicipalityHttpRequest(HttpRequest):
    """Any request after ActiveMunicipalityMiddleware; the user may not be signed in."""

    municipality: Municipality | None
    roles: frozenset[str]
    all_municipalities: list[Municipality]
    # Set by a view that has counted the user's open inbox items, so the menu need not count again.
    inbox_waiting: int


class AuthenticatedHttpRequest(MunicipalityHttpRequest):
    """A request to a view behind LoginRequiredMiddleware: the user is signed in."""

    user: User
