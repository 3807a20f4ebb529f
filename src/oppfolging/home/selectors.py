"""Reads for the start pages: each role's work at a glance, aggregates where no person is shown."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone

from oppfolging.accounts.models import Municipality, Role, RoleAssignment
from oppfolging.catalogue.models import Sector, Service
from oppfolging.lib.suppression import suppress_counts
from oppfolging.people.models import Person
from oppfolging.people.selectors import age_group_counts
from oppfolging.referrals.models import OPEN_STATUSES, Referral
from oppfolging.teams.models import Team, TeamStatus


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


def staff_by_role(municipality: Municipality) -> list[tuple[str, int]]:
    """Return how many staff hold each role in the municipality."""
    return [
        (str(Role(row["role"]).label), row["n"])
        for row in RoleAssignment.objects.filter(municipality=municipality)
        .values("role")
        .annotate(n=Count("id"))
        .order_by("role")
    ]


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
