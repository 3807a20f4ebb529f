"""Use of municipal services per month: the cost side of «gevinstrealisering».

Columns: ``national_id``, ``service`` (the service's name, as in the municipality's systems),
``month`` (``YYYY-MM``), and ``hours`` and/or ``visits`` (at least one of the two columns, and
a value in at least one of them on every row). Hours may have a decimal comma.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from oppfolging.outcomes.formats import ImportProblems, Parsed, Problem, ServiceRow
from oppfolging.outcomes.formats.csvfile import (
    parse_count,
    parse_decimal,
    parse_identity,
    parse_month,
    read_rows,
)

REQUIRED = ("national_id", "service", "month")
AMOUNTS = ("hours", "visits")


def parse(name: str, data: bytes) -> Parsed:
    """Return the month rows in the file, or raise ImportProblems naming every fault."""
    rows, columns, problems = read_rows(name, data, REQUIRED, AMOUNTS)
    if not any(c in columns for c in AMOUNTS):
        raise ImportProblems([Problem(name, 1, "hours", _("påkrevd kolonne mangler (hours eller visits)"))])
    services = []
    seen: dict[tuple[str | None, str, dt.date | None], int] = {}
    for line, row in rows:
        found: list[Problem] = []
        national_id = parse_identity(name, line, "national_id", row["national_id"], found)
        service = row["service"]
        if service is None:
            found.append(Problem(name, line, "service", _("verdi mangler")))
        elif len(service) > 200:
            found.append(Problem(name, line, "service", _("navnet er lengre enn 200 tegn")))
        month = parse_month(name, line, "month", row["month"], found)
        hours = parse_decimal(name, line, "hours", row.get("hours"), found)
        visits = parse_count(name, line, "visits", row.get("visits"), found)
        if hours is None and visits is None and not found:
            found.append(Problem(name, line, "hours", _("verken timer eller besøk er oppgitt")))
        key = (national_id, service or "", month)
        if not found and key in seen:
            found.append(Problem(
                name, line, "month",
                _("samme person, tjeneste og måned står også på linje %(n)s") % {"n": seen[key]},
            ))
        problems += found
        if not found and service is not None and month is not None:
            seen[key] = line
            services.append(ServiceRow(national_id, service, month, hours, visits,
                                       _("linje %(n)s") % {"n": line}))
    if problems:
        raise ImportProblems(problems)
    if not services:
        raise ImportProblems([Problem(name, None, None, _("filen har ingen rader"))])
    months = [s.month for s in services]
    return Parsed(services=services, period=(min(months), _month_end(max(months))))


def _month_end(first: dt.date) -> dt.date:
    year, month = divmod(first.month, 12)
    return dt.date(first.year + year, month + 1, 1) - dt.timedelta(days=1)
