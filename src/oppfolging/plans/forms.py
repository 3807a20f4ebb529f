from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import User
from oppfolging.assessments.models import PsfsActivity
from oppfolging.catalogue.models import Service
from oppfolging.lib.dates import FOLLOW_UP
from oppfolging.lib.forms import model_choice_field
from oppfolging.people.forms import VersionedForm
from oppfolging.people.models import RelatedPerson
from oppfolging.plans.models import (
    EvaluationResult,
    Goal,
    GoalStatus,
    IndividualPlan,
    Measure,
    NextStep,
)
from oppfolging.submissions.forms import OnceMixin
from oppfolging.teams.models import TeamMembership

DATE = forms.DateInput(attrs={"type": "date"})


class PlanForm(VersionedForm):
    class Meta:
        model = IndividualPlan
        fields = ["what_matters", "resources", "needs", "person_contribution",
                  "next_of_kin_contribution", "period_start", "period_end", "next_revision_on",
                  "cooperation"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in
                   ("what_matters", "resources", "needs", "person_contribution",
                    "next_of_kin_contribution", "cooperation")} | {
            "period_start": DATE, "period_end": DATE, "next_revision_on": DATE}


class PsfsActivityField(forms.ModelChoiceField):
    """Offer an activity from «Hva er viktig for deg?» by its words and the day it was mapped."""

    def label_from_instance(self, obj: PsfsActivity) -> str:
        return _("«%(activity)s» (kartlagt %(date)s)") % {
            "activity": obj.activity, "date": formats.date_format(obj.assessment.started_on, "SHORT_DATE_FORMAT")}


class GoalForm(OnceMixin, VersionedForm):
    """A goal; a new one carries a one-time token, so a double click adds it once."""

    class Meta:
        model = Goal
        fields = ["text", "author_kind", "author_related", "next_evaluation_on", "parent", "psfs_activity"]
        field_classes = {"psfs_activity": PsfsActivityField}
        widgets = {"text": forms.Textarea(attrs={"rows": 2}), "author_kind": forms.RadioSelect,
                   "next_evaluation_on": DATE}
        labels = {"author_related": _("Pårørende som skrev målet"),
                  "next_evaluation_on": _("Dato for evaluering"),
                  "psfs_activity": _("Knyttet til en aktivitet fra «Hva er viktig for deg?»")}
        help_texts = {"text": _("Skriv målet slik personen sier det."),
                      "next_evaluation_on": _("Når skal teamet og personen se på om målet er nådd?")}

    def __init__(self, *args: Any, plan: IndividualPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "author_related").queryset = RelatedPerson.objects.filter(person=plan.person)
        parents = plan.goals.filter(parent__isnull=True, status=GoalStatus.ACTIVE)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        model_choice_field(self, "parent").queryset = parents
        self.fields["parent"].label = _("Delmål av (tomt for et hovedmål)")
        model_choice_field(self, "psfs_activity").queryset = PsfsActivity.objects.filter(
            assessment__person=plan.person).select_related("assessment").order_by("-assessment__started_on", "position")
        model_choice_field(self, "psfs_activity").empty_label = _("Ingen")
        if self.instance.pk and self.instance.sub_goals.exists():
            # A goal with sub-goals stays a main goal, so its sub-goals are never hidden.
            self.fields["parent"].disabled = True


class MeasureForm(OnceMixin, VersionedForm):
    class Meta:
        model = Measure
        fields = ["description", "responsible_membership", "responsible_user", "responsible_service", "extent", "how",
                  "starts_on", "ends_on", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}),
                   "how": forms.Textarea(attrs={"rows": 2}), "starts_on": DATE, "ends_on": DATE}
        labels = {"responsible_membership": _("Ansvarlig i teamet (også personen eller en pårørende)"),
                  "responsible_user": _("Eller: koordinatoren som ansvarlig"),
                  "responsible_service": _("Eller: en tjeneste som ansvarlig"),
                  "ends_on": _("Frist (til)")}

    def __init__(self, *args: Any, plan: IndividualPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "responsible_membership").queryset = TeamMembership.objects.filter(
            team__person=plan.person, left_on__isnull=True
        ).select_related("user", "service", "related_person", "team__person")
        model_choice_field(self, "responsible_service").queryset = Service.objects.filter(
            municipality=plan.person.municipality, is_active=True)
        model_choice_field(self, "responsible_user").queryset = User.objects.filter(
            coordinator_assignments__team__person=plan.person, coordinator_assignments__ended_at__isnull=True,
        ).distinct()


class EvaluationForm(OnceMixin, forms.Form):
    """A goal's evaluation; it carries a one-time token, so a double click records it once."""

    result = forms.ChoiceField(label=_("Er målet nådd?"), choices=EvaluationResult.choices,
                               widget=forms.RadioSelect)
    learned = forms.CharField(label=_("Hva har vi lært?"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.ChoiceField(label=_("Hva skjer nå?"), choices=NextStep.choices,
                                  widget=forms.RadioSelect)
    next_evaluation_on = forms.DateField(label=_("Neste evaluering"), required=False, widget=DATE, validators=[FOLLOW_UP])
    new_goal_text = forms.CharField(label=_("Nytt mål (hvis nytt mål)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    psfs_score = forms.IntegerField(label=_("Ny PSFS-skår (0–10), hvis målet har en aktivitet"),
                                    required=False, min_value=0, max_value=10)
