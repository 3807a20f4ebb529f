"""Scope the access policy's per-request work to the request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from oppfolging.access.policy import request_scope


class AccessScopeMiddleware:
    """Let the policy compile a user's filter of visible persons once per request.

    The answer is never kept, only the SQL (`policy.persons_visible_to`); the scope ends with the
    request, so nothing carries over to the next one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            return self.get_response(request)
