"""Team meetings: list and frequency, scheduling, the meeting page, action items, unit figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.access.shortcuts import get_person_for_user, require_in_municipality
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.lib.forms import add_service_error
from oppfolging.lib.versioning import EditConflict, conflict_rows, keep_input_at_current_version
from oppfolging.meetings import selectors, services
from oppfolging.meetings.forms import (
    ActionItemForm,
    AgendaItemForm,
    AttendanceForm,
    CancelForm,
    DecisionForm,
    EvaluationForm,
    IntervalForm,
    MeetingForm,
    MinutesForm,
)
from oppfolging.meetings.models import (
    ActionItem,
    AgendaItem,
    Invitation,
    Meeting,
    MeetingDecision,
    MeetingStatus,
)
from oppfolging.notifications.models import Channel, DeliveryStatus
from oppfolging.notifications.services import channels_for
from oppfolging.plans.services import goal_evaluate as plan_goal_evaluate
from oppfolging.submissions.forms import OnceForm
from oppfolging.submissions.once import AlreadySubmitted, once
from oppfolging.teams.models import Team, TeamStatus


def _meeting(grant: policy.PersonGrant, meeting_id: int) -> Meeting:
    meeting = (
        Meeting.objects.select_related("team__person", "created_by")
        .filter(pk=meeting_id, team__person=grant.person).first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def _team(grant: policy.PersonGrant) -> Team | None:
    teams = Team.objects.filter(person=grant.person).select_related("person")
    return teams.filter(status=TeamStatus.ACTIVE).first() or teams.first()


def _active_team(grant: policy.PersonGrant) -> Team:
    team = Team.objects.filter(person=grant.person, status=TeamStatus.ACTIVE).select_related("person").first()
    if team is None:
        raise Http404("No active team.")
    return team


def _back(person_id: int, meeting_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("meetings:detail", person_id=person_id, meeting_id=meeting_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _meeting_write(
    request: AuthenticatedHttpRequest, person_id: int, meeting_id: int, do: Callable[[policy.PersonGrant, Meeting], str],
    *, write: bool = True, anchor: str = "",
) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=write, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    try:
        message = do(grant, meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return _back(person_id, meeting_id, anchor)


def _refused(request: AuthenticatedHttpRequest, form: Any, error: ValidationError) -> bool:
    """Put a field error on the form; return True for a refusal that belongs in a message."""
    if hasattr(error, "error_dict"):
        form.add_error(None, error)
        return False
    messages.error(request, " ".join(error.messages))
    return True


def meeting_list(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Show the team's meetings, upcoming and past, and how often the team meets."""
    grant = get_person_for_user(request, person_id, resource="meetings")
    return render(request, "meetings/meeting_list.html", _list_context(grant))


def _list_context(grant: policy.PersonGrant, interval_form: IntervalForm | None = None,
                  conflict: EditConflict | None = None) -> dict[str, Any]:
    team = _team(grant)
    meetings = list(selectors.meetings_of(person=grant.person))
    now = timezone.now()
    upcoming = sorted((m for m in meetings if m.is_planned and m.ends_at_or_default >= now), key=lambda m: m.starts_at)
    past = [m for m in meetings if m not in upcoming]
    items = selectors.action_items_of(team=team) if team else ActionItem.objects.none()
    today = timezone.localdate()
    open_items = [i for i in items if not i.is_done]
    return {
        "grant": grant, "person": grant.person, "team": team, "upcoming": upcoming, "past": past,
        "interval_form": interval_form or IntervalForm(initial={
            "meeting_interval_weeks": team.meeting_interval_weeks, "version": team.version} if team else None),
        "open_count": len(open_items), "overdue_count": sum(i.is_overdue(today) for i in open_items),
        "last_held": next((m for m in meetings if m.status == MeetingStatus.HELD), None),
        "next_due_on": _next_due_on(team, meetings),
        "conflict": conflict,
        "conflict_rows": conflict_rows(interval_form, conflict) if conflict and interval_form else [],
    }


