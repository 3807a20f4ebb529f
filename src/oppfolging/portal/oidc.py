"""Sign-in for the person and next of kin through ID-porten (OpenID Connect).

ID-porten identifies the citizen by their fødselsnummer in the `pid` claim of the ID token. A
citizen gets an account here only when the register knows them, as a person followed up or as a
related person; everyone else is refused. The account is bound to that number
(`portal.models.CitizenAccount`) and found by it on every sign-in; what it may see is derived
from the register at request time (`access.policy.portal_grants`), never from links stored when
the account was made. The authorization request uses PKCE and asks for ID-porten's level
(`OIDC_ACR_VALUES`); the ID token's `acr` must be at least that level. The ID token itself must
be signed by ID-porten, issued by the configured issuer (`OIDC_OP_ISSUER`) to our client id, be
within its lifetime (`exp`, `iat`, with a small leeway for clocks) and carry the nonce this browser
was given. A refused sign-in is logged with its reason (never the identity number) in the
application log and in the access log, where the administrators see it
(`audit.services.audit_sign_in_refused`), and the citizen sees a page saying what to do. Configured with the OIDC_* variables (docs/portal.md).
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from oppfolging.accounts.models import User
from oppfolging.audit.models import SignInRefusal
from oppfolging.audit.services import audit_sign_in_refused
from oppfolging.portal import services
from oppfolging.portal.services import username_for  # noqa: F401 (the name tests and docs use)

logger = logging.getLogger(__name__)

# ID-porten's levels of assurance, lowest first (eID levels "betydelig" and "høyt").
ACR_LEVELS = ("idporten-loa-substantial", "idporten-loa-high")
# Seconds of clock difference allowed between ID-porten and us for `exp` and `iat`.
LEEWAY_SECONDS = 60

# Why a sign-in was refused, kept on the request for the callback's page (`IdPortenCallbackView`).
LEVEL, TOKEN, UNKNOWN = "level", "token", "unknown"
REFUSAL_ATTR = "idporten_refusal"
# The reason as the access log records it (audit.models.SignInRefusal), kept beside it.
AUDIT_ATTR = "idporten_audit_refusal"
# The checks of `id_token_claims` that are not a plain invalid token.
_REASONS = {"nonce does not match this sign-in": SignInRefusal.NONCE, "no nonce": SignInRefusal.NONCE,
            "exp has passed": SignInRefusal.EXPIRED, "iat or nbf is in the future": SignInRefusal.EXPIRED}


class IdTokenRefused(SuspiciousOperation):
    """Raised when ID-porten's ID token fails a check; `reason` names the check, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"ID-porten ID token refused: {reason}")
        self.reason = reason


def required_acr() -> str:
    """Return the lowest level of assurance «Min plan» accepts (OIDC_ACR_VALUES)."""
    wanted = str(getattr(settings, "OIDC_ACR_VALUES", ACR_LEVELS[-1])).split()
    known = [level for level in wanted if level in ACR_LEVELS]
    # Several values ask ID-porten to pick; the lowest of them is what we accept.
    return min(known, key=ACR_LEVELS.index) if known else ACR_LEVELS[-1]


def acr_sufficient(acr: object) -> bool:
    """Tell whether the ID token's `acr` is at least the level «Min plan» requires."""
    return acr in ACR_LEVELS and ACR_LEVELS.index(str(acr)) >= ACR_LEVELS.index(required_acr())


def _refuse(request: HttpRequest | None, reason: str, detail: str, logged: SignInRefusal) -> None:
    logger.warning("ID-porten sign-in refused (%s): %s", reason, detail)
    if request is not None:
        setattr(request, REFUSAL_ATTR, reason)
        setattr(request, AUDIT_ATTR, logged)


