from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.gp.models import ReviewDecision
from oppfolging.lib.forms import model_choice_field
from oppfolging.referrals.forms import NEED_FIELDS, SUBJECT_FIELDS, ReferralFieldsMixin
from oppfolging.referrals.models import Referral
from oppfolging.submissions.forms import OnceMixin


class UploadForm(forms.Form):
    extract = forms.FileField(
        label=_("Uttrekk fra journalsystemet (.zip eller FHIR .json)"),
        help_text=_("En .zip med patients.csv og de andre filene fra journalsystemet, eller FHIR-ressurser (en Bundle som .json, eller NDJSON-filer i en .zip). Ingenting skal installeres på legekontoret."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.json,.ndjson"}),
    )
    previous = forms.FileField(
        label=_("Forrige uttrekk av samme liste (valgfritt)"), required=False,
        help_text=_("Gir flagg for pasienter med økende risiko."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.json,.ndjson"}),
    )
    @staticmethod
    def too_large_message() -> str:
        """Word the size limit (the upload handler stops a larger file before it is written)."""
        return _("Filen er større enn %(mb)s MB. Del opp uttrekket, eller kontakt kommunen.") % {
            "mb": settings.GP_EXTRACT_MAX_MB}

    def _check_size(self, name: str) -> Any:
        upload = self.cleaned_data.get(name)
        if upload is not None and upload.size > settings.GP_EXTRACT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(self.too_large_message())
        return upload

    def clean_extract(self) -> Any:
        return self._check_size("extract")

    def clean_previous(self) -> Any:
        return self._check_size("previous")

    keep_files = forms.BooleanField(label=_("Behold uttrekksfilene etter beregningen"), required=False,
                                    help_text=_("Som standard slettes filene straks listen er beregnet."))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Vurdering"), choices=ReviewDecision.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Merknad"), required=False, max_length=300)
    look_again = forms.DateField(
        label=_("Se på igjen fra"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For «Ikke aktuelt nå»: fra denne datoen vises pasienten som ny igjen."),
    )

    def clean_look_again(self) -> Any:
        day = self.cleaned_data.get("look_again")
        if day is not None and not (timezone.localdate() < day <= timezone.localdate() + timedelta(days=3 * 366)):
            raise forms.ValidationError(_("Velg en dato fram i tid, innen tre år."))
        return day


class GpReferralForm(OnceMixin, ReferralFieldsMixin, forms.ModelForm):
    """A report of need from the risk list, prefilled with what the list knows."""

    class Meta:
        model = Referral
        fields = [*SUBJECT_FIELDS, *NEED_FIELDS]
        widgets = {
            "urgency": forms.RadioSelect, "consent": forms.RadioSelect,
            "subject_birth_date": forms.DateInput(attrs={"type": "date"}),
            "observations": forms.Textarea(attrs={"rows": 5}),
            "person_wants": forms.Textarea(attrs={"rows": 3}),
            "consent_absent_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        self.check_need(cleaned)
        return cleaned


class AuthoriseForm(forms.Form):
    users = forms.ModelMultipleChoiceField(
        label=_("Andre på legekontoret som kan se listen"), queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, municipality: Municipality, gp: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "users").queryset = (
            User.objects.filter(role_assignments__municipality=municipality, role_assignments__role=Role.GP)
            .exclude(pk=gp.pk).distinct().order_by("last_name")
        )
