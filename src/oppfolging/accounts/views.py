"""Sign-in, the start page of each role, switching municipality, and staff administration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oppfolging.access import policy
from oppfolging.access.models import BreakGlassAccess
from oppfolging.access.shortcuts import get_staff_grant
from oppfolging.accounts import services
from oppfolging.accounts.forms import MunicipalitySettingsForm, SignInForm, StaffCreateForm
from oppfolging.accounts.middleware import SESSION_KEY
from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.assessments.selectors import open_medical_requests_for
from oppfolging.audit.models import Action
from oppfolging.audit.services import audit_record, client_ip
from oppfolging.catalogue.models import Sector, Service
from oppfolging.lib.suppression import suppress_counts
from oppfolging.people.models import Person
from oppfolging.people.selectors import age_group_counts
from oppfolging.plans.selectors import worklist
from oppfolging.referrals.models import OPEN_STATUSES, Referral
from oppfolging.teams.models import Team, TeamStatus


def demo_users() -> list[tuple[str, list[User]]]:
    """Return the demo users grouped by role label, for the demo's sign-in list."""
    groups: dict[str, list[User]] = {}
    assignments = (
        RoleAssignment.objects.filter(user__username__startswith="demo-", user__is_active=True)
        .select_related("user", "municipality")
        .order_by("role", "municipality__name", "user__last_name")
    )
    for a in assignments:
        label = Role(a.role).label
        if a.municipality:
            label = f"{label} – {a.municipality.name}"
        if a.user not in groups.setdefault(label, []):
            groups[label].append(a.user)
    portal_users = User.objects.filter(username__startswith="demo-", role_assignments__isnull=True, is_active=True)
    if portal_users:
        groups[str(_("Personen og pårørende («Min plan»)"))] = list(portal_users.order_by("username"))
    return list(groups.items())


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_users"] = demo_users() if settings.DEMO_MODE else []
        return context


sign_in = login_not_required(SignInView.as_view())


@login_not_required
@require_POST
def demo_sign_in(request: HttpRequest, username: str) -> HttpResponse:
    """Sign in as a demo user with one click. Exists only in demo installations."""
    if not settings.DEMO_MODE or not username.startswith("demo-"):
        raise Http404
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise Http404
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("accounts:start")


@require_POST
def switch_municipality(request: HttpRequest) -> HttpResponse:
    """Choose which of the user's municipalities to work in."""
    wanted = request.POST.get("municipality", "")
    if any(str(m.pk) == wanted for m in request.all_municipalities):  # type: ignore[attr-defined]
        request.session[SESSION_KEY] = int(wanted)
    return redirect("accounts:start")


def start(request: HttpRequest) -> HttpResponse:
    """Show each of the user's roles its own work, most urgent first."""
    user: User = request.user  # type: ignore[assignment]
    municipality: Municipality | None = request.municipality  # type: ignore[attr-defined]
    roles: frozenset[str] = request.roles  # type: ignore[attr-defined]
    context: dict[str, Any] = {"roles": roles, "Role": Role}
    if not roles and policy.portal_grants(user=user):
        return redirect("portal:home")

    if municipality is not None:
        served = policy.persons_visible_to(user=user, municipality=municipality).select_related("gp")
        if Role.COORDINATING_UNIT in roles:
            context["cu"] = {
                "person_count": Person.objects.filter(municipality=municipality).count(),
                "recent_persons": served.order_by("-created_at")[:10],
                "break_glass": BreakGlassAccess.objects.unreviewed()
                .filter(person__municipality=municipality)
                .select_related("user", "person")[:20],
            }
        if Role.COORDINATING_UNIT in roles:
            context["cu"]["referrals"] = referral_summary(municipality)
        if Role.COORDINATOR in roles:
            context["worklist"] = worklist(user=user, municipality=municipality)
        if Role.COORDINATING_UNIT in roles:
            from oppfolging.meetings.selectors import no_show_rates_by_service

            context["cu"]["worklist"] = worklist(user=user, municipality=municipality, whole_municipality=True)[:30]
            context["cu"]["no_shows"] = no_show_rates_by_service(
                municipality=municipality, since=timezone.now() - dt.timedelta(days=365))
        if roles & {Role.COORDINATOR, Role.TEAM_MEMBER}:
            from oppfolging.meetings.selectors import open_action_items_for

            context["served_persons"] = served.order_by("family_name", "given_name")[:50]
            context["my_action_items"] = open_action_items_for(user=user).select_related("team__person")[:30]
        if Role.GP in roles:
            context["gp_patients"] = Person.objects.filter(
                municipality=municipality, gp=user
            ).select_related("gp").order_by("family_name", "given_name")
            context["medical_requests"] = open_medical_requests_for(user=user)
        shown = {p for key in ("served_persons", "gp_patients") for p in context.get(key, [])}
        if "cu" in context:
            shown |= set(context["cu"]["recent_persons"])
        if shown:
            audit_record(
                actor=user,
                action=Action.LIST,
                resource="start_page",
                municipality=municipality,
                purpose=_("Startside: %(count)s personer listet") % {"count": len(shown)},
                ip=client_ip(request),
            )
        if roles & {Role.LEADER, Role.ADMINISTRATOR}:
            context["overview"] = municipality_overview(municipality)
        if Role.ADMINISTRATOR in roles:
            context["staff_by_role"] = [
                (Role(row["role"]).label, row["n"])
                for row in RoleAssignment.objects.filter(municipality=municipality)
                .values("role")
                .annotate(n=Count("id"))
                .order_by("role")
            ]
    if Role.EVALUATOR in roles:
        context["evaluator_rows"] = evaluator_overview()
    return render(request, "accounts/start.html", context)


