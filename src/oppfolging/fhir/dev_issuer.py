"""A local token issuer for development and tests: its own key pair, a JWKS, and minted tokens.

It stands in for HelseID so that the whole path (signature, JWKS, issuer, audience, expiry,
scopes, the client registry, the access policy) runs without the internet. It is on only with
FHIR_DEV_ISSUER (on by default with DEBUG and in tests); a system check refuses it in production.
The private key is kept in FHIR_DEV_ISSUER_KEY_FILE and made on first use.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

KEY_ID = "oppfolging-dev-issuer-1"
ALGORITHM = "RS256"
HPR_CLAIM = "helseid://claims/hpr/hpr_number"
PID_CLAIM = "helseid://claims/identity/pid"

_lock = threading.Lock()
_key: rsa.RSAPrivateKey | None = None
_key_path: Path | None = None


def new_key() -> rsa.RSAPrivateKey:
    """Return a fresh RSA key (also used by tests to sign tokens the issuer never signed)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key() -> rsa.RSAPrivateKey:
    """Return the issuer's key, reading it from its file or making and saving it once."""
    global _key, _key_path
    path = Path(settings.FHIR_DEV_ISSUER_KEY_FILE)
    with _lock:
        if _key is not None and _key_path == path:
            return _key
        if path.exists():
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ValueError(f"{path} does not hold an RSA private key.")
            _key = loaded
        else:
            _key = new_key()
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = _key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        _key_path = path
        return _key


def jwks() -> dict[str, Any]:
    """Return the issuer's public key as a JSON Web Key Set."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private_key().public_key(), as_dict=True)
    jwk.update({"kid": KEY_ID, "alg": ALGORITHM, "use": "sig"})
    return {"keys": [jwk]}


def mint(
    *,
    client_id: str,
    scopes: str,
    hpr_number: str = "",
    pid: str = "",
    minutes: int = 60,
    audience: str | None = None,
    issuer: str | None = None,
    key: rsa.RSAPrivateKey | None = None,
    not_before_seconds: int = 0,
    extra: dict[str, Any] | None = None,
) -> str:
    """Return a signed access token shaped like HelseID's (client credentials or on behalf of a user)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer or settings.FHIR_TOKEN_ISSUER,
        "aud": audience or settings.FHIR_TOKEN_AUDIENCE,
        "client_id": client_id,
        "scope": scopes.split(),
        "iat": now,
        "nbf": now + not_before_seconds,
        "exp": now + minutes * 60,
        "jti": str(uuid.uuid4()),
    }
    if hpr_number:
        claims[HPR_CLAIM] = hpr_number
    if pid:
        claims[PID_CLAIM] = pid
    if hpr_number or pid:
        claims["sub"] = f"user-{hpr_number or pid}"
    claims.update(extra or {})
    return jwt.encode(claims, key or private_key(), algorithm=ALGORITHM, headers={"kid": KEY_ID})
