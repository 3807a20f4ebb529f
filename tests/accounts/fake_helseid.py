"""A small fake HelseID (OpenID Connect provider) for the sign-in tests: authorize, token with
PKCE and private_key_jwt checks, userinfo and JWKS. The test sets `FakeHelseId.claims`."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import jwt
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from oppfolging.fhir import dev_issuer


class FakeHelseId:
    key = dev_issuer.new_key()
    issuer = "https://helseid.fake"
    client_public_key: Any = None
    claims: dict[str, Any] = {}
    codes: dict[str, dict[str, Any]] = {}
    token_requests: list[dict[str, str]] = []


def authorize(request: HttpRequest) -> HttpResponse:
    code = secrets.token_urlsafe(16)
    FakeHelseId.codes[code] = {
        "nonce": request.GET.get("nonce"), "challenge": request.GET.get("code_challenge"),
        "method": request.GET.get("code_challenge_method"), "client_id": request.GET.get("client_id"),
        "redirect_uri": request.GET.get("redirect_uri"), "claims": dict(FakeHelseId.claims),
    }
    query = urlencode({"code": code, "state": request.GET.get("state", "")})
    response = HttpResponse(status=302)
    response["Location"] = f"{request.GET['redirect_uri']}?{query}"
    return response


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    FakeHelseId.token_requests.append(dict(request.POST.items()))
    grant = FakeHelseId.codes.pop(request.POST.get("code", ""), None)
    if grant is None or request.POST.get("redirect_uri") != grant["redirect_uri"]:
        return JsonResponse({"error": "invalid_grant"}, status=400)
    verifier = request.POST.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if grant["method"] != "S256" or challenge != grant["challenge"]:
        return JsonResponse({"error": "invalid_grant", "error_description": "PKCE"}, status=400)
    if FakeHelseId.client_public_key is not None:
        try:
            jwt.decode(request.POST.get("client_assertion", ""), FakeHelseId.client_public_key,
                       algorithms=["RS256"], audience=FakeHelseId.issuer)
        except jwt.PyJWTError:
            return JsonResponse({"error": "invalid_client"}, status=401)
    now = int(time.time())
    id_token = jwt.encode({"iss": FakeHelseId.issuer, "aud": grant["client_id"], "sub": "fake-sub",
                           "nonce": grant["nonce"], "iat": now, "exp": now + 300, **grant["claims"]},
                          FakeHelseId.key, algorithm="RS256", headers={"kid": "fake"})
    access = "at-" + secrets.token_urlsafe(8)
    FakeHelseId.codes[access] = grant
    return JsonResponse({"id_token": id_token, "access_token": access, "token_type": "Bearer", "expires_in": 300})


def userinfo(request: HttpRequest) -> HttpResponse:
    grant = FakeHelseId.codes.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
    if grant is None:
        return JsonResponse({"error": "invalid_token"}, status=401)
    return JsonResponse({"sub": "fake-sub", **grant["claims"]})


def jwks(request: HttpRequest) -> HttpResponse:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(FakeHelseId.key.public_key(), as_dict=True)
    jwk.update({"kid": "fake", "alg": "RS256", "use": "sig"})
    return JsonResponse({"keys": [jwk]})


urlpatterns = [
    path("fake-helseid/authorize", login_not_required(authorize)),
    path("fake-helseid/token", login_not_required(token)),
    path("fake-helseid/userinfo", login_not_required(userinfo)),
    path("fake-helseid/jwks", login_not_required(jwks)),
    path("", include("oppfolging.urls")),
]
