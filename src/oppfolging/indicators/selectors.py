"""Compute the indicators from the system's own data, with database aggregation.

Each `compute_*` function takes a municipality and a period and returns a `Figure`: the value
and the counts behind it. Nothing here loops over persons in Python; medians and percentiles
are taken from a list of durations the database returns. The written definitions are in
`definitions.py`, next to the functions they describe.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from statistics import fmean, median

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from oppfolging.accounts.models import Municipality, User
from oppfolging.assessments import iplos
from oppfolging.assessments.models import (
    Assessment,
    AssessmentStatus,
    Decision,
    PsfsDirection,
    PsfsScorer,
)
from oppfolging.assessments.scoring import PSFS_MAX, PSFS_MDC_MEAN
from oppfolging.catalogue.models import Service
from oppfolging.gp.models import ReviewDecision, RiskReview
from oppfolging.indicators.periods import Period
from oppfolging.meetings.models import (
    AddedByKind,
    AgendaItem,
    Attendance,
    Invitation,
    Meeting,
    MeetingStatus,
)
from oppfolging.outcomes.selectors import acute_before_after
from oppfolging.people.models import Person
from oppfolging.people.selectors import AGE_GROUPS, birth_date_range
from oppfolging.plans.models import (
    AuthorKind,
    Goal,
    GoalEvaluation,
    GoalStatus,
    IndividualPlan,
    PlanChange,
)
from oppfolging.referrals.models import Referral, Source, Status
from oppfolging.teams.models import (
    Consent,
    ConsentScope,
    CoordinatorAssignment,
    CoordinatorProfile,
    MemberKind,
    Team,
    TeamMembership,
    TeamStatus,
    Training,
)


@dataclass(frozen=True)
class Figure:
    """One indicator's value for one municipality and period, and what it was computed from.

    `value` is a share (0–1), a count, a number of days or a change in points; `people` is the
    number of people the figure rests on (what suppression looks at); `secondary` carries a
    second number where the definition names one (the 90th percentile, the share improved).
    """

    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    people: int | None = None
    secondary: float | None = None
    available: bool = True


@dataclass(frozen=True)
class BreakdownRow:
    """One row of a breakdown: a label, its value, and the counts behind it."""

    label: str
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


# Figures on one page share some query results (meetings, attendance) instead of asking twice.
_shared: ContextVar[dict | None] = ContextVar("indicator_shared_queries", default=None)


@contextmanager
def shared_queries() -> Iterator[None]:
    """Let the figures on one page share a query result instead of asking twice."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def share(numerator: int, denominator: int, people: int | None = None) -> Figure:
    """Return a share figure; its value is None when nothing was counted."""
    return Figure(
        numerator / denominator if denominator else None, numerator, denominator,
        denominator if people is None else people,
    )


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile (0 < fraction ≤ 1) of the values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _days(pairs: Sequence[tuple[dt.datetime, dt.datetime]]) -> list[float]:
    return [(later - earlier).total_seconds() / 86400 for later, earlier in pairs]


def duration_figure(pairs: Sequence[tuple[dt.datetime, dt.datetime]]) -> Figure:
    """Return the median number of days between (later, earlier) pairs, with the 90th percentile."""
    days = _days(pairs)
    return Figure(
        round(median(days), 1) if days else None, None, len(days), len(days),
        round(percentile(days, 0.9) or 0, 1) if days else None,
    )


def _in(field_name: str, period: Period) -> Q:
    return Q(**{f"{field_name}__gte": period.start_at, f"{field_name}__lt": period.end_at})


def _in_any(field_name: str, periods: Sequence[Period]) -> Q:
    return Q(**{f"{field_name}__gte": min(p.start_at for p in periods),
                f"{field_name}__lt": max(p.end_at for p in periods)})


