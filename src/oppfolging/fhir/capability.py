"""The CapabilityStatement and the OpenAPI document, both made from the resource registry.

Made from the same modules that serve the requests, so neither can claim an interaction or a
search parameter the server does not have.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from oppfolging.fhir.resources import REGISTRY
from oppfolging.fhir.resources.base import BASE_PATH, COUNT, CURSOR, ResourceType

FHIR_VERSION = "4.0.1"
JSON = "application/fhir+json"
SECURITY_TEXT = (
    "Bearer tokens (JWT) from the configured issuer (HelseID in production), checked against its JWKS "
    "for signature, issuer, audience, expiry and not-before. SMART scopes (user/<Type>.read|write, "
    "system/<Type>.read|write, * allowed) narrow what a token may do; the client must be registered. "
    "A token on behalf of a user (HPR number or identity number claim) gets that user's access exactly; "
    "a system token gets its municipality's persons and nothing else. Every read and write is logged."
)


def interactions(rt: ResourceType) -> list[str]:
    result = ["read", "search-type"]
    if rt.update is not None:
        result.append("update")
    if rt.create is not None:
        result.append("create")
    return result


def capability_statement(base_url: str) -> dict[str, Any]:
    resources = []
    for rt in REGISTRY.values():
        entry: dict[str, Any] = {
            "type": rt.name,
            "documentation": rt.documentation,
            "interaction": [{"code": code} for code in interactions(rt)],
            "versioning": "versioned-update" if rt.update is not None else ("versioned" if rt.versioned else "no-version"),
            "readHistory": False,
            "updateCreate": False,
            "conditionalCreate": False,
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
            "searchParam": [{"name": p.name, "type": p.type, "documentation": p.documentation}
                            for p in rt.search_params()],
        }
        if rt.includes:
            entry["searchInclude"] = list(rt.includes)
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "id": "oppfolging",
        "url": base_url + "/metadata",
        "name": "OppfolgingFhirApi",
        "title": "Oppfølging FHIR R4 API",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Oppfølging",
        "kind": "instance",
        "software": {"name": "Oppfølging", "version": "0.1.0"},
        "implementation": {"description": "Oppfølging: strukturert tverrfaglig oppfølging", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": [JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Paging: `_count` (default and largest from settings) with `self` and `next` "
                             "links; `next` carries an opaque keyset `_cursor`, stable while rows are added. "
                             "Updates need If-Match with the resource's ETag; a stale one gets 412.",
            "security": {
                "cors": False,
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "SMART-on-FHIR"}]}],
                "description": SECURITY_TEXT,
            },
            "resource": resources,
        }],
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {JSON: {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad request (unknown or unreadable parameter, invalid resource)", 401: "No valid token",
            403: "The token or the access policy does not allow this", 404: "No such resource (or not yours)",
            405: "Not supported for this resource", 406: "Only JSON is served",
            412: "If-Match missing or stale", 415: "Send application/fhir+json",
            422: "The service refused the change"}
    return {str(c): {"description": text[c], **_json(_ref("OperationOutcome"))} for c in codes}


def openapi_document(base_url: str) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "OperationOutcome": {
            "type": "object", "required": ["resourceType", "issue"],
            "properties": {"resourceType": {"type": "string", "enum": ["OperationOutcome"]},
                           "issue": {"type": "array", "minItems": 1, "items": {
                               "type": "object", "required": ["severity", "code"],
                               "properties": {"severity": {"type": "string"}, "code": {"type": "string"},
                                              "diagnostics": {"type": "string"}}}}},
        },
        "CapabilityStatement": {
            "type": "object", "required": ["resourceType", "fhirVersion", "rest"],
            "properties": {"resourceType": {"type": "string", "enum": ["CapabilityStatement"]},
                           "fhirVersion": {"type": "string", "enum": [FHIR_VERSION]},
                           "rest": {"type": "array"}},
        },
    }
    paths: dict[str, Any] = {
        f"{BASE_PATH}/metadata": {"get": {
            "operationId": "capabilities", "summary": "The CapabilityStatement", "security": [],
            "responses": {"200": {"description": "What the server supports", **_json(_ref("CapabilityStatement"))},
                          **_errors(406)},
        }},
    }
    for rt in REGISTRY.values():
        name = rt.name
        schemas[name] = {
            "type": "object", "required": ["resourceType", "id"],
            "properties": {"resourceType": {"type": "string", "enum": [name]}, "id": {"type": "string"},
                           "meta": {"type": "object", "properties": {"versionId": {"type": "string"},
                                                                     "lastUpdated": {"type": "string"}}}},
        }
        schemas[f"{name}Bundle"] = {
            "type": "object", "required": ["resourceType", "type", "link"],
            "properties": {
                "resourceType": {"type": "string", "enum": ["Bundle"]},
                "type": {"type": "string", "enum": ["searchset"]},
                "total": {"type": "integer", "minimum": 0},
                "link": {"type": "array", "items": {"type": "object", "required": ["relation", "url"],
                                                   "properties": {"relation": {"type": "string"},
                                                                  "url": {"type": "string"}}}},
                "entry": {"type": "array", "items": {
                    "type": "object", "required": ["fullUrl", "resource", "search"],
                    "properties": {"fullUrl": {"type": "string"},
                                   "resource": {"type": "object", "required": ["resourceType", "id"]},
                                   "search": {"type": "object", "properties": {
                                       "mode": {"type": "string", "enum": ["match", "include"]}}}}}},
            },
        }
        params = [{"name": p.name, "in": "query", "required": False, "description": p.documentation,
                   "schema": {"type": "string"}} for p in rt.search_params()]
        params.append({"name": COUNT.name, "in": "query", "required": False, "description": COUNT.documentation,
                       "schema": {"type": "integer", "minimum": 0, "maximum": settings.FHIR_MAX_PAGE_SIZE}})
        params.append({"name": CURSOR.name, "in": "query", "required": False, "description": CURSOR.documentation,
                       "schema": {"type": "string"}})
        if rt.includes:
            params.append({"name": "_include", "in": "query", "required": False,
                           "description": "Add referenced resources to the page.",
                           "schema": {"type": "string", "enum": list(rt.includes)}})
        type_path: dict[str, Any] = {"get": {
            "operationId": f"search{name}", "summary": f"Search {name}", "tags": [name],
            "description": rt.documentation, "parameters": params,
            "responses": {"200": {"description": "A searchset Bundle (one page)", **_json(_ref(f"{name}Bundle"))},
                          **_errors(400, 401, 403, 406)},
        }}
        if rt.create is not None:
            type_path["post"] = {
                "operationId": f"create{name}", "summary": f"Create {name}", "tags": [name],
                "requestBody": {"required": True, **_json(_ref(name))},
                "responses": {"201": {"description": "Created", **_json(_ref(name)),
                                      "headers": {"Location": {"schema": {"type": "string"}},
                                                  "ETag": {"schema": {"type": "string"}}}},
                              **_errors(400, 401, 403, 406, 415, 422)},
            }
        instance_path: dict[str, Any] = {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$"}}],
            "get": {
                "operationId": f"read{name}", "summary": f"Read {name}", "tags": [name],
                "responses": {"200": {"description": name, **_json(_ref(name))}, **_errors(401, 403, 404, 406)},
            },
        }
        if rt.update is not None:
            instance_path["put"] = {
                "operationId": f"update{name}", "summary": f"Update {name}", "tags": [name],
                "parameters": [{"name": "If-Match", "in": "header", "required": False,
                                "description": "The ETag read (W/\"<versionId>\"); without it the update gets 412.",
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, **_json(_ref(name))},
                "responses": {"200": {"description": "Updated", **_json(_ref(name)),
                                      "headers": {"ETag": {"schema": {"type": "string"}}}},
                              **_errors(400, 401, 403, 404, 406, 412, 415, 422)},
            }
        paths[f"{BASE_PATH}/{name}"] = type_path
        paths[f"{BASE_PATH}/{name}/{{id}}"] = instance_path
    return {
        "openapi": "3.0.3",
        "info": {"title": "Oppfølging FHIR R4 API", "version": "0.1.0",
                 "description": "HL7 FHIR R4 (4.0.1) over the access policy of Oppfølging. " + SECURITY_TEXT},
        "servers": [{"url": base_url.removesuffix(BASE_PATH) or "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }
