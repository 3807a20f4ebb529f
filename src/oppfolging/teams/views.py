"""Coordinator and team: wish, appointment and handover, members, consent, pool, overview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.access.grants import Basis
from oppfolging.access.shortcuts import (
    get_person_for_user,
    get_staff_grant,
    require_in_municipality,
)
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.audit.models import Action, AuditEvent
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.home import selectors as home_selectors
from oppfolging.lib.forms import add_service_error
from oppfolging.lib.params import id_param
from oppfolging.lib.versioning import (
    EditConflict,
    conflict_rows,
    keep_input_at_current_version,
    save_form_versioned,
)
from oppfolging.meetings.models import ActionItem, Meeting, MeetingStatus
from oppfolging.plans import services as plan_services
from oppfolging.plans.models import IndividualPlan, PlanStatus
from oppfolging.submissions.once import AlreadySubmitted, once, was_submitted
from oppfolging.teams import selectors, services
from oppfolging.teams.forms import (
    AppointForm,
    CloseTeamForm,
    ConsentForm,
    EndMembershipForm,
    HandoverNoteForm,
    MembershipForm,
    OverviewFilterForm,
    PoolForm,
    TrainingForm,
    WishForm,
    WithdrawForm,
)
from oppfolging.teams.models import (
    Consent,
    ConsentScope,
    CoordinatorAssignment,
    CoordinatorProfile,
    CoordinatorWish,
    MemberKind,
    Team,
    TeamMembership,
    TeamStatus,
)


def _active_team(person: Any) -> Team:
    team = Team.objects.filter(person=person, status=TeamStatus.ACTIVE).first()
    if team is None:
        raise Http404("No active team.")
    return team


def person_team(request: AuthenticatedHttpRequest, person_id: int, wish_form: WishForm | None = None) -> HttpResponse:
    """The person's team: coordinator with full history and handover notes, members, consents.

    ``wish_form`` is a refused coordinator wish, shown again with its errors and what was typed.
    """
    grant = get_person_for_user(request, person_id, resource="team")
    person = grant.person
    team = selectors.team_of(person)
    return render(request, "teams/person_team.html", {
        "grant": grant,
        "person": person,
        "team": team,
        "assignments": team.coordinator_assignments.all() if team else [],
        "members": team.memberships.all() if team else [],
        "consents": Consent.objects.filter(person=person).select_related(
            "service", "related_person", "given_by_related", "recorded_by", "withdrawn_by"),
        "wish": CoordinatorWish.objects.filter(person=person).select_related(
            "wished_user", "wished_service").first(),
        "plan": IndividualPlan.objects.filter(person=person).first(),
        "wish_form": wish_form or WishForm(municipality=person.municipality),
        "decisions": person.decisions.order_by("-decided_at")[:3] if hasattr(person, "decisions") else [],
        "next_step": home_selectors.next_step(person) if grant.can_write else None,
        "can_close": grant.can_write and grant.basis in (Basis.COORDINATING_UNIT, Basis.COORDINATOR),
    })


def _write(request: AuthenticatedHttpRequest, person_id: int, do: Callable[[policy.PersonGrant], str]) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True)
    try:
        message = do(grant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect("teams:person_team", person_id=person_id)


@require_POST
def wish_record(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True)
    form = WishForm(request.POST, municipality=grant.person.municipality)
    if form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.coordinator_wish_record(grant=grant, **form.data_without_token()))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("teams:person_team", person_id=person_id)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Ønsket om koordinator er lagret."))
            return redirect("teams:person_team", person_id=person_id)
    # Refused: the page again, with the errors and everything that was typed.
    return person_team(request, person_id, wish_form=form)


@require_POST
def team_create(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    def do(grant: policy.PersonGrant) -> str:
        services.team_create(grant=grant)
        return _("Oppfølgingsteamet er opprettet. Oppnevn en koordinator.")

    return _write(request, person_id, do)


def coordinator_appoint(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Appoint or change the coordinator, with the person's wish and everyone's caseload shown."""
    grant = get_person_for_user(request, person_id, write=True)
    if not policy.can_triage(request.user, grant.person.municipality):
        raise PermissionDenied
    team = _active_team(grant.person)
    form = AppointForm(request.POST or None, municipality=grant.person.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.coordinator_appoint(grant=grant, team=team, **form.data_without_token()))
        except AlreadySubmitted:
            # A double click: the coordinator was appointed once, and the team page shows them.
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("teams:person_team", person_id=person_id)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Koordinator er oppnevnt. Personen, pårørende som deltar og planlagte møter er oppdatert."))
            return redirect("teams:person_team", person_id=person_id)
    return render(request, "teams/appoint.html", {
        "form": form, "person": grant.person, "team": team,
        "current": team.current_coordinator_assignment,
        "wish": CoordinatorWish.objects.filter(person=grant.person).first(),
        "pool": selectors.coordinator_pool(municipality=grant.person.municipality),
    })


