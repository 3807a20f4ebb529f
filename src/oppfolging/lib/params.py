"""Ids read from a query string or a form field: a number the database can hold, or nothing.

`int()` refuses more than 4,300 digits with a ValueError, `str.isdigit()` says yes to «²»,
and a 20-digit number overflows a database integer. Views read ids through `id_param`, so a
nonsense parameter is treated as absent (or answered with 404), never as a server error.
"""

from __future__ import annotations

# 18 decimal digits always fit a signed 64-bit integer (the widest id column in the project).
MAX_ID_DIGITS = 18


def number_param(value: object) -> int | None:
    """Return the value as a whole number a database column holds (0 or more), or None."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_DIGITS:
        return None
    if not (value.isascii() and value.isdecimal()):
        return None
    return int(value)


def id_param(value: object) -> int | None:
    """Return the value as a positive database id, or None when it cannot be one."""
    return number_param(value) or None
