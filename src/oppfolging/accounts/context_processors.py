"""What the page shell needs: the active municipality, roles and the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from oppfolging.accounts.models import Role


def navigation(roles: frozenset[str]) -> list[tuple[str, str]]:
    """Return (label, url) pairs for the main menu of a user with these roles."""
    items: list[tuple[Any, str]] = [(_("Start"), reverse("accounts:start"))]
    clinical = {Role.COORDINATING_UNIT, Role.COORDINATOR, Role.TEAM_MEMBER, Role.GP}
    if Role.COORDINATING_UNIT in roles:
        items.append((_("Meldinger"), reverse("referrals:queue")))
    if roles & clinical:
        items.append((_("Personer"), reverse("people:list")))
    if Role.COORDINATING_UNIT in roles:
        items.append((_("Oversikt"), reverse("teams:overview")))
        items.append((_("Møter"), reverse("meetings:unit_overview")))
        items.append((_("Koordinatorer"), reverse("teams:pool")))
    elif roles & clinical:
        items.append((_("Meld behov"), reverse("referrals:create")))
    if Role.GP in roles:
        items.append((_("Risikoliste"), reverse("gp:lists")))
    if roles & {Role.LEADER, Role.COORDINATING_UNIT, Role.ADMINISTRATOR}:
        items.append((_("Indikatorer"), reverse("indicators:start")))
        items.append((_("Effekt"), reverse("outcomes:start")))
    if Role.EVALUATOR in roles:
        items.append((_("Kommunene"), reverse("indicators:comparison")))
        items.append((_("Effekt i kommunene"), reverse("outcomes:pooled")))
    if roles - {Role.EVALUATOR}:
        items.append((_("Tjenester"), reverse("catalogue:list")))
    if Role.COORDINATING_UNIT in roles:
        items.append((_("Tilgangslogg"), reverse("audit:search")))
        items.append((_("Nødtilganger"), reverse("access:break_glass_review")))
    elif roles & clinical:
        items.append((_("Nødtilgang"), reverse("access:break_glass")))
    if Role.ADMINISTRATOR in roles:
        items.append((_("Ansatte"), reverse("accounts:staff")))
    if not roles:
        items = [(_("Min plan"), reverse("portal:home"))]
    return items


def shell(request: HttpRequest) -> dict[str, Any]:
    roles = getattr(request, "roles", frozenset())
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "OIDC_ENABLED": settings.OIDC_ENABLED,
        "active_municipality": getattr(request, "municipality", None),
        "all_municipalities": getattr(request, "all_municipalities", []),
        "active_roles": [Role(r).label for r in sorted(roles)],
        "nav_items": navigation(roles) if request.user.is_authenticated else [],
    }
