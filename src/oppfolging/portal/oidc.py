"""Sign-in for the person and next of kin through ID-porten (OpenID Connect).

ID-porten identifies the citizen by their fødselsnummer in the `pid` claim of the ID token. A
citizen gets an account here only when the register knows them, as a person followed up or as a
related person; everyone else is refused. The account is bound to that number
(`portal.models.CitizenAccount`) and found by it on every sign-in; what it may see is derived
from the register at request time (`access.policy.portal_grants`), never from links stored when
the account was made. The authorization request uses PKCE and asks for ID-porten's level
(`OIDC_ACR_VALUES`); the ID token's `acr` must be at least that level. Configured with the
OIDC_* variables (docs/portal.md).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from oppfolging.accounts.models import User
from oppfolging.portal import services
from oppfolging.portal.services import username_for  # noqa: F401 (the name tests and docs use)

logger = logging.getLogger(__name__)

# ID-porten's levels of assurance, lowest first (eID levels "betydelig" and "høyt").
ACR_LEVELS = ("idporten-loa-substantial", "idporten-loa-high")


def required_acr() -> str:
    """Return the lowest level of assurance «Min plan» accepts (OIDC_ACR_VALUES)."""
    wanted = str(getattr(settings, "OIDC_ACR_VALUES", ACR_LEVELS[-1])).split()
    known = [level for level in wanted if level in ACR_LEVELS]
    # Several values ask ID-porten to pick; the lowest of them is what we accept.
    return min(known, key=ACR_LEVELS.index) if known else ACR_LEVELS[-1]


def acr_sufficient(acr: object) -> bool:
    """Tell whether the ID token's `acr` is at least the level «Min plan» requires."""
    return acr in ACR_LEVELS and ACR_LEVELS.index(str(acr)) >= ACR_LEVELS.index(required_acr())


class IdPortenBackend(OIDCAuthenticationBackend):
    """Match ID-porten's `pid` to the account bound to it, and the register, on every sign-in."""

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the claims of the verified ID token: `pid` and `acr` are taken from there.

        The userinfo endpoint is not asked: the ID token is signed by ID-porten and was checked
        (signature, audience, nonce) before this is called.
        """
        return dict(payload)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        pid = str(claims.get("pid", ""))
        if not (len(pid) == 11 and pid.isdigit()):
            return False
        if not acr_sufficient(claims.get("acr")):
            logger.warning("ID-porten sign-in refused: level of assurance %r below %r",
                           claims.get("acr"), required_acr())
            return False
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        """Return the account bound to the `pid`, whatever records once linked to it."""
        pid = str(claims.get("pid", ""))
        if not pid:
            return User.objects.none()
        return User.objects.filter(citizen_account__identity_number=pid)

    def create_user(self, claims: dict[str, Any]) -> User | None:
        """Make an account bound to the `pid`, when the register knows the number."""
        return services.citizen_account_sign_in(pid=str(claims["pid"]), user=None)

    def update_user(self, user: User, claims: dict[str, Any]) -> User | None:
        """Sign the bound account in, while the register still knows its number."""
        return services.citizen_account_sign_in(pid=str(claims["pid"]), user=user)

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "an ID-porten citizen"