def referral_summary(municipality: Municipality) -> dict[str, Any]:
    """Return the coordinating unit's queue at a glance: open, overdue, unassigned, most urgent."""
    today = timezone.localdate()
    open_referrals = Referral.objects.filter(municipality=municipality, status__in=OPEN_STATUSES)
    return {
        "open": open_referrals.count(),
        "overdue": open_referrals.filter(deadline__lt=today).count(),
        "unassigned": open_referrals.filter(assigned_to__isnull=True).count(),
        "top": open_referrals.select_related("assigned_to").order_by("deadline", "received_at")[:5],
        "teams_without_coordinator": Team.objects.filter(
            person__municipality=municipality, status=TeamStatus.ACTIVE
        ).exclude(coordinator_assignments__ended_at__isnull=True).count(),
    }


def municipality_overview(municipality: Municipality) -> dict[str, Any]:
    """Return aggregate figures for one municipality: no person is ever listed."""
    sectors = dict(Sector.choices)
    return {
        "age_groups": age_group_counts(Person.objects.filter(municipality=municipality)),
        "services_by_sector": [
            (sectors[row["sector"]], row["n"])
            for row in Service.objects.filter(municipality=municipality, is_active=True)
            .values("sector")
            .annotate(n=Count("id"))
            .order_by("sector")
        ],
        "person_count": Person.objects.filter(municipality=municipality).count(),
    }


def evaluator_overview() -> list[dict[str, Any]]:
    """Return per-municipality aggregates with counts under five suppressed."""
    rows = (
        Municipality.objects.annotate(
            person_count=Count("persons", distinct=True),
            service_count=Count("services", distinct=True),
        )
        .order_by("name")
        .values("name", "number", "person_count", "service_count")
    )
    table = [
        {"name": r["name"], "number": r["number"], "persons": r["person_count"],
         "services": r["service_count"]}
        for r in rows
    ]
    suppressed = suppress_counts([[r["persons"], r["services"]] for r in table])
    for row, cells in zip(table, suppressed, strict=True):
        row["persons"], row["services"] = cells
    return table


def staff(request: HttpRequest) -> HttpResponse:
    """List the municipality's staff and their roles, and add a staff user."""
    grant = get_staff_grant(request, policy.can_manage_staff)
    municipality = grant.municipality
    form = StaffCreateForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        user = services.staff_user_create(grant=grant, **form.cleaned_data)
        messages.success(request, _("%(name)s er lagt til.") % {"name": user.full_name})
        return redirect("accounts:staff")
    assignments = (
        RoleAssignment.objects.filter(municipality=municipality)
        .select_related("user", "service")
        .order_by("user__last_name", "user__first_name", "role")
    )
    return render(request, "accounts/staff.html", {"assignments": assignments, "form": form})


def municipality_settings(request: HttpRequest) -> HttpResponse:
    """Let the administrator set the municipality's deadline for reports of need and contact."""
    grant = get_staff_grant(request, policy.can_manage_staff)
    form = MunicipalitySettingsForm(request.POST or None, instance=grant.municipality)
    if request.method == "POST" and form.is_valid():
        services.municipality_settings_save(grant=grant, **form.cleaned_data)
        messages.success(request, _("Innstillingene er lagret. Nye meldinger får den nye fristen."))
        return redirect("accounts:municipality_settings")
    return render(request, "accounts/municipality_settings.html", {"form": form})
