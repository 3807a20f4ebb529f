"""The coordinating unit's search in the access log, by person and by user."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.shortcuts import require_in_municipality
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.audit.forms import AuditSearchForm
from oppfolging.audit.models import Action, AuditEvent, SignInRefusal
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.lib import identity
from oppfolging.people.models import Person

PAGE_SIZE = 100


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search the municipality's access log; the search itself is logged."""
    municipality = require_in_municipality(request, policy.can_search_audit)
    form = AuditSearchForm(request.GET or None, municipality=municipality)
    shown: list[AuditEvent] | None = None
    person = None
    older_url = ""
    if form.is_valid() and any(form.cleaned_data.values()):
        events = AuditEvent.objects.filter(municipality=municipality).select_related("person")
        number = identity.compact(form.cleaned_data["person"] or "")
        if number:
            person = Person.objects.filter(municipality=municipality, identity_number=number).first()
            events = events.filter(person=person) if person else events.none()
        if form.cleaned_data["user"]:
            events = events.filter(actor=form.cleaned_data["user"])
        # A range on the stored time, not a date cast of it, so the search walks an index.
        if form.cleaned_data["date_from"]:
            events = events.filter(at__gte=_start_of(form.cleaned_data["date_from"]))
        if form.cleaned_data["date_to"]:
            events = events.filter(at__lt=_start_of(form.cleaned_data["date_to"] + dt.timedelta(days=1)))
        if form.cleaned_data["break_glass_only"]:
            events = events.filter(break_glass=True)
        shown, next_cursor = events.page(after=request.GET.get("eldre", ""), size=PAGE_SIZE)
        if next_cursor:
            query = request.GET.copy()
            query["eldre"] = next_cursor
            older_url = f"?{query.urlencode()}"
        audit_record(
            actor=request.user,
            action=Action.SEARCH,
            resource="audit_log",
            person=person,
            municipality=municipality,
            purpose=_("Søk i tilgangsloggen"),
            ip=client_ip(request),
        )
    return render(
        request, "audit/search.html", {"form": form, "events": shown, "person": person, "older_url": older_url}
    )


def sign_in_refusals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the refused sign-ins through HelseID and ID-porten, newest first; the look is logged.

    A refusal names nobody the register knows, so it has no municipality: every municipality's
    administrators and coordinating unit see those, and any of their own.
    """
    municipality = require_in_municipality(request, policy.can_see_sign_in_refusals)
    events = AuditEvent.objects.filter(Q(municipality=None) | Q(municipality=municipality),
                                       action=Action.SIGN_IN_REFUSED)
    shown, next_cursor = events.page(after=request.GET.get("eldre", ""), size=PAGE_SIZE)
    reasons = dict(SignInRefusal.choices)
    rows = [(e, reasons.get(e.resource_id, ""), e.actor_name if e.actor_name.isdigit() else "") for e in shown]
    audit_record(actor=request.user, action=Action.LIST, resource="sign_in_refusals", municipality=municipality,
                 purpose=_("Avviste innlogginger"), ip=client_ip(request))
    return render(request, "audit/sign_in_refusals.html", {
        "rows": rows, "older_url": f"?eldre={next_cursor}" if next_cursor else "",
    })