def handover_note(request: AuthenticatedHttpRequest, person_id: int, assignment_id: int) -> HttpResponse:
    """The outgoing coordinator (or the unit) writes the handover note for the incoming one."""
    grant = get_person_for_user(request, person_id, write=True, resource="team")
    assignment = get_object_or_404(CoordinatorAssignment, pk=assignment_id, team__person=grant.person)
    form = HandoverNoteForm(request.POST or None,
                            initial={"note": assignment.handover_note, "version": assignment.version})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_note_save(grant=grant, assignment=assignment, note=form.cleaned_data["note"],
                                        expected_version=form.cleaned_data["version"] or 0)
        except EditConflict as error:
            # Someone else saved the note meanwhile: theirs is shown, what was typed here is kept.
            conflict = error
            keep_input_at_current_version(form, error)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Overføringsnotatet er lagret, og den nye koordinatoren har fått beskjed."))
            return redirect("teams:person_team", person_id=person_id)
    return render(request, "teams/handover_note.html", {
        "form": form, "person": grant.person, "assignment": assignment, "conflict": conflict,
        "conflict_rows": [(form.fields["note"].label, conflict.current.handover_note)] if conflict else [],
    }, status=409 if conflict else 200)


@require_POST
def handover_read(request: AuthenticatedHttpRequest, person_id: int, assignment_id: int) -> HttpResponse:
    """The incoming coordinator confirms the handover note is read."""
    grant = get_person_for_user(request, person_id, resource="team")
    assignment = get_object_or_404(CoordinatorAssignment, pk=assignment_id, team__person=grant.person)
    try:
        services.handover_acknowledge(grant=grant, assignment=assignment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Du har bekreftet at du har lest overføringsnotatet."))
    return redirect("teams:person_team", person_id=person_id)


def membership_add(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True)
    team = _active_team(grant.person)
    form = MembershipForm(request.POST or None, person=grant.person)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.membership_add(grant=grant, team=team, **form.data_without_token()))
        except AlreadySubmitted:
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("teams:person_team", person_id=person_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Deltakeren er lagt til i teamet."))
            return redirect("teams:person_team", person_id=person_id)
    return render(request, "teams/membership_form.html", {"form": form, "person": grant.person})


@require_POST
def membership_end(request: AuthenticatedHttpRequest, person_id: int, membership_id: int) -> HttpResponse:
    def do(grant: policy.PersonGrant) -> str:
        membership = TeamMembership.objects.filter(pk=membership_id, team__person=grant.person).first()
        if membership is None:
            raise Http404
        form = EndMembershipForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Oppgi en gyldig sluttdato."))
        services.membership_end(grant=grant, membership=membership, **form.cleaned_data)
        return _("%(name)s er ikke lenger med i teamet fra %(date)s.") % {
            "name": membership.display_name, "date": formats.date_format(form.cleaned_data["left_on"], "j. F Y")}

    return _write(request, person_id, do)


def consent_add(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = get_person_for_user(request, person_id, write=True)
    form = ConsentForm(request.POST or None, person=grant.person)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.consent_record(grant=grant, **form.data_without_token()))
        except AlreadySubmitted:
            # A double click: one consent, and the page it leads to.
            messages.info(request, _("Samtykket var allerede registrert."))
            return redirect("teams:person_team", person_id=person_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Samtykket er registrert."))
            return redirect("teams:person_team", person_id=person_id)
    return render(request, "teams/consent_form.html", {"form": form, "person": grant.person})


def consent_withdraw(request: AuthenticatedHttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    """Withdraw a consent after a confirmation that says who loses access."""
    grant = get_person_for_user(request, person_id, write=True)
    consent = Consent.objects.filter(pk=consent_id, person=grant.person).first()
    if consent is None:
        raise Http404
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(grant=grant, consent=consent, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Samtykket er trukket tilbake. Det gjelder fra nå."))
        return redirect("teams:person_team", person_id=person_id)
    affected = TeamMembership.objects.filter(
        team__person=grant.person, team__status=TeamStatus.ACTIVE, left_on__isnull=True,
        kind=MemberKind.PROFESSIONAL,
    ).select_related("user", "service")
    if consent.scope == ConsentScope.SHARE_WITH_SERVICE:
        affected = affected.filter(service=consent.service)
    return render(request, "teams/consent_withdraw.html", {
        "form": form, "person": grant.person, "consent": consent, "affected": affected,
    })


@require_POST
def plan_create(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Create the plan from the latest assessment, then show it with the next step."""
    def do(grant: policy.PersonGrant) -> str:
        team = Team.objects.filter(person=grant.person, status=TeamStatus.ACTIVE).first()
        plan_services.plan_create(grant=grant, team=team)
        return _("Individuell plan er opprettet fra kartleggingen.")

    response = _write(request, person_id, do)
    if IndividualPlan.objects.filter(person_id=person_id).exists():
        return redirect("plans:detail", person_id=person_id)
    return response


def pool(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The coordinator pool: who can coordinate, their training and caseload."""
    grant = get_staff_grant(request, policy.can_triage)
    municipality = grant.municipality
    initial: dict[str, Any] = {"version": 0}  # a new entry
    if (user_id := id_param(request.GET.get("endre"))) is not None:
        # Change one entry: the form starts from its values and version.
        entry = CoordinatorProfile.objects.filter(municipality=municipality, user_id=user_id).first()
        if entry is not None:
            initial = {"user": entry.user_id, "max_caseload": entry.max_caseload, "is_active": entry.is_active,
                       "version": entry.version}
    pool_form = PoolForm(request.POST if "add_to_pool" in request.POST else None, municipality=municipality,
                         initial=initial)
    training_form = TrainingForm(
        request.POST if "add_training" in request.POST else None, municipality=municipality)
    conflict = None
    if request.method == "POST":
        if pool_form.is_bound:
            saved, conflict = save_form_versioned(pool_form, lambda version, fields: services.coordinator_profile_save(
                grant=grant, expected_version=version, **fields))
            if saved:
                messages.success(request, _("Koordinatorpoolen er oppdatert."))
                return redirect("teams:pool")
        if training_form.is_bound and training_form.is_valid():
            try:
                with once(training_form.submission, user=request.user) as submission:
                    submission.created(services.training_add(grant=grant, **training_form.data_without_token()))
            except AlreadySubmitted:
                messages.info(request, _("Dette var allerede lagret."))
            else:
                messages.success(request, _("Opplæringen er registrert."))
            return redirect("teams:pool")
    return render(request, "teams/pool.html", {
        "pool": selectors.coordinator_pool(municipality=municipality),
        "pool_form": pool_form, "training_form": training_form,
        "conflict": conflict, "conflict_rows": conflict_rows(pool_form, conflict) if conflict else [],
    }, status=409 if conflict else 200)


OVERVIEW_PAGE_SIZE = 50


def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone with a coordinator, a team or a plan, for the coordinating unit."""
    municipality = require_in_municipality(request, policy.can_triage)
    form = OverviewFilterForm(request.GET or None, municipality=municipality)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "age_group": form.cleaned_data["age_group"],
            "service_id": form.cleaned_data["service"].pk if form.cleaned_data["service"] else None,
            "coordinator_id": form.cleaned_data["coordinator"].pk if form.cleaned_data["coordinator"] else None,
            "status": form.cleaned_data["status"],
        }
    # A page at a time: a large municipality follows up well over a thousand persons.
    page = Paginator(selectors.followed_up_persons(municipality=municipality, **filters),
                     OVERVIEW_PAGE_SIZE).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    audit_record(
        actor=request.user,
        action=Action.LIST, resource="followed_up_overview", municipality=municipality,
        purpose=_("Oversikt over personer med koordinator, team eller plan"), ip=client_ip(request),
    )
    return render(request, "teams/overview.html", {
        "form": form, "persons": page.object_list, "page": page, "query": query.urlencode(),
    })



def team_close(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """End the follow-up, after a page that says who is told and what stops."""
    if request.method == "POST" and was_submitted(request.POST.get("submission_token", ""), user=request.user):
        # A double click: the first one ended the team (and perhaps the sender's access with it).
        messages.info(request, _("Oppfølgingen er avsluttet."))
        return redirect("home:start")
    grant = get_person_for_user(request, person_id, write=True, resource="team")
    if grant.basis not in (Basis.COORDINATING_UNIT, Basis.COORDINATOR):
        raise PermissionDenied
    team = _active_team(grant.person)
    plan_active = IndividualPlan.objects.filter(person=grant.person, status=PlanStatus.ACTIVE).exists()
    form = CloseTeamForm(request.POST or None, initial={"version": team.version}, with_plan=plan_active)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user):
                services.team_close(grant=grant, team=team, reason=form.cleaned_data["reason"],
                                    close_plan=form.cleaned_data.get("close_plan", False),
                                    expected_version=form.cleaned_data["version"])
        except AlreadySubmitted:
            messages.info(request, _("Oppfølgingen er avsluttet."))
            return redirect("home:start")
        except EditConflict:
            # The team changed while the page was open: show it as it is now, keep what was typed.
            team.refresh_from_db()
            form = CloseTeamForm({**request.POST.dict(), "version": team.version}, with_plan=plan_active)
            form.is_valid()
            form.add_error(None, _("Teamet ble endret mens du hadde siden oppe. Se over hva som skjer, og avslutt igjen."))
            status = 409
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Oppfølgingen av %(name)s er avsluttet. Teamet, personen og pårørende som "
                                        "deltar, har fått beskjed.") % {"name": grant.person.full_name})
            if grant.basis is Basis.COORDINATING_UNIT:
                return redirect("teams:person_team", person_id=person_id)
            return redirect("home:start")  # the coordinator's part ends with the team
    now = timezone.now()
    planned = Meeting.objects.filter(team=team, status=MeetingStatus.PLANNED).order_by("starts_at")
    return render(request, "teams/team_close.html", {
        "form": form, "person": grant.person, "team": team,
        "meetings": planned.filter(starts_at__gte=now),
        "unrecorded": planned.filter(starts_at__lt=now),
        "members": team.memberships.filter(left_on__isnull=True, kind=MemberKind.PROFESSIONAL).select_related(
            "user", "service"),
        "coordinator": team.current_coordinator_assignment,
        "open_items": ActionItem.objects.filter(team=team, done_at__isnull=True).count(),
    }, status=status)


@require_POST
def team_reopen(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Take an ended follow-up up again with the team as it was (a wrong click, or the need came back)."""
    grant = get_person_for_user(request, person_id, write=True, resource="team")
    if grant.basis is not Basis.COORDINATING_UNIT:
        raise PermissionDenied
    team = Team.objects.filter(person=grant.person, status=TeamStatus.CLOSED).order_by("-closed_at").first()
    if team is None:
        raise Http404("No ended team.")
    try:
        services.team_reopen(grant=grant, team=team)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Oppfølgingen er tatt opp igjen med teamet slik det var. Avlyste møter må "
                                    "planlegges på nytt."))
    return redirect("teams:person_team", person_id=person_id)


def _may_see_staff_holdings(user: User, municipality: Municipality) -> bool:
    return policy.can_manage_staff(user, municipality) or policy.can_triage(user, municipality)


def staff_leave(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """A staff member leaves the municipality: what they hold is handed over, then their access ends.

    The administrator ends it; the coordinating unit sees by name whom the leaver still coordinates
    and which reports of need they still hold, to give them to someone else first.
    """
    grant = get_staff_grant(request, _may_see_staff_holdings)
    leaver = User.objects.filter(pk=user_id, role_assignments__municipality=grant.municipality).distinct().first()
    if leaver is None:
        if request.method == "POST" and grant.has_role(Role.ADMINISTRATOR) and AuditEvent.objects.filter(
                resource="role_assignment", resource_id=str(user_id), action=Action.DELETE,
                municipality=grant.municipality).exists():
            # A double click: the first one ended the access here (and nowhere else is told so).
            messages.info(request, _("Tilgangen er avsluttet."))
            return redirect("accounts:staff")
        raise Http404
    if request.method == "POST":
        if not grant.has_role(Role.ADMINISTRATOR):
            raise PermissionDenied
        try:
            roles = services.staff_member_leave(grant=grant, user=leaver)
        except ValidationError as error:
            if not RoleAssignment.objects.filter(user=leaver, municipality=grant.municipality).exists():
                messages.info(request, _("Tilgangen er avsluttet."))  # the other click of a double click won
                return redirect("accounts:staff")
            messages.error(request, " ".join(error.messages))
            return redirect("teams:staff_leave", user_id=user_id)
        messages.success(request, _("%(name)s har ikke lenger tilgang i kommunen (%(roles)s). Koordinatorene i "
                                    "teamene vedkommende var med i, har fått beskjed.") % {
            "name": leaver.full_name, "roles": ", ".join(roles)})
        return redirect("accounts:staff")
    holdings = selectors.holdings_of(leaver, grant.municipality)
    show_names = grant.has_role(Role.COORDINATING_UNIT)
    if show_names and (holdings.coordinating or holdings.referrals):
        audit_record(actor=request.user, action=Action.LIST, resource="staff_holdings", resource_id=leaver.pk,
                     municipality=grant.municipality, ip=client_ip(request),
                     purpose=_("Det %(name)s må gi videre før vedkommende slutter") % {"name": leaver.full_name})
    return render(request, "teams/staff_leave.html", {
        "leaver": leaver, "holdings": holdings, "show_names": show_names,
        "may_end": grant.has_role(Role.ADMINISTRATOR) and leaver.pk != request.user.pk,
        "roles": RoleAssignment.objects.filter(user=leaver, municipality=grant.municipality).select_related("service"),
    })
