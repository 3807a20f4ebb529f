"""Reads of outcome data: the effect estimate from the register, and per-person rows.

The estimate is built here from the database and computed by the effect engine
(:mod:`oppfolging.effect`): the persons of the municipality's register, their first team's
start, their acute stays, the GP extracts' risk snapshots and their service use. Who is
observed when comes from the imports' periods. Nothing here returns a person to a leader or an
evaluator: the pages get aggregates only.

In the app the comparison persons are those in the register who had not (yet) got a team;
the GP's whole list is for the command line (docs/effect.md). The register is small, so persons
are compared within 45 days of a team start and acute admissions in the last year are capped at
3+ (:data:`APP_SETTINGS`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

import numpy as np
from django.db.models import Avg, Case, FloatField, Min, Q, QuerySet, Value, When
from django.utils import timezone

from oppfolging.accounts.models import Municipality
from oppfolging.assessments import iplos
from oppfolging.assessments.models import Assessment, AssessmentStatus, PsfsDirection, PsfsScorer
from oppfolging.assessments.scoring import PSFS_MAX, PSFS_MDC_MEAN
from oppfolging.catalogue.models import PriceUnit, ServicePrice
from oppfolging.effect.change import ChangeSummary, change_summary
from oppfolging.effect.cohort import NEVER, Cohort, Events, Snapshot, day_number, from_day_number
from oppfolging.effect.estimate import EffectEstimate, Settings, estimate
from oppfolging.outcomes.models import HospitalStay, OutcomeImport, RiskSnapshot, ServiceUse
from oppfolging.people.models import Gender, Person
from oppfolging.teams.models import Team

APP_SETTINGS = Settings(calendar_days=45, acute_cap=3)
# No minimum detectable change is published for the IPLOS mean; half a step on the 1–5 scale
# is our cautious threshold (docs/effect.md).
IPLOS_MDC = 0.5
SERVICE_HOURS = "service_hours"
SERVICE_VISITS = "service_visits"
COST = "cost_kroner"
SEX: dict[str, int] = {Gender.FEMALE: 0, Gender.MALE: 1}


@dataclass
class Unpriced:
    """Use of one service (or hospital bed days: service "") that has no price for its year."""

    service: str
    hours: float = 0.0
    visits: float = 0.0
    bed_days: float = 0.0
    persons: int = 0


def _price_key(service: str) -> str:
    return " ".join(service.split()).casefold()


class PriceTable:
    """The municipalities' prices: for a service, unit and year the row in force that year.

    A price holds from its year until a later one of the same service and unit; use in a year
    before the first price has none (it is reported, never priced as 0). Service names are
    matched as the import gives them, ignoring case and repeated spaces.
    """

    def __init__(self, prices: Sequence[tuple[int, str, str, int, Decimal]]) -> None:
        self.rows: dict[tuple[int, str, str], list[tuple[int, float]]] = defaultdict(list)
        self.municipalities: set[int] = set()
        for municipality_id, service, unit, valid_from, amount in prices:
            self.rows[(municipality_id, _price_key(service), unit)].append((valid_from, float(amount)))
            self.municipalities.add(municipality_id)
        for years in self.rows.values():
            years.sort()

    def price(self, municipality_id: int, service: str, unit: str, year: int) -> float | None:
        """Return the price of one unit of the service in the year, or None without one."""
        found = None
        for valid_from, amount in self.rows.get((municipality_id, _price_key(service), unit), ()):
            if valid_from > year:
                break
            found = amount
        return found

    def service_use(self, municipality_id: int, service: str, month: dt.date,
                    hours: Decimal | None, visits: int | None) -> float | None:
        """Return a month's use in kroner: hours at the hour price, else visits at the visit price.

        Hours come first where the service has an hour price that year, so a row with both is
        never priced twice; None when neither amount has a price.
        """
        if hours is not None:
            per_hour = self.price(municipality_id, service, PriceUnit.HOUR, month.year)
            if per_hour is not None:
                return float(hours) * per_hour
        if visits is not None:
            per_visit = self.price(municipality_id, service, PriceUnit.VISIT, month.year)
            if per_visit is not None:
                return visits * per_visit
        return None


def price_table(municipality_ids: Sequence[int]) -> PriceTable:
    return PriceTable(list(
        ServicePrice.objects.filter(municipality_id__in=municipality_ids)
        .values_list("municipality_id", "service", "unit", "valid_from", "amount")
    ))


def cost_events(
    prices: PriceTable,
    service_rows: Sequence[tuple[int, int, str, dt.date, Decimal | None, int | None]],
    stays: Sequence[tuple[int, int, dt.date, float]],
) -> tuple[list[tuple[int, dt.date, float]], list[Unpriced]]:
    """Return the priced use as (person, day, kroner) and what had no price.

    ``service_rows`` are (person, municipality, service, month, hours, visits), dated mid-month;
    ``stays`` are acute stays as (person, municipality, admitted, nights), priced at the bed-day
    price of the year of admission.
    """
    events: list[tuple[int, dt.date, float]] = []
    missing: dict[str, Unpriced] = {}
    persons: dict[str, set[int]] = defaultdict(set)
    for person, municipality_id, service, month, hours, visits in service_rows:
        kroner = prices.service_use(municipality_id, service, month, hours, visits)
        if kroner is None:
            gap = missing.setdefault(service, Unpriced(service))
            gap.hours += float(hours or 0)
            gap.visits += float(visits or 0)
            persons[service].add(person)
        else:
            events.append((person, month + dt.timedelta(days=14), kroner))
    for person, municipality_id, admitted, nights in stays:
        per_night = prices.price(municipality_id, "", PriceUnit.BED_DAY, admitted.year)
        if per_night is None:
            if nights > 0:
                gap = missing.setdefault("", Unpriced(""))
                gap.bed_days += nights
                persons[""].add(person)
        elif nights > 0:
            events.append((person, admitted, nights * per_night))
    for service, gap in missing.items():
        gap.persons = len(persons[service])
    return events, sorted(missing.values(), key=lambda g: (g.service != "", g.service.casefold()))


@dataclass
class DataSummary:
    """What outcome data the estimate rests on."""

    stays_from: dt.date | None = None
    stays_to: dt.date | None = None
    persons_covered: int = 0
    stays: int = 0
    service_from: dt.date | None = None
    service_to: dt.date | None = None
    service_rows: int = 0
    service_estimated: bool = False
    has_prices: bool = False
    cost_estimated: bool = False
    # Use the cost leaves out because it has no price for its year, per service and unit.
    unpriced: list[Unpriced] = field(default_factory=list)

    @property
    def has_stays(self) -> bool:
        return self.stays_from is not None


@dataclass
class EffectReport:
    """The effect of teams in one group of municipalities, and the change in PSFS and IPLOS."""

    estimate: EffectEstimate | None
    data: DataSummary
    psfs: ChangeSummary
    iplos: ChangeSummary
    notes: list[str] = field(default_factory=list)


def _day(value: dt.date) -> int:
    return day_number(value)


def build_cohort(municipalities: Sequence[Municipality]) -> tuple[Cohort, dict[str, Events], DataSummary]:
    """Return the register's cohort, the service-hours outcome when it can be used, and a summary.

    A person is observed from the earliest to the latest day of the imports that cover them:
    imports that cover the whole register, and GP extracts for the patients on their list.
    Service hours are an outcome only where the service data cover the whole stays period (a
    month outside them would count as no use).
    """
    ids = [m.pk for m in municipalities]
    persons = list(
        Person.objects.filter(municipality_id__in=ids)
        .order_by("pk")
        .values_list("pk", "municipality_id", "birth_date", "gender")
    )
    at = {pk: i for i, (pk, _m, _b, _g) in enumerate(persons)}
    n = len(persons)
    municipality_of = np.array([m for _pk, m, _b, _g in persons], dtype=np.int64)
    starts = np.full(n, NEVER, dtype=np.int64)
    first_teams = (
        Team.objects.filter(person__municipality_id__in=ids)
        .values("person")
        .annotate(first=Min("created_at"))
        .values_list("person", "first")
    )
    for person_id, first in first_teams:
        starts[at[person_id]] = _day(timezone.localdate(first))

    summary = DataSummary()
    observed_from = np.full(n, NEVER, dtype=np.int64)
    observed_to = np.full(n, -NEVER, dtype=np.int64)
    service_from = {m: NEVER for m in ids}
    service_to = {m: -NEVER for m in ids}
    imports = OutcomeImport.objects.filter(municipality_id__in=ids).prefetch_related("covered")
    for record in imports:
        lo, hi = _day(record.period_start), _day(record.period_end)
        if record.covers_service_use:
            service_from[record.municipality_id] = min(service_from[record.municipality_id], lo)
            service_to[record.municipality_id] = max(service_to[record.municipality_id], hi)
        if not record.covers_stays:
            continue
        if record.covers_register:
            rows = municipality_of == record.municipality_id
        else:
            rows = np.zeros(n, dtype=bool)
            rows[[at[p.pk] for p in record.covered.all() if p.pk in at]] = True
        observed_from[rows] = np.minimum(observed_from[rows], lo)
        observed_to[rows] = np.maximum(observed_to[rows], hi)
    covered = observed_to >= observed_from
    summary.persons_covered = int(covered.sum())
    if covered.any():
        summary.stays_from = from_day_number(int(observed_from[covered].min()))
        summary.stays_to = from_day_number(int(observed_to[covered].max()))

    stays = list(
        HospitalStay.objects.filter(person__municipality_id__in=ids, acute=True)
        .values_list("person", "admitted", "discharged")
    )
    summary.stays = len(stays)
    person = np.array([at[p] for p, _a, _d in stays], dtype=np.int64)
    admitted = np.array([_day(a) for _p, a, _d in stays], dtype=np.int64)
    discharged = np.array(
        [_day(d) if d else observed_to[at[p]] for p, _a, d in stays], dtype=np.int64
    )
    nights = np.maximum(discharged - admitted, 0).astype(np.float64)

    snapshot_rows: dict[dt.date, list[RiskSnapshot]] = defaultdict(list)
    for snapshot in RiskSnapshot.objects.filter(person__municipality_id__in=ids):
        snapshot_rows[snapshot.extracted_at].append(snapshot)
    snapshots = []
    for day, rows_of_day in snapshot_rows.items():
        values: dict[str, np.ndarray] = {
            "risk_score": np.full(n, np.nan), "comorbidity": np.full(n, np.nan),
        }
        for snapshot in rows_of_day:
            i = at[snapshot.person_id]
            values["risk_score"][i] = snapshot.risk_score
            values["comorbidity"][i] = snapshot.comorbidity
            for name, value in snapshot.components.items():
                values.setdefault(name, np.full(n, np.nan))[i] = value
        snapshots.append(Snapshot(_day(day), values))

    outcomes: dict[str, Events] = {}
    # Hours and visits are separate outcomes: a service counted in visits only (practical help,
    # meals) has no hours, and a visit is not an hour.
    rows_with = {
        amount: cast(list[tuple[int, dt.date, Decimal | int]], list(
            ServiceUse.objects.filter(person__municipality_id__in=ids, **{f"{amount}__isnull": False})
            .values_list("person", "month", amount)
        ))
        for amount in ("hours", "visits")
    }
    summary.service_rows = ServiceUse.objects.filter(person__municipality_id__in=ids).count()
    known = [m for m in ids if service_to[m] >= service_from[m]]
    if known:
        summary.service_from = from_day_number(min(service_from[m] for m in known))
        summary.service_to = from_day_number(max(service_to[m] for m in known))
    service_covers = all(
        not (municipality_of == m).any()
        or not covered[municipality_of == m].any()
        or (
            service_from[m] <= observed_from[(municipality_of == m) & covered].min()
            and service_to[m] >= observed_to[(municipality_of == m) & covered].max()
        )
        for m in ids
    )
    for key, amount in ((SERVICE_HOURS, "hours"), (SERVICE_VISITS, "visits")):
        use = rows_with[amount]
        if use and service_covers:
            # A month's use is dated mid-month.
            outcomes[key] = Events(
                np.array([at[p] for p, _m, _h in use], dtype=np.int64),
                np.array([_day(m) + 14 for _p, m, _h in use], dtype=np.int64),
                np.array([float(h) for _p, _m, h in use]),
            )
            summary.service_estimated = True

    # Kroner: the priced service use and acute bed days, where the service data can be used
    # and every municipality has prices (a municipality without would count as costing nothing).
    prices = price_table(ids)
    summary.has_prices = bool(prices.municipalities)
    priced_everywhere = all(
        m in prices.municipalities or not covered[municipality_of == m].any() for m in ids
    )
    if service_covers and summary.service_rows and summary.has_prices and priced_everywhere:
        service_rows = list(
            ServiceUse.objects.filter(person__municipality_id__in=ids)
            .values_list("person", "person__municipality_id", "service", "month", "hours", "visits")
        )
        priced, summary.unpriced = cost_events(
            prices, service_rows,
            [(p, int(municipality_of[at[p]]), a, float(nights[i])) for i, (p, a, _d) in enumerate(stays)],
        )
        outcomes[COST] = Events(
            np.array([at[p] for p, _d, _k in priced], dtype=np.int64),
            np.array([_day(d) for _p, d, _k in priced], dtype=np.int64),
            np.array([k for _p, _d, k in priced], dtype=np.float64),
        )
        summary.cost_estimated = True

    cohort = Cohort(
        ids=np.array([pk for pk, _m, _b, _g in persons]),
        sex=np.array([SEX.get(g, 2) for _pk, _m, _b, g in persons], dtype=np.int8),
        birth=np.array([_day(b) for _pk, _m, b, _g in persons], dtype=np.int64),
        observed_from=observed_from,
        observed_to=observed_to,
        team_start=starts,
        acute=Events(person, admitted),
        acute_nights=Events(person, admitted, nights),
        snapshots=snapshots,
        group=municipality_of,
    )
    return cohort, outcomes, summary


def effect_report(municipalities: Sequence[Municipality]) -> EffectReport:
    """Return the effect estimate and the PSFS and IPLOS change for the municipalities together.

    With several municipalities persons are only ever compared within their own (the
    municipality is a matching stratum), so the pooled estimate is a stratified one.
    """
    cohort, outcomes, summary = build_cohort(municipalities)
    result = estimate(cohort, APP_SETTINGS, outcomes=outcomes) if summary.has_stays else None
    return EffectReport(
        estimate=result,
        data=summary,
        psfs=psfs_change(municipalities),
        iplos=iplos_change(municipalities),
    )


def _team_starts(municipalities: Sequence[Municipality]) -> dict[int, dt.datetime]:
    return dict(
        Team.objects.filter(person__municipality__in=municipalities)
        .values("person")
        .annotate(first=Min("created_at"))
        .values_list("person", "first")
    )


def _changes(municipalities: Sequence[Municipality], mean: Case | Avg, scored: str,
             only: Q | None = None) -> list[float]:
    """Return, per person with a team, the latest score after the team started minus the first.

    The first is the person's earliest completed assessment with the score (usually the one
    that led to the team); the latest must be completed after the team started.
    """
    starts = _team_starts(municipalities)
    rows = (
        Assessment.objects.filter(
            only or Q(), person__in=list(starts), status=AssessmentStatus.COMPLETED,
            **{f"{scored}__isnull": False},
        )
        .values("pk", "person", "completed_at", "psfs_direction")
        .annotate(m=mean)
        .filter(m__isnull=False)
        .order_by("person", "completed_at", "pk")
        .values_list("person", "completed_at", "m")
    )
    first: dict[int, tuple[dt.datetime, float]] = {}
    latest: dict[int, tuple[dt.datetime, float]] = {}
    for person_id, completed_at, value in rows:
        assert completed_at is not None  # a completed assessment has its completion time
        first.setdefault(person_id, (completed_at, value))
        if completed_at > starts[person_id]:
            latest[person_id] = (completed_at, value)
    return [
        latest[p][1] - first[p][1]
        for p in latest
        if latest[p][0] != first[p][0]
    ]


def psfs_change(municipalities: Sequence[Municipality]) -> ChangeSummary:
    """Return the PSFS change (higher is better) of persons with a team against the MDC of 2."""
    mean = Avg("psfs_activities__score", output_field=FloatField())
    normalised = Case(
        When(psfs_direction=PsfsDirection.LOWER_IS_BETTER, then=Value(float(PSFS_MAX)) - mean),
        default=mean, output_field=FloatField(),
    )
    return change_summary(
        _changes(municipalities, normalised, "psfs_activities", only=Q(psfs_scored_by=PsfsScorer.PERSON)),
        mdc=PSFS_MDC_MEAN,
        higher_is_better=True,
    )


def iplos_change(municipalities: Sequence[Municipality]) -> ChangeSummary:
    """Return the change in the IPLOS need-for-help mean (lower is better) against IPLOS_MDC."""
    need = [v.code for v in iplos.VARIABLES if v.kind == iplos.Kind.NEED_FOR_HELP]
    mean = Avg(
        "iplos_scores__score",
        filter=Q(iplos_scores__variable__in=need) & ~Q(iplos_scores__score=iplos.NOT_RELEVANT),
        output_field=FloatField(),
    )
    return change_summary(
        _changes(municipalities, mean, "iplos_scores"), mdc=IPLOS_MDC, higher_is_better=False,
    )


def stays_for_person(person: Person) -> QuerySet[HospitalStay]:
    """Return the person's hospital stays, newest first (the caller holds a grant)."""
    return person.hospital_stays.select_related("source").order_by("-admitted")


