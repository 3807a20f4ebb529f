"""Sign-in for staff through HelseID (OpenID Connect, authorization code with PKCE).

HelseID identifies health personnel by their HPR number (`helseid://claims/hpr/hpr_number`) and
everyone by their national identity number (`helseid://claims/identity/pid`). A staff member
signs in only as a user the municipality has already registered, matched on the HPR number or,
failing that, the identity number; nobody gets an account by signing in, and a refusal is logged
in the application log and in the access log, where the administrators see it
(`audit.services.audit_sign_in_refused`: the reason, the address and the HPR number, never
the token or the identity number).

Kept apart from ID-porten (portal/oidc.py): its own settings (settings.HELSEID_OIDC), its own
backend that only ever acts on HelseID's callback, and its own start and callback views.
The same matching serves the FHIR API's tokens on behalf of a user (fhir/access.py).
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from oppfolging.accounts.models import User
from oppfolging.audit.models import SignInRefusal
from oppfolging.audit.services import audit_sign_in_refused

logger = logging.getLogger(__name__)

HPR_CLAIMS = ("helseid://claims/hpr/hpr_number", "hpr_number")
# Seconds our clock and HelseID's may differ when a token's times are checked.
CLOCK_LEEWAY = 30
PID_CLAIMS = ("helseid://claims/identity/pid", "pid")
SECURITY_LEVEL_CLAIMS = ("helseid://claims/identity/security_level", "security_level")
BACKEND_PATH = "oppfolging.accounts.helseid.HelseIdBackend"


def _claim(claims: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = claims.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value).strip()
    return ""


def hpr_number_of(claims: dict[str, Any]) -> str:
    return _claim(claims, HPR_CLAIMS)


def pid_of(claims: dict[str, Any]) -> str:
    return _claim(claims, PID_CLAIMS)


def security_level_sufficient(claims: dict[str, Any]) -> bool:
    """Tell whether the sign-in's security level is at least HELSEID_MIN_SECURITY_LEVEL."""
    level = _claim(claims, SECURITY_LEVEL_CLAIMS)
    return level.isdigit() and int(level) >= int(helseid_setting("HELSEID_MIN_SECURITY_LEVEL", 4))


def _one(users: Any) -> User | None:
    found = list(users[:2])
    return found[0] if len(found) == 1 else None


def staff_user_for_claims(claims: dict[str, Any]) -> User | None:
    """Return the one active staff user the claims name (HPR number first), or None."""
    staff = User.objects.filter(is_active=True, role_assignments__isnull=False).distinct()
    hpr = hpr_number_of(claims)
    if hpr.isdigit():
        user = _one(staff.filter(hpr_number=hpr))
        if user is not None:
            return user
    pid = pid_of(claims)
    if len(pid) == 11 and pid.isdigit():
        return _one(staff.filter(national_id=pid))
    return None


def user_for_claims(claims: dict[str, Any]) -> User | None:
    """Return the user a token on behalf of someone names: staff, else a «Min plan» account.

    A person or next of kin is found only through the account bound to their identity number
    (ID-porten made it, `portal.models.CitizenAccount`); nothing is created here.
    """
    user = staff_user_for_claims(claims)
    if user is not None:
        return user
    pid = pid_of(claims)
    if len(pid) != 11 or not pid.isdigit():
        return None
    # The account bound to the number at its ID-porten sign-in, never one a record links to.
    return _one(User.objects.filter(is_active=True, citizen_account__identity_number=pid))


def helseid_setting(attr: str, *args: Any) -> Any:
    """Read a setting of the HelseID client, never ID-porten's OIDC_* settings."""
    if attr in settings.HELSEID_OIDC:
        return settings.HELSEID_OIDC[attr]
    if args:
        return args[0]
    raise ImproperlyConfigured(f"HelseID setting {attr} is missing.")


