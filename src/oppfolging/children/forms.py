from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import User
from oppfolging.children.models import CHILD_GROUNDS, Grounds, HowHeard
from oppfolging.children.services import due_date_range
from oppfolging.lib.forms import model_choice_field
from oppfolging.submissions.forms import OnceForm


class AppointForm(OnceForm):
    """The decision on a barnekoordinator; the one-time token makes a double click record it once."""

    coordinator = forms.ModelChoiceField(label=_("Barnekoordinator"), queryset=User.objects.none())
    grounds = forms.ChoiceField(label=_("Grunnlag"), choices=Grounds.choices, widget=forms.RadioSelect)
    expected_on = forms.DateField(label=_("Termin"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("Bare når familien venter barn."))
    reason = forms.CharField(label=_("Begrunnelse"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Hvilke langvarige og sammensatte tjenester barnet og familien trenger."))
    handover_note = forms.CharField(label=_("Overføringsnotat (hvis teamet har en annen koordinator nå)"),
                                    required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, pool: Any, is_child: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "coordinator").queryset = pool
        first, last = due_date_range()
        self.fields["expected_on"].widget.attrs.update(min=first.isoformat(), max=last.isoformat())
        if not is_child:
            # An adult has a barnekoordinator only as the parent of a child not yet born.
            grounds = self.fields["grounds"]
            assert isinstance(grounds, forms.ChoiceField)
            grounds.choices = [(Grounds.EXPECTING.value, Grounds.EXPECTING.label)]
            grounds.initial = Grounds.EXPECTING.value
            self.fields["expected_on"].required = True
            self.fields["expected_on"].error_messages["required"] = _("Oppgi termin for barnet familien venter.")
            self.fields["expected_on"].help_text = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("grounds") == Grounds.EXPECTING:
            if not data.get("expected_on") and "expected_on" not in self.errors:
                self.add_error("expected_on", _("Oppgi termin for barnet familien venter."))
        else:
            data["expected_on"] = None
        return data


class MoveToChildForm(forms.Form):
    """The child is born and registered: move the expectant parent's decision to the child."""

    identity_number = forms.CharField(label=_("Barnets fødselsnummer"), max_length=20,
                                      help_text=_("Barnet må være registrert i personregisteret først."))
    grounds = forms.ChoiceField(label=_("Grunnlag for barnet"), choices=CHILD_GROUNDS, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Begrunnelse"), widget=forms.Textarea(attrs={"rows": 3}))
    handover_note = forms.CharField(label=_("Overføringsnotat (hvis barnets team har en annen koordinator nå)"),
                                    required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExcludeForm(forms.Form):
    reason = forms.CharField(label=_("Begrunnelse"), widget=forms.Textarea(attrs={"rows": 2}))


class ChildViewForm(OnceForm):
    """The child's own view; the one-time token records it once."""

    question = forms.CharField(label=_("Spørsmålet barnet fikk"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Forslaget er tilpasset barnets alder. Endre det til ordene du faktisk brukte."))
    words = forms.CharField(label=_("Barnets egne ord"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Skriv det barnet sa eller viste, så nær barnets egne ord som mulig."))
    how = forms.ChoiceField(label=_("Slik kom barnets mening fram"), choices=HowHeard.choices)
