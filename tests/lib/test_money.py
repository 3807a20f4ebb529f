"""Kroner as each written standard writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from oppfolging.lib.money import kroner


@pytest.mark.parametrize(("language", "amount", "decimals", "expected"), [
    ("nb", 12345.4, 0, "12\xa0345 kr"),
    ("nb", Decimal("812.5"), 2, "812,50 kr"),
    ("nb", -2500.49, 0, "−2\xa0500 kr"),
    ("nn", 1_234_567, 0, "1\xa0234\xa0567 kr"),
    ("en", 12345.4, 0, "NOK 12,345"),
    ("en", -2500, 0, "−NOK 2,500"),
    ("nb", None, 0, "–"),
])
def test_it_writes_kroner_grouped_and_rounded(language, amount, decimals, expected):
    with translation.override(language):
        assert kroner(amount, decimals) == expected
