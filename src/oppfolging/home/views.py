"""The start page: each role's own work, most urgent first."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from oppfolging.access import policy
from oppfolging.access.models import BreakGlassAccess
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.assessments.selectors import open_medical_requests_for
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record
from oppfolging.calendars.selectors import staff_tasks
from oppfolging.home import selectors
from oppfolging.home.selectors import worklist
from oppfolging.indicators.tasks import no_show_rates_last_year
from oppfolging.notifications.selectors import failed_deliveries, inbox_of, letters_to_print
from oppfolging.people.models import Person


def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show each of the user's roles its own work, most urgent first."""
    user, municipality = request.user, request.municipality
    context: dict[str, Any] = {"roles": request.roles}
    if not request.roles and policy.portal_grants(user=user):
        return redirect("portal:home")

    if municipality is not None:
        served = policy.persons_visible_to(user=user, municipality=municipality).select_related("gp")
        shown: set[Person] = set()
        context["inbox"] = list(inbox_of(user=user)[:8])
        shown |= {item.person for item in context["inbox"] if item.person}
        if policy.can_triage(user, municipality) or policy.can_coordinate(user, municipality):
            context["letters_waiting"] = letters_to_print(user=user, municipality=municipality).count()
        if policy.can_manage_staff(user, municipality):
            context["failed_deliveries"] = failed_deliveries(municipality=municipality).count()
        if policy.can_triage(user, municipality):
            recent = list(served.order_by("-created_at")[:10])
            shown |= set(recent)
            context["cu"] = {
                "person_count": Person.objects.filter(municipality=municipality).count(),
                "recent_persons": recent,
                "break_glass": BreakGlassAccess.objects.unreviewed()
                .filter(person__municipality=municipality)
                .select_related("user", "person")[:20],
                "referrals": selectors.referral_summary(municipality),
                "worklist": worklist(user=user, municipality=municipality, whole_municipality=True, limit=30),
                # Over the last 365 days, from the indicators' summary table (indicators/tasks.py).
                "no_shows": no_show_rates_last_year(municipality=municipality),
            }
        if policy.can_coordinate(user, municipality):
            context["worklist"] = worklist(user=user, municipality=municipality)
        if policy.can_serve_in_teams(user, municipality):
            context["served_persons"] = list(served.order_by("family_name", "given_name")[:50])
            shown |= set(context["served_persons"])
        if policy.can_list_persons(user, municipality):
            # Everyone who meets persons sees the tasks they are responsible for; the section is
            # always there for team members, and for other roles when something waits.
            tasks = staff_tasks(user=user)[:30]
            if tasks or policy.can_serve_in_teams(user, municipality):
                context["my_tasks"] = tasks
                shown |= set(Person.objects.filter(pk__in={t.person_id for t in tasks}))
        if policy.can_upload_risk_list(user, municipality):
            context["gp_patients"] = list(
                Person.objects.filter(municipality=municipality, gp=user)
                .select_related("gp").order_by("family_name", "given_name")
            )
            context["medical_requests"] = open_medical_requests_for(user=user)
            shown |= set(context["gp_patients"])
        if shown:
            audit_record(
                actor=user, action=Action.LIST, resource="start_page", municipality=municipality,
                purpose=_("Startside: %(count)s personer listet") % {"count": len(shown)},
            )
        if policy.can_see_municipality_overview(user, municipality):
            context["overview"] = selectors.municipality_overview(municipality)
        if policy.can_manage_staff(user, municipality):
            context["staff_by_role"] = selectors.staff_by_role(municipality)
    if policy.is_evaluator(user):
        context["evaluator_rows"] = selectors.evaluator_overview()
    return render(request, "home/start.html", context)
