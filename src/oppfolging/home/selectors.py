"""Reads for the start pages: each role's work at a glance, aggregates where no person is shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.assessments.models import Assessment, Decision, DecisionOutcome
from oppfolging.catalogue.models import Sector, Service
from oppfolging.lib.suppression import suppress_counts
from oppfolging.meetings import selectors as meeting_selectors
from oppfolging.meetings.models import Meeting, MeetingStatus
from oppfolging.people.models import Person
from oppfolging.people.selectors import age_group_counts
from oppfolging.plans.models import Goal, GoalStatus, IndividualPlan
from oppfolging.plans.selectors import idle_plans
from oppfolging.referrals.models import OPEN_STATUSES, Referral, Urgency
from oppfolging.teams.models import CoordinatorAssignment, Team, TeamStatus


def referral_summary(municipality: Municipality) -> dict[str, Any]:
    """Return the coordinating unit's queue at a glance: open, overdue, unassigned, and at the top
    every urgent report (however many), then the earliest deadlines up to five rows."""
    today = timezone.localdate()
    open_referrals = Referral.objects.filter(municipality=municipality, status__in=OPEN_STATUSES)
    ordered = open_referrals.select_related("assigned_to", "person").order_by("deadline", "received_at")
    urgent = list(ordered.filter(urgency=Urgency.URGENT))
    rest = list(ordered.exclude(urgency=Urgency.URGENT)[:max(0, 5 - len(urgent))])
    # The three figures in one read (they were three counts of the same rows).
    counts = open_referrals.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(deadline__lt=today)),
        unassigned=Count("pk", filter=Q(assigned_to__isnull=True)),
    )
    return {
        **counts,
        "top": urgent + rest,
        "teams_without_coordinator": Team.objects.filter(
            person__municipality=municipality, status=TeamStatus.ACTIVE
        ).exclude(Exists(CoordinatorAssignment.objects.active().filter(team=OuterRef("pk")))).count(),
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
    table: list[dict[str, Any]] = [
        {"name": r["name"], "number": r["number"], "persons": r["person_count"],
         "services": r["service_count"]}
        for r in rows
    ]
    suppressed = suppress_counts([[r["persons"], r["services"]] for r in table])
    for row, cells in zip(table, suppressed, strict=True):
        row["persons"], row["services"] = cells
    return table


@dataclass(frozen=True)
class WorkItem:
    """One thing that needs attention, with how urgent it is (lower is more urgent)."""

    urgency: int
    due: dt.date | None
    kind: str
    person_name: str
    text: str
    url: str


def _goals_due(goals: QuerySet[Goal], today: dt.date, limit: int | None) -> list[WorkItem]:
    soon = today + dt.timedelta(days=settings.CHECKPOINT_REMINDER_DAYS)
    due = (goals.filter(status=GoalStatus.ACTIVE, next_evaluation_on__lte=soon)
           .select_related("plan__person").order_by("next_evaluation_on", "pk"))
    items = []
    for goal in due[:limit]:
        overdue = goal.next_evaluation_on < today
        items.append(WorkItem(
            urgency=0 if overdue else 2, due=goal.next_evaluation_on,
            kind=_("Evaluering forfalt") if overdue else _("Evaluering snart"),
            person_name=goal.plan.person.full_name, text=goal.text[:120],
            url=reverse("plans:detail", args=[goal.plan.person_id]) + f"#goal-{goal.pk}",
        ))
    return items


def worklist(*, user: User, municipality: Municipality, whole_municipality: bool = False,
             limit: int | None = None) -> list[WorkItem]:
    """Return what needs attention across the user's teams (or the municipality), most urgent first.

    With a limit, the most urgent `limit` items only: each kind is read in its own order of
    urgency and cut in the database, so the unit's list of a large municipality does not build
    an item for every goal due in every team to show thirty.
    """
    today = timezone.localdate()
    teams = Team.objects.filter(person__municipality=municipality, status=TeamStatus.ACTIVE)
    if not whole_municipality:
        teams = teams.filter(Exists(CoordinatorAssignment.objects.active().filter(
            team=OuterRef("pk"), coordinator=user)))
    # The teams are a subquery of each of the four reads below: compiled once, not four times.
    team_ids = RawSQL(*teams.values("pk").query.sql_with_params())
    goals = Goal.objects.filter(plan__team_id__in=team_ids)
    items = _goals_due(goals, today, limit)
    idle = (idle_plans(municipality=municipality).filter(team_id__in=team_ids).select_related("person")
            .order_by("last_activity_at", "pk"))
    for plan in idle[:limit]:
        items.append(WorkItem(
            urgency=1, due=timezone.localtime(plan.last_activity_at).date(), kind=_("Planen står stille"),
            person_name=plan.person.full_name,
            text=_("Ingen aktivitet siden %(date)s") % {
                "date": formats.date_format(timezone.localtime(plan.last_activity_at).date(), "SHORT_DATE_FORMAT")},
            url=reverse("plans:detail", args=[plan.person_id]),
        ))
    for action in meeting_selectors.overdue_action_items(municipality=municipality).filter(team_id__in=team_ids)[:limit]:
        items.append(WorkItem(
            urgency=1, due=action.due_on, kind=_("Oppgave forfalt"),
            person_name=action.team.person.full_name, text=action.description[:120],
            url=reverse("meetings:list", args=[action.team.person_id]),
        ))
    without = Exists(CoordinatorAssignment.objects.active().filter(team=OuterRef("pk")))
    for team in teams.exclude(without).select_related("person")[:limit]:
        items.append(WorkItem(
            urgency=0, due=None, kind=_("Team uten koordinator"), person_name=team.person.full_name,
            text=_("Oppnevn en koordinator"), url=reverse("teams:person_team", args=[team.person_id]),
        ))
    return sorted(items, key=lambda i: (i.urgency, i.due or today))[:limit]


@dataclass(frozen=True)
class NextStep:
    """The next step on a person's path, offered on the page after each step is done."""

    text: str
    url: str
    action: str


