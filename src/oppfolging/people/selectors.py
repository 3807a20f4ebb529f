"""Reads of the person register that do not depend on who asks (aggregates only)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oppfolging.people.models import Person

# (label, lowest age, highest age) — the same groups as the indicators use.
AGE_GROUPS = (
    (_("0–17 år"), 0, 17),
    (_("18–29 år"), 18, 29),
    (_("30–66 år"), 30, 66),
    (_("67–79 år"), 67, 79),
    (_("80 år og eldre"), 80, 150),
)


def born_between(lowest_age: int, highest_age: int, today: dt.date) -> Q:
    """Return the filter for persons aged lowest_age to highest_age today."""
    earliest, latest = birth_date_range(lowest_age, highest_age, today)
    return Q(birth_date__lte=latest, birth_date__gte=earliest)


def birth_date_range(lowest_age: int, highest_age: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first and last birth date of someone aged lowest_age to highest_age today."""

    def years_ago(years: int) -> dt.date:
        try:
            return today.replace(year=today.year - years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - years, day=28)

    latest = years_ago(lowest_age)
    earliest = years_ago(highest_age + 1) + dt.timedelta(days=1)
    return earliest, latest


def age_group_counts(persons: QuerySet[Person]) -> list[tuple[str, int]]:
    """Count persons per age group in one database query."""
    today = timezone.localdate()
    aggregates = {
        f"g{i}": Count("pk", filter=born_between(lo, hi, today))
        for i, (_label, lo, hi) in enumerate(AGE_GROUPS)
    }
    counts = persons.aggregate(**aggregates)
    return [(str(label), counts[f"g{i}"]) for i, (label, _lo, _hi) in enumerate(AGE_GROUPS)]


def matching(persons: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Narrow persons to those matching a search: the start of an identity number, or name words."""
    query = query.strip()
    digits = query.replace(" ", "")
    if digits.isdigit():
        return persons.filter(identity_number__startswith=digits)
    for word in query.split():
        persons = persons.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    return persons
