"""Which written standard a page is in: the reader's own choice, else their municipality's målform.

Bokmål, nynorsk and English are offered (settings.LANGUAGES). The order, first that applies:

1. a signed-in user's own choice (User.language, also saved by the header's language switch);
2. the målform of the municipality they work in now, or, in «Min plan», of the person's
   municipality; on the public report form, of the municipality the report goes to
   (unless the visitor picked a language with the switch);
3. for a visitor, the language picked with the switch (the cookie set_language writes), else a
   Norwegian written standard the browser asks for (Accept-Language `nn` gives nynorsk);
4. bokmål (settings.LANGUAGE_CODE).

Unlike Django's LocaleMiddleware it ignores an English browser: a Norwegian service reads
Norwegian on an English-language computer until someone asks for English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from oppfolging.access import policy
from oppfolging.accounts.models import Municipality

# Accept-Language tags that name a Norwegian written standard; "no" is Norwegian without saying which.
NORWEGIAN_TAGS = {"nn": "nn", "nn-no": "nn", "nb": "nb", "nb-no": "nb", "no": "nb", "no-no": "nb"}
PUBLIC_FORM = re.compile(r"^/meld-behov/(\d{4})/")


def offered(code: str | None) -> str | None:
    return code if code and code in dict(settings.LANGUAGES) else None


def browser_norwegian(header: str) -> str | None:
    """Return nb or nn when the browser's most wanted Norwegian tag comes before any other language."""
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if not tag:
            continue
        if tag in NORWEGIAN_TAGS:
            return NORWEGIAN_TAGS[tag]
        if tag != "*":
            return None  # another language comes first: keep the default, bokmål
    return None


def municipality_language(request: HttpRequest) -> str | None:
    """Return the målform of the municipality the request belongs to, if it belongs to one."""
    municipality = getattr(request, "municipality", None)
    if municipality is not None:
        return offered(municipality.language)
    user = request.user
    if user.is_authenticated:
        grants = policy.portal_grants(user=user)  # cached on the user; the page uses them too
        return offered(grants[0].person.municipality.language) if grants else None
    if match := PUBLIC_FORM.match(request.path_info):
        return offered(
            Municipality.objects.filter(number=match.group(1)).values_list("language", flat=True).first()
        )
    return None


def language_for(request: HttpRequest) -> str:
    """Return the language code the page should be written in (see the module's docstring)."""
    user = request.user
    cookie = offered(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if user.is_authenticated:
        return offered(user.language) or municipality_language(request) or cookie or settings.LANGUAGE_CODE
    return (
        cookie
        or municipality_language(request)
        or browser_norwegian(request.headers.get("Accept-Language", ""))
        or settings.LANGUAGE_CODE
    )


class ChosenLanguageMiddleware:
    """Activate the written standard for the request; it runs after the user and municipality are known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or language)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response
