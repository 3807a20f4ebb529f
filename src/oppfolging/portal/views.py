"""«Min plan»: the person and next of kin see and shape their own plan.

Every view starts with `_grant`, which answers 404 for a person the signed-in user may not see
(another person, or next of kin without consent, guardianship or parental responsibility).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_grant, client_ip
from oppfolging.calendars.selectors import portal_tasks
from oppfolging.catalogue.models import Service
from oppfolging.children import services as children_services
from oppfolging.lib.versioning import EditConflict, conflict_rows, save_form_versioned
from oppfolging.meetings import selectors as meeting_selectors
from oppfolging.meetings import services as meeting_services
from oppfolging.meetings.models import Invitation, Meeting, MeetingStatus
from oppfolging.plans.models import IndividualPlan
from oppfolging.plans.selectors import measures_with_responsible
from oppfolging.portal import selectors as portal_selectors
from oppfolging.portal import services
from oppfolging.portal.forms import (
    AgendaItemForm,
    ConsentGiveForm,
    GoalProposalForm,
    MessageForm,
    NoticeChannelsForm,
    WhatMattersForm,
    WishForm,
    psfs_form,
)
from oppfolging.portal.models import GoalProposal, Message, PsfsSelfScore, SenderKind
from oppfolging.submissions.once import AlreadySubmitted, once
from oppfolging.teams import services as team_services
from oppfolging.teams.models import (
    Consent,
    ConsentMethod,
    CoordinatorAssignment,
    GivenBy,
    Team,
    TeamStatus,
)
from oppfolging.teams.selectors import coordinator_change_of


def _grant(request: AuthenticatedHttpRequest, person_id: int, *, resource: str = "portal") -> policy.PortalGrant:
    grant = policy.portal_grant(user=request.user, person_id=person_id)
    if grant is None:
        raise Http404
    if request.method in ("GET", "HEAD"):
        audit_grant(grant=grant.as_person_grant(), action=Action.READ,
                    resource=resource, purpose=grant.basis_text, ip=client_ip(request))
    return grant


def _context(grant: policy.PortalGrant, **extra: Any) -> dict[str, Any]:
    return {"grant": grant, "person": grant.person, **extra}


def _active_team_with_coordinators(grant: policy.PortalGrant) -> Team | None:
    """Return the person's active team with every coordinator period (both sides of a handover)."""
    return Team.objects.filter(person=grant.person, status=TeamStatus.ACTIVE).prefetch_related(
        Prefetch("coordinator_assignments", queryset=CoordinatorAssignment.objects.select_related("coordinator")),
    ).first()


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send the user to the one plan they may see, or let them choose."""
    grants = policy.portal_grants(user=request.user)
    if len(grants) == 1:
        return redirect("portal:plan", person_id=grants[0].person.pk)
    return render(request, "portal/choose.html", {"grants": grants})


def plan(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """My plan in plain language: goals, measures, who does what, when we look again."""
    grant = _grant(request, person_id, resource="individual_plan")
    plan_obj = IndividualPlan.objects.filter(person=grant.person).select_related("team").first()
    goals = list(plan_obj.goals.prefetch_related(
        Prefetch("measures", queryset=measures_with_responsible()), "evaluations").all()) if plan_obj else []
    top = [g for g in goals if g.parent_id is None]
    for goal in top:
        goal.children = [g for g in goals if g.parent_id == goal.pk]
    next_meeting = Meeting.objects.filter(
        team__person=grant.person, status=MeetingStatus.PLANNED, starts_at__gte=timezone.now()
    ).order_by("starts_at").first()
    unread = Message.objects.filter(person=grant.person, sender_kind=SenderKind.PROFESSIONAL,
                                    read_by_person_at__isnull=True).count()
    team_obj = _active_team_with_coordinators(grant)
    return render(request, "portal/plan.html", _context(
        grant, plan=plan_obj, coordinator=team_obj.current_coordinator_assignment if team_obj else None,
        change=coordinator_change_of(team_obj), goals=sorted(top, key=lambda g: (not g.is_open, g.position)),
        next_meeting=next_meeting, unread=unread, today=timezone.localdate(),
        proposals=GoalProposal.objects.filter(person=grant.person)[:10],
        tasks=[t for t in portal_tasks(user=request.user) if t.person_id == grant.person.pk],
    ))


def team(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """My team: who they are, what they do, how to reach them; my coordinator."""
    grant = _grant(request, person_id, resource="team")
    team_obj = _active_team_with_coordinators(grant)
    members = team_obj.memberships.filter(left_on__isnull=True).select_related(
        "user", "service", "related_person") if team_obj else []
    return render(request, "portal/team.html", _context(
        grant, team=team_obj, members=members,
        coordinator=team_obj.current_coordinator_assignment if team_obj else None,
        change=coordinator_change_of(team_obj),
        ended=None if team_obj else Team.objects.filter(
            person=grant.person, status=TeamStatus.CLOSED).order_by("-closed_at").first(),
    ))


def meetings(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Upcoming meetings with their agenda (and a form to add to it), past ones with minutes."""

    grant = _grant(request, person_id, resource="meetings")
    # A planned meeting later today still takes agenda items, even after its start time.
    start_of_today = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    upcoming = list(Meeting.objects.filter(
        team__person=grant.person, status=MeetingStatus.PLANNED, starts_at__gte=start_of_today).order_by("starts_at"))
    person_grant = grant.as_person_grant()
    invitations = Invitation.objects.filter(meeting__in=upcoming, withdrawn_at__isnull=True).select_related(
        "membership")
    mine = {i.meeting_id: i for i in invitations if meeting_services.is_invitee(person_grant, i)}
    for meeting in upcoming:
        meeting.agenda = meeting_selectors.agenda_of(meeting)
        meeting.my_invitation = mine.get(meeting.pk)
        meeting.agenda_form = AgendaItemForm()  # each meeting's form has a one-time token of its own
    past = Meeting.objects.filter(team__person=grant.person, status=MeetingStatus.HELD).order_by("-starts_at").prefetch_related(
        "decisions", "action_items")[:10]
    return render(request, "portal/meetings.html", _context(
        grant, upcoming=upcoming, past=past))


