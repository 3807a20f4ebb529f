"""Figures are rounded the way people round, not cut off, in every language."""

import pytest
from django.utils import translation

from oppfolging.indicators.definitions import CHANGE, COUNT, DAYS, SHARE, YEARS
from oppfolging.indicators.report import format_value


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (14.96, DAYS, "15,0 dager"),
    (14.94, DAYS, "14,9 dager"),
    (2.25, DAYS, "2,3 dager"),
    (0.725, SHARE, "73 %"),
    (0.7249, SHARE, "72 %"),
    (1234.0, COUNT, "1\xa0234"),
    (4.5, YEARS, "5 år"),
    (0.675, CHANGE, "+0,68"),
    (-0.004, CHANGE, "0,00"),
    (-1.236, CHANGE, "−1,24"),
    (None, DAYS, "–"),
])
def test_it_rounds_half_away_from_zero(value, unit, shown):
    with translation.override("nb"):
        assert format_value(value, unit) == shown


def test_a_small_negative_figure_is_not_shown_as_minus_zero():
    with translation.override("nb"):
        assert "-" not in format_value(-0.04, "other") and "−" not in format_value(-0.04, "other")
