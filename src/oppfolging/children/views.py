"""A child's follow-up: the barnekoordinator and the decision, parents, the child's own view,
and the family's needs across services. For a family expecting a child, the same page serves
the expectant parent: the decision, the due date, and moving it to the child once born."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.access.shortcuts import get_person_for_user
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.children import selectors, services
from oppfolging.children.forms import AppointForm, ChildViewForm, ExcludeForm, MoveToChildForm
from oppfolging.children.models import (
    ChildCoordinatorDecision,
    Grounds,
    ParentAccessRestriction,
    ParentExclusion,
)
from oppfolging.people.models import Person
from oppfolging.people.services import parse_identity_number
from oppfolging.submissions.once import AlreadySubmitted, once
from oppfolging.teams.selectors import pool_users


def _child(request: AuthenticatedHttpRequest, person_id: int, *, write: bool = False) -> PersonGrant:
    grant = get_person_for_user(request, person_id, write=write, resource="child_follow_up")
    if not grant.person.is_child:
        raise Http404("Not a child.")
    return grant


def _family(request: AuthenticatedHttpRequest, person_id: int, *, write: bool = False) -> PersonGrant:
    """A child, or an adult as the expectant parent: one with a decision, or any for the unit to decide."""
    grant = get_person_for_user(request, person_id, write=write, resource="child_follow_up")
    person = grant.person
    if not (person.is_child or grant.basis is Basis.COORDINATING_UNIT
            or ChildCoordinatorDecision.objects.filter(person=person).exists()):
        raise Http404("Not a child, nor a family expecting one.")
    return grant


def child(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = _family(request, person_id)
    person = grant.person
    decision = selectors.current_decision(person)
    is_child = person.is_child
    band = selectors.age_band(person.age())
    return render(request, "children/child.html", {
        "grant": grant, "person": person, "decision": decision, "is_child": is_child,
        "decisions": ChildCoordinatorDecision.objects.filter(person=person).select_related("coordinator", "decided_by")
        .prefetch_related("continued_by"),
        "parents": selectors.parents_of(person) if is_child else [],
        "views": selectors.child_views(person) if is_child else [],
        "needs": selectors.family_needs(grant=grant), "is_unit": grant.basis is Basis.COORDINATING_UNIT,
        "exclude_form": ExcludeForm(),
        "young": person.age() in (16, 17),
        "restriction": ParentAccessRestriction.objects.active().filter(person=person).select_related("set_by").first(),
        "view_form": ChildViewForm(initial={"question": selectors.QUESTIONS[band]}) if grant.serves and is_child else None,
        "expecting": decision is not None and decision.grounds == Grounds.EXPECTING,
    })


def appoint(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = _family(request, person_id, write=True)
    if grant.basis is not Basis.COORDINATING_UNIT:
        raise PermissionDenied
    form = AppointForm(request.POST or None, pool=pool_users(grant.person.municipality_id),
                       is_child=grant.person.is_child)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                submission.created(services.child_coordinator_appoint(grant=grant, **form.data_without_token()))
        except AlreadySubmitted:
            # A double click: the decision was recorded once, and the child's page shows it.
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("children:child", person_id=person_id)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Vedtaket er registrert, og barnekoordinatoren er oppnevnt."))
            return redirect("children:child", person_id=person_id)
    return render(request, "children/appoint.html", {"form": form, "person": grant.person})


def move_to_child(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """The child is born and registered: the unit moves the expectant parent's decision to the child."""
    grant = _family(request, person_id, write=True)
    if grant.basis is not Basis.COORDINATING_UNIT:
        raise PermissionDenied
    decision = selectors.current_decision(grant.person)
    if decision is None or decision.grounds != Grounds.EXPECTING:
        raise Http404("No decision for a family expecting a child.")
    form = MoveToChildForm(request.POST or None, initial={"reason": decision.reason})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            number = parse_identity_number(data["identity_number"]).value
            found = Person.objects.filter(municipality_id=grant.person.municipality_id, identity_number=number).first()
            child_grant = policy.person_grant(user=request.user, person=found) if found else None
            if child_grant is None:
                raise ValidationError({"identity_number": _(
                    "Fant ikke barnet i personregisteret i kommunen. Registrer barnet først.")})
            moved = services.child_coordinator_move_to_child(
                grant=grant, child_grant=child_grant, grounds=data["grounds"], reason=data["reason"],
                handover_note=data["handover_note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Vedtaket er flyttet til barnet, og barnekoordinatoren er oppnevnt i barnets team."))
            # The parent's team goes on with the same coordinator until someone ends it: say so.
            messages.info(request, _("%(name)s er fortsatt koordinator i teamet til %(parent)s. Avslutt oppfølgingen "
                                     "der hvis forelderen ikke trenger teamet lenger.") % {
                "name": decision.coordinator.full_name, "parent": grant.person.full_name})
            return redirect("children:child", person_id=moved.person_id)
    return render(request, "children/move.html", {"form": form, "person": grant.person, "decision": decision})


@require_POST
def exclude(request: AuthenticatedHttpRequest, person_id: int, related_id: int) -> HttpResponse:
    grant = _child(request, person_id, write=True)
    related = grant.person.related_persons.filter(pk=related_id).first()
    if related is None:
        raise Http404
    form = ExcludeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Skriv begrunnelsen."))
        services.parent_exclude(grant=grant, related=related, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s er holdt utenfor. Vedkommende har ikke lenger tilgang i Min plan og får ingen meldinger.") % {
            "name": related.full_name})
    return redirect("children:child", person_id=person_id)


@require_POST
def lift(request: AuthenticatedHttpRequest, person_id: int, exclusion_id: int) -> HttpResponse:
    grant = _child(request, person_id, write=True)
    exclusion = ParentExclusion.objects.filter(pk=exclusion_id, person=grant.person).select_related(
        "related_person").first()
    if exclusion is None:
        raise Http404
    form = ExcludeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Skriv begrunnelsen."))
        services.parent_exclusion_lift(grant=grant, exclusion=exclusion, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s er med igjen.") % {"name": exclusion.related_person.full_name})
    return redirect("children:child", person_id=person_id)


@require_POST
def parent_access(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    """Record, on a young person's behalf, that their parents shall not see the plan (or may again)."""
    grant = _child(request, person_id, write=True)
    try:
        if request.POST.get("action") == "lift":
            services.parent_access_restriction_lift(grant=grant)
            messages.success(request, _("Foreldrene ser planen igjen."))
        else:
            services.parent_access_restrict(grant=grant, reason=request.POST.get("reason", ""))
            messages.success(request, _("Foreldrene ser ikke lenger planen i Min plan."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("children:child", person_id=person_id)


@require_POST
def child_view(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = _child(request, person_id)
    form = ChildViewForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Skriv barnets egne ord og hvordan meningen kom fram."))
        with once(form.submission, user=request.user) as submission:
            submission.created(services.child_view_record(grant=grant, **form.data_without_token()))
    except AlreadySubmitted:
        messages.info(request, _("Dette var allerede lagret."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Barnets mening er lagret."))
    return redirect("children:child", person_id=person_id)