def _buckets(qs: QuerySet, field_name: str, periods: Sequence[Period], **aggregates: object) -> dict:
    """Return {period start: aggregates} from one grouped query over the whole span.

    Periods are whole calendar months, quarters or years, so grouping by the truncated date
    gives each row its period in one pass; conditions in the aggregates are evaluated once per
    row, not once per period.
    """
    rows = (
        qs.filter(_in_any(field_name, periods))
        .annotate(bucket=Trunc(field_name, periods[0].kind))
        .values("bucket")
        .annotate(**aggregates)
        .order_by()
    )
    result = {}
    for row in rows:
        bucket = row.pop("bucket")
        day = timezone.localtime(bucket).date() if isinstance(bucket, dt.datetime) else bucket
        result[day] = row
    return result


def _shares(
    qs: QuerySet, field_name: str, numerator: Q, periods: Sequence[Period], people: str | None = None
) -> list[Figure]:
    """Return a share per period from one grouped query: rows, and rows meeting the numerator."""
    aggregates: dict[str, object] = {"n": Count("pk"), "k": Count("pk", filter=numerator)}
    if people:
        aggregates["p"] = Count(people, distinct=True)
    found = _buckets(qs, field_name, periods, **aggregates)
    result = []
    for p in periods:
        row = found.get(p.start, {"n": 0, "k": 0, "p": 0})
        result.append(share(row["k"], row["n"], row["p"] if people else None))
    return result


def _counts(qs: QuerySet, field_name: str, periods: Sequence[Period], people: str) -> list[Figure]:
    """Return a count per period, and the people behind it, from one grouped query."""
    found = _buckets(qs, field_name, periods, n=Count("pk"), p=Count(people, distinct=True))
    return [
        Figure(found.get(p.start, {}).get("n", 0), None, None, found.get(p.start, {}).get("p", 0))
        for p in periods
    ]


def _durations(pairs: Sequence[tuple[dt.datetime, dt.datetime]], periods: Sequence[Period]) -> list[Figure]:
    """Return the median and 90th percentile of (later, earlier) pairs, by the later one's period."""
    bounds = [(p.start_at, p.end_at) for p in periods]
    return [duration_figure([(a, b) for a, b in pairs if start <= a < end]) for start, end in bounds]


def _age_q(field_name: str, lowest: int, highest: int, on: dt.date) -> Q:
    """Return born_between() on another date field (the same age bounds everywhere)."""
    earliest, latest = birth_date_range(lowest, highest, on)
    return Q(**{f"{field_name}__lte": latest, f"{field_name}__gte": earliest})


def _active_teams(municipality: Municipality, at: dt.datetime) -> QuerySet[Team]:
    """Return the teams that were active at a moment."""
    return Team.objects.filter(person__municipality=municipality, created_at__lt=at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=at)
    )


# 1. Structure ------------------------------------------------------------------------------

def referrals_for_deadline(municipality: Municipality, period: Period | None = None) -> QuerySet[Referral]:
    """Return the reports (received in the period) that count towards the deadline share."""
    today = timezone.localdate()
    received = _in("received_at", period) if period else Q()
    return (
        Referral.objects.filter(received, municipality=municipality)
        .exclude(status=Status.WITHDRAWN)
        .exclude(closed_at__isnull=True, deadline__gte=today)
        .annotate(closed_on=TruncDate("closed_at"))
    )


WITHIN_DEADLINE = Q(closed_on__isnull=False, closed_on__lte=F("deadline"))


