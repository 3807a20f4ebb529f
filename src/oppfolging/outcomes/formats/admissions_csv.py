"""A plain CSV of admissions and discharges, as from discharge messages or the patient register.

Columns: ``national_id`` (fødselsnummer or D-nummer), ``admitted`` and ``discharged``
(``YYYY-MM-DD``; ``discharged`` empty while the person is still in hospital) and ``acute``
(``true``/``false``): the GP extract's ``hospital_stays.csv`` with the identity number in place
of the EHR's patient id.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from oppfolging.outcomes.formats import ImportProblems, Parsed, Problem, StayRow
from oppfolging.outcomes.formats.csvfile import parse_bool, parse_date, parse_identity, read_rows

COLUMNS = ("national_id", "admitted", "discharged", "acute")


def parse(name: str, data: bytes) -> Parsed:
    """Return the stays in the file, or raise ImportProblems naming every fault."""
    rows, _columns, problems = read_rows(name, data, COLUMNS)
    stays = []
    for line, row in rows:
        found: list[Problem] = []
        national_id = parse_identity(name, line, "national_id", row["national_id"], found)
        admitted = parse_date(name, line, "admitted", row["admitted"], found)
        discharged = parse_date(name, line, "discharged", row["discharged"], found, required=False)
        acute = parse_bool(name, line, "acute", row["acute"], found)
        if admitted and discharged and discharged < admitted:
            found.append(Problem(
                name, line, "discharged",
                _("utskrevet «%(value)s» før innlagt") % {"value": row["discharged"]},
            ))
        problems += found
        if not found and admitted is not None and acute is not None:
            stays.append(StayRow(national_id, admitted, discharged, acute, _("linje %(n)s") % {"n": line}))
    if problems:
        raise ImportProblems(problems)
    if not stays:
        raise ImportProblems([Problem(name, None, None, _("filen har ingen opphold"))])
    dates = [s.admitted for s in stays] + [s.discharged for s in stays if s.discharged]
    return Parsed(stays=stays, period=(min(dates), max(dates)))
