"""Sign-in, switching municipality, and staff administration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from oppfolging.access import policy
from oppfolging.access.shortcuts import get_staff_grant
from oppfolging.accounts import services
from oppfolging.accounts.forms import MunicipalitySettingsForm, SignInForm, StaffCreateForm
from oppfolging.accounts.http import AuthenticatedHttpRequest
from oppfolging.accounts.locale import offered
from oppfolging.accounts.middleware import SESSION_KEY
from oppfolging.accounts.models import Role, RoleAssignment, User
from oppfolging.lib.forms import add_service_error
from oppfolging.lib.versioning import conflict_rows, save_form_versioned
from oppfolging.submissions.once import AlreadySubmitted, once


def demo_users() -> list[tuple[str, list[User]]]:
    """Return the demo users grouped by role label, for the demo's sign-in list."""
    groups: dict[str, list[User]] = {}
    assignments = (
        RoleAssignment.objects.filter(user__username__startswith="demo-", user__is_active=True)
        .select_related("user", "municipality")
        .order_by("role", "municipality__name", "user__last_name")
    )
    for a in assignments:
        label = str(Role(a.role).label)
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
    return redirect("home:start")


@require_POST
def switch_municipality(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose which of the user's municipalities to work in."""
    wanted = request.POST.get("municipality", "")
    if any(str(m.pk) == wanted for m in request.all_municipalities):
        request.session[SESSION_KEY] = int(wanted)
    return redirect("home:start")


def staff(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the municipality's staff and their roles, and add a staff user."""
    grant = get_staff_grant(request, policy.can_manage_staff)
    municipality = grant.municipality
    form = StaffCreateForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            with once(form.submission, user=request.user) as submission:
                user = services.staff_user_create(grant=grant, **form.data_without_token())
                submission.created(user)
        except AlreadySubmitted:
            # A double click: the user was added once, and is in the list.
            messages.info(request, _("Dette var allerede lagret."))
            return redirect("accounts:staff")
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(name)s er lagt til.") % {"name": user.full_name})
            return redirect("accounts:staff")
    assignments = (
        RoleAssignment.objects.filter(municipality=municipality)
        .select_related("user", "service")
        .order_by("user__last_name", "user__first_name", "role")
    )
    return render(request, "accounts/staff.html", {"assignments": assignments, "form": form})


def municipality_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Let the administrator set the municipality's deadline for reports of need and contact."""
    grant = get_staff_grant(request, policy.can_manage_staff)
    form = MunicipalitySettingsForm(request.POST or None, instance=grant.municipality)
    conflict = None
    if request.method == "POST":
        saved, conflict = save_form_versioned(form, lambda version, fields: services.municipality_settings_save(
            grant=grant, expected_version=version, **fields))
        if saved:
            messages.success(request, _("Innstillingene er lagret. Nye meldinger får den nye fristen."))
            return redirect("accounts:municipality_settings")
    return render(request, "accounts/municipality_settings.html", {
        "form": form, "conflict": conflict, "conflict_rows": conflict_rows(form, conflict) if conflict else [],
    }, status=409 if conflict else 200)


class SignOutView(auth_views.LogoutView):
    """Sign out, and tell the browser to forget what it kept for this site.

    Drafts of unsent text («Min plan», static/js/drafts.js) live in the browser's storage; on a
    shared device the next user must not find them. The page's script removes them when the
    sign-out form is sent; `Clear-Site-Data` does the same where scripts did not run.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


@login_not_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the written standard from the header: a cookie for everyone, and the user's own choice."""
    response = set_language(request)
    language = offered(request.POST.get("language"))
    user = request.user
    if language and user.is_authenticated and isinstance(response, HttpResponseRedirect):
        services.user_language_save(user=user, language=language)
    return response
