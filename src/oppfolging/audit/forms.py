from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Municipality, User
from oppfolging.lib.dates import WORK_DATE
from oppfolging.lib.forms import model_choice_field


class AuditSearchForm(forms.Form):
    person = forms.CharField(
        label=_("Person (fødselsnummer)"), required=False, max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    user = forms.ModelChoiceField(label=_("Ansatt"), queryset=User.objects.none(), required=False)
    date_from = forms.DateField(
        label=_("Fra dato"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        validators=[WORK_DATE],
    )
    date_to = forms.DateField(
        label=_("Til dato"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        validators=[WORK_DATE],
    )
    break_glass_only = forms.BooleanField(label=_("Bare nødtilgang"), required=False)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "user").queryset = (
            User.objects.filter(role_assignments__municipality=municipality)
            .distinct()
            .order_by("last_name", "first_name")
        )
