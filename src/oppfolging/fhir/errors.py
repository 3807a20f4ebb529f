"""Errors of the FHIR API, each answered as an OperationOutcome with its HTTP status."""

from __future__ import annotations

from typing import Any

# (status, OperationOutcome issue code)
BAD_REQUEST = (400, "invalid")
UNAUTHORIZED = (401, "login")
FORBIDDEN = (403, "forbidden")
NOT_FOUND = (404, "not-found")
NOT_ALLOWED = (405, "not-supported")
NOT_ACCEPTABLE = (406, "not-supported")
CONFLICT = (409, "conflict")
PRECONDITION_FAILED = (412, "conflict")
UNSUPPORTED_MEDIA = (415, "not-supported")
UNPROCESSABLE = (422, "processing")


class FhirError(Exception):
    """An error answered with an OperationOutcome."""

    def __init__(self, kind: tuple[int, str], diagnostics: str, allow: str = "") -> None:
        super().__init__(diagnostics)
        self.status, self.code = kind
        self.diagnostics = diagnostics
        self.allow = allow  # the methods a 405 names in its Allow header


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }
