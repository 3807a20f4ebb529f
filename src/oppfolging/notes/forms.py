from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.documents.forms import VisibilityFields
from oppfolging.notes.models import NOTE_MAX_LENGTH
from oppfolging.plans.models import Goal, IndividualPlan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoteForm(VisibilityFields):
    noted_on = forms.DateField(label=_("Dato"), widget=DATE, initial=timezone.localdate)
    goal = forms.ModelChoiceField(label=_("Gjelder målet (tomt for planen som helhet)"),
                                  queryset=Goal.objects.none(), required=False)
    text = forms.CharField(label=_("Notat"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Kort og saklig, for eksempel «Snakket med skolen i dag om …»."))

    field_order = ["noted_on", "goal", "text", "visibility", "services"]

    def __init__(self, *args: Any, plan: IndividualPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = plan.goals.all()  # type: ignore[attr-defined]
        self.fields["goal"].label_from_instance = lambda g: g.text[:80]  # type: ignore[attr-defined]


class NoteEditForm(forms.Form):
    text = forms.CharField(label=_("Notat"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
