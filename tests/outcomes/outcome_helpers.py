"""Builders for outcome tests: persons with a team, stays, and import files."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from oppfolging.accounts.models import Municipality, User
from oppfolging.lib import identity
from oppfolging.outcomes.models import HospitalStay, ImportKind, OutcomeImport
from oppfolging.people.models import Gender, Person
from oppfolging.teams.models import Team

OSLO = ZoneInfo("Europe/Oslo")
_numbers = itertools.count(1)


def person(municipality: Municipality, birth: dt.date = dt.date(1950, 6, 1)) -> Person:
    n = next(_numbers)
    number = identity.make_synthetic(birth_date=birth, individual=(n * 7) % 480)
    while Person.objects.filter(municipality=municipality, identity_number=number).exists():
        n = next(_numbers)
        number = identity.make_synthetic(birth_date=birth, individual=(n * 7) % 480)
    return Person.objects.create(
        municipality=municipality, given_name="Test", family_name=f"Utfall{n}",
        identity_number=number, identity_kind="tenor", birth_date=birth, gender=Gender.FEMALE,
    )


def team(who: Person, started: dt.date, by: User) -> Team:
    return Team.objects.create(
        person=who, created_by=by,
        created_at=dt.datetime.combine(started, dt.time(10), tzinfo=OSLO),
    )


def stays_import(municipality: Municipality, by: User, start: dt.date, end: dt.date) -> OutcomeImport:
    """Return an import record covering the register for the period (as the demo writes)."""
    return OutcomeImport.objects.create(
        municipality=municipality, kind=ImportKind.ADMISSIONS_CSV, file_name="test.csv",
        sha256="0" * 64, imported_by=by, period_start=start, period_end=end,
        covers_register=True, covers_stays=True,
    )


def stay(who: Person, admitted: dt.date, source: OutcomeImport, *, acute: bool = True,
         nights: int = 3) -> HospitalStay:
    return HospitalStay.objects.create(person=who, admitted=admitted, acute=acute, source=source,
                                       discharged=admitted + dt.timedelta(days=nights))


PEAK = [dt.date(2022, 11, 1), dt.date(2022, 12, 1)]
TEAM_START = dt.date(2023, 1, 10)


def peak_register(municipality: Municipality, by: User, *, treated: int = 25,
                  comparison: int = 60) -> list[Person]:
    """Persons at the same peak: with a team on TEAM_START one admission after, without two."""
    source = stays_import(municipality, by, dt.date(2020, 1, 1), dt.date(2025, 1, 1))
    with_team = []
    for _ in range(treated):
        who = person(municipality)
        team(who, TEAM_START, by)
        for day in [*PEAK, dt.date(2023, 6, 1)]:
            stay(who, day, source)
        with_team.append(who)
    for _ in range(comparison):
        who = person(municipality)
        for day in [*PEAK, dt.date(2023, 5, 1), dt.date(2023, 7, 1)]:
            stay(who, day, source)
    return with_team
