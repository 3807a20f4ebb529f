"""What the page shell needs: the active municipality, roles and the menu.

The menu is built from the access policy's answers, so a link is shown exactly when the page
behind it would let the user in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from oppfolging.access import policy
from oppfolging.accounts.models import Municipality, Role, User
from oppfolging.notifications.selectors import inbox_count


def navigation(user: User, municipality: Municipality | None, waiting: int | None = None) -> list[tuple[str, str]]:
    """Return (label, url) pairs for the main menu of the user in the municipality.

    `waiting` is the number of open inbox items when the page has counted them already.
    """
    items: list[tuple[Any, str]] = [(_("Start"), reverse("home:start"))]
    if municipality is not None:
        if waiting is None:
            waiting = inbox_count(user=user)
        items.append((
            _("Innboks (%(count)s)") % {"count": waiting} if waiting else _("Innboks"),
            reverse("notifications:inbox"),
        ))
        items.append((_("Kalender"), reverse("calendars:calendar")))
        triage = policy.can_triage(user, municipality)
        if triage:
            items.append((_("Meldinger"), reverse("referrals:queue")))
        if policy.can_list_persons(user, municipality):
            items.append((_("Personer"), reverse("people:list")))
        if triage:
            items.append((_("Oversikt"), reverse("teams:overview")))
            items.append((_("Møter"), reverse("meetings:unit_overview")))
            items.append((_("Koordinatorer"), reverse("teams:pool")))
            items.append((_("Planmaler"), reverse("plantemplates:list")))
        elif policy.can_report_need(user, municipality):
            items.append((_("Meld behov"), reverse("referrals:create")))
        if policy.can_upload_risk_list(user, municipality):
            items.append((_("Risikoliste"), reverse("gp:lists")))
        if policy.can_see_aggregates(user, municipality):
            items.append((_("Indikatorer"), reverse("indicators:start")))
            items.append((_("Effekt"), reverse("outcomes:start")))
    if policy.is_evaluator(user):
        items.append((_("Kommunene"), reverse("indicators:comparison")))
        items.append((_("Effekt i kommunene"), reverse("outcomes:pooled")))
    if municipality is not None:
        items.append((_("Tjenester"), reverse("catalogue:list")))
        if policy.can_search_audit(user, municipality):
            items.append((_("Tilgangslogg"), reverse("audit:search")))
            items.append((_("Nødtilganger"), reverse("access:break_glass_review")))
        elif policy.can_break_glass(user, municipality):
            items.append((_("Nødtilgang"), reverse("access:break_glass")))
        if policy.can_manage_staff(user, municipality):
            items.append((_("Ansatte"), reverse("accounts:staff")))
        if policy.can_see_sign_in_refusals(user, municipality) and not policy.can_search_audit(user, municipality):
            # The coordinating unit finds them from the access log's page.
            items.append((_("Avviste innlogginger"), reverse("audit:sign_in_refusals")))
    if len(items) == 1 and policy.portal_grants(user=user):
        items = [(_("Min plan"), reverse("portal:home"))]
    return items


def shell(request: HttpRequest) -> dict[str, Any]:
    """Context for every page: the municipality, the user's roles there, and the menu."""
    roles: frozenset[str] = getattr(request, "roles", frozenset())
    user = request.user
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "language_choices": settings.LANGUAGES,
        "OIDC_ENABLED": settings.OIDC_ENABLED,
        "HELSEID_ENABLED": settings.HELSEID_ENABLED,
        "active_municipality": getattr(request, "municipality", None),
        "all_municipalities": getattr(request, "all_municipalities", []),
        "active_roles": [Role(r).label for r in sorted(roles)],
        "nav_items": navigation(user, getattr(request, "municipality", None),
                                getattr(request, "inbox_waiting", None))
        if user.is_authenticated else [],
    }
