"""Reads about plans: what a plan lacks, idle plans, and the coordinator's work list."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from oppfolging.accounts.models import Municipality
from oppfolging.meetings.models import MeetingStatus
from oppfolging.plans.models import GoalStatus, IndividualPlan, Measure, PlanStatus
from oppfolging.teams.models import Consent, ConsentScope, MemberKind

# The nine items the regulation requires (domain.md, "Individuell plan" (1)–(9)).
REQUIRED_ITEMS = {
    1: gettext_lazy("Personens mål, ressurser og behov"),
    2: gettext_lazy("Hvem som deltar i arbeidet"),
    3: gettext_lazy("Koordinator"),
    4: gettext_lazy("Hva personen, tjenestene og pårørende bidrar med"),
    5: gettext_lazy("Tiltak, omfang og hvem som har ansvaret"),
    6: gettext_lazy("Hvordan tiltakene gjennomføres"),
    7: gettext_lazy("Planperiode og tidspunkter for revisjon"),
    8: gettext_lazy("Samtykke til planen og til å dele opplysninger"),
    9: gettext_lazy("Samarbeid med andre etater"),
}


def plan_missing_items(plan: IndividualPlan) -> list[tuple[int, str]]:
    """Return the required items the plan lacks, as (number, label)."""
    missing = []
    goals = [g for g in plan.goals.all() if g.status == GoalStatus.ACTIVE]
    measures = [m for g in goals for m in g.measures.all()]
    team = plan.team
    today = timezone.localdate()
    if not goals or not (plan.resources.strip() and plan.needs.strip()):
        missing.append(1)
    if team is None or not any(
        m.kind != MemberKind.PERSON and m.is_active_on(today) for m in team.memberships.all()
    ):
        missing.append(2)
    if team is None or team.current_coordinator_assignment is None:
        missing.append(3)
    if not (plan.person_contribution.strip() or plan.next_of_kin_contribution.strip()) or not measures:
        missing.append(4)
    if not measures or any(not m.extent.strip() for m in measures) or any(
        not g.measures.all() for g in goals
    ):
        missing.append(5)
    if not measures or any(not m.how.strip() for m in measures):
        missing.append(6)
    if plan.next_revision_on is None:
        missing.append(7)
    consents = Consent.objects.active().filter(person=plan.person_id)
    if not consents.filter(scope=ConsentScope.TEAM_AND_PLAN).exists() or (
        team is not None
        and any(m.service_id and m.is_active_on(today) for m in team.memberships.all())
        and not consents.filter(scope=ConsentScope.SHARE_WITH_SERVICE).exists()
    ):
        missing.append(8)
    if not plan.cooperation.strip():
        missing.append(9)
    return [(n, str(REQUIRED_ITEMS[n])) for n in missing]


def idle_plans(*, municipality: Municipality, days: int | None = None) -> QuerySet[IndividualPlan]:
    """Return active plans with no activity (change, evaluation, meeting) for `days` days."""
    days = settings.PLAN_IDLE_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    plans = IndividualPlan.objects.filter(
        person__municipality=municipality, status=PlanStatus.ACTIVE, last_activity_at__lt=cutoff
    )
    # A meeting held counts as activity too.
    return plans.exclude(team__meetings__starts_at__gte=cutoff, team__meetings__status=MeetingStatus.HELD)


def measures_with_responsible() -> QuerySet[Measure]:
    """Return measures with whoever is responsible fetched along, for pages that list many."""
    return Measure.objects.select_related(
        "responsible_membership__user", "responsible_membership__service",
        "responsible_membership__related_person", "responsible_membership__team__person",
        "responsible_service",
    )
