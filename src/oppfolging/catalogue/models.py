"""The municipality's catalogue of services (FHIR HealthcareService).

It is both the list teams are composed from and the overview that people said they lacked.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