def service_use_for_person(person: Person) -> QuerySet[ServiceUse]:
    """Return the person's service use by month, newest first (the caller holds a grant)."""
    return person.service_use.order_by("-month", "service")


def imports_for(municipality: Municipality) -> QuerySet[OutcomeImport]:
    """Return the municipality's imports, newest first (the caller may import)."""
    return OutcomeImport.objects.filter(municipality=municipality).select_related("imported_by")


def has_outcome_data(municipality: Municipality) -> bool:
    return OutcomeImport.objects.filter(municipality=municipality, covers_stays=True).exists()


def _coverage(municipality: Municipality) -> tuple[tuple[dt.date, dt.date] | None, dict[int, tuple[dt.date, dt.date]]]:
    """Return the stays period that covers the whole register, and each GP-extract person's."""
    everyone: tuple[dt.date, dt.date] | None = None
    persons: dict[int, tuple[dt.date, dt.date]] = {}
    for record in OutcomeImport.objects.filter(municipality=municipality, covers_stays=True).prefetch_related("covered"):
        span = (record.period_start, record.period_end)
        if record.covers_register:
            everyone = span if everyone is None else (min(everyone[0], span[0]), max(everyone[1], span[1]))
        else:
            for person in record.covered.all():
                known = persons.get(person.pk, span)
                persons[person.pk] = (min(known[0], span[0]), max(known[1], span[1]))
    return everyone, persons


