"""Amounts in Norwegian kroner as the user's language writes them («12 345 kr»)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _


def kroner(amount: Decimal | float | int | None, decimals: int = 0) -> str:
    """Return the amount rounded to whole kroner (or ``decimals``), grouped, with «kr»; «–» for None.

    A negative amount gets a minus sign (U+2212) in front of the whole: «−2 500 kr», «−NOK 2,500».
    """
    if amount is None:
        return "–"
    rounded = round(Decimal(str(amount)), decimals)
    sign = "−" if rounded < 0 else ""
    return sign + _("%(amount)s kr") % {"amount": number_format(abs(rounded), decimals, force_grouping=True)}
