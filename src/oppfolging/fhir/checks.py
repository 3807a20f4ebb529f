"""System checks for the FHIR API's token settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def fhir_token_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if settings.FHIR_DEV_ISSUER and not (settings.DEBUG or settings.TESTING):
        problems.append(Error(
            "FHIR_DEV_ISSUER is on without DEBUG: anyone with the development key could mint tokens.",
            hint="Unset FHIR_DEV_ISSUER and set FHIR_TOKEN_ISSUER and FHIR_JWKS_URL to HelseID's.",
            id="oppfolging.fhir.E001"))
    if not settings.FHIR_DEV_ISSUER and settings.FHIR_TOKEN_ISSUER and not settings.FHIR_JWKS_URL:
        problems.append(Warning(
            "FHIR_TOKEN_ISSUER is set but FHIR_JWKS_URL is not: the FHIR API will refuse every token.",
            id="oppfolging.fhir.W001"))
    return problems
