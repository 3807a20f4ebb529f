"""A child's follow-up: the barnekoordinator and the decision, parents, the child's own view,
and the family's needs across services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access.grants import Basis, PersonGrant
from oppfolging.access.shortcuts import get_person_for_user
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.children import selectors, services
from oppfolging.children.forms import AppointForm, ChildViewForm, ExcludeForm
from oppfolging.children.models import (
    ChildCoordinatorDecision,
    ParentAccessRestriction,
    ParentExclusion,
)
from oppfolging.teams.selectors import pool_users


def _child(request: AuthenticatedHttpRequest, person_id: int, *, write: bool = False) -> PersonGrant:
    grant = get_person_for_user(request, person_id, write=write, resource="child_follow_up")
    if not grant.person.is_child:
        raise Http404("Not a child.")
    return grant


def child(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = _child(request, person_id)
    person = grant.person
    band = selectors.age_band(person.age())
    return render(request, "children/child.html", {
        "grant": grant, "person": person, "decision": selectors.current_decision(person),
        "decisions": ChildCoordinatorDecision.objects.filter(person=person).select_related("coordinator", "decided_by"),
        "parents": selectors.parents_of(person), "views": selectors.child_views(person),
        "needs": selectors.family_needs(grant=grant), "is_unit": grant.basis is Basis.COORDINATING_UNIT,
        "exclude_form": ExcludeForm(),
        "young": person.age() in (16, 17),
        "restriction": ParentAccessRestriction.objects.active().filter(person=person).select_related("set_by").first(),
        "view_form": ChildViewForm(initial={"question": selectors.QUESTIONS[band]}) if grant.serves else None,
    })


def appoint(request: AuthenticatedHttpRequest, person_id: int) -> HttpResponse:
    grant = _child(request, person_id, write=True)
    if grant.basis is not Basis.COORDINATING_UNIT:
        raise PermissionDenied
    form = AppointForm(request.POST or None, pool=pool_users(grant.person.municipality_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.child_coordinator_appoint(grant=grant, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Vedtaket er registrert, og barnekoordinatoren er oppnevnt."))
            return redirect("children:child", person_id=person_id)
    return render(request, "children/appoint.html", {"form": form, "person": grant.person})


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
        services.child_view_record(grant=grant, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Barnets mening er lagret."))
    return redirect("children:child", person_id=person_id)
