"""Reads about plans: what a plan lacks, idle plans, and the coordinator's work list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oppfolging.accounts.models import Municipality, User
from oppfolging.plans.models import Goal, GoalStatus, IndividualPlan, PlanStatus

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
    from oppfolging.teams.models import Consent, ConsentScope, MemberKind

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
    return plans.exclude(team__meetings__starts_at__gte=cutoff, team__meetings__status="held")


@dataclass(frozen=True)
class WorkItem:
    """One thing that needs attention, with how urgent it is (lower is more urgent)."""

    urgency: int
    due: dt.date | None
    kind: str
    person_name: str
    text: str
    url: str


def _goals_due(goals: QuerySet[Goal], today: dt.date) -> list[WorkItem]:
    soon = today + dt.timedelta(days=settings.CHECKPOINT_REMINDER_DAYS)
    items = []
    for goal in goals.filter(status=GoalStatus.ACTIVE, next_evaluation_on__lte=soon).select_related("plan__person"):
        overdue = goal.next_evaluation_on < today
        items.append(WorkItem(
            urgency=0 if overdue else 2, due=goal.next_evaluation_on,
            kind=_("Evaluering på overtid") if overdue else _("Evaluering snart"),
            person_name=goal.plan.person.full_name, text=goal.text[:120],
            url=reverse("plans:detail", args=[goal.plan.person_id]) + f"#goal-{goal.pk}",
        ))
    return items


def worklist(*, user: User, municipality: Municipality, whole_municipality: bool = False) -> list[WorkItem]:
    """Return what needs attention across the user's teams (or the municipality), most urgent first."""
    from oppfolging.meetings import selectors as meeting_selectors
    from oppfolging.teams.models import Team, TeamStatus

    today = timezone.localdate()
    teams = Team.objects.filter(person__municipality=municipality, status=TeamStatus.ACTIVE)
    if not whole_municipality:
        teams = teams.filter(coordinator_assignments__coordinator=user,
                             coordinator_assignments__ended_at__isnull=True)
    team_ids = list(teams.values_list("pk", flat=True))
    goals = Goal.objects.filter(plan__team_id__in=team_ids)
    items = _goals_due(goals, today)
    for plan in idle_plans(municipality=municipality).filter(team_id__in=team_ids).select_related("person"):
        items.append(WorkItem(
            urgency=1, due=timezone.localtime(plan.last_activity_at).date(), kind=_("Planen står stille"),
            person_name=plan.person.full_name,
            text=_("Ingen aktivitet siden %(date)s") % {"date": timezone.localtime(plan.last_activity_at).date()},
            url=reverse("plans:detail", args=[plan.person_id]),
        ))
    for action in meeting_selectors.overdue_action_items(municipality=municipality).filter(team_id__in=team_ids):
        items.append(WorkItem(
            urgency=1, due=action.due_on, kind=_("Oppgave på overtid"),
            person_name=action.team.person.full_name, text=action.description[:120],
            url=reverse("meetings:list", args=[action.team.person_id]),
        ))
    for team in teams.filter(~Q(coordinator_assignments__ended_at__isnull=True)).select_related("person"):
        items.append(WorkItem(
            urgency=0, due=None, kind=_("Team uten koordinator"), person_name=team.person.full_name,
            text=_("Oppnevn en koordinator"), url=reverse("teams:person_team", args=[team.person_id]),
        ))
    return sorted(items, key=lambda i: (i.urgency, i.due or today))