def acute_before_after(
    municipality: Municipality, started_from: dt.date, started_to: dt.date, today: dt.date
) -> tuple[int, int, int] | None:
    """Return acute admissions in the 12 months after and before team start, and the persons.

    Counts persons whose first team started in [started_from, started_to) at least 12 months
    before ``today`` and whose stays are known for the whole two years around the start.
    None when the municipality has no stays data at all.
    """
    everyone, by_person = _coverage(municipality)
    if everyone is None and not by_person:
        return None
    year = dt.timedelta(days=365)
    starts = {
        person: timezone.localdate(first)
        for person, first in Team.objects.filter(person__municipality=municipality)
        .values("person").annotate(first=Min("created_at")).values_list("person", "first")
    }
    chosen = {}
    for person, start in starts.items():
        if not (started_from <= start < started_to) or start + year > today:
            continue
        spans = [s for s in (everyone, by_person.get(person)) if s is not None]
        if any(lo <= start - year and hi >= start + year for lo, hi in spans):
            chosen[person] = start
    after = before = 0
    for person, admitted in HospitalStay.objects.filter(person__in=list(chosen), acute=True).values_list(
        "person", "admitted"
    ):
        start = chosen[person]
        if start < admitted <= start + year:
            after += 1
        elif start - year < admitted <= start:
            before += 1
    return after, before, len(chosen)
