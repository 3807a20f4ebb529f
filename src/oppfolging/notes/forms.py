from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.documents.forms import VisibilityFields
from oppfolging.lib.dates import PAST_EVENT
from oppfolging.lib.forms import model_choice_field
from oppfolging.notes.models import NOTE_MAX_LENGTH
from oppfolging.plans.models import Goal, IndividualPlan
from oppfolging.submissions.forms import OnceMixin

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GoalField(forms.ModelChoiceField):
    """Offer a goal by the start of its text."""

    def label_from_instance(self, obj: Goal) -> str:
        return obj.text[:80]


class NoteForm(OnceMixin, VisibilityFields):
    noted_on = forms.DateField(label=_("Dato"), widget=DATE, initial=timezone.localdate, validators=[PAST_EVENT])
    goal = GoalField(label=_("Gjelder målet (tomt for planen som helhet)"),
                     queryset=Goal.objects.none(), required=False)
    text = forms.CharField(label=_("Notat"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Kort og saklig, for eksempel «Snakket med skolen i dag om …»."))

    field_order = ["noted_on", "goal", "text", "visibility", "services"]

    def __init__(self, *args: Any, plan: IndividualPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "goal").queryset = plan.goals.all()


class NoteEditForm(forms.Form):
    text = forms.CharField(label=_("Notat"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