def _next_due_on(team: Team | None, meetings: list[Meeting]) -> dt.date | None:
    if team is None or not team.meeting_interval_weeks:
        return None
    held = [m for m in meetings if m.status != MeetingStatus.CANCELLED and m.starts_at <= timezone.now()]
    if not held:
        return None
    return timezone.localtime(held[0].starts_at).date() + dt.timedelta(weeks=team.meeting_interval_weeks)


@require_POST
def interval_set(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="meetings")
    team = _active_team(grant)
    form = IntervalForm(request.POST)
    if form.is_valid():
        try:
            services.team_meeting_interval_set(grant=grant, team=team,
                                               weeks=form.cleaned_data["meeting_interval_weeks"],
                                               expected_version=form.cleaned_data["version"] or 0)
        except EditConflict as conflict:
            # Another member set it meanwhile: theirs is shown, the number typed here is kept.
            keep_input_at_current_version(form, conflict)
            return render(request, "meetings/meeting_list.html", _list_context(grant, form, conflict), status=409)
        messages.success(request, _("Møtehyppigheten er lagret."))
    else:
        messages.error(request, _("Velg mellom 1 og 52 uker, eller la feltet stå tomt."))
    return redirect("meetings:list", person_id=person_id)


TIME_FIELDS = {"starts_at": "start", "ends_at": "end"}


def meeting_schedule(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Schedule a meeting; the members, the person and consenting next of kin are invited."""
    return _meeting_create(request, person_id, held=False)


def meeting_record_held(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Record a meeting that was held, to keep attendance and minutes (nobody is invited)."""
    return _meeting_create(request, person_id, held=True)


def _meeting_create(request: AuthenticatedHttpRequest, person_id: int, *, held: bool) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="meeting")
    team = _active_team(grant)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        create = services.meeting_record_held if held else services.meeting_schedule
        try:
            with once(form.submission, user=request.user) as submission:
                meeting = create(grant=grant, team=team, starts_at=starts_at, ends_at=ends_at,
                                 location=form.cleaned_data["location"], video_link=form.cleaned_data["video_link"])
                submission.created(meeting)
        except AlreadySubmitted as earlier:
            messages.info(request, _("Møtet var allerede lagret."))
            return redirect("meetings:detail", person_id=person_id, meeting_id=earlier.object_id)
        except ValidationError as error:
            add_service_error(form, error, TIME_FIELDS)
        else:
            messages.success(request, _("Møtet er registrert som holdt. Før inn oppmøte og referat.") if held else _(
                "Møtet er planlagt. Dagsordenen bygges av mål som skal evalueres og saker som meldes inn."))
            return redirect("meetings:detail", person_id=person_id, meeting_id=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "person": grant.person, "meeting": None,
                                                          "held": held})


