"""Writes to the services catalogue."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from oppfolging.accounts.models import Municipality
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import save_versioned

SERVICE_FIELDS = (
    "name", "sector", "description", "target_group", "how_to_get", "contact_phone",
    "contact_email", "address", "website", "is_active",
)


@transaction.atomic
def service_create(*, municipality: Municipality, **fields: Any) -> Service:
    """Add a service to the municipality's catalogue."""
    service = Service(municipality=municipality, **fields)
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def service_update(*, service: Service, expected_version: int, **fields: Any) -> Service:
    """Change a catalogue entry, refusing to overwrite a newer change."""
    for name, value in fields.items():
        setattr(service, name, value)
    service.full_clean()
    save_versioned(service, expected_version=expected_version, fields=SERVICE_FIELDS)
    return service
