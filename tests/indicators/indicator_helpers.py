"""Builders for hand-made indicator test data, with the fields each test cares about.

Time is frozen at 15 June 2025 (Europe/Oslo) and most tests look at the first quarter of 2025,
so snapshot figures are taken at 1 April 2025.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from oppfolging.accounts.models import Municipality, User
from oppfolging.indicators import periods
from oppfolging.lib import identity
from oppfolging.people.models import Gender, Person
from oppfolging.referrals.models import Channel, ConsentToReport, Referral, Source, Status
from oppfolging.teams.models import Team

OSLO = ZoneInfo("Europe/Oslo")
TODAY = dt.date(2025, 6, 15)
Q1 = periods.parse("2025-K1")
_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=OSLO)


def person(municipality: Municipality, birth: dt.date = dt.date(1980, 1, 1)) -> Person:
    n = next(_numbers)
    number = identity.make_synthetic(birth_date=birth, individual=(n * 7) % 400)
    while Person.objects.filter(municipality=municipality, identity_number=number).exists():
        n = next(_numbers)
        number = identity.make_synthetic(birth_date=birth, individual=(n * 7) % 400)
    return Person.objects.create(
        municipality=municipality, given_name="Test", family_name=f"Person{n}",
        identity_number=number, identity_kind="tenor", birth_date=birth, gender=Gender.FEMALE,
    )


def referral(municipality: Municipality, received: dt.datetime, *, who: Person | None = None,
             status: str = Status.DECIDED, closed: dt.datetime | None = None,
             source: str = Source.GP, deadline_days: int = 14) -> Referral:
    n = next(_numbers)
    local = received.astimezone(OSLO).date()
    return Referral.objects.create(
        municipality=municipality, person=who, subject_given_name="Test",
        subject_family_name="Person", subject_birth_date=who.birth_date if who else None,
        source=source, channel=Channel.IN_APP, observations="Test.",
        consent=ConsentToReport.GIVEN, status=status, received_at=received,
        deadline=local + dt.timedelta(days=deadline_days), closed_at=closed,
        receipt_code=f"T{n:08d}",
    )


def team(who: Person, created: dt.datetime, by: User, closed: dt.datetime | None = None) -> Team:
    return Team.objects.create(
        person=who, created_at=created, created_by=by,
        status="closed" if closed else "active", closed_at=closed,
    )
