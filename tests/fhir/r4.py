"""Check a resource against FHIR R4 (4.0.1) itself, with fhirclient's strict R4 models.

fhir.resources 8.3.0 ships R5, R4B and STU3 but no R4 classes; the server validates with R4B
(the R4 technical correction) and these tests parse every resource with R4 models too.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from fhirclient.models.fhirabstractbase import FHIRValidationError


def r4_class(resource_type: str) -> Any:
    module = importlib.import_module(f"fhirclient.models.{resource_type.lower()}")
    return getattr(module, resource_type)


def assert_r4(resource: dict[str, Any]) -> Any:
    """Parse strictly as R4; fail with the parser's reason."""
    try:
        return r4_class(resource["resourceType"])(resource, strict=True)
    except FHIRValidationError as error:
        raise AssertionError(f"{resource['resourceType']}/{resource.get('id')} is not valid R4: {error}") from None


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
