from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Municipality, User
from oppfolging.catalogue.models import Service
from oppfolging.lib.dates import PAST_EVENT, WORK_DATE
from oppfolging.lib.forms import choice_field, model_choice_field
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.submissions.forms import OnceForm, OnceMixin
from oppfolging.teams.models import (
    Consent,
    ConsentScope,
    CoordinatorWish,
    GivenBy,
    MemberKind,
    TeamMembership,
)
from oppfolging.teams.selectors import OverviewStatus, age_group_choices, pool_users, staff_of


class WishForm(OnceMixin, forms.ModelForm):
    class Meta:
        model = CoordinatorWish
        fields = ["stated_by", "wished_user", "wished_service", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2}), "stated_by": forms.RadioSelect}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "wished_user").queryset = staff_of(municipality)
        model_choice_field(self, "wished_service").queryset = Service.objects.filter(municipality=municipality)


class AppointForm(OnceForm):
    """Appoint or change the coordinator; the one-time token makes a double click appoint once."""

    coordinator = forms.ModelChoiceField(label=_("Koordinator"), queryset=User.objects.none())
    starts_on = forms.DateField(
        label=_("Fra dato"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Tomt betyr i dag. Ved bytte beholder den som slutter, tilgang en tid etter, så dere kan overlappe."),
    )
    handover_note = forms.CharField(
        label=_("Overføringsnotat"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Hva den nye koordinatoren må vite. Kan også skrives senere av den som slutter."),
    )
    overloaded_ok = forms.BooleanField(
        label=_("Jeg vet at koordinatoren har flere personer enn grensen, og vil oppnevne likevel"), required=False,
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "coordinator").queryset = pool_users(municipality)


class HandoverNoteForm(forms.Form):
    note = forms.CharField(label=_("Overføringsnotat"), widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Status, avtaler, hva som er viktig for personen, og hvem som kan hva."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MembershipForm(OnceMixin, forms.ModelForm):
    class Meta:
        model = TeamMembership
        fields = ["kind", "service", "user", "related_person", "role_in_team",
                  "is_medically_responsible", "joined_on"]
        widgets = {"kind": forms.RadioSelect, "joined_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"kind": _("Deltar som")}
        help_texts = {
            "user": _("Den som møter i teamet. Medlemmet ser personen fra startdatoen til sluttdatoen."),
            "role_in_team": _("For eksempel «ergoterapeut» eller «kontaktlærer»."),
        }

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = [c for c in MemberKind.choices if c[0] != MemberKind.PERSON]
        model_choice_field(self, "service").queryset = Service.objects.filter(municipality=person.municipality)
        model_choice_field(self, "user").queryset = staff_of(person.municipality)
        model_choice_field(self, "related_person").queryset = RelatedPerson.objects.filter(person=person)


class EndMembershipForm(forms.Form):
    left_on = forms.DateField(label=_("Sluttdato"), widget=forms.DateInput(attrs={"type": "date"}), validators=[WORK_DATE])


class ConsentForm(OnceMixin, forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["scope", "service", "related_person", "given_by", "given_by_related", "method",
                  "valid_until", "note"]
        widgets = {
            "scope": forms.RadioSelect, "given_by": forms.RadioSelect, "method": forms.RadioSelect,
            "valid_until": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "service": _("Bare for deling: tjenesten som får se opplysninger."),
            "related_person": _("Bare for pårørende: hvem som får delta."),
        }

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "service").queryset = Service.objects.filter(municipality=person.municipality)
        related = RelatedPerson.objects.filter(person=person)
        model_choice_field(self, "related_person").queryset = related
        model_choice_field(self, "given_by_related").queryset = related.filter(is_guardian=True)
        self.fields["given_by"].initial = GivenBy.GUARDIAN if person.is_child else GivenBy.PERSON

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if cleaned.get("scope") == ConsentScope.SHARE_WITH_SERVICE and not cleaned.get("service"):
            self.add_error("service", _("Velg tjenesten samtykket gjelder."))
        if cleaned.get("scope") == ConsentScope.NEXT_OF_KIN and not cleaned.get("related_person"):
            self.add_error("related_person", _("Velg den pårørende samtykket gjelder."))
        return cleaned


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Merknad"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PoolForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Ansatt"), queryset=User.objects.none())
    max_caseload = forms.IntegerField(label=_("Største antall personer"), min_value=1, max_value=50, initial=8)
    is_active = forms.BooleanField(label=_("Tar imot nye personer"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # 0 for someone new to the pool

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "user").queryset = staff_of(municipality)


class TrainingForm(OnceForm):
    user = forms.ModelChoiceField(label=_("Koordinator"), queryset=User.objects.none())
    course = forms.CharField(label=_("Kurs"), max_length=200)
    provider = forms.CharField(label=_("Arrangør"), max_length=200, required=False)
    completed_on = forms.DateField(label=_("Fullført"), widget=forms.DateInput(attrs={"type": "date"}), validators=[PAST_EVENT])
    hours = forms.IntegerField(label=_("Timer"), min_value=1, max_value=1000, required=False)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "user").queryset = pool_users(municipality)


class OverviewFilterForm(forms.Form):
    age_group = forms.ChoiceField(label=_("Aldersgruppe"), required=False)
    service = forms.ModelChoiceField(label=_("Tjeneste i teamet"), queryset=Service.objects.none(), required=False)
    coordinator = forms.ModelChoiceField(label=_("Koordinator"), queryset=User.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Alle")), *OverviewStatus.choices],
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "age_group").choices = age_group_choices()
        model_choice_field(self, "service").queryset = Service.objects.filter(municipality=municipality)
        model_choice_field(self, "coordinator").queryset = pool_users(municipality)


class CloseTeamForm(OnceForm):
    """End the follow-up, after a page that says what happens."""

    reason = forms.CharField(
        label=_("Hvorfor avsluttes oppfølgingen?"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For eksempel at målene er nådd, at personen ikke ønsker teamet lenger, eller at personen har flyttet."),
    )
    close_plan = forms.BooleanField(
        label=_("Avslutt også den individuelle planen"), required=False, initial=True,
        help_text=_("Planen blir stående og kan leses av personen. Fjern krysset hvis planen skal brukes videre."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, with_plan: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_plan:
            del self.fields["close_plan"]
