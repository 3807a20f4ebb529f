"""Writes to the services catalogue."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import Role
from oppfolging.catalogue.models import Service
from oppfolging.lib.versioning import save_versioned

CATALOGUE_EDITORS = (Role.COORDINATING_UNIT, Role.ADMINISTRATOR)
SERVICE_FIELDS = (
    "name", "sector", "description", "target_group", "how_to_get", "contact_phone",
    "contact_email", "address", "website", "is_active",
)


@transaction.atomic
def service_create(*, grant: StaffGrant, **fields: Any) -> Service:
    """Add a service to the municipality's catalogue (the coordinating unit or an administrator)."""
    grant.require_role(*CATALOGUE_EDITORS)
    service = Service(municipality=grant.municipality, **fields)
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def service_update(*, grant: StaffGrant, service: Service, expected_version: int, **fields: Any) -> Service:
    """Change a catalogue entry, refusing to overwrite a newer change."""
    grant.require_role(*CATALOGUE_EDITORS)
    grant.require_owns(service)
    for name, value in fields.items():
        setattr(service, name, value)
    service.full_clean()
    save_versioned(service, expected_version=expected_version, fields=SERVICE_FIELDS)
    return service
