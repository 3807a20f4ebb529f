"""Reads about plans: what a plan lacks, idle plans, and the coordinator's work list."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from oppfolging.accounts.models import Municipality
from oppfolging.assessments import scoring
from oppfolging.assessments.models import Assessment, PsfsActivity
from oppfolging.meetings.models import MeetingStatus
from oppfolging.plans.models import Goal, GoalStatus, IndividualPlan, Measure, PlanStatus
from oppfolging.portal.models import PsfsSelfScore, ScoredBy
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


def psfs_goal_suggestions(plan: IndividualPlan) -> list[PsfsActivity]:
    """Return the activities of the person's latest assessment that no goal of the plan is about yet.

    «Hva er viktig for deg?» names what matters and is hard: each is a goal waiting to be written.
    """
    latest = (Assessment.objects.filter(person_id=plan.person_id)
              .order_by(F("completed_at").desc(nulls_last=True), "-started_on", "-pk").first())
    if latest is None:
        return []
    # From the goals as the plan page has fetched them (with their activities), not a read of its own.
    linked = {goal.psfs_activity.activity for goal in plan.goals.all() if goal.psfs_activity is not None}
    return [a for a in latest.psfs_activities.all() if a.activity not in linked]


def psfs_scores_of_goal(goal: Goal) -> dict[str, list[dict[str, object]]]:
    """Return the scores of the goal's PSFS activity over time, self-scores and proxy scores apart.

    Scores from assessments are turned to "higher is better" when the form ran the other way, so
    they compare with the evaluations and with the person's own scores between meetings.
    """
    activity = goal.psfs_activity
    if activity is None:
        return {"self": [], "proxy": []}
    rows: list[dict[str, object]] = []
    for row in PsfsActivity.objects.filter(
            assessment__person_id=goal.plan.person_id, activity__iexact=activity.activity).select_related("assessment"):
        a = row.assessment
        rows.append({"on": a.completed_at.date() if a.completed_at else a.started_on,
                     "score": int(scoring.normalise(row.score, a.psfs_direction)),
                     "source": gettext_lazy("I kartleggingen")})
    rows += [{"on": e.evaluated_on, "score": e.psfs_score, "source": gettext_lazy("Ved evaluering av målet")}
             for e in goal.evaluations.all() if e.psfs_score is not None]
    proxy: list[dict[str, object]] = []
    for score in PsfsSelfScore.objects.filter(person_id=goal.plan.person_id, activity__iexact=activity.activity):
        scored: dict[str, object] = {"on": timezone.localtime(score.scored_at).date(), "score": score.score,
                                     "source": score.get_scored_by_kind_display()}
        (rows if score.scored_by_kind == ScoredBy.PERSON else proxy).append(scored)
    return {"self": sorted(rows, key=_on), "proxy": sorted(proxy, key=_on)}


def _on(row: dict[str, object]) -> dt.date:
    on = row["on"]
    assert isinstance(on, dt.date)
    return on
