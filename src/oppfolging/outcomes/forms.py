"""The import form: which kind of file, the file, and the period its source covers."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.lib.dates import PAST_EVENT
from oppfolging.outcomes.models import ImportKind

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Hva slags fil"), choices=ImportKind.choices)
    file = forms.FileField(label=_("Fil"))
    period_start = forms.DateField(
        label=_("Kilden dekker fra"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}), validators=[PAST_EVENT],
        help_text=_("Perioden kilden dekker for alle i personregisteret: den som ikke har noe "
                    "opphold i perioden, hadde ingen. Tomt: fra første dato i filen. Gjelder "
                    "ikke uttrekk fra fastlegen, som alltid dekker de to årene før uttrekket."),
    )
    period_end = forms.DateField(
        label=_("Kilden dekker til"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}), validators=[PAST_EVENT],
        help_text=_("Tomt: til siste dato i filen."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Filen er større enn 200 MB."))
        return upload

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Slutten av perioden er før starten."))
        return data
