from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import User
from oppfolging.children.models import Grounds, HowHeard
from oppfolging.lib.forms import model_choice_field


class AppointForm(forms.Form):
    coordinator = forms.ModelChoiceField(label=_("Barnekoordinator"), queryset=User.objects.none())
    grounds = forms.ChoiceField(label=_("Grunnlag"), choices=Grounds.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Begrunnelse"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Hvilke langvarige og sammensatte tjenester barnet og familien trenger."))
    handover_note = forms.CharField(label=_("Overføringsnotat (hvis teamet har en annen koordinator nå)"),
                                    required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, pool: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "coordinator").queryset = pool


class ExcludeForm(forms.Form):
    reason = forms.CharField(label=_("Begrunnelse"), widget=forms.Textarea(attrs={"rows": 2}))


class ChildViewForm(forms.Form):
    question = forms.CharField(label=_("Spørsmålet barnet fikk"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Forslaget er tilpasset barnets alder. Endre det til ordene du faktisk brukte."))
    words = forms.CharField(label=_("Barnets egne ord"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Skriv det barnet sa eller viste, så nær barnets egne ord som mulig."))
    how = forms.ChoiceField(label=_("Slik kom barnets mening fram"), choices=HowHeard.choices)
