"""Reads of the price table for the pages that keep it."""

from __future__ import annotations

from django.db.models import QuerySet

from oppfolging.accounts.models import Municipality
from oppfolging.catalogue.models import Service, ServicePrice
from oppfolging.outcomes.models import ServiceUse


def prices_for(municipality: Municipality) -> QuerySet[ServicePrice]:
    """Return the municipality's prices: bed days first, then by service and newest year (the caller may keep them)."""
    return ServicePrice.objects.filter(municipality=municipality).order_by("service", "unit", "-valid_from")


def priceable_services(municipality: Municipality) -> list[str]:
    """Return the service names a price can be set for: those in the imported use and the catalogue.

    Use is priced by the name the import gives (docs/effect.md), so those names come first;
    only names are read, never who used what.
    """
    imported = set(
        ServiceUse.objects.filter(person__municipality=municipality).values_list("service", flat=True).distinct()
    )
    catalogue = set(Service.objects.filter(municipality=municipality).values_list("name", flat=True))
    return sorted(imported | catalogue, key=str.casefold)
