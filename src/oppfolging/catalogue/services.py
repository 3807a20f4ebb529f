"""Writes to the services catalogue and its price table."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from oppfolging.access.grants import StaffGrant
from oppfolging.accounts.models import Role
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.catalogue.models import PriceUnit, Service, ServicePrice
from oppfolging.lib.money import kroner
from oppfolging.lib.versioning import save_versioned

CATALOGUE_EDITORS = (Role.COORDINATING_UNIT, Role.ADMINISTRATOR)
SERVICE_FIELDS = (
    "name", "sector", "description", "target_group", "how_to_get", "contact_phone",
    "contact_email", "address", "website", "is_active",
)
# The prices are the municipality's own figures for what teams save or cost: its leaders and
# the coordinating unit keep them (docs/effect.md, "Kroner").
PRICE_EDITORS = (Role.LEADER, Role.COORDINATING_UNIT)
PRICE_FIELDS = ("service", "unit", "valid_from", "amount", "basis")


@transaction.atomic
def service_create(*, grant: StaffGrant, **fields: Any) -> Service:
    """Add a service to the municipality's catalogue (the coordinating unit or an administrator)."""
    grant.require_role(*CATALOGUE_EDITORS)
    service = Service(municipality=grant.municipality, **fields)
    taken = ValidationError({"name": _("Det finnes allerede en tjeneste med dette navnet i katalogen.")})
    if Service.objects.filter(municipality=grant.municipality, name=service.name).exists():
        raise taken
    service.full_clean()
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        # Someone added a service with this name between the check above and this save.
        raise taken from None
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


def _price_clean(price: ServicePrice) -> None:
    price.service = " ".join(price.service.split()) if price.unit != PriceUnit.BED_DAY else ""
    if price.unit != PriceUnit.BED_DAY and not price.service:
        raise ValidationError({"service": _("Velg tjenesten prisen gjelder.")})
    taken = ServicePrice.objects.filter(
        municipality=price.municipality, service=price.service, unit=price.unit, valid_from=price.valid_from
    ).exclude(pk=price.pk)
    if taken.exists():
        raise ValidationError({"valid_from": _("Det finnes allerede en pris for dette fra samme år. Endre den i stedet.")})
    price.full_clean()


def _price_text(price: ServicePrice) -> str:
    return _("%(what)s %(unit)s fra %(year)s: %(amount)s") % {
        "what": price.service or _("Liggedøgn på sykehus"), "unit": price.get_unit_display(),
        "year": price.valid_from, "amount": kroner(price.amount, 2),
    }


@transaction.atomic
def price_create(*, grant: StaffGrant, **fields: Any) -> ServicePrice:
    """Add a price to the municipality's table (a leader or the coordinating unit), logged."""
    grant.require_role(*PRICE_EDITORS)
    price = ServicePrice(municipality=grant.municipality, created_by=grant.user, **fields)
    _price_clean(price)
    price.save()
    audit_record(actor=grant.user, action=Action.CREATE, resource="service_price", resource_id=price.pk,
                 municipality=grant.municipality, purpose=_("Pris lagt til: %(price)s") % {
                     "price": _price_text(price)})
    return price


@transaction.atomic
def price_update(*, grant: StaffGrant, price: ServicePrice, expected_version: int, **fields: Any) -> ServicePrice:
    """Change a price, refusing to overwrite a newer change, logged with the old and new figure."""
    grant.require_role(*PRICE_EDITORS)
    grant.require_owns(price)
    # The form may already have put the new values on the instance: the log names the stored row.
    before = _price_text(ServicePrice.objects.get(pk=price.pk))
    for name, value in fields.items():
        setattr(price, name, value)
    _price_clean(price)
    save_versioned(price, expected_version=expected_version, fields=PRICE_FIELDS)
    audit_record(actor=grant.user, action=Action.UPDATE, resource="service_price", resource_id=price.pk,
                 municipality=grant.municipality, purpose=_("Pris endret fra %(before)s til %(after)s") % {
                     "before": before, "after": _price_text(price)})
    return price
