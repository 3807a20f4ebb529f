from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.access.models import Visibility
from oppfolging.catalogue.models import Service
from oppfolging.lib.dates import DOCUMENT_DATE
from oppfolging.lib.forms import choice_field, model_choice_field
from oppfolging.submissions.forms import OnceMixin
from oppfolging.teams.models import Consent

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VisibilityFields(forms.Form):
    """Who may see a shared record: the whole team, staff only, or named services only."""

    visibility = forms.ChoiceField(label=_("Hvem kan se det"), choices=Visibility.choices, widget=forms.RadioSelect)
    services = forms.ModelMultipleChoiceField(
        label=_("Tjenester (når bare valgte tjenester skal se det)"), queryset=Service.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Bare tjenester personen har samtykket til deling med, kan velges."))

    def __init__(self, *args: Any, services: Any = None, portal: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if portal:
            choice_field(self, "visibility").choices = [
                (Visibility.TEAM, _("Alle i teamet, også pårørende som deltar")),
                (Visibility.STAFF, _("Bare de ansatte i teamet")),
            ]
            del self.fields["services"]
        else:
            model_choice_field(self, "services").queryset = services if services is not None else Service.objects.none()


class VisibilityChangeForm(VisibilityFields):
    """Change who may see a document; it carries the version the user started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UploadForm(OnceMixin, VisibilityFields):
    """A document to add; the one-time token stores it once however often the form is sent."""

    title = forms.CharField(label=_("Tittel"), max_length=200)
    document_date = forms.DateField(label=_("Dato på dokumentet"), widget=DATE, initial=timezone.localdate,
                                    validators=[DOCUMENT_DATE])
    consent = forms.ModelChoiceField(
        label=_("Signert samtykke på papir: samtykket dokumentet gjelder"), queryset=Consent.objects.none(),
        required=False, help_text=_("Bare når dokumentet er et signert samtykke."))
    upload = forms.FileField(label=_("Fil"), help_text=_("PDF, bilde (JPEG eller PNG) eller Office-dokument."))

    field_order = ["title", "document_date", "visibility", "services", "consent", "upload"]

    def __init__(self, *args: Any, consents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if consents is None:
            del self.fields["consent"]
        else:
            model_choice_field(self, "consent").queryset = consents


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Hvorfor trekkes dokumentet tilbake"), widget=forms.Textarea(attrs={"rows": 2}))
