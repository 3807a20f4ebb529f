"""The HTTP face of the FHIR API: content types, tokens, status codes and OperationOutcomes.

Thin: each view finds the caller (bearer token), hands the request to the engine, and turns
refusals into the right status. Session sign-in does not reach the API; only tokens do.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from oppfolging.audit.services import audit_client
from oppfolging.fhir import capability, dev_issuer, engine
from oppfolging.fhir.access import Caller, Forbidden, caller_for
from oppfolging.fhir.auth import AuthError
from oppfolging.fhir.errors import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    NOT_ACCEPTABLE,
    NOT_ALLOWED,
    NOT_FOUND,
    PRECONDITION_FAILED,
    UNAUTHORIZED,
    UNPROCESSABLE,
    UNSUPPORTED_MEDIA,
    FhirError,
    operation_outcome,
)
from oppfolging.fhir.resources import REGISTRY
from oppfolging.fhir.resources.base import BASE_PATH, ResourceType
from oppfolging.lib.versioning import EditConflict

logger = logging.getLogger(__name__)
JSON = capability.JSON
JSON_TYPES = ("application/fhir+json", "application/json", "application/*", "*/*", "json")


def fhir_response(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=JSON)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def error_response(error: FhirError) -> HttpResponse:
    response = fhir_response(operation_outcome(error.code, error.diagnostics), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if error.allow:
        response["Allow"] = error.allow
    return response


def _accepts_json(request: HttpRequest) -> bool:
    fmt = request.GET.get("_format", "")
    if fmt and not any(fmt.startswith(t) for t in JSON_TYPES):
        return False
    accept = request.headers.get("Accept", "")
    if not accept:
        return True
    return any(part.split(";")[0].strip() in JSON_TYPES for part in accept.split(","))


def _messages(error: ValidationError) -> str:
    return "; ".join(str(m) for m in error.messages) or "The change was refused."


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Authenticate the bearer token, record the client on every log entry, translate refusals."""

    @csrf_exempt
    @login_not_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if not _accepts_json(request):
                raise FhirError(NOT_ACCEPTABLE, "This server speaks application/fhir+json only.")
            try:
                caller = caller_for(request.headers.get("Authorization", ""))
            except AuthError as error:
                raise FhirError(UNAUTHORIZED, str(error)) from None
            with audit_client(caller.client.client_id):
                return view(request, caller, *args, **kwargs)
        except FhirError as error:
            return error_response(error)
        except Forbidden as error:
            return error_response(FhirError(FORBIDDEN, str(error)))
        except PermissionDenied as error:
            return error_response(FhirError(FORBIDDEN, str(error) or "Not allowed."))
        except Http404:
            return error_response(FhirError(NOT_FOUND, "No such resource."))
        except EditConflict:
            return error_response(FhirError(PRECONDITION_FAILED, "Someone else changed the resource meanwhile."))
        except ValidationError as error:
            return error_response(FhirError(UNPROCESSABLE, _messages(error)))
        except IntegrityError:
            logger.warning("FHIR write conflicted with a database constraint", exc_info=True)
            return error_response(FhirError(CONFLICT, "The change conflicts with data stored meanwhile."))

    return wrapped


def _resource_type(name: str) -> Any:
    rt = REGISTRY.get(name)
    if rt is None:
        raise FhirError(NOT_FOUND, f"This server has no resource type {name!r}.")
    return rt


def _body(request: HttpRequest) -> Any:
    content_type = request.content_type or ""
    if content_type not in ("application/fhir+json", "application/json"):
        raise FhirError(UNSUPPORTED_MEDIA, "Send the resource as application/fhir+json.")
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise FhirError(BAD_REQUEST, "The body is not JSON.") from None


def _etag(data: dict[str, Any]) -> dict[str, str]:
    version = (data.get("meta") or {}).get("versionId")
    return {"ETag": f'W/"{version}"'} if version else {}


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(BASE_PATH)


@api_view
def type_endpoint(request: HttpRequest, caller: Caller, resource_type: str) -> HttpResponse:
    """GET: search; POST: create."""
    rt = _resource_type(resource_type)
    origin = request.build_absolute_uri("/").rstrip("/")
    if request.method in ("GET", "HEAD"):
        url = request.build_absolute_uri(request.path)
        return fhir_response(engine.search(rt, caller, request.GET, url, origin))
    if request.method == "POST":
        data, _obj = engine.create(rt, caller, _body(request))
        location = f"{origin}{BASE_PATH}/{rt.name}/{data['id']}"
        return fhir_response(data, status=201, headers={"Location": location, **_etag(data)})
    raise FhirError(NOT_ALLOWED, "Use GET to search or POST to create.",
                    allow="GET, POST" if rt.create else "GET")


@api_view
def instance_endpoint(request: HttpRequest, caller: Caller, resource_type: str, resource_id: str) -> HttpResponse:
    """GET: read; PUT: update (If-Match required)."""
    rt = _resource_type(resource_type)
    if request.method in ("GET", "HEAD"):
        data = engine.read(rt, caller, resource_id)
        return fhir_response(data, headers=_etag(data))
    if request.method == "PUT":
        data, _obj = engine.update(rt, caller, resource_id, _body(request), request.headers.get("If-Match", ""))
        return fhir_response(data, headers=_etag(data))
    raise FhirError(NOT_ALLOWED, "Use GET to read or PUT to update.", allow="GET, PUT" if rt.update else "GET")


@csrf_exempt
@login_not_required
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement (public, as FHIR servers serve it)."""
    if not _accepts_json(request):
        return error_response(FhirError(NOT_ACCEPTABLE, "This server speaks application/fhir+json only."))
    data = capability.capability_statement(_base_url(request))
    return fhir_response(engine.validated(_capability_type(), data))


def _capability_type() -> Any:
    return ResourceType(name="CapabilityStatement", fhir_class=CapabilityStatement, parts=[])


@login_not_required
def openapi(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3 document of the API, for general tooling."""
    return JsonResponse(capability.openapi_document(_base_url(request)))


@login_not_required
def dev_jwks(request: HttpRequest) -> HttpResponse:
    """The local issuer's public keys (only with FHIR_DEV_ISSUER)."""
    if not settings.FHIR_DEV_ISSUER:
        raise Http404
    return JsonResponse(dev_issuer.jwks())
