"""Parse, validate, format and mask Norwegian identity numbers.

The module is model-free and does not import Django. The check-digit
arithmetic comes from python-stdnum (``stdnum.no.fodselsnummer``); this module
wraps it because stdnum knows nothing about synthetic test numbers, and adds
the century table, error codes and Norwegian (Bokmål) messages.

Layout of the eleven digits: ``DDMMYY III K1 K2``.

* **Fødselsnummer** (``fnr``): ``DDMMYY`` is the birth date, ``III`` the
  individual number, whose range gives the century (000–499 → 1900–1999;
  500–749 with YY 54–99 → 1854–1899; 500–999 with YY 00–39 → 2000–2039;
  900–999 with YY 40–99 → 1940–1999). The third individual digit gives the sex
  (even F, odd M).
* **D-nummer**: day + 40.
* **H-nummer**: month + 40.
* **FH-nummer**: first digit 8 or 9. No birth date or sex is encoded; only the
  check digits are validated.
* **Dolly** (NAV synthetic test numbers): month + 40, the same offset as the
  H-nummer. *Choice:* month + 40 is classified as ``dolly`` only when the
  caller passes ``allow_synthetic=True``; otherwise it is a real ``h_number``.
  So a Dolly number is never refused, it is read as an H-nummer when synthetic
  numbers are not allowed.
* **Tenor** (Skatteetaten synthetic test numbers): month + 80. Refused unless
  ``allow_synthetic=True``.
* Synthetic numbers may be combined with the D-nummer offset (day + 40); the
  kind is then still ``dolly``/``tenor``. Day + 40 combined with a real
  H-nummer month is accepted as ``h_number``, as stdnum does.

Check digits: ``K1 = 11 - (sum(w1 * d) mod 11)`` with weights 3,7,6,1,8,9,4,5,2
and ``K2`` likewise with weights 5,4,3,2,7,6,5,4,3,2 over the first ten digits;
11 becomes 0 and 10 makes the number invalid.

The 2032 rule (opt-in, ``allow_2032_rule=True``, default ``False``): for
fødselsnumre and D-numre issued from 1 January 2032, Skatteetaten accepts the
remainders 0, 1, 2 and 3 for K1, i.e. ``(weighted sum of digits 1-9 + K1)
mod 11`` in {0, 1, 2, 3}, so K1 may take up to four values; K2 is computed as
before. This is stricter than "K1 may take any value" and follows
Skatteetaten's published description (folkeregisteret-api-dokumentasjon,
"Nytt fødselsnummer fra 2032"). The rule is applied to ``fnr``, ``d_number``
and the synthetic kinds (which mirror them), not to H- or FH-numbers, which
other bodies assign. Numbers issued under the new rule no longer encode sex or
century, so when a number is valid *only* under the new rule its ``sex`` and
``birth_date`` are ``None`` (day and month are still checked). A new-rule
number whose K1 happens to give remainder 0 cannot be told apart from an old
one; its century and sex are then read the old way and may be wrong: take
them from Folkeregisteret.

Birth dates after today (Europe/Oslo) are refused, as stdnum does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stdnum.no import fodselsnummer as _stdnum_fnr

__all__ = [
    "ErrorCode",
    "IdentityKind",
    "IdentityNumber",
    "InvalidIdentityNumber",
    "compact",
    "format",
    "is_valid",
    "make_synthetic",
    "mask",
    "parse",
]


class IdentityKind(StrEnum):
    """Enumerate the kinds of identity number this module recognises."""

    FNR = "fnr"
    D_NUMBER = "d_number"
    H_NUMBER = "h_number"
    FH_NUMBER = "fh_number"
    DOLLY = "dolly"
    TENOR = "tenor"


ErrorCode = Literal[
    "length",
    "digits",
    "checksum",
    "date",
    "century",
    "future_date",
    "synthetic_not_allowed",
]

_MESSAGES: Final[dict[ErrorCode, str]] = {
    "length": "Fødselsnummeret må ha 11 siffer.",
    "digits": "Fødselsnummeret kan bare inneholde siffer.",
    "checksum": "Kontrollsifrene stemmer ikke.",
    "date": "Fødselsdatoen i nummeret er ugyldig.",
    "century": "Individnummeret passer ikke med fødselsåret.",
    "future_date": "Fødselsdatoen i nummeret ligger fram i tid.",
    "synthetic_not_allowed": "Syntetiske testnummer er ikke tillatt her.",
}

_DIGITS: Final = frozenset("0123456789")
_SEPARATORS: Final = frozenset(".-")
_SYNTHETIC_OFFSETS: Final = {IdentityKind.DOLLY: 40, IdentityKind.TENOR: 80}
_RULE_2032_KINDS: Final = frozenset(
    {IdentityKind.FNR, IdentityKind.D_NUMBER, IdentityKind.DOLLY, IdentityKind.TENOR}
)
_LEAP_YEAR: Final = 2000  # checks day/month when the century is unknown


class InvalidIdentityNumber(ValueError):
    """Signal that a value is not an acceptable identity number.

    ``code`` is a short machine-readable reason (see :data:`ErrorCode`);
    ``str(error)`` is a Norwegian (Bokmål) message fit for the user.
    """

    code: ErrorCode

    def __init__(self, code: ErrorCode) -> None:
        self.code = code
        super().__init__(_MESSAGES[code])


@dataclass(frozen=True, slots=True)
class IdentityNumber:
    """Hold a valid identity number and what it encodes.

    ``value`` is the compact 11-digit form. ``birth_date`` is ``None`` for
    FH-numbers and for numbers valid only under the 2032 rule. ``sex`` is
    ``"F"`` (even ninth digit) or ``"M"`` (odd), ``None`` in the same cases.
    """

    value: str
    kind: IdentityKind
    birth_date: date | None
    synthetic: bool
    sex: str | None


def compact(value: str) -> str:
    """Strip whitespace (including non-breaking spaces), dots and dashes."""
    return "".join(ch for ch in value if not ch.isspace() and ch not in _SEPARATORS)


def parse(
    value: str, *, allow_synthetic: bool = False, allow_2032_rule: bool = False
) -> IdentityNumber:
    """Parse and validate an identity number, raising InvalidIdentityNumber.

    Checks run in this order, and the first failure decides ``code``: length,
    digits, checksum, date, century, future_date, synthetic_not_allowed.
    """
    number = _eleven_digits(value)

    if number[0] in "89":
        _check_digits(number, allow_2032_rule=False)
        return IdentityNumber(
            value=number,
            kind=IdentityKind.FH_NUMBER,
            birth_date=None,
            synthetic=False,
            sex=None,
        )

    day, month = int(number[0:2]), int(number[2:4])
    kind = _classify(day, month, allow_synthetic=allow_synthetic)
    only_2032_rule = _check_digits(
        number, allow_2032_rule=allow_2032_rule and kind in _RULE_2032_KINDS
    )

    day -= 40 if day > 40 else 0
    month -= 80 if month > 80 else 40 if month > 40 else 0
    if not _is_date(_LEAP_YEAR, month, day):
        raise InvalidIdentityNumber("date")

    birth_date: date | None = None
    sex: str | None = None
    if not only_2032_rule:
        year = _birth_year(int(number[4:6]), int(number[6:9]))
        if year is None:
            raise InvalidIdentityNumber("century")
        if not _is_date(year, month, day):
            raise InvalidIdentityNumber("date")
        birth_date = date(year, month, day)
        if birth_date > _today():
            raise InvalidIdentityNumber("future_date")
        sex = _stdnum_fnr.get_gender(number)

    synthetic = kind in _SYNTHETIC_OFFSETS
    if synthetic and not allow_synthetic:
        raise InvalidIdentityNumber("synthetic_not_allowed")
    return IdentityNumber(
        value=number, kind=kind, birth_date=birth_date, synthetic=synthetic, sex=sex
    )


def is_valid(value: str, *, allow_synthetic: bool = False, allow_2032_rule: bool = False) -> bool:
    """Return whether :func:`parse` accepts the value with the same options."""
    try:
        parse(value, allow_synthetic=allow_synthetic, allow_2032_rule=allow_2032_rule)
    except InvalidIdentityNumber:
        return False
    return True


def format(value: str) -> str:  # noqa: A001 - mirrors stdnum's API
    """Return the number as ``"DDMMYY IIIKK"``.

    Only the shape (11 digits after :func:`compact`) is checked, not the check
    digits, so stored legacy values can still be shown. Raises
    InvalidIdentityNumber (``length``/``digits``) otherwise.
    """
    number = _eleven_digits(value)
    return f"{number[:6]} {number[6:]}"


def mask(value: str) -> str:
    """Return the number as ``"DDMMYY *****"`` for display in lists.

    Shape requirements are as for :func:`format`.
    """
    number = _eleven_digits(value)
    return f"{number[:6]} *****"


def make_synthetic(
    *, birth_date: date, individual: int, kind: IdentityKind = IdentityKind.TENOR
) -> str:
    """Generate a valid synthetic Tenor (default) or Dolly number.

    Tries ``individual``, ``individual + 1``, … up to 999 and returns the first
    number whose individual number fits the century of ``birth_date`` and whose
    check digits are valid under the current (pre-2032) rule. Raises
    ValueError when ``kind`` is not synthetic, ``individual`` is outside
    0–999, ``birth_date`` lies in the future, or no individual number fits
    (for instance for years outside 1854–2039).
    """
    if kind not in _SYNTHETIC_OFFSETS:
        raise ValueError(f"make_synthetic only makes Tenor or Dolly numbers, not {kind!s}")
    if not 0 <= individual <= 999:
        raise ValueError(f"individual must be within 0-999, not {individual}")
    if birth_date > _today():
        raise ValueError(f"birth_date {birth_date.isoformat()} lies in the future")
    yy = birth_date.year % 100
    month = birth_date.month + _SYNTHETIC_OFFSETS[kind]
    prefix = f"{birth_date.day:02d}{month:02d}{yy:02d}"
    for candidate in range(individual, 1000):
        if _birth_year(yy, candidate) != birth_date.year:
            continue
        nine = f"{prefix}{candidate:03d}"
        k1 = _stdnum_fnr.calc_check_digit1(nine)
        if len(k1) != 1:  # "10": this individual number cannot be used
            continue
        k2 = _stdnum_fnr.calc_check_digit2(nine + k1)
        if len(k2) != 1:
            continue
        return nine + k1 + k2
    raise ValueError(
        f"no individual number from {individual} to 999 gives a valid "
        f"{kind!s} number for {birth_date.isoformat()}"
    )


def _eleven_digits(value: str) -> str:
    """Return the compact value, or raise when it is not 11 ASCII digits."""
    number = compact(value)
    if len(number) != 11:
        raise InvalidIdentityNumber("length")
    if not _DIGITS.issuperset(number):
        raise InvalidIdentityNumber("digits")
    return number


def _classify(day: int, month: int, *, allow_synthetic: bool) -> IdentityKind:
    """Return the kind the day and month fields suggest (ranges unchecked)."""
    if month > 80:
        return IdentityKind.TENOR
    if month > 40:
        return IdentityKind.DOLLY if allow_synthetic else IdentityKind.H_NUMBER
    if day > 40:
        return IdentityKind.D_NUMBER
    return IdentityKind.FNR


def _check_digits(number: str, *, allow_2032_rule: bool) -> bool:
    """Validate both check digits; return True if K1 passes only the 2032 rule.

    Raises InvalidIdentityNumber("checksum") when they do not validate.
    """
    if number[10] != _stdnum_fnr.calc_check_digit2(number[:10]):
        raise InvalidIdentityNumber("checksum")
    expected_k1 = _stdnum_fnr.calc_check_digit1(number[:9])  # "0"-"9" or "10"
    if number[9] == expected_k1:
        return False
    # (weighted sum + K1) mod 11 == (K1 - expected K1) mod 11, since
    # expected K1 == -(weighted sum) mod 11.
    if allow_2032_rule and (int(number[9]) - int(expected_k1)) % 11 in (1, 2, 3):
        return True
    raise InvalidIdentityNumber("checksum")


def _birth_year(yy: int, individual: int) -> int | None:
    """Return the four-digit birth year, or None if no century fits."""
    if individual <= 499:
        return 1900 + yy
    if individual <= 749 and yy >= 54:
        return 1800 + yy
    if yy <= 39:
        return 2000 + yy
    if individual >= 900:
        return 1900 + yy
    return None


def _is_date(year: int, month: int, day: int) -> bool:
    """Return whether year, month and day form a calendar date."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _today() -> date:
    """Return today's date in Norway (local date if tz data is missing)."""
    try:
        return datetime.now(ZoneInfo("Europe/Oslo")).date()
    except ZoneInfoNotFoundError:
        return date.today()
