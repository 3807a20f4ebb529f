"""Synthetic hospital stays and service use for the demo register, so the effect page has data.

Every person gets a lasting frailty (by age) and a passing state that rises and falls month by
month; acute admissions are drawn from both. A few months before a team starts (or before a
report of need that led to no team) the state jumps and then falls back month by month: people
get a team when things are at their worst, so their admissions fall afterwards with or without
a team, and the naive before/after shows a "benefit" that the comparison with persons at the
same peak removes. From the day a team starts the admission rate is multiplied by
DEMO_RATE_RATIO.
Home care hours per month rise with age and frailty, and by DEMO_SERVICE_RATIO with a team.

The rows are written as two imports (stays, service use) that cover the register for seven
years; a second run finds them and does nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import Min

from oppfolging.accounts.models import Municipality, Role, RoleAssignment, User
from oppfolging.catalogue.models import PriceUnit, ServicePrice
from oppfolging.outcomes.models import HospitalStay, ImportKind, OutcomeImport, ServiceUse
from oppfolging.people.models import Person
from oppfolging.referrals.models import Referral
from oppfolging.teams.models import Team

STAYS_FILE = "demo-sykehusopphold.csv"
SERVICE_FILE = "demo-tjenestebruk.csv"
DEMO_RATE_RATIO = 0.75
DEMO_SERVICE_RATIO = 1.3
DEMO_SERVICE = "Hjemmesykepleie"
# Synthetic prices in the first year of the data, in kroner; they rise 4 % a year.
DEMO_HOUR_PRICE = Decimal(700)
DEMO_BED_DAY_PRICE = Decimal(4200)
YEARS = 7
STATE_SD = 0.6
STATE_RHO = 0.8
PEAK = 2.2  # the passing state's jump before a team start (or a report that led to none)
PEAK_BEFORE_TEAM = 90  # days
PEAK_BEFORE_REPORT = 60  # days


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


@transaction.atomic
def create_demo_outcomes(*, municipality: Municipality, seed: int, today: dt.date) -> dict[str, int]:
    """Write synthetic acute and planned stays and home care hours for the register, once.

    The municipality also gets prices for an hour of home nursing and a hospital bed day for
    every year of the data (once), so the leader sees the cost in kroner.
    """
    unit = (
        RoleAssignment.objects.filter(municipality=municipality, role=Role.COORDINATING_UNIT)
        .select_related("user").first()
    )
    if unit is None:
        return {}
    actor: User = unit.user
    prices = _demo_prices(municipality, actor, today.year - YEARS, today.year)
    if OutcomeImport.objects.filter(municipality=municipality, file_name=STAYS_FILE).exists():
        return {"ServicePrice": prices} if prices else {}
    rng = np.random.default_rng([seed, int(municipality.number)])
    start = today.replace(year=today.year - YEARS)
    months = _months(start, today)
    persons = list(Person.objects.filter(municipality=municipality).order_by("pk"))
    if not persons:
        return {}
    teams = dict(
        Team.objects.filter(person__municipality=municipality).values("person")
        .annotate(first=Min("created_at")).values_list("person", "first")
    )
    reported = dict(
        Referral.objects.filter(person__municipality=municipality).values("person")
        .annotate(first=Min("received_at")).values_list("person", "first")
    )
    stays_import = _import(municipality, actor, ImportKind.ADMISSIONS_CSV, STAYS_FILE, start, today)
    service_import = _import(municipality, actor, ImportKind.SERVICE_USE_CSV, SERVICE_FILE,
                             months[0], today)
    stays: list[HospitalStay] = []
    service: list[ServiceUse] = []
    for person in persons:
        age0 = (start - person.birth_date).days / 365.25
        frailty = rng.normal()
        report = reported.get(person.pk)
        team = teams.get(person.pk)
        team_day = team.date() if team else None
        jump = None
        if team_day is not None:
            jump = team_day - dt.timedelta(days=PEAK_BEFORE_TEAM)
        elif report is not None:
            jump = report.date() - dt.timedelta(days=PEAK_BEFORE_REPORT)
        jump_month = jump.replace(day=1) if jump else None
        state = STATE_SD * rng.normal()
        for month in months:
            if month == jump_month:
                state += PEAK
            age = age0 + (month - start).days / 365.25
            yearly = (0.5 + 0.02 * max(age - 40, 0)) * np.exp(0.5 * frailty + state - 0.3)
            days = min((today - month).days + 1, 31)
            if days <= 0:
                break
            for _ in range(rng.poisson(yearly / 12)):
                admitted = month + dt.timedelta(days=int(rng.integers(0, days)))
                if admitted > today or (
                    team_day and admitted > team_day and rng.random() > DEMO_RATE_RATIO
                ):
                    continue
                nights = int(rng.geometric(1 / (2.5 + max(age, 0) / 25)))
                discharged = admitted + dt.timedelta(days=nights)
                stays.append(HospitalStay(person=person, admitted=admitted, acute=True,
                                          discharged=discharged if discharged <= today else None,
                                          source=stays_import))
            if rng.random() < 0.004 * (1 + max(age - 50, 0) / 20):
                admitted = month + dt.timedelta(days=int(rng.integers(0, days)))
                discharged = admitted + dt.timedelta(days=int(rng.geometric(0.4)))
                stays.append(HospitalStay(person=person, admitted=admitted, acute=False,
                                          discharged=discharged if discharged <= today else None,
                                          source=stays_import))
            hours = max(0.0, (age - 55) / 6 + 2 * frailty + 3 * max(state, 0)) if age > 40 else 0.0
            if team_day and month >= team_day:
                hours = hours * DEMO_SERVICE_RATIO + 2
            if hours >= 1:
                service.append(ServiceUse(person=person, service=DEMO_SERVICE, month=month,
                                          hours=Decimal(f"{hours:.1f}"),
                                          visits=int(hours * 1.5), source=service_import))
            state = STATE_RHO * state + STATE_SD * np.sqrt(1 - STATE_RHO**2) * rng.normal()
    # Two stays on one day for one person are one stay.
    seen: set[tuple[int, dt.date, bool]] = set()
    unique = []
    for stay in stays:
        key = (stay.person.pk, stay.admitted, stay.acute)
        if key not in seen:
            seen.add(key)
            unique.append(stay)
    HospitalStay.objects.bulk_create(unique, batch_size=2000)
    ServiceUse.objects.bulk_create(service, batch_size=2000)
    for record, rows in ((stays_import, len(unique)), (service_import, len(service))):
        OutcomeImport.objects.filter(pk=record.pk).update(
            rows=rows, matched_rows=rows, created_rows=rows)
    return {"HospitalStay": len(unique), "ServiceUse": len(service), "ServicePrice": prices}


def _demo_prices(municipality: Municipality, actor: User, first_year: int, last_year: int) -> int:
    """Price an hour of home nursing and a bed day for each year, rising 4 % a year; once."""
    if ServicePrice.objects.filter(municipality=municipality).exists():
        return 0
    rows = []
    for k, year in enumerate(range(first_year, last_year + 1)):
        growth = Decimal("1.04") ** k
        rows.append(ServicePrice(
            municipality=municipality, service=DEMO_SERVICE, unit=PriceUnit.HOUR, valid_from=year,
            amount=round(DEMO_HOUR_PRICE * growth), created_by=actor,
            basis="Demo: syntetisk timepris for hjemmesykepleie"))
        rows.append(ServicePrice(
            municipality=municipality, service="", unit=PriceUnit.BED_DAY, valid_from=year,
            amount=round(DEMO_BED_DAY_PRICE * growth), created_by=actor,
            basis="Demo: syntetisk døgnpris, på nivå med døgnprisen for utskrivningsklare pasienter"))
    ServicePrice.objects.bulk_create(rows)
    return len(rows)


def _import(municipality: Municipality, actor: User, kind: str, name: str, start: dt.date,
            end: dt.date) -> OutcomeImport:
    return OutcomeImport.objects.create(
        municipality=municipality, kind=kind, file_name=name,
        sha256=hashlib.sha256(f"{municipality.number}-{name}".encode()).hexdigest(),
        imported_by=actor, period_start=start, period_end=end, covers_register=True,
        covers_stays=kind == ImportKind.ADMISSIONS_CSV,
        covers_service_use=kind == ImportKind.SERVICE_USE_CSV,
    )