def id_token_claims(token: str, key: Any, *, nonce: str | None) -> dict[str, Any]:
    """Return the ID token's claims once every check passed; raise IdTokenRefused otherwise.

    Checks the signature (with `OIDC_RP_SIGN_ALGO` only), `aud` (our client id), `iss`
    (`OIDC_OP_ISSUER`), `exp` and `iat` (not expired, not issued in the future, both with
    LEEWAY_SECONDS) and `nonce` (the one stored in this browser's session for this sign-in).
    """
    algorithm = settings.OIDC_RP_SIGN_ALGO
    issuer = getattr(settings, "OIDC_OP_ISSUER", "")
    if not issuer:
        raise IdTokenRefused("no issuer configured (OIDC_OP_ISSUER)")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != algorithm:
            raise IdTokenRefused(f"algorithm {header.get('alg')!r}")
        payload: dict[str, Any] = jwt.decode(
            token, key, algorithms=[algorithm], audience=settings.OIDC_RP_CLIENT_ID, issuer=issuer,
            leeway=LEEWAY_SECONDS, options={"require": ["iss", "aud", "exp", "iat", "nonce"]},
        )
    except jwt.MissingRequiredClaimError as error:
        raise IdTokenRefused(f"no {error.claim}") from None
    except jwt.InvalidAudienceError:
        raise IdTokenRefused("aud is not our client id") from None
    except jwt.InvalidIssuerError:
        raise IdTokenRefused("iss is not the configured issuer") from None
    except jwt.ExpiredSignatureError:
        raise IdTokenRefused("exp has passed") from None
    except jwt.ImmatureSignatureError:
        raise IdTokenRefused("iat or nbf is in the future") from None
    except jwt.PyJWTError as error:
        raise IdTokenRefused(f"invalid token ({type(error).__name__})") from None
    if not nonce or payload.get("nonce") != nonce:
        raise IdTokenRefused("nonce does not match this sign-in")
    return payload


class IdPortenBackend(OIDCAuthenticationBackend):
    """Match ID-porten's `pid` to the account bound to it, and the register, on every sign-in."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        """Sign in from ID-porten's callback; None, logged with its reason, when refused."""
        try:
            return super().authenticate(request, **kwargs)
        except IdTokenRefused as error:
            _refuse(request, TOKEN, error.reason, _REASONS.get(error.reason, SignInRefusal.TOKEN))
        except requests.RequestException as error:  # the code exchange or the keys
            _refuse(request, TOKEN, type(error).__name__, SignInRefusal.PROVIDER)
        except SuspiciousOperation as error:
            nonce = "Nonce" in str(error)  # the library's own nonce check
            _refuse(request, TOKEN, type(error).__name__, SignInRefusal.NONCE if nonce else SignInRefusal.TOKEN)
        except jwt.PyJWTError as error:
            _refuse(request, TOKEN, type(error).__name__, SignInRefusal.TOKEN)
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """Check the ID token's signature and claims (`id_token_claims`), never only the signature."""
        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
            key = self.OIDC_RP_IDP_SIGN_KEY or self.retrieve_matching_jwk(token)
        else:
            key = self.OIDC_RP_CLIENT_SECRET
        return id_token_claims(token, key, nonce=kwargs.get("nonce"))

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the claims of the verified ID token: `pid` and `acr` are taken from there.

        The userinfo endpoint is not asked: the ID token is signed by ID-porten and was checked
        (signature, audience, nonce) before this is called.
        """
        return dict(payload)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        pid = str(claims.get("pid", ""))
        if not (len(pid) == 11 and pid.isdigit()):
            _refuse(getattr(self, "request", None), TOKEN, "no valid pid", SignInRefusal.TOKEN)
            return False
        if not acr_sufficient(claims.get("acr")):
            _refuse(getattr(self, "request", None), LEVEL,
                    f"level of assurance {claims.get('acr')!r} below {required_acr()!r}", SignInRefusal.LEVEL)
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


class IdPortenCallbackView(OIDCAuthenticationCallbackView):
    """Finish ID-porten sign-in; a refusal gets a page that says why and what to do (403)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except SuspiciousOperation:
            # A state this browser's session does not hold (replayed, or from another sign-in):
            # the library raises (a 400 nobody records); it is a refused sign-in like the rest.
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, REFUSAL_ATTR, "")
        logged = getattr(self.request, AUDIT_ATTR, None)
        if not reason:
            # Cancelled at ID-porten, or an unknown or replayed state, is a failed sign-in; a
            # sign-in that passed every check but found nobody is a citizen the register lacks.
            # (`self.user` is set only once the code was exchanged: not for a stale session.)
            cancelled = bool(self.request.GET.get("error"))
            failed = cancelled or not hasattr(self, "user")
            reason = TOKEN if failed else UNKNOWN
            if failed:
                logger.warning("ID-porten sign-in failed at the provider or with an unknown state.")
                logged = SignInRefusal.PROVIDER if cancelled else SignInRefusal.STATE
            else:
                logger.warning("ID-porten sign-in refused (%s): the register knows no such number", UNKNOWN)
                logged = SignInRefusal.UNKNOWN
        audit_sign_in_refused(request=self.request, channel="sign_in_idporten",
                              reason=logged or SignInRefusal.TOKEN)
        return render(self.request, "portal/idporten_refused.html", {"reason": reason}, status=403)
