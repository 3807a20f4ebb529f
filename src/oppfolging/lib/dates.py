"""Dates and times people type: sensible ranges, and local times that exist exactly once.

A mistyped year (0001 or 9999) must be refused with a message, not stored: some databases and
time zone conversions fail on it later, on every page that shows it. Across the spring change to
summer time, 02:30 does not exist in Norway; across the autumn change it happens twice. Both are
refused with a message that says which times to use, instead of a meeting silently moved or cut.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year + years, day=28)


@deconstructible
class DateRange:
    """Refuse a date (or the local date of a time) outside a window around today.

    `past_years` and `future_years` count from today; `earliest` is a fixed lower bound for
    dates such as birth dates. The window moves with today, so a range never goes stale.
    """

    def __init__(self, *, past_years: int | None = None, future_years: int | None = None,
                 earliest: dt.date | None = None) -> None:
        self.past_years = past_years
        self.future_years = future_years
        self.earliest = earliest

    def bounds(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        today = today or timezone.localdate()
        low = _shift_years(today, -self.past_years) if self.past_years is not None else dt.date(1900, 1, 1)
        if self.earliest is not None:
            low = max(low, self.earliest)
        high = _shift_years(today, self.future_years) if self.future_years is not None else dt.date(2200, 1, 1)
        return low, high

    def __call__(self, value: dt.date | dt.datetime | None) -> None:
        if value is None:
            return
        day = timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
        low, high = self.bounds()
        if not low <= day <= high:
            raise ValidationError(
                _("Datoen må være mellom %(low)s og %(high)s."),
                code="date_out_of_range",
                params={"low": formats.date_format(low, "SHORT_DATE_FORMAT"),
                        "high": formats.date_format(high, "SHORT_DATE_FORMAT")},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateRange) and (self.past_years, self.future_years, self.earliest) == (
            other.past_years, other.future_years, other.earliest)

    def __hash__(self) -> int:
        return hash((self.past_years, self.future_years, self.earliest))


# The windows used across the models, named for what they hold.
BIRTH_DATE = DateRange(earliest=dt.date(1900, 1, 1), future_years=0)
PAST_EVENT = DateRange(past_years=100, future_years=0)
WORK_DATE = DateRange(past_years=10, future_years=10)
FOLLOW_UP = DateRange(past_years=10, future_years=5)
DOCUMENT_DATE = DateRange(past_years=100, future_years=1)


def check_date(validator: DateRange, value: dt.date | dt.datetime | None, *, field: str) -> None:
    """Run a date window in a service, with the error on the form's field of that name."""
    try:
        validator(value)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from None


def local_datetime(day: dt.date, time: dt.time, *, field: str) -> dt.datetime:
    """Return the aware local time, refusing a time that does not exist or exists twice that day."""
    zone = ZoneInfo(settings.TIME_ZONE)
    naive = dt.datetime.combine(day, time)
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            raise ValidationError({field: ValidationError(
                _("Klokken %(time)s finnes ikke denne dagen, fordi klokken stilles fram til sommertid. "
                  "Velg et tidspunkt før klokken 02.00 eller fra klokken 03.00."),
                code="nonexistent_time", params={"time": time.strftime("%H.%M")})})
        raise ValidationError({field: ValidationError(
            _("Klokken %(time)s finnes to ganger denne dagen, fordi klokken stilles tilbake til vintertid. "
              "Velg et tidspunkt før klokken 02.00 eller fra klokken 03.00."),
            code="ambiguous_time", params={"time": time.strftime("%H.%M")})})
    return first