def compute_referrals_within_deadline(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    return _shares(referrals_for_deadline(municipality), "received_at", WITHIN_DEADLINE, periods)


def breakdown_referrals_by_age(municipality: Municipality, period: Period) -> list[BreakdownRow]:
    """Return reports and the share handled within the deadline per age group."""
    on = period.as_of() - dt.timedelta(days=1)
    qs = referrals_for_deadline(municipality, period).annotate(
        born=Coalesce("person__birth_date", "subject_birth_date")
    )
    aggregates = {}
    for i, (_label, lo, hi) in enumerate(AGE_GROUPS):
        group = _age_q("born", lo, hi, on)
        aggregates[f"n{i}"] = Count("pk", filter=group)
        aggregates[f"w{i}"] = Count("pk", filter=group & WITHIN_DEADLINE)
    aggregates["nx"] = Count("pk", filter=Q(born__isnull=True))
    aggregates["wx"] = Count("pk", filter=Q(born__isnull=True) & WITHIN_DEADLINE)
    counts = qs.aggregate(**aggregates)
    keys = [(str(label), str(i)) for i, (label, _lo, _hi) in enumerate(AGE_GROUPS)]
    keys.append((_("Ukjent alder"), "x"))
    return [
        BreakdownRow(label, counts[f"w{k}"] / counts[f"n{k}"] if counts[f"n{k}"] else None,
                     counts[f"w{k}"], counts[f"n{k}"])
        for label, k in keys
    ]


def compute_days_to_decision(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    pairs = Decision.objects.filter(
        _in_any("decided_at", periods), person__municipality=municipality, referral__isnull=False
    ).values_list("decided_at", "referral__received_at")
    return _durations(list(pairs), periods)


def _latest_referral_before_team() -> Subquery:
    return Subquery(
        Referral.objects.filter(person=OuterRef("person"), received_at__lte=OuterRef("created_at"))
        .order_by("-received_at")
        .values("received_at")[:1]
    )


def compute_days_to_team(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    pairs = (
        Team.objects.filter(_in_any("created_at", periods), person__municipality=municipality)
        .annotate(reported_at=_latest_referral_before_team())
        .filter(reported_at__isnull=False)
        .values_list("created_at", "reported_at")
    )
    return _durations(list(pairs), periods)


def _pool(municipality: Municipality, period: Period) -> QuerySet[CoordinatorProfile]:
    return CoordinatorProfile.objects.filter(
        municipality=municipality, is_active=True, created_at__lt=period.as_of_at()
    )


def compute_coordinators_in_pool(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    result = []
    for period in periods:
        n = _pool(municipality, period).count()
        result.append(Figure(n, None, None, n))
    return result


def compute_coordinators_trained(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    result = []
    for period in periods:
        trained = Exists(Training.objects.filter(user=OuterRef("user"), completed_on__lt=period.as_of()))
        counts = _pool(municipality, period).aggregate(n=Count("pk"), trained=Count("pk", filter=trained))
        result.append(share(counts["trained"], counts["n"]))
    return result


def _current_assignments(municipality: Municipality, period: Period) -> QuerySet:
    at = period.as_of_at()
    return CoordinatorAssignment.objects.filter(
        team__in=_active_teams(municipality, at), started_at__lt=at
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=at))


def caseloads(municipality: Municipality, period: Period) -> list[dict[str, int]]:
    """Return each coordinator's number of active teams at the period's end."""
    return list(
        _current_assignments(municipality, period)
        .values("coordinator")
        .annotate(teams=Count("team", distinct=True))
        .order_by("-teams", "coordinator")
    )


def compute_caseload(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    result = []
    for period in periods:
        rows = caseloads(municipality, period)
        teams = sum(int(r["teams"]) for r in rows)
        result.append(Figure(
            round(teams / len(rows), 1) if rows else None, teams, len(rows), teams,
            max((int(r["teams"]) for r in rows), default=None),
        ))
    return result


def breakdown_caseload_by_coordinator(
    municipality: Municipality, period: Period
) -> list[BreakdownRow]:
    """Return the caseload per coordinator, against the most they should carry."""
    rows = caseloads(municipality, period)
    users = User.objects.in_bulk([r["coordinator"] for r in rows])
    limits = dict(
        CoordinatorProfile.objects.filter(municipality=municipality).values_list("user", "max_caseload")
    )
    return [
        BreakdownRow(users[r["coordinator"]].full_name, r["teams"],
                     extra={"max": limits.get(r["coordinator"])})
        for r in rows
    ]


# 2. Early identification -------------------------------------------------------------------

def compute_referrals_by_source(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    return [
        Figure(f.value, None, None, int(f.value or 0))
        for f in _counts(Referral.objects.filter(municipality=municipality), "received_at", periods, "pk")
    ]


def referral_counts_by_source(
    municipalities: Sequence[Municipality], period: Period
) -> dict[int, dict[str, int]]:
    """Return {municipality id: {source: reports received in the period}}, zeros included."""
    counts: dict[int, dict[str, int]] = {m.pk: dict.fromkeys(Source.values, 0) for m in municipalities}
    rows = (
        Referral.objects.filter(_in("received_at", period), municipality__in=municipalities)
        .values("municipality", "source")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["municipality"]][row["source"]] = row["n"]
    return counts


def breakdown_referrals_by_source(municipality: Municipality, period: Period) -> list[BreakdownRow]:
    counts = referral_counts_by_source([municipality], period)[municipality.pk]
    return [BreakdownRow(str(label), counts[value]) for value, label in Source.choices]


def compute_risk_list_surprises(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    """Share of high-risk patients the GP reviewed who were *not* already followed up."""
    reviews = RiskReview.objects.filter(entry__risk_list__municipality=municipality, entry__is_high=True)
    return _shares(reviews, "reviewed_at", ~Q(decision=ReviewDecision.FOLLOWED_UP), periods,
                   people="entry__patient_id")


def first_reports(municipality: Municipality, period: Period) -> list[tuple[dt.date, dt.datetime]]:
    """Return (birth date, first report) for persons whose first report came in the period."""
    return list(
        Referral.objects.filter(municipality=municipality, person__isnull=False)
        .values("person", "person__birth_date")
        .annotate(first=Min("received_at"))
        .filter(first__gte=period.start_at, first__lt=period.end_at)
        .values_list("person__birth_date", "first")
    )


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def compute_age_at_first_report(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    result = []
    for period in periods:
        ages = [_age_on(b, timezone.localtime(f).date()) for b, f in first_reports(municipality, period)]
        result.append(Figure(median(ages) if ages else None, None, len(ages), len(ages)))
    return result


def breakdown_first_report_by_age(municipality: Municipality, period: Period) -> list[BreakdownRow]:
    ages = [_age_on(b, timezone.localtime(f).date()) for b, f in first_reports(municipality, period)]
    return [
        BreakdownRow(str(label), sum(1 for a in ages if lo <= a <= hi))
        for label, lo, hi in AGE_GROUPS
    ]


# 3. Follow-up teams as the way of working --------------------------------------------------

def _has_coordinator(at: dt.datetime) -> Exists:
    return Exists(
        CoordinatorAssignment.objects.filter(team=OuterRef("pk"), started_at__lt=at).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=at)
        )
    )


def _has_consented_plan(at: dt.datetime) -> Q:
    plan = Exists(IndividualPlan.objects.filter(person=OuterRef("person"), created_at__lt=at))
    consent = Exists(
        Consent.objects.filter(
            person=OuterRef("person"), scope=ConsentScope.TEAM_AND_PLAN, given_at__lt=at
        ).filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=at))
    )
    return Q(plan) & Q(consent)


def _active_at(at: dt.datetime) -> Q:
    return Q(created_at__lt=at) & (Q(closed_at__isnull=True) | Q(closed_at__gte=at))


def _team_shares(
    municipality: Municipality, periods: Sequence[Period], condition: Callable[[dt.datetime], Q],
    **relations: FilteredRelation,
) -> list[Figure]:
    """Return, per period, the share of teams active at its end that meet the condition.

    The condition is written over joined rows (no subquery per row and period), so each
    team is counted once with Count(distinct).
    """
    aggregates = {}
    for i, p in enumerate(periods):
        at = p.as_of_at()
        aggregates[f"n{i}"] = Count("pk", filter=_active_at(at), distinct=True)
        aggregates[f"k{i}"] = Count("pk", filter=_active_at(at) & condition(at), distinct=True)
    teams = Team.objects.filter(person__municipality=municipality)
    if relations:
        teams = teams.annotate(**relations)
    counts = teams.aggregate(**aggregates)
    return [share(counts[f"k{i}"], counts[f"n{i}"]) for i in range(len(periods))]


def _coordinator_at(at: dt.datetime) -> Q:
    return Q(coordinator_assignments__started_at__lt=at) & (
        Q(coordinator_assignments__ended_at__isnull=True)
        | Q(coordinator_assignments__ended_at__gte=at)
    )


def _consented_plan_at(at: dt.datetime) -> Q:
    return (
        Q(person__individual_plan__created_at__lt=at)
        & Q(plan_consents__given_at__lt=at)
        & (Q(plan_consents__withdrawn_at__isnull=True) | Q(plan_consents__withdrawn_at__gte=at))
    )


def compute_teams_with_coordinator(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    return _team_shares(municipality, periods, _coordinator_at)


def compute_teams_with_consented_plan(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    consents = FilteredRelation(
        "person__consents", condition=Q(person__consents__scope=ConsentScope.TEAM_AND_PLAN)
    )
    return _team_shares(municipality, periods, _consented_plan_at, plan_consents=consents)


def breakdown_teams_by_age(municipality: Municipality, period: Period) -> list[BreakdownRow]:
    """Return people with a team per age group, and the share of them with a coordinator."""
    at = period.as_of_at()
    on = period.as_of() - dt.timedelta(days=1)
    aggregates = {}
    for i, (_label, lo, hi) in enumerate(AGE_GROUPS):
        group = _age_q("person__birth_date", lo, hi, on)
        aggregates[f"n{i}"] = Count("pk", filter=group)
        aggregates[f"c{i}"] = Count("pk", filter=group & Q(has_coordinator=True))
    counts = (
        _active_teams(municipality, at).annotate(has_coordinator=_has_coordinator(at))
        .aggregate(**aggregates)
    )
    return [
        BreakdownRow(str(label), counts[f"c{i}"] / counts[f"n{i}"] if counts[f"n{i}"] else None,
                     counts[f"c{i}"], counts[f"n{i}"])
        for i, (label, _lo, _hi) in enumerate(AGE_GROUPS)
    ]


def compute_goals_evaluated_on_time(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    """Return the share of checkpoints met on time; people are counted for the last period."""
    today = timezone.localdate()

    def due(field_name: str, p: Period) -> Q:
        return Q(**{f"{field_name}__gte": p.start, f"{field_name}__lt": min(p.end, today)
                    if field_name == "next_evaluation_on" else p.end})

    evaluations = GoalEvaluation.objects.filter(goal__plan__person__municipality=municipality)
    missed = Goal.objects.filter(plan__person__municipality=municipality, status=GoalStatus.ACTIVE)
    done = evaluations.aggregate(**{
        key: value for i, p in enumerate(periods) for key, value in (
            (f"n{i}", Count("pk", filter=due("due_on", p))),
            (f"k{i}", Count("pk", filter=due("due_on", p) & Q(evaluated_on__lte=F("due_on")))),
        )
    })
    not_done = missed.aggregate(**{
        f"m{i}": Count("pk", filter=due("next_evaluation_on", p)) for i, p in enumerate(periods)
    })
    last = periods[-1]
    people = Person.objects.filter(
        Q(pk__in=evaluations.filter(due("due_on", last)).values("goal__plan__person"))
        | Q(pk__in=missed.filter(due("next_evaluation_on", last)).values("plan__person"))
    ).count()
    return [
        share(done[f"k{i}"], done[f"n{i}"] + not_done[f"m{i}"],
              people if i == len(periods) - 1 else None)
        for i in range(len(periods))
    ]


def compute_idle_plans(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    return [_idle_plans(municipality, p) for p in periods]


def _idle_plans(municipality: Municipality, period: Period) -> Figure:
    at = period.as_of_at()
    since = at - dt.timedelta(days=settings.PLAN_IDLE_DAYS)
    recent_change = Exists(PlanChange.objects.filter(plan=OuterRef("pk"), at__gte=since, at__lt=at))
    counts = IndividualPlan.objects.filter(
        person__municipality=municipality, created_at__lt=at, status=TeamStatus.ACTIVE
    ).aggregate(
        n=Count("pk"),
        idle=Count("pk", filter=Q(created_at__lt=since) & ~Q(recent_change)),
    )
    return share(counts["idle"], counts["n"])


def held_meetings(municipality: Municipality) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        team__person__municipality=municipality, status=MeetingStatus.HELD
    )


SENT_AHEAD = Q(agenda_sent_at__isnull=False, agenda_sent_at__lte=F("starts_at") - dt.timedelta(days=1))


def meeting_table(municipality: Municipality, periods: Sequence[Period]) -> dict[dt.date, dict]:
    """Return {period start: held meetings, with the agenda sent ahead, with an item from the
    person or next of kin, people}, shared within shared_queries() by the meeting indicators."""
    key = ("meetings", municipality.pk, periods[0].kind, frozenset(p.start for p in periods))
    cache = _shared.get()
    if cache is not None and key in cache:
        return cache[key]
    # A plain IN (not a correlated EXISTS) lets the database hash the agenda items once.
    from_person = Q(pk__in=AgendaItem.objects.filter(added_by_kind__in=FROM_PERSON).values("meeting"))
    table = _buckets(held_meetings(municipality), "starts_at", periods, n=Count("pk"),
                     k=Count("pk", filter=SENT_AHEAD), own=Count("pk", filter=from_person),
                     p=Count("team__person", distinct=True))
    if cache is not None:
        cache[key] = table
    return table


def compute_agenda_sent_ahead(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    table = meeting_table(municipality, periods)
    return [
        share(table.get(p.start, {}).get("k", 0), table.get(p.start, {}).get("n", 0),
              table.get(p.start, {}).get("p", 0))
        for p in periods
    ]


def _invitations(municipality: Municipality, period: Period | None = None) -> QuerySet[Invitation]:
    held = _in("meeting__starts_at", period) if period else Q()
    return Invitation.objects.filter(
        held, meeting__team__person__municipality=municipality,
        meeting__status=MeetingStatus.HELD,
    ).exclude(attendance="")


def attendance_table(
    municipality: Municipality, periods: Sequence[Period]
) -> dict[dt.date, dict[int | None, dict[str, int]]]:
    """Return {period start: {service id or None: counts}} for recorded invitations to held
    meetings, from one grouped query (shared within shared_queries())."""
    cache = _shared.get()
    wanted = {p.start for p in periods}
    if cache is not None:
        for (name, m_id, kind, starts), shared in cache.items():
            if (name, m_id, kind) == ("attendance", municipality.pk, periods[0].kind) and wanted <= starts:
                return shared
    rows = (
        _invitations(municipality)
        .filter(_in_any("meeting__starts_at", periods))
        .annotate(bucket=Trunc("meeting__starts_at", periods[0].kind))
        .values("bucket", "service")
        .annotate(
            n=Count("pk"),
            a=Count("pk", filter=Q(attendance=Attendance.ABSENT_WITHOUT_NOTICE)),
            present=Count("pk", filter=Q(attendance=Attendance.PRESENT)),
        )
        .order_by()
    )
    table: dict[dt.date, dict[int | None, dict[str, int]]] = {}
    for row in rows:
        day = timezone.localtime(row["bucket"]).date()
        table.setdefault(day, {})[row["service"]] = {
            "n": row["n"], "a": row["a"], "present": row["present"]}
    if cache is not None:
        cache[("attendance", municipality.pk, periods[0].kind, frozenset(wanted))] = table
    return table


def compute_no_show(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    """Return the no-show share per period, with the share present as the secondary figure."""
    table = attendance_table(municipality, periods)
    result = []
    for p in periods:
        services = table.get(p.start, {}).values()
        n = sum(c["n"] for c in services)
        absent = sum(c["a"] for c in services)
        present = sum(c["present"] for c in services)
        result.append(Figure(absent / n if n else None, absent, n, n, present / n if n else None))
    return result


def breakdown_attendance_by_service(
    municipality: Municipality, period: Period
) -> list[BreakdownRow]:
    """Return attendance per service: invited with attendance recorded, present, no-shows."""
    counts = attendance_table(municipality, [period]).get(period.start, {})
    names = dict(Service.objects.filter(municipality=municipality).values_list("pk", "name"))
    result = [
        BreakdownRow(names.get(service, "?"), c["a"] / c["n"], c["a"], c["n"],
                     extra={"present": c["present"]})
        for service, c in counts.items()
        if service is not None
    ]
    return sorted(result, key=lambda r: r.label)


def _current_memberships(municipality: Municipality, period: Period) -> QuerySet[TeamMembership]:
    at = period.as_of_at()
    day = period.as_of()
    return TeamMembership.objects.filter(
        team__in=_active_teams(municipality, at), kind=MemberKind.PROFESSIONAL,
        service__isnull=False, joined_on__lt=day,
    ).filter(Q(left_on__isnull=True) | Q(left_on__gte=day))


def compute_services_per_team(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    result = []
    for period in periods:
        teams = _active_teams(municipality, period.as_of_at()).count()
        pairs = _current_memberships(municipality, period).values("team", "service").distinct().count()
        result.append(Figure(round(pairs / teams, 2) if teams else None, pairs, teams, teams))
    return result


def breakdown_services_in_teams(municipality: Municipality, period: Period) -> list[BreakdownRow]:
    """Return how many active teams each service takes part in."""
    rows = (
        _current_memberships(municipality, period)
        .values("service__name")
        .annotate(teams=Count("team", distinct=True))
        .order_by("-teams", "service__name")
    )
    return [BreakdownRow(r["service__name"], r["teams"]) for r in rows]


# 4. Participation --------------------------------------------------------------------------

OWN_WORDS = (AuthorKind.PERSON, AuthorKind.NEXT_OF_KIN)


def compute_goals_by_person(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    return _shares(Goal.objects.filter(plan__person__municipality=municipality), "created_at",
                   Q(author_kind__in=OWN_WORDS), periods, people="plan__person")


def breakdown_goals_by_author(municipality: Municipality, period: Period) -> list[BreakdownRow]:
    counts = dict(
        Goal.objects.filter(_in("created_at", period), plan__person__municipality=municipality)
        .values("author_kind")
        .annotate(n=Count("pk"))
        .values_list("author_kind", "n")
    )
    return [BreakdownRow(str(label), counts.get(value, 0)) for value, label in AuthorKind.choices]


FROM_PERSON = (AddedByKind.PERSON, AddedByKind.NEXT_OF_KIN)


def compute_agenda_from_person(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    table = meeting_table(municipality, periods)
    return [
        share(table.get(p.start, {}).get("own", 0), table.get(p.start, {}).get("n", 0),
              table.get(p.start, {}).get("p", 0))
        for p in periods
    ]


def compute_coordinator_wish_met(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    assignments = CoordinatorAssignment.objects.filter(
        team__person__municipality=municipality, wish_met__isnull=False
    )
    return _shares(assignments, "started_at", Q(wish_met=True), periods, people="team__person")


def compute_consents_given(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    return _counts(Consent.objects.filter(person__municipality=municipality), "given_at", periods,
                   "person")


def compute_consents_withdrawn(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    return _counts(Consent.objects.filter(person__municipality=municipality), "withdrawn_at",
                   periods, "person")


# 5. Outcomes -------------------------------------------------------------------------------

def _psfs_mean() -> Case:
    """Return an assessment's PSFS mean on the higher-is-better scale (scoring.normalise)."""
    mean = Avg("psfs_activities__score", output_field=FloatField())
    return Case(
        When(psfs_direction=PsfsDirection.LOWER_IS_BETTER, then=Value(float(PSFS_MAX)) - mean),
        default=mean, output_field=FloatField(),
    )


def _iplos_mean() -> Avg:
    """Return an assessment's mean IPLOS score, 9 (not relevant) left out (iplos.py)."""
    return Avg("iplos_scores__score", filter=~Q(iplos_scores__score=iplos.NOT_RELEVANT),
               output_field=FloatField())


def changes(
    municipality: Municipality, period: Period, mean: Case | Avg, scored: str, only: Q | None = None,
) -> list[float]:
    """Return the change from the first to the latest scored assessment, one per person.

    Counted for persons whose latest scored assessment before the period's end was completed
    in the period and who had an earlier one. The database computes every assessment's mean
    (grouped by assessment); Python only pairs each person's first and latest of those rows,
    as it would take a median from a list of durations.
    """
    only = only or Q()
    in_period = Assessment.objects.filter(
        only, _in("completed_at", period), person__municipality=municipality,
        status=AssessmentStatus.COMPLETED, **{f"{scored}__isnull": False},
    )
    rows = (
        Assessment.objects.filter(
            only, person__in=in_period.values("person"), status=AssessmentStatus.COMPLETED,
            completed_at__lt=period.end_at,
        )
        .values("pk", "person", "completed_at", "psfs_direction")
        .annotate(m=mean)
        .filter(m__isnull=False)
        .order_by("person", "completed_at", "pk")
        .values_list("person", "completed_at", "m")
    )
    first: dict[int, float] = {}
    latest: dict[int, tuple[dt.datetime, float]] = {}
    scored_count: dict[int, int] = {}
    for person_id, completed_at, value in rows:
        assert completed_at is not None  # a completed assessment has its completion time
        first.setdefault(person_id, value)
        latest[person_id] = (completed_at, value)
        scored_count[person_id] = scored_count.get(person_id, 0) + 1
    return [
        latest[person_id][1] - first_value
        for person_id, first_value in first.items()
        if scored_count[person_id] > 1 and latest[person_id][0] >= period.start_at
    ]


def compute_psfs_change(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    result = []
    for period in periods:
        # Only the person's own scores: a proxy's are kept apart (assessments.PsfsScorer).
        found = changes(municipality, period, _psfs_mean(), "psfs_activities",
                        only=Q(psfs_scored_by=PsfsScorer.PERSON))
        n = len(found)
        improved = sum(1 for c in found if c >= PSFS_MDC_MEAN - 1e-9)
        result.append(Figure(
            round(fmean(found), 2) if n else None, improved, n, n, improved / n if n else None,
        ))
    return result


def compute_iplos_change(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    result = []
    for period in periods:
        found = changes(municipality, period, _iplos_mean(), "iplos_scores")
        n = len(found)
        less = sum(1 for c in found if c < 0)
        result.append(Figure(
            round(fmean(found), 2) if n else None, less, n, n, less / n if n else None,
        ))
    return result


def compute_acute_admissions(municipality: Municipality, periods: Sequence[Period]) -> list[Figure]:
    """Return acute admissions in the 12 months after team start, the 12 before as secondary.

    From the imported hospital stays (oppfolging.outcomes); "no data yet" until there are any.
    """
    today = timezone.localdate()
    result = []
    for period in periods:
        found = acute_before_after(municipality, period.start, period.end, today)
        if found is None:
            result.append(Figure(None, None, None, 0, None, available=False))
            continue
        after, before, people = found
        result.append(Figure(after if people else None, None, None, people,
                             before if people else None))
    return result
