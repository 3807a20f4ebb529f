from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oppfolging.catalogue.models import Service
from oppfolging.lib.forms import model_choice_field
from oppfolging.plantemplates.models import TemplateVersion
from oppfolging.plantemplates.services import TemplateContent
from oppfolging.submissions.forms import OnceMixin


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def sections_text(version: TemplateVersion) -> str:
    return "\n".join(f"{s.title}: {s.guidance}" if s.guidance else s.title for s in version.sections.all())


def goal_areas_text(version: TemplateVersion) -> str:
    return "\n".join(
        f"{a.area}: {'; '.join(m.text for m in a.measures.all())}" if a.measures.exists() else a.area
        for a in version.goal_areas.all())


class TemplateForm(OnceMixin, forms.Form):
    """A template's content; a new template carries a one-time token, so a double click makes one."""

    name = forms.CharField(label=_("Navn"), max_length=150)
    description = forms.CharField(label=_("Hvem malen passer for"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    sections = forms.CharField(
        label=_("Deler av planen"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Én del per linje. Skriv veiledning etter et kolon, for eksempel «Skole og barnehage: Hva fungerer, og hva trengs?»."))
    goal_areas = forms.CharField(
        label=_("Foreslåtte målområder og tiltak"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ett målområde per linje. Skriv foreslåtte tiltak etter et kolon, skilt med semikolon, for eksempel «Hverdagen hjemme: Praktisk bistand; Trygghetsalarm»."))
    services = forms.ModelMultipleChoiceField(label=_("Foreslåtte tjenester"), queryset=Service.objects.none(),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    meeting_interval_weeks = forms.IntegerField(label=_("Foreslått møtehyppighet: hver … uke"), min_value=1,
                                                max_value=52, required=False)
    change_note = forms.CharField(label=_("Hva er endret"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("Malen er i bruk"), required=False, initial=True)

    def __init__(self, *args: Any, municipality: Any, revising: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "services").queryset = Service.objects.filter(
            municipality=municipality, is_active=True).order_by("sector", "name")
        if revising:
            self.fields["name"].disabled = True
        else:
            del self.fields["change_note"]
            del self.fields["is_active"]

    def content(self) -> TemplateContent:
        data = self.cleaned_data
        sections = []
        for line in _lines(data["sections"]):
            title, _sep, guidance = line.partition(":")
            sections.append((title.strip(), guidance.strip()))
        areas = []
        for line in _lines(data.get("goal_areas") or ""):
            area, _sep, measures = line.partition(":")
            areas.append((area.strip(), [m.strip() for m in measures.split(";") if m.strip()]))
        return TemplateContent(sections=sections, goal_areas=areas, services=list(data["services"]),
                               meeting_interval_weeks=data["meeting_interval_weeks"])

    @classmethod
    def initial_for(cls, version: TemplateVersion) -> dict[str, Any]:
        template = version.template
        return {"name": template.name, "description": template.description, "sections": sections_text(version),
                "goal_areas": goal_areas_text(version), "services": list(version.suggested_services.all()),
                "meeting_interval_weeks": version.meeting_interval_weeks, "is_active": template.is_active}


class SectionForm(forms.Form):
    text = forms.CharField(label=_("Tekst"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)
