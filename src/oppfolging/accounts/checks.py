"""System checks for settings that are dangerous together."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.DEMO_MODE and not settings.DEBUG and not settings.TESTING:
        problems.append(
            Warning(
                "OPPFOLGING_DEMO is on without DEBUG: the demo sign-in list is public.",
                hint="Turn OPPFOLGING_DEMO off in production.",
                id="oppfolging.W001",
            )
        )
    if settings.ALLOW_SYNTHETIC_IDS and not (settings.DEMO_MODE or settings.TESTING or settings.DEBUG):
        problems.append(
            Error(
                "ALLOW_SYNTHETIC_IDS is on in a production installation.",
                hint="Synthetic test numbers belong to demo and test installations only.",
                id="oppfolging.E001",
            )
        )
    if not settings.DEBUG and "insecure" in settings.SECRET_KEY:
        problems.append(Error("SECRET_KEY is the development key.", id="oppfolging.E002"))
    if settings.OIDC_ENABLED and not getattr(settings, "OIDC_OP_ISSUER", ""):
        problems.append(
            Error(
                "ID-porten sign-in is on (OIDC_RP_CLIENT_ID) without OIDC_OP_ISSUER: every sign-in is refused.",
                hint="Set OIDC_OP_ISSUER to ID-porten's issuer, https://idporten.no in production.",
                id="oppfolging.E011",
            )
        )
    return problems
