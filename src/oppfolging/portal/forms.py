from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.catalogue.models import Service
from oppfolging.lib.forms import choice_field, model_choice_field
from oppfolging.people.models import Person, RelatedPerson
from oppfolging.submissions.forms import OnceForm
from oppfolging.teams.models import ConsentScope


def _draft(key: str, rows: int = 4) -> forms.Textarea:
    """Return a textarea whose text is kept in the browser until it is sent (drafts.js)."""
    return forms.Textarea(attrs={"rows": rows, "data-draft-key": key})


class NoticeChannelsForm(forms.Form):
    notify_email = forms.BooleanField(label=_("Gi beskjed på e-post"), required=False)
    email = forms.EmailField(label=_("E-postadresse"), required=False)
    notify_sms = forms.BooleanField(label=_("Gi beskjed på SMS"), required=False)
    phone = forms.CharField(label=_("Mobilnummer"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WhatMattersForm(forms.Form):
    text = forms.CharField(label=_("Hva er viktig for deg?"), required=False, widget=_draft("what-matters", 6),
                           help_text=_("Skriv med dine egne ord. Det du skriver står øverst i planen din."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class GoalProposalForm(OnceForm):
    """A goal proposed in «Min plan»; the one-time token sends it once."""

    text = forms.CharField(label=_("Et mål du vil jobbe mot"), widget=_draft("goal-proposal", 3),
                           help_text=_("For eksempel «Gå tur med hunden hver dag» eller «Begynne på skolen igjen». "
                                       "Koordinatoren tar målet inn i planen sammen med deg."))


class AgendaItemForm(OnceForm):
    """An item for the meeting's agenda in the person's words; the one-time token adds it once."""

    title = forms.CharField(label=_("Hva vil du ta opp på møtet?"), max_length=300,
                            widget=forms.TextInput(attrs={"data-draft-key": "agenda-item"}))
    details = forms.CharField(label=_("Vil du forklare mer? (valgfritt)"), required=False, widget=_draft("agenda-details", 3))


class WishForm(OnceForm):
    text = forms.CharField(label=_("Hvem ønsker du som koordinator, og hvorfor?"), widget=_draft("wish", 3),
                           help_text=_("Koordinatoren er den som holder trådene og er din hjelper. "
                                       "Kommunen skal legge vekt på ønsket ditt."))


class MessageForm(OnceForm):
    """A message in the person's thread; the one-time token sends it once."""

    body = forms.CharField(label=_("Skriv en melding"), widget=_draft("message", 4))


def psfs_form(activities: list[str], data: Any = None) -> OnceForm:
    """Return a form with one 0–10 choice per PSFS activity."""
    fields: dict[str, forms.Field] = {}
    for i, activity in enumerate(activities):
        fields[f"a{i}"] = forms.TypedChoiceField(
            label=activity, coerce=int, required=False, widget=forms.RadioSelect,
            choices=[(n, str(n)) for n in range(11)],
        )
        # The activity as it was shown: the team may change the list while the person scores.
        fields[f"t{i}"] = forms.CharField(required=False, initial=activity, widget=forms.HiddenInput)
    form_class = type("PsfsForm", (OnceForm,), fields)  # with a one-time token: scored once per sending
    return form_class(data)


class ConsentGiveForm(OnceForm):
    """A consent given in «Min plan»; the one-time token records it once."""

    scope = forms.ChoiceField(label=_("Hva vil du si ja til?"), widget=forms.RadioSelect, choices=[])
    service = forms.ModelChoiceField(label=_("Tjenesten som får se opplysninger"), queryset=Service.objects.none(), required=False)
    related_person = forms.ModelChoiceField(label=_("Pårørende som får delta"), queryset=RelatedPerson.objects.none(), required=False)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "scope").choices = [
            (ConsentScope.TEAM_AND_PLAN, _("Ja til oppfølgingsteam og individuell plan")),
            (ConsentScope.SHARE_WITH_SERVICE, _("Ja til at en tjeneste får se opplysninger om meg")),
            (ConsentScope.NEXT_OF_KIN, _("Ja til at en pårørende deltar")),
        ]
        model_choice_field(self, "service").queryset = Service.objects.filter(municipality=person.municipality, is_active=True)
        model_choice_field(self, "related_person").queryset = RelatedPerson.objects.filter(person=person)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if cleaned.get("scope") == ConsentScope.SHARE_WITH_SERVICE and not cleaned.get("service"):
            self.add_error("service", _("Velg tjenesten."))
        if cleaned.get("scope") == ConsentScope.NEXT_OF_KIN and not cleaned.get("related_person"):
            self.add_error("related_person", _("Velg hvem."))
        return cleaned
