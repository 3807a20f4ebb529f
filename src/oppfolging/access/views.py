"""Break the glass: open emergency access with a reason; the coordinating unit reviews it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access import policy, services
from oppfolging.access.forms import BreakGlassForm, BreakGlassReviewForm
from oppfolging.access.models import BreakGlassAccess
from oppfolging.access.shortcuts import get_staff_grant, require_in_municipality
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.models import User
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.lib import identity
from oppfolging.people.models import Person
from oppfolging.submissions.once import AlreadySubmitted, once


def break_glass(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open time-limited access to one person in an emergency, with a stated reason."""
    grant = get_staff_grant(request, policy.can_break_glass)
    municipality = grant.municipality
    user: User = request.user
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = identity.compact(form.cleaned_data["identity_number"])
        person = Person.objects.filter(municipality=municipality, identity_number=number).first()
        if person is None:
            # Say the same whether the number is malformed or simply not registered here.
            form.add_error("identity_number", _("Fant ingen person med dette nummeret i kommunen."))
            audit_record(
                actor=user, action=Action.SEARCH, resource="break_glass",
                municipality=municipality, purpose=_("Nødtilgang: ingen treff"),
                break_glass=True, ip=client_ip(request),
            )
        else:
            try:
                with once(form.submission, user=user) as submission:
                    submission.created(services.break_glass_open(grant=grant, person=person,
                                                                 reason=form.cleaned_data["reason"]))
            except AlreadySubmitted:
                messages.info(request, _("Dette var allerede lagret."))
                return redirect("people:detail", person_id=person.pk)
            messages.warning(
                request,
                _("Nødtilgang er åpnet i %(hours)s timer. Den er logget og blir gjennomgått.")
                % {"hours": settings.BREAK_GLASS_HOURS},
            )
            return redirect("people:detail", person_id=person.pk)
    mine = BreakGlassAccess.objects.active().filter(user=user).select_related("person")
    return render(request, "access/break_glass.html", {"form": form, "active_accesses": mine})


def break_glass_review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List emergency accesses in the municipality for the coordinating unit to review."""
    municipality = require_in_municipality(request, policy.can_search_audit)
    accesses = (
        BreakGlassAccess.objects.filter(person__municipality=municipality)
        .select_related("user", "person", "reviewed_by")
        .order_by("reviewed_at", "-created_at")[:200]
    )
    audit_record(
        actor=request.user,
        action=Action.LIST, resource="break_glass", municipality=municipality,
        purpose=_("Gjennomgang av nødtilganger"), ip=client_ip(request),
    )
    return render(
        request,
        "access/break_glass_review.html",
        {"accesses": accesses, "form": BreakGlassReviewForm()},
    )


@require_POST
def break_glass_mark_reviewed(request: AuthenticatedHttpRequest, access_id: int) -> HttpResponse:
    grant = get_staff_grant(request, policy.can_search_audit)
    access = BreakGlassAccess.objects.filter(pk=access_id, person__municipality=grant.municipality).first()
    if access is None:
        raise Http404
    form = BreakGlassReviewForm(request.POST)
    if form.is_valid():
        try:
            services.break_glass_review(grant=grant, access=access, note=form.cleaned_data["note"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Nødtilgangen er markert som gjennomgått."))
    return redirect("access:break_glass_review")
