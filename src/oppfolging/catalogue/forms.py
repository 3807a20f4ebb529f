from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.catalogue.models import Sector, Service
from oppfolging.people.forms import VersionedForm


class ServiceForm(VersionedForm):
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
