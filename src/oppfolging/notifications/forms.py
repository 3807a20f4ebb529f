from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import WrittenLanguage


class PreferencesForm(forms.Form):
    notify_email = forms.BooleanField(label=_("Gi meg beskjed på e-post når noe venter på meg"), required=False)
    notify_sms = forms.BooleanField(label=_("Gi meg beskjed på SMS når noe venter på meg"), required=False)
    phone = forms.CharField(label=_("Mobilnummer"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    language = forms.ChoiceField(
        label=_("Målform"), required=False,
        choices=[("", _("Kommunens målform"))] + list(WrittenLanguage.choices),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