def next_step(person: Person) -> NextStep | None:
    """Return what comes next for the person: assessment, decision, team, coordinator, plan, goals, meeting.

    Each page of the path (assessment, decision, team, plan) offers it, so nobody has to know the
    order of the steps to take the next one.
    """
    from_pk = [person.pk]
    decision = Decision.objects.filter(person=person).order_by("-decided_at").first()
    if decision is None:
        assessment = Assessment.objects.filter(person=person).order_by("-started_on", "-pk").first()
        if assessment is None:
            return NextStep(_("Neste steg er å kartlegge hva som er viktig for personen."),
                            reverse("assessments:start", args=from_pk), _("Start kartlegging"))
        if not assessment.is_locked:
            return NextStep(_("Kartleggingen er ikke fullført."),
                            reverse("assessments:edit", args=[person.pk, assessment.pk]), _("Fortsett kartleggingen"))
        return NextStep(_("Kartleggingen er fullført. Neste steg er å avgjøre hvilken oppfølging personen får."),
                        reverse("assessments:decide", args=from_pk), _("Fatt beslutning"))
    if decision.outcome not in (DecisionOutcome.TEAM, DecisionOutcome.TEAM_WITH_PLAN):
        return None
    team = Team.objects.filter(person=person, status=TeamStatus.ACTIVE).first()
    if team is None:
        return NextStep(_("Beslutningen er fattet. Neste steg er å sette sammen teamet."),
                        reverse("teams:person_team", args=from_pk), _("Sett sammen team"))
    if not CoordinatorAssignment.objects.active().filter(team=team).exists():
        return NextStep(_("Teamet er satt sammen. Neste steg er å oppnevne koordinator."),
                        reverse("teams:coordinator_appoint", args=from_pk), _("Oppnevn koordinator"))
    plan = IndividualPlan.objects.filter(person=person).first()
    if plan is None:
        return NextStep(_("Teamet har koordinator. Neste steg er den individuelle planen, som starter fra kartleggingen."),
                        reverse("teams:person_team", args=from_pk) + "#plan-heading", _("Opprett plan"))
    if not plan.goals.exists():
        return NextStep(_("Planen er opprettet. Neste steg er å skrive målene, med aktivitetene fra kartleggingen som forslag."),
                        reverse("plans:detail", args=from_pk) + "#psfs-suggest-heading", _("Skriv mål"))
    if not Meeting.objects.filter(team=team, status=MeetingStatus.PLANNED, starts_at__gte=timezone.now()).exists():
        return NextStep(_("Planen har mål. Neste steg er å kalle inn til møte, med dagsorden fra målene."),
                        reverse("meetings:schedule", args=from_pk), _("Planlegg møte"))
    return None
