"""Bearer tokens for the FHIR API: a JWT verified against the issuer's JWKS.

Checked: the signature (with a key from the JWKS, cached), the algorithm (only those in
FHIR_TOKEN_ALGORITHMS, never `none` or HMAC), issuer, audience, expiry and not-before (with
FHIR_TOKEN_LEEWAY_SECONDS of clock skew). Any failure is a 401 with the reason in an
OperationOutcome; the token itself is never logged.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings

from oppfolging.fhir import dev_issuer

# Asymmetric algorithms only: a token signed with a shared secret could be forged by anyone who
# knows the JWKS's public key bytes (the classic alg confusion).
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
# Never ask the issuer for keys more often than this when an unknown key id turns up.
REFETCH_INTERVAL_SECONDS = 60


class AuthError(Exception):
    """The request carries no usable token (401)."""


class JwksCache:
    """The issuer's keys by key id, fetched once per FHIR_JWKS_CACHE_SECONDS.

    An unknown key id (the issuer rolled its keys) fetches again, at most once a minute.
    """

    def __init__(self) -> None:
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -1e12
        self._lock = threading.Lock()
        self.fetches = 0

    def clear(self) -> None:
        with self._lock:
            self._keys, self._fetched_at = {}, -1e12

    def _load(self) -> dict[str, Any]:
        url = settings.FHIR_JWKS_URL
        if url:
            response = requests.get(url, timeout=settings.FHIR_JWKS_TIMEOUT_SECONDS)
            response.raise_for_status()
            return response.json()
        if settings.FHIR_DEV_ISSUER:
            return dev_issuer.jwks()
        raise AuthError("No JWKS is configured for the token issuer.")

    def _refresh(self) -> None:
        try:
            data = self._load()
        except (requests.RequestException, ValueError) as error:
            raise AuthError(f"The issuer's keys could not be fetched: {type(error).__name__}.") from None
        keys = {}
        for jwk in data.get("keys", []):
            if jwk.get("use", "sig") != "sig":
                continue
            try:
                keys[str(jwk.get("kid", ""))] = jwt.PyJWK(jwk)
            except jwt.PyJWTError:
                continue
        self._keys, self._fetched_at = keys, time.monotonic()
        self.fetches += 1

    def key(self, kid: str, alg: str) -> jwt.PyJWK:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if age > settings.FHIR_JWKS_CACHE_SECONDS or (
                kid not in self._keys and age > REFETCH_INTERVAL_SECONDS
            ):
                self._refresh()
            key = self._keys.get(kid)
        if key is None:
            raise AuthError("The token is signed with a key the issuer does not publish.")
        if key.algorithm_name and key.algorithm_name != alg:
            raise AuthError("The token's algorithm does not match its key.")
        return key


jwks_cache = JwksCache()


def bearer_token(authorization: str) -> str:
    """Return the token of an `Authorization: Bearer …` header."""
    scheme, _sep, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("A bearer token is required.")
    return token.strip()


def verify(token: str) -> dict[str, Any]:
    """Return the claims of a valid access token; AuthError otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise AuthError("The token is not a JWT.") from None
    alg = str(header.get("alg", ""))
    if alg not in ASYMMETRIC or alg not in settings.FHIR_TOKEN_ALGORITHMS:
        raise AuthError("The token's signing algorithm is not accepted.")
    key = jwks_cache.key(str(header.get("kid", "")), alg)
    try:
        return jwt.decode(
            token,
            key.key,
            algorithms=[alg],
            audience=settings.FHIR_TOKEN_AUDIENCE,
            issuer=settings.FHIR_TOKEN_ISSUER,
            leeway=settings.FHIR_TOKEN_LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud"], "verify_nbf": True},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise AuthError("The token is not valid yet.") from None
    except jwt.InvalidAudienceError:
        raise AuthError("The token is not meant for this API (audience).") from None
    except jwt.InvalidIssuerError:
        raise AuthError("The token comes from an issuer this API does not trust.") from None
    except jwt.InvalidSignatureError:
        raise AuthError("The token's signature is not valid.") from None
    except jwt.PyJWTError as error:
        raise AuthError(f"The token is not valid: {type(error).__name__}.") from None
