"""Forms for the assessment pages. The edit form is one page with sections, to keep clicks low."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import User
from oppfolging.assessments import iplos
from oppfolging.assessments.models import (
    LIFE_AREAS,
    Assessment,
    Decision,
    DecisionOutcome,
    MedicalAssessment,
    PsfsScorer,
)
from oppfolging.assessments.selectors import gps_for, staff_for
from oppfolging.assessments.services import MAX_PSFS_ACTIVITIES, ParticipantInput, PsfsInput
from oppfolging.catalogue.models import Service
from oppfolging.lib.dates import WORK_DATE
from oppfolging.lib.forms import choice_field, model_choice_field
from oppfolging.people.models import Person
from oppfolging.referrals.models import OPEN_STATUSES, Referral
from oppfolging.submissions.forms import OnceMixin


class StartForm(OnceMixin, forms.Form):
    """Start an assessment; the one-time token starts it once."""

    started_on = forms.DateField(
        label=_("Dato for kartleggingen"), widget=forms.DateInput(attrs={"type": "date"}),
        validators=[WORK_DATE],
    )
    copy_psfs = forms.BooleanField(
        label=_("Ta med aktivitetene fra forrige «Hva er viktig for deg?»"),
        required=False,
        help_text=_("Personen skårer de samme aktivitetene på nytt, så endringen kan måles."),
    )


def _iplos_choices(variable: iplos.Variable) -> list[tuple[str, str]]:
    return [(str(level), f"{level} – {text}") for level, text in variable.levels.items()]


class AssessmentForm(forms.ModelForm):
    """The whole in-progress assessment: participants, what matters, life areas, IPLOS, PSFS."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    participant_users: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("Fagpersoner som deltar"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participant_services: forms.ModelMultipleChoiceField[Service] = forms.ModelMultipleChoiceField(
        label=_("Tjenester som deltar"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    participant_others = forms.CharField(
        label=_("Andre som deltar"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Én per linje, for eksempel «Personen selv» eller «Mor»."),
    )

    class Meta:
        model = Assessment
        fields = ["what_matters", "psfs_direction", "psfs_scored_by"] + [
            f"{prefix}_{part}" for prefix, _label in LIFE_AREAS for part in ("needs", "resources")
        ]
        widgets = {
            "what_matters": forms.Textarea(attrs={"rows": 3}),
            "psfs_direction": forms.RadioSelect,
            **{
                f"{prefix}_{part}": forms.Textarea(attrs={"rows": 2})
                for prefix, _label in LIFE_AREAS for part in ("needs", "resources")
            },
        }

    def clean_psfs_scored_by(self) -> str:
        return self.cleaned_data.get("psfs_scored_by") or self.instance.psfs_scored_by or PsfsScorer.PERSON

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assessment: Assessment = self.instance
        # Left out, the scores are the person's own (the usual case); a proxy is chosen explicitly.
        self.fields["psfs_scored_by"].required = False
        model_choice_field(self, "participant_users").queryset = staff_for(person)
        model_choice_field(self, "participant_services").queryset = Service.objects.filter(
            municipality=person.municipality, is_active=True
        )
        for variable in iplos.VARIABLES:
            self.fields[f"iplos_{variable.code}"] = forms.TypedChoiceField(
                label=variable.label, help_text=variable.description,
                choices=_iplos_choices(variable), coerce=int, required=False,
                widget=forms.RadioSelect,
            )
        for n in range(1, MAX_PSFS_ACTIVITIES + 1):
            self.fields[f"psfs_{n}_activity"] = forms.CharField(
                label=_("Aktivitet %(n)s") % {"n": n}, required=False, max_length=200
            )
            self.fields[f"psfs_{n}_score"] = forms.TypedChoiceField(
                label=_("Skår for aktivitet %(n)s") % {"n": n}, required=False, coerce=int,
                choices=[("", "–")] + [(str(s), str(s)) for s in range(11)],
                empty_value=None,
            )
        if not self.is_bound:
            self.initial["version"] = assessment.version
            participants = list(assessment.participants.all())
            self.initial["participant_users"] = [p.user_id for p in participants if p.user_id]
            self.initial["participant_services"] = [
                p.service_id for p in participants if p.service_id and not p.user_id
            ]
            self.initial["participant_others"] = "\n".join(
                p.role_description for p in participants if not p.user_id and not p.service_id
            )
            for code, score in assessment.iplos_dict().items():
                self.initial[f"iplos_{code}"] = str(score)
            for a in assessment.psfs_activities.all():
                self.initial[f"psfs_{a.position}_activity"] = a.activity
                self.initial[f"psfs_{a.position}_score"] = str(a.score)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        for n in range(1, MAX_PSFS_ACTIVITIES + 1):
            text = (data.get(f"psfs_{n}_activity") or "").strip()
            score = data.get(f"psfs_{n}_score")
            if text and score is None:
                self.add_error(f"psfs_{n}_score", _("Velg en skår fra 0 til 10."))
            if score is not None and not text:
                self.add_error(f"psfs_{n}_activity", _("Skriv aktiviteten med personens ord."))
        return data

    # Grouped fields for the template.
    def iplos_fields(self) -> list[forms.BoundField]:
        return [self[f"iplos_{v.code}"] for v in iplos.VARIABLES]

    def psfs_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(n, self[f"psfs_{n}_activity"], self[f"psfs_{n}_score"])
                for n in range(1, MAX_PSFS_ACTIVITIES + 1)]

    def life_area_rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        return [(prefix, str(label), self[f"{prefix}_needs"], self[f"{prefix}_resources"])
                for prefix, label in LIFE_AREAS]

    # Values for the service.
    def model_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def participants(self) -> list[ParticipantInput]:
        people = [
            ParticipantInput(user=user, role_description=user.title)
            for user in self.cleaned_data["participant_users"]
        ]
        services = [ParticipantInput(service=s) for s in self.cleaned_data["participant_services"]]
        others = [
            ParticipantInput(role_description=line.strip()[:200])
            for line in self.cleaned_data["participant_others"].splitlines() if line.strip()
        ]
        return people + services + others

    def iplos_scores(self) -> dict[str, int]:
        return {
            v.code: self.cleaned_data[f"iplos_{v.code}"]
            for v in iplos.VARIABLES
            if self.cleaned_data.get(f"iplos_{v.code}") not in (None, "")
        }

    def psfs_activities(self) -> list[PsfsInput]:
        """Return the filled rows with their row number, which is the activity's position.

        Rows are not closed up: an emptied row removes that activity only, and every other
        activity keeps its row, its id and the goals linked to it.
        """
        rows = []
        for n in range(1, MAX_PSFS_ACTIVITIES + 1):
            text = (self.cleaned_data.get(f"psfs_{n}_activity") or "").strip()
            score = self.cleaned_data.get(f"psfs_{n}_score")
            if text and score is not None:
                rows.append(PsfsInput(position=n, activity=text, score=score))
        return rows


class MedicalRequestForm(forms.ModelForm):
    class Meta:
        model = MedicalAssessment
        fields = ["gp", "question"]
        widgets = {"question": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "gp").queryset = gps_for(person)
        if person.gp_id and not self.is_bound:
            self.initial["gp"] = person.gp_id
        self.fields["gp"].help_text = _("Personens fastlege er valgt på forhånd.")


class MedicalAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Medisinsk vurdering"), widget=forms.Textarea(attrs={"rows": 8})
    )


class DecisionForm(OnceMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["outcome", "reason", "assessment", "referral"]
        widgets = {"outcome": forms.RadioSelect, "reason": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "outcome").choices = DecisionOutcome.choices
        model_choice_field(self, "assessment").queryset = person.assessments.all()
        model_choice_field(self, "referral").queryset = Referral.objects.filter(
            person=person, status__in=OPEN_STATUSES
        )
        self.fields["referral"].help_text = _(
            "Meldingen blir satt til «Avgjort», og den som meldte får beskjed på e-post."
        )
