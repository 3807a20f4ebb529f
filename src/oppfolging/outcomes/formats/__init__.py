"""Import formats for outcome data, one module each, all returning a :class:`Parsed`.

``gp_extract`` (a GP extract's ``hospital_stays.csv``), ``admissions_csv``, ``fhir_bundle``
(FHIR R4 Encounter resources) and ``service_use_csv``. Each parser checks the whole file and
raises :class:`ImportProblems` listing every problem with file, line (or entry) and column, so
a file with any error imports nothing. Parsers never touch the database: matching on identity
number happens in :mod:`oppfolging.outcomes.services`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    """One problem in a file, located by line (or FHIR entry) and column (or field)."""

    file: str
    line: int | None
    column: str | None
    message: str
    entry: int | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(_("linje %(n)s") % {"n": self.line})
        if self.entry is not None:
            where.append(_("oppføring %(n)s") % {"n": self.entry})
        if self.column is not None:
            where.append(_("kolonne %(c)s") % {"c": self.column})
        return f"{', '.join(where)}: {self.message}"


class ImportProblems(Exception):
    """Raise when a file has one or more problems; nothing from it may be imported."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems[:MAX_PROBLEMS]
        self.more = more + max(len(problems) - MAX_PROBLEMS, 0)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class StayRow:
    """A hospital stay read from a file; ``where`` says where it came from for reports."""

    national_id: str | None
    admitted: dt.date
    discharged: dt.date | None
    acute: bool
    where: str
    patient: str | None = None  # the GP extract's patient_id, for reports of unmatched rows


@dataclass(frozen=True)
class ServiceRow:
    """A month's use of one service read from a file."""

    national_id: str | None
    service: str
    month: dt.date
    hours: Decimal | None
    visits: int | None
    where: str


@dataclass(frozen=True)
class SnapshotRow:
    """A GP extract's risk score and its parts for one patient."""

    national_id: str
    extracted_at: dt.date
    risk_score: float
    comorbidity: float
    components: dict[str, float]


@dataclass
class Parsed:
    """What one file holds, before matching on identity number.

    ``period`` is the span the file's own dates cover (or, for a GP extract, the two years it
    holds); ``covered`` lists the identity numbers a GP extract covers (its list); None means
    the source covers everybody in the register.
    """

    stays: list[StayRow] = field(default_factory=list)
    services: list[ServiceRow] = field(default_factory=list)
    snapshots: list[SnapshotRow] = field(default_factory=list)
    period: tuple[dt.date, dt.date] | None = None
    covered: set[str] | None = None
    ignored: int = 0
    notes: list[str] = field(default_factory=list)