class HelseIdBackend(OIDCAuthenticationBackend):
    """Authenticate HelseID's callback only, and only as a staff user who already exists."""

    get_settings = staticmethod(helseid_setting)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Password sign-in and ID-porten's callback also ask every backend; this one answers
        # only the HelseID callback, which passes helseid=True.
        if not kwargs.pop("helseid", False):
            return None
        self.refused_claims: dict[str, Any] | None = None
        self.refused_level = False
        return super().authenticate(request, **kwargs)

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Exchange the code, authenticating with a signed client assertion when a key is set."""
        key_file = helseid_setting("HELSEID_CLIENT_KEY_FILE", "")
        if key_file:
            payload = dict(payload)
            payload.pop("client_secret", None)
            payload["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            audience = helseid_setting("HELSEID_ASSERTION_AUDIENCE", "") or self.OIDC_OP_TOKEN_ENDPOINT
            payload["client_assertion"] = client_assertion(
                Path(key_file).read_bytes(), self.OIDC_RP_CLIENT_ID, audience
            )
        return super().get_token(payload)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was issued to another client.")
        issuer = helseid_setting("HELSEID_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        now = time.time()
        if payload.get("exp", 0) < now - CLOCK_LEEWAY:
            raise SuspiciousOperation("The ID token has expired.")
        issued = payload.get("iat")
        if not isinstance(issued, int | float) or issued > now + CLOCK_LEEWAY:
            raise SuspiciousOperation("The ID token has no time of issue, or one in the future.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the ID token's claims completed by the userinfo endpoint's."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            claims.update(super().get_userinfo(access_token, id_token, payload))
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(hpr_number_of(claims) or pid_of(claims))

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not security_level_sufficient(claims):
            self.refused_level = True
            logger.warning("HelseID sign-in refused: security level %r below %s",
                           _claim(claims, SECURITY_LEVEL_CLAIMS), helseid_setting("HELSEID_MIN_SECURITY_LEVEL", 4))
            return None
        user = staff_user_for_claims(claims) if self.verify_claims(claims) else None
        if user is None:
            self.refused_claims = claims
            hpr = hpr_number_of(claims)
            logger.warning(
                "HelseID sign-in refused: no active staff user with %s",
                f"HPR number {hpr}" if hpr else "that identity number (no HPR number in the claims)",
            )
        return user

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "a HelseID user"


def client_assertion(key_pem: bytes, client_id: str, audience: str) -> str:
    """Return a private_key_jwt client assertion (RFC 7523) addressed to the provider."""
    now = int(time.time())
    return jwt.encode(
        {"iss": client_id, "sub": client_id, "aud": audience, "jti": str(uuid.uuid4()),
         "iat": now, "nbf": now, "exp": now + 60},
        key_pem, algorithm="RS256",
    )


class HelseIdRequestView(OIDCAuthenticationRequestView):
    """Send the browser to HelseID with state, nonce and a PKCE challenge."""

    get_settings = staticmethod(helseid_setting)


def _refused(request: HttpRequest, reason: SignInRefusal, *, hpr_number: str = "") -> HttpResponse:
    """Record the refusal in the access log and tell the user what to do (403)."""
    audit_sign_in_refused(request=request, channel="sign_in_helseid", reason=reason, hpr_number=hpr_number)
    return render(request, "accounts/helseid_refused.html",
                  {"unknown": reason == SignInRefusal.UNKNOWN, "level": reason == SignInRefusal.LEVEL}, status=403)


def _refusal_of(error: Exception) -> SignInRefusal:
    """Name the check an exception from the code exchange or the ID token's checks failed."""
    if isinstance(error, requests.RequestException):
        return SignInRefusal.PROVIDER
    message = str(error)
    if "Nonce" in message:  # the library's nonce check
        return SignInRefusal.NONCE
    if "expired" in message or "future" in message:
        return SignInRefusal.EXPIRED
    return SignInRefusal.TOKEN


@login_not_required
def helseid_start(request: HttpRequest) -> HttpResponse:
    """Start HelseID sign-in (404 when HelseID is not configured)."""
    if not settings.HELSEID_ENABLED:
        raise Http404
    return HelseIdRequestView.as_view()(request)


@login_not_required
def helseid_callback(request: HttpRequest) -> HttpResponse:
    """Finish HelseID sign-in: check state, exchange the code with the PKCE verifier, match the user."""
    if not settings.HELSEID_ENABLED:
        raise Http404
    states = request.session.get("oidc_states") or {}
    state = request.GET.get("state", "")
    entry = states.pop(state, None) if state else None
    request.session["oidc_states"] = states
    if entry is None or request.GET.get("error") or not request.GET.get("code"):
        logger.warning("HelseID sign-in failed at the provider or with an unknown state.")
        return _refused(request, SignInRefusal.PROVIDER if request.GET.get("error") else SignInRefusal.STATE)
    backend = HelseIdBackend()
    try:
        user = backend.authenticate(request, helseid=True, nonce=entry.get("nonce"),
                                    code_verifier=entry.get("code_verifier"))
    except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError) as error:
        logger.warning("HelseID sign-in failed: %s", type(error).__name__)
        return _refused(request, _refusal_of(error))
    if backend.refused_level:
        return _refused(request, SignInRefusal.LEVEL)
    if user is None or not user.is_active:
        return _refused(request, SignInRefusal.UNKNOWN, hpr_number=hpr_number_of(backend.refused_claims or {}))
    next_url = request.session.pop("oidc_login_next", None)
    auth.login(request, user, backend=BACKEND_PATH)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