def meeting_edit(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Change time or place of a planned meeting."""
    grant = get_person_for_user(request, person_id, write=True, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_for(meeting))
    conflict = None
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        try:
            services.meeting_update(
                grant=grant, meeting=meeting, starts_at=starts_at, ends_at=ends_at,
                location=form.cleaned_data["location"], video_link=form.cleaned_data["video_link"],
                expected_version=form.cleaned_data["version"] or 0)
        except EditConflict as error:
            conflict = error
            keep_input_at_current_version(form, error)
            form.add_error(None, _("Noen andre endret møtet mens du hadde det oppe. Det de lagret, står under; "
                                   "det du skrev, er tatt vare på. Lagre igjen hvis ditt skal gjelde."))
        except ValidationError as error:
            add_service_error(form, error, TIME_FIELDS)
        else:
            messages.success(request, _("Møtet er endret.") if not meeting.agenda_sent_at else _(
                "Møtet er endret, og alle innkalte har fått en oppdatert innkalling."))
            return redirect("meetings:detail", person_id=person_id, meeting_id=meeting.pk)
    return render(request, "meetings/meeting_form.html", {
        "form": form, "person": grant.person, "meeting": meeting,
        "conflict": conflict, "conflict_meeting": conflict.current if conflict else None})


def meeting_cancel(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Cancel a meeting after a confirmation that says who will be told."""
    grant = get_person_for_user(request, person_id, write=True, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(grant=grant, meeting=meeting,
                                    reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Møtet er avlyst."))
        return redirect("meetings:list", person_id=person_id)
    return render(request, "meetings/meeting_cancel.html", {
        "form": form, "person": grant.person, "meeting": meeting,
        "recipients": selectors.recipients_of(meeting) if meeting.agenda_sent_at else [],
    })


# How far an invitation got on one channel, in the words of the meeting page.
_DELIVERY_WORDS: dict[str, Any] = {
    DeliveryStatus.PENDING: gettext_lazy("venter"), DeliveryStatus.SENDING: gettext_lazy("venter"), DeliveryStatus.TO_PRINT: gettext_lazy("venter"),
    DeliveryStatus.SENT: gettext_lazy("sendt"), DeliveryStatus.PRINTED: gettext_lazy("sendt"),
    DeliveryStatus.FAILED: gettext_lazy("kom ikke fram"), DeliveryStatus.REFUSED: gettext_lazy("ikke sendt"),
    DeliveryStatus.OPTED_OUT: gettext_lazy("ikke sendt"),
}
_NOT_THROUGH: set[str] = {DeliveryStatus.FAILED, DeliveryStatus.REFUSED, DeliveryStatus.OPTED_OUT}


def _reach(meeting: Meeting, invitations: list[Invitation]) -> list[dict[str, Any]]:
    """Return how each invitee is told of the meeting (the channels the send used, and how far each
    got), and for those without any address a way to add one; a letter recipient gets a link to
    print the letter. A message that did not get through is flagged, so the coordinator calls."""
    rows = []
    delivered = selectors.invitation_deliveries(meeting)
    for invitation in selectors.recipients_of(meeting, invitations):
        recipient = services._invitation_recipient(invitation)
        channels = [c for c, _address in channels_for(recipient)] if recipient else []
        statuses = delivered.get(recipient.key, {}) if recipient else {}
        shown = []
        for channel in channels:
            status = statuses.get(channel, "")
            shown.append({"label": str(Channel(channel).label), "status": str(_DELIVERY_WORDS.get(status, "")),
                          "failed": status in _NOT_THROUGH})
        edit_url = ""
        if not channels and recipient is not None:
            if recipient.person is not None:
                edit_url = reverse("people:edit", args=[recipient.person.pk])
            elif recipient.related is not None:
                edit_url = reverse("people:related_edit", args=[recipient.related.person_id, recipient.related.pk])
        rows.append({"name": invitation.name, "inbox": recipient is not None and recipient.user is not None,
                     "channels": shown, "letter": Channel.LETTER in channels, "edit_url": edit_url,
                     "not_through": bool(shown) and all(c["failed"] for c in shown)})
    return rows


def _detail_context(grant: policy.PersonGrant, meeting: Meeting, **forms: Any) -> dict[str, Any]:
    # Only those who run the meeting bring the agenda up to date; readers never write by reading.
    if grant.can_write and meeting.is_planned:
        agenda = services.agenda_build(grant=grant, meeting=meeting)
    else:
        agenda = selectors.agenda_of(meeting)
    invitations = selectors.invitations_of(meeting)
    own_invitation = next((i for i in invitations if grant.user is not None and grant.user.pk in (
        i.user_id, i.membership.user_id if i.membership else None)), None)
    evaluations = {e.goal_id: e for e in meeting.evaluations.select_related("evaluated_by")}
    goal_rows = []
    for item in agenda:
        if item.goal_id is None:
            continue
        evaluation = evaluations.get(item.goal_id)
        form = None
        if evaluation is None and item.goal is not None and item.goal.is_open and grant.can_write and meeting.status != MeetingStatus.CANCELLED:
            form = forms.get(f"evaluation_{item.goal_id}") or EvaluationForm(prefix=f"goal-{item.goal_id}")
        goal_rows.append((item, evaluation, form))
    today = timezone.localdate()
    return {
        "grant": grant, "person": grant.person, "meeting": meeting, "team": meeting.team,
        "agenda": agenda, "invitations": invitations, "goal_rows": goal_rows, "today": today,
        "own_invitation": own_invitation,
        "reach": _reach(meeting, invitations) if grant.can_write and meeting.agenda_sent_at and meeting.is_planned else [],
        "can_record": meeting.status != MeetingStatus.CANCELLED
        and timezone.localtime(meeting.starts_at).date() <= today,
        "agenda_form": forms.get("agenda_form") or AgendaItemForm(),
        "minutes_form": forms.get("minutes_form")
        or MinutesForm(initial={"minutes": meeting.minutes, "version": meeting.version}),
        # Every earlier wording of the minutes, newest first (the first revision is the text shown).
        "minutes_earlier": list(meeting.minutes_revisions.select_related("saved_by"))[1:],
        "decisions": list(meeting.decisions.select_related("recorded_by", "withdrawn_by")),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "action_items": list(meeting.action_items.select_related("done_by", *selectors.ACTION_ITEM_OWNER)),
        "action_form": forms.get("action_form") or ActionItemForm(team=meeting.team),
        "conflict": forms.get("conflict"),
        "conflict_rows": forms.get("conflict_rows", []),
    }


def meeting_detail(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Show the meeting: agenda, attendance, minutes, decisions, action items and evaluations."""
    grant = get_person_for_user(request, person_id, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    return render(request, "meetings/meeting_detail.html", _detail_context(grant, meeting))


def _create_on_meeting(
    request: AuthenticatedHttpRequest, person_id: int, meeting_id: int, *, form: OnceForm, form_key: str, anchor: str,
    create: Callable[[policy.PersonGrant, Meeting, dict[str, Any]], Any], done: str, write: bool = True,
) -> HttpResponse:
    """Create something on a meeting page once per form sent; a repeat is shown what it already made."""
    grant = get_person_for_user(request, person_id, write=write, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("submission_token", "version")}
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(create(grant, meeting, data))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return _back(person_id, meeting_id, anchor)
        except ValidationError as error:
            if _refused(request, form, error):
                return _back(person_id, meeting_id, anchor)
        else:
            messages.success(request, done)
            return _back(person_id, meeting_id, anchor)
    return render(request, "meetings/meeting_detail.html", _detail_context(grant, meeting, **{form_key: form}))


@require_POST
def agenda_item_add(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Add an item to the agenda; every member of the team may."""
    return _create_on_meeting(
        request, person_id, meeting_id, form=AgendaItemForm(request.POST), form_key="agenda_form",
        anchor="agenda-heading", write=False, done=_("Saken er lagt til på dagsordenen."),
        create=lambda grant, meeting, data: services.agenda_item_add(grant=grant, meeting=meeting, **data))


def _agenda_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting.agenda_items.filter(pk=item_id).first()
    if item is None:
        raise Http404("No such agenda item.")
    return item


@require_POST
def agenda_item_move(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int, item_id: int) -> HttpResponse:
    def do(grant: policy.PersonGrant, meeting: Meeting) -> str:
        item = _agenda_item(meeting, item_id)
        services.agenda_item_move(grant=grant, item=item,
                                  direction=request.POST.get("direction", ""))
        return _("Dagsordenen er endret.")

    return _meeting_write(request, person_id, meeting_id, do, anchor="agenda-heading")


def agenda_item_edit(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int, item_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    item = _agenda_item(meeting, item_id)
    form = AgendaItemForm(request.POST or None, initial={"title": item.title, "details": item.details,
                                                         "version": item.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_update(grant=grant, item=item, title=form.cleaned_data["title"],
                                        details=form.cleaned_data["details"],
                                        expected_version=form.cleaned_data["version"] or 0)
        except EditConflict as error:
            keep_input_at_current_version(form, error)
            form.add_error(None, _("Noen andre endret saken mens du hadde den oppe. Nå står det: «%(title)s». "
                                   "Det du skrev, er tatt vare på; lagre igjen hvis ditt skal gjelde.") % {
                "title": error.current.title})
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Saken er endret."))
            return _back(person_id, meeting_id, "agenda-heading")
    return render(request, "meetings/agenda_item_form.html", {
        "form": form, "person": grant.person, "meeting": meeting, "item": item})


@require_POST
def agenda_send(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    def do(grant: policy.PersonGrant, meeting: Meeting) -> str:
        report = services.agenda_send(grant=grant, meeting=meeting)
        reached = ", ".join(f"{name} ({', '.join(channels)})" for name, channels in report.reached)
        message = ngettext("Innkallingen er sendt til %(count)s innkalt: %(names)s.",
                           "Innkallingen er sendt til %(count)s innkalte: %(names)s.",
                           report.count) % {"count": report.count, "names": reached}
        if report.unreachable:
            message += " " + _("Uten adresse: %(names)s. Skriv ut et brev til dem, eller gi beskjed på annen måte.") % {
                "names": ", ".join(report.unreachable)}
        return message

    return _meeting_write(request, person_id, meeting_id, do)


@require_POST
def respond(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """The signed-in invitee answers whether they come."""
    def do(grant: policy.PersonGrant, meeting: Meeting) -> str:
        invitation = next((i for i in selectors.invitations_of(meeting) if request.user.pk in (
            i.user_id, i.membership.user_id if i.membership else None)), None)
        if invitation is None:
            raise Http404
        services.invitation_respond(grant=grant, invitation=invitation, response=request.POST.get("response", ""))
        return _("Svaret ditt er registrert.")

    return _meeting_write(request, person_id, meeting_id, do, write=False, anchor="attendance-heading")


@login_not_required
def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    """Answer an invitation from the link in the message, without signing in.

    The page shows only when the meeting is, never whose team it is.
    """
    answered = None
    if request.method == "POST":
        try:
            answered = services.invitation_respond_by_token(token=token, response=request.POST.get("response", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    invitation = services.invitation_for_token(token)
    return render(request, "meetings/rsvp.html", {"invitation": invitation, "answered": answered, "token": token})


@require_POST
def attendance_record(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    def do(grant: policy.PersonGrant, meeting: Meeting) -> str:
        form = AttendanceForm(request.POST, invitations=selectors.invitations_of(meeting))
        if not form.is_valid():
            raise ValidationError(_("Oppmøtet kunne ikke lagres. Sjekk valgene."))
        services.attendance_record(grant=grant, meeting=meeting,
                                   attendance=form.values())
        return _("Oppmøtet er lagret.")

    return _meeting_write(request, person_id, meeting_id, do, anchor="attendance-heading")


@require_POST
def minutes_save(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Save the minutes; a save based on an old version is refused and the text kept."""
    grant = get_person_for_user(request, person_id, write=True, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    form = MinutesForm(request.POST)
    conflict = None
    if form.is_valid():
        try:
            services.minutes_save(grant=grant, meeting=meeting,
                                  minutes=form.cleaned_data["minutes"],
                                  expected_version=form.cleaned_data["version"])
        except EditConflict as error:
            conflict = error
            keep_input_at_current_version(form, error)
            meeting = _meeting(grant, meeting_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Referatet er lagret."))
            return _back(person_id, meeting_id, "minutes-heading")
    context = _detail_context(grant, meeting, minutes_form=form, conflict=conflict,
                              conflict_rows=conflict_rows(form, conflict) if conflict else [])
    return render(request, "meetings/meeting_detail.html", context, status=409 if conflict else 200)


@require_POST
def decision_add(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Record a decision made at the meeting."""
    return _create_on_meeting(
        request, person_id, meeting_id, form=DecisionForm(request.POST), form_key="decision_form",
        anchor="decisions-heading", done=_("Beslutningen er ført inn."),
        create=lambda grant, meeting, data: services.decision_add(grant=grant, meeting=meeting, text=data["text"]))


@require_POST
def decision_withdraw(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int, decision_id: int) -> HttpResponse:
    """Withdraw a decision recorded by mistake; it stays in the minutes, marked as withdrawn."""
    def do(grant: policy.PersonGrant, meeting: Meeting) -> str:
        decision = MeetingDecision.objects.filter(pk=decision_id, meeting=meeting).first()
        if decision is None:
            raise Http404
        services.decision_withdraw(grant=grant, decision=decision, reason=request.POST.get("reason", ""))
        return _("Beslutningen er trukket. Teksten står fortsatt i referatet, merket som trukket.")

    return _meeting_write(request, person_id, meeting_id, do, anchor="decisions-heading")


@require_POST
def action_item_add(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Record an action item with an owner in the team and a deadline."""
    grant = get_person_for_user(request, person_id, write=True, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    return _create_on_meeting(
        request, person_id, meeting_id, form=ActionItemForm(request.POST, team=meeting.team), form_key="action_form",
        anchor="actions-heading", done=_("Oppgaven er ført inn."),
        create=lambda grant, meeting, data: services.action_item_add(
            grant=grant, team=meeting.team, meeting=meeting, **data))


@require_POST
def goal_evaluate(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int, goal_id: int) -> HttpResponse:
    """Evaluate a goal on the agenda, straight from the meeting."""
    grant = get_person_for_user(request, person_id, write=True, resource="meeting")
    meeting = _meeting(grant, meeting_id)
    item = meeting.agenda_items.select_related("goal").filter(goal_id=goal_id).first()
    if item is None:
        raise Http404("The goal is not on this agenda.")
    form = EvaluationForm(request.POST, prefix=f"goal-{goal_id}")
    if form.is_valid():
        try:
            assert item.goal is not None  # the agenda item was found by its goal
            with once(form.submission, user=request.user) as submission:
                submission.created(plan_goal_evaluate(grant=grant, goal=item.goal, meeting=meeting,
                                                      **form.data_without_token()))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return _back(person_id, meeting_id, "goals-heading")
        except EditConflict:
            messages.error(request, _("Noen andre evaluerte eller endret målet samtidig. Se planen."))
            return _back(person_id, meeting_id, "goals-heading")
        except ValidationError as error:
            if _refused(request, form, error):
                return _back(person_id, meeting_id, "goals-heading")
        else:
            messages.success(request, _("Målet er evaluert."))
            return _back(person_id, meeting_id, "goals-heading")
    return render(request, "meetings/meeting_detail.html",
                  _detail_context(grant, meeting, **{f"evaluation_{goal_id}": form}))


def action_items(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """List the team's action items: open ones by deadline, overdue flagged, then the done ones."""
    grant = get_person_for_user(request, person_id, resource="action_items")
    team = _team(grant)
    if team is None:
        raise Http404("No team.")
    return render(request, "meetings/action_items.html", {
        "grant": grant, "person": grant.person, "team": team,
        "items": selectors.action_items_of(team=team), "today": timezone.localdate(),
    })


def _action_item_write(request: AuthenticatedHttpRequest, person_id: int, item_id: int, done: bool) -> HttpResponse:
    grant = get_person_for_user(request, person_id, resource="action_items")
    item = ActionItem.objects.select_related("team", "owner_membership").filter(
        pk=item_id, team__person=grant.person).first()
    if item is None:
        raise Http404("No such action item.")
    service = services.action_item_done if done else services.action_item_reopen
    try:
        service(grant=grant, item=item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Oppgaven er merket som gjort.") if done else _("Oppgaven er åpnet igjen."))
    next_url = request.POST.get("next", "")
    if next_url.startswith(f"/mote/person/{person_id}/"):
        return redirect(next_url)
    return redirect("meetings:action_items", person_id=person_id)


@require_POST
def action_item_done(request: AuthenticatedHttpRequest, person_id: int, item_id: int) -> HttpResponse:
    return _action_item_write(request, person_id, item_id, done=True)


@require_POST
def action_item_reopen(request: AuthenticatedHttpRequest, person_id: int, item_id: int) -> HttpResponse:
    return _action_item_write(request, person_id, item_id, done=False)


def unit_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the coordinating unit no-shows per service, idle teams and overdue action items."""
    municipality = require_in_municipality(request, policy.can_triage)
    try:
        days = min(max(int(request.GET.get("dager", 90)), 7), 730)
    except ValueError:
        days = 90
    since = timezone.localdate() - dt.timedelta(days=365)
    audit_record(
        actor=request.user,
        action=Action.LIST, resource="meeting_overview", municipality=municipality,
        purpose=_("Oversikt over møter, oppmøte og oppgaver"), ip=client_ip(request),
    )
    return render(request, "meetings/unit_overview.html", {
        "rows": selectors.no_show_rates_by_service(municipality=municipality, since=since),
        "since": since, "days": days,
        "idle_teams": selectors.teams_without_recent_meeting(municipality=municipality, days=days),
        "overdue": selectors.overdue_action_items(municipality=municipality),
        "today": timezone.localdate(),
    })
