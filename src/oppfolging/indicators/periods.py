"""Reporting periods: a month, a quarter or a year, written as «2025-03», «2025-K2», «2025»."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

MONTH, QUARTER, YEAR = "month", "quarter", "year"
KINDS = (MONTH, QUARTER, YEAR)
# How many periods the trend shows for each kind.
TREND_LENGTH = {MONTH: 12, QUARTER: 8, YEAR: 5}
MONTH_NAMES = (_l("januar"), _l("februar"), _l("mars"), _l("april"), _l("mai"), _l("juni"),
               _l("juli"), _l("august"), _l("september"), _l("oktober"), _l("november"),
               _l("desember"))


@dataclass(frozen=True)
class Period:
    """A reporting period from `start` (inclusive) to `end` (exclusive)."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def code(self) -> str:
        if self.kind == YEAR:
            return f"{self.start.year}"
        if self.kind == QUARTER:
            return f"{self.start.year}-K{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == YEAR:
            return str(self.start.year)
        if self.kind == QUARTER:
            return _("%(q)s. kvartal %(year)s") % {
                "q": (self.start.month - 1) // 3 + 1, "year": self.start.year}
        return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"

    @cached_property
    def start_at(self) -> dt.datetime:
        return _aware(self.start)

    @cached_property
    def end_at(self) -> dt.datetime:
        return _aware(self.end)

    def as_of(self, today: dt.date | None = None) -> dt.date:
        """Return the day snapshot figures are taken: the period's end, or tomorrow if sooner."""
        tomorrow = (today or timezone.localdate()) + dt.timedelta(days=1)
        return min(self.end, tomorrow)

    def as_of_at(self, today: dt.date | None = None) -> dt.datetime:
        return _aware(self.as_of(today))

    def previous(self) -> Period:
        return containing(self.kind, self.start - dt.timedelta(days=1))

    def is_current(self, today: dt.date | None = None) -> bool:
        return self.start <= (today or timezone.localdate()) < self.end


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def containing(kind: str, day: dt.date) -> Period:
    """Return the period of the kind that contains the day."""
    if kind == YEAR:
        return Period(YEAR, dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1))
    if kind == QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        start = dt.date(day.year, first_month, 1)
    elif kind == MONTH:
        start = day.replace(day=1)
    else:
        raise ValueError(f"Unknown period kind: {kind}")
    months = 3 if kind == QUARTER else 1
    year, month = divmod(start.month - 1 + months, 12)
    return Period(kind, start, dt.date(start.year + year, month + 1, 1))


# Years a period may name. Outside them the dates before and after a period (the trend, the next
# period's start) would leave what Python's dates hold: «0000» or «9999-12» is no period.
FIRST_YEAR, LAST_YEAR = 1900, 9000


def parse(code: str) -> Period | None:
    """Return the period a code names, or None when the code is not one."""
    m = re.fullmatch(r"(\d{4})(?:-K([1-4])|-(\d{2}))?", code, flags=re.ASCII)
    if m is None or not FIRST_YEAR <= int(m[1]) <= LAST_YEAR:
        return None
    year = int(m[1])
    if m[2]:
        return containing(QUARTER, dt.date(year, (int(m[2]) - 1) * 3 + 1, 1))
    if m[3]:
        return containing(MONTH, dt.date(year, int(m[3]), 1)) if 1 <= int(m[3]) <= 12 else None
    return containing(YEAR, dt.date(year, 1, 1))


def recent(kind: str, count: int, today: dt.date | None = None) -> list[Period]:
    """Return the last `count` periods of the kind, oldest first, ending with the current one."""
    periods = [containing(kind, today or timezone.localdate())]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


def year_hierarchy(period: Period) -> list[Period]:
    """Return the year that holds the period, then its four quarters, then its twelve months."""
    year = containing(YEAR, period.start)
    quarters = [containing(QUARTER, dt.date(year.start.year, month, 1)) for month in (1, 4, 7, 10)]
    months = [containing(MONTH, dt.date(year.start.year, month, 1)) for month in range(1, 13)]
    return [year, *quarters, *months]


def hierarchy_sums(count: int = 17) -> list[tuple[int, list[int]]]:
    """Return (whole, parts) positions in `year_hierarchy`: the year of quarters, each quarter of months."""
    assert count == 17
    return [(0, [1, 2, 3, 4])] + [(1 + q, [5 + 3 * q, 6 + 3 * q, 7 + 3 * q]) for q in range(4)]
