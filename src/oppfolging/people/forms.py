from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.lib.forms import model_choice_field
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.submissions.forms import OnceMixin


class VersionedForm(forms.ModelForm):
    """A form that carries the version the user started from, for conflict detection."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def model_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "submission_token")}


class PersonForm(OnceMixin, VersionedForm):
    class Meta:
        model = Person
        fields = [
            "given_name", "family_name", "identity_number", "birth_date", "gender", "phone",
            "email", "address", "postal_code", "postal_place", "preferred_language",
            "needs_interpreter", "gp", "notify_email", "notify_sms",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "identity_number": _("11 siffer. Fødselsdatoen hentes fra nummeret. Kan stå tomt til nummeret er kjent."),
            "birth_date": _("Trengs bare for nummer uten fødselsdato (FH-nummer)."),
        }

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].required = False
        self.fields["identity_number"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off"}
        )
        model_choice_field(self, "gp").queryset = User.objects.filter(
            role_assignments__municipality=municipality, role_assignments__role=Role.GP
        ).order_by("last_name")


class RelatedPersonForm(OnceMixin, VersionedForm):
    class Meta:
        model = RelatedPerson
        fields = [
            "given_name", "family_name", "relationship", "identity_number", "phone", "email",
            "address", "postal_code", "postal_place", "notify_email", "notify_sms",
            "is_primary_contact", "is_guardian", "has_parental_responsibility", "scores_for_person",
        ]


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Søk på navn eller fødselsnummer"), required=False, max_length=100)
