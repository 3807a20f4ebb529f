"""The municipality's catalogue of services (FHIR HealthcareService).

It is both the list teams are composed from and the overview that people said they lacked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.money import kroner


class Sector(models.TextChoices):
    HEALTH_AND_CARE = "health_and_care", _("Helse og omsorg")
    GP = "gp", _("Fastlege")
    NAV = "nav", _("NAV")
    EDUCATION = "education", _("Barnehage, skole og PPT")
    CHILD_WELFARE = "child_welfare", _("Barnevern")
    SPECIALIST = "specialist", _("Spesialisthelsetjenesten")
    HOUSING = "housing", _("Bolig")
    OTHER = "other", _("Annet")


class Service(models.Model):
    """A service a person can get, or a unit staff belong to."""

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("navn"), max_length=150)
    sector = models.CharField(_("sektor"), max_length=30, choices=Sector.choices)
    description = models.TextField(_("hva tjenesten tilbyr"))
    target_group = models.CharField(_("hvem tjenesten er for"), max_length=300, blank=True)
    how_to_get = models.TextField(_("slik får du tjenesten"))
    contact_phone = models.CharField(_("telefon"), max_length=30, blank=True)
    contact_email = models.EmailField(_("e-post"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    website = models.URLField(_("nettside"), blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sector", "name"]
        verbose_name = _("tjeneste")
        verbose_name_plural = _("tjenester")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="service_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PriceUnit(models.TextChoices):
    HOUR = "hour", _("per time")
    VISIT = "visit", _("per besøk")
    BED_DAY = "bed_day", _("per liggedøgn på sykehus")


# Prices are given for whole years; a price holds from its year until a later row replaces it.
FIRST_PRICE_YEAR = 2000
LAST_PRICE_YEAR = 2100


class ServicePrice(models.Model):
    """What one unit of a service costs the municipality from a year on, in kroner.

    The cost side of «gevinstrealisering» (docs/effect.md): imported service use is priced by
    the service's name as the import gives it (the name in the municipality's own systems,
    which need not be the catalogue's), per hour or per visit, at the price of the month's
    year; a hospital bed day is a row of its own (unit BED_DAY, no service name) with the
    figure the municipality chooses, for example its daily charge for patients ready for
    discharge or a national average cost. Use without a price is reported, never priced as 0.
    """

    municipality = models.ForeignKey(
        "accounts.Municipality", on_delete=models.PROTECT, related_name="service_prices"
    )
    service = models.CharField(
        _("tjeneste"), max_length=200, blank=True,
        help_text=_("Navnet slik det står i importen av tjenestebruk. Tomt for liggedøgn på sykehus."),
    )
    unit = models.CharField(_("enhet"), max_length=10, choices=PriceUnit.choices)
    valid_from = models.PositiveSmallIntegerField(
        _("gjelder fra år"), help_text=_("Prisen gjelder fra dette året til en senere pris tar over.")
    )
    amount = models.DecimalField(_("pris i kroner"), max_digits=10, decimal_places=2)
    basis = models.CharField(
        _("grunnlag"), max_length=300, blank=True,
        help_text=_("Hvor prisen kommer fra, for eksempel KOSTRA, regnskapet eller en nasjonal sats."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["unit", "service", "-valid_from"]
        verbose_name = _("pris")
        verbose_name_plural = _("priser")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "service", "unit", "valid_from"], name="service_price_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="service_price_positive",
                violation_error_message=_("Prisen må være større enn 0."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__gte=FIRST_PRICE_YEAR) & Q(valid_from__lte=LAST_PRICE_YEAR),
                name="service_price_year_range",
                violation_error_message=_("Velg et år mellom 2000 og 2100."),
            ),
            # A bed day is priced without a service; a service's hour or visit has one.
            models.CheckConstraint(
                condition=(Q(unit=PriceUnit.BED_DAY) & Q(service=""))
                | (~Q(unit=PriceUnit.BED_DAY) & ~Q(service="")),
                name="service_price_service_matches_unit",
                violation_error_message=_("Timer og besøk prises for en tjeneste, liggedøgn uten."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service or self.get_unit_display()} {self.valid_from}: {self.amount}"

    @property
    def amount_text(self) -> str:
        """Return the price as the user's language writes kroner, øre only when there are any."""
        return kroner(self.amount, 0 if self.amount == self.amount.to_integral_value() else 2)
