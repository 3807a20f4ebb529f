from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.catalogue.models import Service
from oppfolging.lib.dates import FOLLOW_UP, WORK_DATE, local_datetime
from oppfolging.lib.forms import choice_field
from oppfolging.lib.params import id_param
from oppfolging.meetings.models import Attendance, Invitation
from oppfolging.plans.models import EvaluationResult, NextStep
from oppfolging.submissions.forms import OnceForm
from oppfolging.teams.models import Team, TeamMembership

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MeetingForm(OnceForm):
    day = forms.DateField(label=_("Dato"), widget=DATE, validators=[WORK_DATE])
    start = forms.TimeField(label=_("Fra klokken"), widget=TIME)
    end = forms.TimeField(label=_("Til klokken"), widget=TIME, required=False)
    location = forms.CharField(label=_("Sted"), max_length=200, required=False,
                               help_text=_("For eksempel «hjemme hos Petra» eller «Helsehuset, møterom 2»."))
    video_link = forms.URLField(label=_("Lenke til videomøte"), required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        if not cleaned.get("location") and not cleaned.get("video_link") and not self.errors:
            self.add_error("location", _("Oppgi sted eller lenke til videomøte."))
        day, start, end = cleaned.get("day"), cleaned.get("start"), cleaned.get("end")
        if day is None or start is None:
            return cleaned
        try:
            self._starts_at = local_datetime(day, start, field="start")
            self._ends_at = local_datetime(day, end, field="end") if end else None
        except ValidationError as error:
            self.add_error(None, error)
            return cleaned
        if self._ends_at is not None and self._ends_at <= self._starts_at:
            self.add_error("end", _("Møtet må slutte etter at det begynner."))
        return cleaned

    def times(self) -> tuple[dt.datetime, dt.datetime | None]:
        """Return the start and end as aware datetimes in the local time zone (after is_valid)."""
        return self._starts_at, self._ends_at

    @classmethod
    def initial_for(cls, meeting: Any) -> dict[str, Any]:
        start = timezone.localtime(meeting.starts_at)
        return {
            "day": start.date(), "start": start.time(),
            "end": timezone.localtime(meeting.ends_at).time() if meeting.ends_at else None,
            "location": meeting.location, "video_link": meeting.video_link, "version": meeting.version,
        }


class IntervalForm(forms.Form):
    meeting_interval_weeks = forms.IntegerField(
        label=_("Teamet møtes hver … uke"), min_value=1, max_value=52, required=False,
        help_text=_("La feltet stå tomt hvis teamet møtes ved behov."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Grunn til avlysningen"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Sendes til de som har fått dagsordenen."))


class AgendaItemForm(OnceForm):
    title = forms.CharField(label=_("Sak"), max_length=300)
    details = forms.CharField(label=_("Utdyping"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AttendanceForm(forms.Form):
    """One choice per invitee, named by the invitation's id."""

    def __init__(self, *args: Any, invitations: list[Invitation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitations = invitations
        for invitation in invitations:
            self.fields[f"attendance_{invitation.pk}"] = forms.ChoiceField(
                label=invitation.name, choices=[("", _("Ikke registrert"))] + Attendance.choices,
                required=False, initial=invitation.attendance,
            )

    def values(self) -> dict[int, str]:
        return {inv.pk: self.cleaned_data[f"attendance_{inv.pk}"] for inv in self.invitations}


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Referat"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
                              help_text=_("Det viktigste som ble sagt. Beslutninger og oppgaver føres for seg under."))
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(OnceForm):
    text = forms.CharField(label=_("Beslutning"), widget=forms.Textarea(attrs={"rows": 2}))


class ActionItemForm(OnceForm):
    """An action item with one responsible: a team member (also the person or a next of kin),
    the coordinator, or a service."""

    description = forms.CharField(label=_("Hva skal gjøres"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_membership = forms.ChoiceField(label=_("Ansvarlig"))
    due_on = forms.DateField(label=_("Frist"), widget=DATE, validators=[FOLLOW_UP])

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        active = [m.pk for m in team.memberships.all() if m.is_active_on(today)]
        self.memberships = {m.pk: m for m in TeamMembership.objects.filter(pk__in=active).select_related(
            "user", "related_person", "team__person", "service")}
        assignment = team.coordinator_assignments.filter(ended_at__isnull=True).select_related("coordinator").first()
        self.coordinator = assignment.coordinator if assignment is not None else None
        self.services = {s.pk: s for s in Service.objects.filter(
            municipality_id=team.person.municipality_id, is_active=True).order_by("name")}
        groups: list[tuple[str, list[tuple[str, str]]]] = [
            (str(_("I teamet")), [(str(m.pk), f"{m.display_name} ({m.role_in_team or m.get_kind_display()})")
                                   for m in self.memberships.values()]),
        ]
        if self.coordinator is not None:
            groups.append((str(_("Koordinator")), [(f"u:{self.coordinator.pk}", self.coordinator.full_name)]))
        groups.append((str(_("En tjeneste")), [(f"s:{s.pk}", s.name) for s in self.services.values()]))
        choice_field(self, "owner_membership").choices = [("", _("– Velg –")), *groups]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        value = cleaned.pop("owner_membership", "") or ""
        cleaned["owner_membership"] = cleaned["owner_user"] = cleaned["owner_service"] = None
        if value.startswith("u:") and self.coordinator is not None and value == f"u:{self.coordinator.pk}":
            cleaned["owner_user"] = self.coordinator
        elif value.startswith("s:") and (service_id := id_param(value[2:])) is not None:
            cleaned["owner_service"] = self.services.get(service_id)
        elif (membership_id := id_param(value)) is not None:
            cleaned["owner_membership"] = self.memberships.get(membership_id)
        if not any(cleaned[k] for k in ("owner_membership", "owner_user", "owner_service")) and not self.errors:
            self.add_error("owner_membership", _("Velg hvem som er ansvarlig."))
        return cleaned


class EvaluationForm(OnceForm):
    """A goal's evaluation in the meeting; the one-time token records it once."""

    result = forms.ChoiceField(label=_("Resultat"), choices=EvaluationResult.choices, widget=forms.RadioSelect)
    learned = forms.CharField(label=_("Hva har vi lært"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.ChoiceField(label=_("Hva nå"), choices=NextStep.choices, widget=forms.RadioSelect)
    next_evaluation_on = forms.DateField(label=_("Neste evaluering"), required=False, widget=DATE, validators=[FOLLOW_UP])
    psfs_score = forms.IntegerField(label=_("Ny PSFS-skår (0–10)"), min_value=0, max_value=10, required=False)
    new_goal_text = forms.CharField(label=_("Nytt mål"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("Bare hvis dere lager et nytt mål."))
