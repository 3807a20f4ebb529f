"""Read a CSV file the way the GP extract contract reads one (gp-extract.md).

One header row; columns in any order; unknown columns ignored; UTF-8 with or without BOM or
Windows-1252 (as Norwegian Excel writes it); comma or semicolon. Values are trimmed; an empty
value is None. Problems name the file, the 1-based line (the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from oppfolging.lib import identity
from oppfolging.outcomes.formats import ImportProblems, Problem

if TYPE_CHECKING:
    from _csv import Reader  # what csv.reader() returns; the csv module does not name it

Row = dict[str, str | None]


def decode(name: str, data: bytes) -> str:
    """Return the file's text: UTF-8 (a BOM is dropped) or else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportProblems(
            [Problem(name, line, None, _("ukjent tegnkoding (verken UTF-8 eller Windows-1252)"))]
        ) from None


def read_rows(
    name: str, data: bytes, required: Sequence[str], optional: Sequence[str] = ()
) -> tuple[list[tuple[int, Row]], list[str], list[Problem]]:
    """Return the rows as (line, {column: value}), the columns found, and structural problems.

    Raises ImportProblems at once when the header itself is unusable (missing, repeated or
    required columns absent), since no row can be read then.
    """
    text = decode(name, data)
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise ImportProblems([Problem(name, 1, None, _("mangler overskriftsrad"))])
    separator = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = [h.strip().lower() for h in next(reader)]
    problems = [
        Problem(name, 1, c, _("kolonnen står flere ganger"))
        for c in sorted({c for c in header if c and header.count(c) > 1})
    ]
    problems += [
        Problem(name, 1, c, _("påkrevd kolonne mangler")) for c in required if c not in header
    ]
    if problems:
        raise ImportProblems(problems)
    wanted = {c: header.index(c) for c in (*required, *optional) if c in header}
    rows: list[tuple[int, Row]] = []
    for line, cells in _numbered(reader):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem(
                name, line, None,
                _("raden har %(n)s felt, overskriften har %(m)s") % {"n": len(cells), "m": len(header)},
            ))
            continue
        rows.append((line, {c: (cells[i].strip() or None) for c, i in wanted.items()}))
    return rows, list(wanted), problems


def _numbered(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    """Yield each record with its line (the last line, when a quoted value spans lines)."""
    for cells in reader:
        yield reader.line_num, cells


def parse_date(name: str, line: int, column: str, value: str | None, problems: list[Problem],
               *, required: bool = True) -> dt.date | None:
    """Return an ISO date (YYYY-MM-DD), or record why it is not one."""
    if value is None:
        if required:
            problems.append(Problem(name, line, column, _("verdi mangler")))
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(
            name, line, column,
            _("ugyldig dato «%(value)s» (forventer ÅÅÅÅ-MM-DD)") % {"value": value},
        ))
        return None


def parse_month(name: str, line: int, column: str, value: str | None,
                problems: list[Problem]) -> dt.date | None:
    """Return the first day of a month written YYYY-MM (or a date in it), or record why not."""
    if value is None:
        problems.append(Problem(name, line, column, _("verdi mangler")))
        return None
    try:
        if len(value) == 7:
            return dt.date.fromisoformat(value + "-01")
        if len(value) == 10:
            return dt.date.fromisoformat(value).replace(day=1)
        raise ValueError
    except ValueError:
        problems.append(Problem(
            name, line, column, _("ugyldig måned «%(value)s» (forventer ÅÅÅÅ-MM)") % {"value": value},
        ))
        return None


def parse_identity(name: str, line: int, column: str, value: str | None,
                   problems: list[Problem]) -> str | None:
    """Return a valid identity number (fødselsnummer, D-nummer, …), or record why not."""
    if value is None:
        problems.append(Problem(name, line, column, _("verdi mangler")))
        return None
    try:
        return identity.parse(value, allow_synthetic=settings.ALLOW_SYNTHETIC_IDS).value
    except identity.InvalidIdentityNumber:
        problems.append(Problem(name, line, column, _("ugyldig fødselsnummer eller D-nummer")))
        return None


def parse_bool(name: str, line: int, column: str, value: str | None,
               problems: list[Problem]) -> bool | None:
    """Return true/false (any case, as Excel writes TRUE), or record why not."""
    if value is None:
        problems.append(Problem(name, line, column, _("verdi mangler")))
        return None
    lowered = value.lower()
    if lowered not in ("true", "false"):
        problems.append(Problem(
            name, line, column,
            _("ugyldig verdi «%(value)s» (forventer true eller false)") % {"value": value},
        ))
        return None
    return lowered == "true"


def parse_decimal(name: str, line: int, column: str, value: str | None,
                  problems: list[Problem]) -> Decimal | None:
    """Return a non-negative number (decimal comma or point), None when empty."""
    if value is None:
        return None
    try:
        number = Decimal(value.replace(",", "."))
        if not number.is_finite() or number < 0 or number >= Decimal("1000000"):
            raise InvalidOperation
    except InvalidOperation:
        problems.append(Problem(
            name, line, column, _("ugyldig antall «%(value)s»") % {"value": value},
        ))
        return None
    return number.quantize(Decimal("0.01"))


def parse_count(name: str, line: int, column: str, value: str | None,
                problems: list[Problem]) -> int | None:
    """Return a whole number of at least 0, None when empty."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        problems.append(Problem(
            name, line, column, _("ugyldig antall «%(value)s»") % {"value": value},
        ))
        return None
    return int(value)
