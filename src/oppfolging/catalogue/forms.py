from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.catalogue.models import (
    FIRST_PRICE_YEAR,
    LAST_PRICE_YEAR,
    PriceUnit,
    Sector,
    Service,
    ServicePrice,
)
from oppfolging.lib.forms import AmountField
from oppfolging.people.forms import VersionedForm
from oppfolging.submissions.forms import OnceMixin


class ServiceForm(OnceMixin, VersionedForm):
    """A catalogue entry; a new one carries a one-time token, so a double click adds it once."""

    class Meta:
        model = Service
        fields = [
            "name", "sector", "description", "target_group", "how_to_get", "contact_phone",
            "contact_email", "address", "website", "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "how_to_get": forms.Textarea(attrs={"rows": 3}),
        }


class ServiceSearchForm(forms.Form):
    q = forms.CharField(label=_("Søk i tjenestene"), required=False, max_length=100)
    sector = forms.ChoiceField(
        label=_("Sektor"), required=False, choices=[("", _("Alle sektorer"))] + Sector.choices
    )


class PriceForm(OnceMixin, VersionedForm):
    """A price: the service (as the import names it) or a bed day, the unit, the year and kroner.

    A new price carries a one-time token, so a double click adds it once.
    """

    service = forms.ChoiceField(label=_("Tjeneste"), required=False)
    amount = AmountField(
        label=_("Pris i kroner"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"), localize=True,
        error_messages={"min_value": _("Prisen må være større enn 0.")},
    )
    valid_from = forms.IntegerField(
        label=_("Gjelder fra år"), min_value=FIRST_PRICE_YEAR, max_value=LAST_PRICE_YEAR,
        help_text=_("Prisen gjelder fra dette året til en senere pris tar over."),
        error_messages={"min_value": _("Velg et år mellom 2000 og 2100."),
                        "max_value": _("Velg et år mellom 2000 og 2100.")},
    )

    class Meta:
        model = ServicePrice
        fields = ["unit", "service", "valid_from", "amount", "basis"]

    def __init__(self, *args: Any, services: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = list(services)
        if self.instance.service and self.instance.service not in names:
            names.append(self.instance.service)
        service = self.fields["service"]
        assert isinstance(service, forms.ChoiceField)
        service.choices = [("", _("Ingen (liggedøgn på sykehus)"))] + [(n, n) for n in names]
        service.help_text = _("Navnet slik det står i importen av tjenestebruk, eller i katalogen.")
        self.fields["unit"].help_text = _(
            "Timer og besøk prises for tjenesten. Et liggedøgn på sykehus har ingen tjeneste: "
            "bruk kommunens døgnpris for utskrivningsklare pasienter eller en nasjonal sats, og skriv grunnlaget."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unit, service = cleaned.get("unit"), cleaned.get("service")
        if unit == PriceUnit.BED_DAY:
            if service:
                self.add_error("service", _("Et liggedøgn på sykehus prises uten tjeneste."))
        elif unit and not service:
            self.add_error("service", _("Velg tjenesten prisen gjelder."))
        return cleaned