@require_POST
def agenda_add(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Add an item to the next meeting's agenda, in the person's own words."""

    grant = _grant(request, person_id)
    meeting = Meeting.objects.filter(pk=meeting_id, team__person=grant.person, status=MeetingStatus.PLANNED).first()
    if meeting is None:
        raise Http404
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(meeting_services.agenda_item_add(
                    grant=grant.as_person_grant(), meeting=meeting, title=form.cleaned_data["title"],
                    details=form.cleaned_data["details"]))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede sendt."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saken er lagt til på dagsordenen. Teamet ser den før møtet."))
    else:
        messages.error(request, _("Skriv hva du vil ta opp."))
    return redirect("portal:meetings", person_id=person_id)


@require_POST
def respond(request: AuthenticatedHttpRequest, person_id: int, meeting_id: int) -> HttpResponse:
    """Answer whether I come to a meeting I am invited to."""
    grant = _grant(request, person_id)
    person_grant = grant.as_person_grant()
    meeting = Meeting.objects.filter(pk=meeting_id, team__person=grant.person, status=MeetingStatus.PLANNED).first()
    invitation = next((i for i in meeting_selectors.invitations_of(meeting) if meeting_services.is_invitee(
        person_grant, i)), None) if meeting else None
    if invitation is None:
        raise Http404
    try:
        meeting_services.invitation_respond(grant=person_grant, invitation=invitation,
                                            response=request.POST.get("response", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Svaret ditt er registrert."))
    return redirect("portal:meetings", person_id=person_id)


def matters(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Write what matters to me, and propose goals in my own words."""
    grant = _grant(request, person_id, resource="individual_plan")
    plan_obj = IndividualPlan.objects.filter(person=grant.person).first()
    matters_form = WhatMattersForm(request.POST if "save_matters" in request.POST else None,
                                   initial={"text": plan_obj.what_matters if plan_obj else "",
                                            "version": plan_obj.version if plan_obj else None}, prefix="matters")
    goal_form = GoalProposalForm(request.POST if "propose_goal" in request.POST else None, prefix="goal")
    if request.method == "POST":
        try:
            if matters_form.is_bound and matters_form.is_valid():
                try:
                    services.what_matters_save(grant=grant, text=matters_form.cleaned_data["text"],
                                               # Without a version the save is refused as stale.
                                               expected_version=matters_form.cleaned_data["version"] or 0)
                except EditConflict as conflict:
                    # What the person wrote stays in the form; saving again is their choice.
                    assert isinstance(matters_form.data, QueryDict)  # bound to request.POST
                    matters_form.data = matters_form.data.copy()
                    matters_form.data["matters-version"] = str(conflict.current.version)
                    matters_form.add_error(None, _(
                        "Planen ble endret av noen andre mens du skrev. Nå står det: «%(text)s». Det du skrev, "
                        "er tatt vare på; lagre igjen hvis ditt skal gjelde.") % {"text": conflict.current.what_matters})
                else:
                    messages.success(request, _("Det du skrev, er lagret i planen din."))
                    return redirect("portal:matters", person_id=person_id)
            if goal_form.is_bound and goal_form.is_valid():
                try:
                    with once(goal_form.submission, user=request.user) as submission:
                        submission.created(services.goal_propose(grant=grant, text=goal_form.cleaned_data["text"]))
                except AlreadySubmitted:
                    # A double click: the goal was sent once, and it is in the list on the page.
                    messages.info(request, _("Dette var allerede sendt."))
                else:
                    messages.success(request, _(
                        "Målet er sendt til koordinatoren din, som tar det inn i planen sammen med deg."))
                return redirect("portal:matters", person_id=person_id)
        except PermissionDenied:
            messages.error(request, _("Bare personen selv kan endre dette."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(request, "portal/matters.html", _context(
        grant, plan=plan_obj, matters_form=matters_form, goal_form=goal_form,
        proposals=GoalProposal.objects.filter(person=grant.person)))


def notices(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """How I am told that something waits: e-mail, SMS, or a letter when I choose neither."""
    grant = _grant(request, person_id, resource="notice_channels")
    who = grant.person if grant.is_self else grant.related_person
    if who is None:
        raise Http404
    form = NoticeChannelsForm(request.POST or None, initial={
        "notify_email": who.notify_email, "email": who.email, "notify_sms": who.notify_sms, "phone": who.phone,
        "version": who.version})
    conflict = None
    if request.method == "POST":
        # A save without the version the page was opened on is refused as stale (versions start at 1).
        saved, conflict = save_form_versioned(form, lambda version, fields: services.notice_channels_save(
            grant=grant, expected_version=version, **fields))
        if saved:
            messages.success(request, _("Valget ditt er lagret."))
            return redirect("portal:notices", person_id=person_id)
    return render(request, "portal/notices.html", _context(
        grant, form=form, conflict=conflict, conflict_rows=conflict_rows(form, conflict) if conflict else []))


def _psfs_changed_since_shown(posted: Any, activities: list[str]) -> list[int]:
    """Return the positions scored on an activity that is no longer the one the page showed there."""
    changed = []
    for key in posted:
        if (match := re.fullmatch(r"t([0-9]{1,2})", key)) and posted.get(f"a{match[1]}", "") != "":
            i = int(match[1])
            if i >= len(activities) or posted[key] != activities[i]:
                changed.append(i)
    return sorted(changed)


def psfs(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Score my own «Hva er viktig for deg?» activities between meetings."""
    grant = _grant(request, person_id, resource="psfs")
    latest = grant.person.assessments.order_by("-started_on", "-pk").first()
    activities = [a.activity for a in latest.psfs_activities.all()] if latest else []
    if request.method == "POST" and not grant.may_score_psfs:
        raise PermissionDenied
    data: QueryDict | None = request.POST or None
    if data is not None and (changed := _psfs_changed_since_shown(request.POST, activities)):
        # A score must land on the activity the person saw: keep the scores whose activity is
        # unchanged, drop the others, and ask them to look again. Nothing is saved.
        data = QueryDict(mutable=True)
        data.update(request.POST)
        for i in changed:
            data.pop(f"a{i}", None)
            data[f"t{i}"] = activities[i] if i < len(activities) else ""
        messages.error(request, _("Teamet endret aktivitetene mens du skåret. Se over skårene og lagre igjen."))
        form = psfs_form(activities, data)
        form.is_valid()
        return render(request, "portal/psfs.html", _context(
            grant, form=form, activities=activities,
            history=PsfsSelfScore.objects.filter(person=grant.person)[:30]), status=409)
    form = psfs_form(activities, data)
    if request.method == "POST" and form.is_valid():
        scores = {activities[int(k[1:])]: v for k, v in form.cleaned_data.items()
                  if k.startswith("a") and v not in (None, "")}
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.psfs_self_score(grant=grant, scores=scores)[0])
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("portal:psfs", person_id=person_id)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Takk! Skårene dine er lagret, og teamet ser dem.") if grant.is_self else
                             _("Takk! Skårene er lagret, merket med at du skåret dem, og teamet ser dem."))
            return redirect("portal:psfs", person_id=person_id)
    history = PsfsSelfScore.objects.filter(person=grant.person)[:30]
    return render(request, "portal/psfs.html", _context(grant, form=form, activities=activities, history=history))


def wish(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """State who the person wishes as coordinator: the person, a guardian or a parent only."""
    grant = _grant(request, person_id, resource="coordinator_wish")
    if not grant.may_speak_for_person:
        raise PermissionDenied
    form = WishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.coordinator_wish_state(grant=grant, text=form.cleaned_data["text"]))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede sendt."))
        else:
            messages.success(request, _("Ønsket ditt er lagret. Koordinerende enhet ser det når de velger koordinator."))
        return redirect("portal:plan", person_id=person_id)
    return render(request, "portal/wish.html", _context(
        grant, form=form, wishes=grant.person.coordinator_wishes.all()[:5]))


def consent(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """My consents, and who can see my data because of them."""
    grant = _grant(request, person_id, resource="consent")
    form = ConsentGiveForm(request.POST or None, person=grant.person)
    if request.method == "POST":
        if not grant.may_manage_consent:
            raise PermissionDenied
        if form.is_valid():
            try:
                with once(form.submission, user=request.user) as submission:
                    submission.created(team_services.consent_record(
                        grant=grant.as_person_grant(),
                        scope=form.cleaned_data["scope"], service=form.cleaned_data["service"],
                        related_person=form.cleaned_data["related_person"],
                        given_by=GivenBy.PERSON if grant.is_self else GivenBy.GUARDIAN,
                        given_by_related=grant.related_person, method=ConsentMethod.DIGITAL,
                    ))
            except AlreadySubmitted:
                # A double click: one consent (withdrawing it leaves no twin behind), shown in the list.
                messages.info(request, _("Dette var allerede lagret."))
                return redirect("portal:consent", person_id=person_id)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Samtykket er registrert."))
                return redirect("portal:consent", person_id=person_id)
    consents = Consent.objects.filter(person=grant.person).select_related("service", "related_person")
    who = policy.who_can_see(grant.person) if grant.may_manage_consent else []
    young = grant.is_self and grant.person.age() in (16, 17)
    return render(request, "portal/consent.html", _context(
        grant, consents=consents, form=form, who_can_see=who, young=young,
        parents_restricted=young and policy.parents_restricted(grant.person)))


@require_POST
def parents(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Let a young person of 16 or 17 keep their parents out of the plan, or let them in again."""
    grant = _grant(request, person_id, resource="parent_access_restriction")
    if not grant.is_self:
        raise PermissionDenied
    try:
        if request.POST.get("action") == "lift":
            children_services.parent_access_restriction_lift(grant=grant.as_person_grant())
            messages.success(request, _("Foreldrene dine kan se planen din igjen."))
        else:
            children_services.parent_access_restrict(grant=grant.as_person_grant())
            messages.success(request, _("Foreldrene dine kan ikke lenger se planen din i Min plan."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal:consent", person_id=person_id)


def consent_withdraw(request: AuthenticatedHttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    """Withdraw a consent, after seeing exactly who loses access."""
    grant = _grant(request, person_id, resource="consent")
    if not grant.may_manage_consent:
        raise PermissionDenied
    item = Consent.objects.filter(pk=consent_id, person=grant.person, withdrawn_at__isnull=True).first()
    if item is None:
        raise Http404
    if request.method == "POST":
        team_services.consent_withdraw(grant=grant.as_person_grant(), consent=item,
                                       note=_("Trukket i Min plan"))
        messages.success(request, _("Samtykket er trukket tilbake. Det gjelder fra nå."))
        return redirect("portal:consent", person_id=person_id)
    before = policy.who_can_see(grant.person)
    return render(request, "portal/consent_withdraw.html", _context(
        grant, consent=item, losing=_losing(grant, item, before)))


def _losing(grant: policy.PortalGrant, item: Consent, before: list[dict[str, str]]) -> list[str]:
    """Return who would lose access if the consent were withdrawn (computed, not guessed)."""
    from django.db import transaction

    class _Undo(Exception):
        pass

    after: set[str] = set()
    try:
        with transaction.atomic():
            Consent.objects.filter(pk=item.pk).update(withdrawn_at=timezone.now())
            after = {row["who"] for row in policy.who_can_see(grant.person)}
            raise _Undo
    except _Undo:
        pass
    return [row["who"] for row in before if row["who"] not in after]


def services_catalogue(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The municipality's services, searchable: what exists and how to get it."""
    grant = _grant(request, person_id, resource="catalogue")
    query = request.GET.get("q", "").strip()[:100]
    found = Service.objects.filter(municipality=grant.person.municipality, is_active=True)
    for word in query.split():
        found = found.filter(Q(name__icontains=word) | Q(description__icontains=word) | Q(target_group__icontains=word))
    return render(request, "portal/services.html", _context(grant, services=found, q=query))


def access_log(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Who has looked at my data: every access, in plain language, as Normen requires."""
    grant = _grant(request, person_id, resource="access_log")
    if not grant.may_manage_consent:
        raise PermissionDenied
    days, older = portal_selectors.who_has_seen(person=grant.person, reader=request.user,
                                                after=request.GET.get("eldre", ""))
    older_url = f"?{urlencode({'eldre': older})}" if older else ""
    return render(request, "portal/access_log.html", _context(grant, days=days, older_url=older_url))


def messages_thread(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Messages with my coordinator and team."""
    grant = _grant(request, person_id, resource="message")
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.message_send(grant=grant.as_person_grant(), body=form.cleaned_data["body"]))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede sendt."))  # the message is in the thread once
        else:
            messages.success(request, _("Meldingen er sendt til koordinatoren og teamet."))
        return redirect("portal:messages", person_id=person_id)
    services.messages_mark_read(grant=grant.as_person_grant())
    thread = Message.objects.filter(person=grant.person).select_related("sender_user")
    return render(request, "portal/messages.html", _context(grant, form=form, thread=thread))
