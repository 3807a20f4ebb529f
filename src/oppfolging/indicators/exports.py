"""The indicators as CSV and Excel: one row per figure, breakdowns and definitions beside them.

Written with `lib.spreadsheets` (`csv_text`, `xlsx_bytes`), which every export shares and which
neutralises text that a spreadsheet would run as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from oppfolging.accounts.models import Municipality
from oppfolging.indicators.periods import Period
from oppfolging.indicators.report import ComparisonRow, Section
from oppfolging.lib.spreadsheets import csv_text, xlsx_bytes


def _figure_header() -> list[str]:
    return [
        _("kommunenummer"), _("kommune"), _("periode"), _("fra"), _("til (ikke med)"),
        _("resultatmål"), _("indikator"), _("navn"), _("enhet"), _("verdi"), _("tilleggsverdi"),
        _("teller"), _("nevner"), _("antall personer"), _("fordeling"), _("gruppe"),
    ]


def _definition_header() -> list[str]:
    return [_("indikator"), _("navn"), _("teller"), _("nevner"), _("periode"), _("unntak"),
            _("merknad")]


def figure_rows(municipality: Municipality, period: Period, sections: Sequence[Section]) -> list[list[object]]:
    """Return one row per figure and per breakdown group, the raw numbers unformatted."""
    head = [municipality.number, municipality.name, period.code, period.start.isoformat(),
            period.end.isoformat()]
    rows: list[list[object]] = []
    for section in sections:
        for row in section.rows:
            ind, f = row.indicator, row.figure
            base = head + [section.goal, ind.key, str(ind.title), ind.unit]
            value = f.value if f.available else _("ingen data ennå")
            rows.append(base + [value, f.secondary, f.numerator, f.denominator, f.people, "", ""])
            for b in row.breakdown:
                rows.append(base[:-1] + [ind.breakdown_unit, b.value, None, b.numerator,
                                         b.denominator, None, str(ind.breakdown_title), b.label])
    return rows


def definition_rows(sections: Sequence[Section]) -> list[list[str]]:
    return [
        [row.indicator.key, str(row.indicator.title), str(row.indicator.numerator),
         str(row.indicator.denominator), str(row.indicator.period),
         str(row.indicator.exclusions), str(row.indicator.note or "")]
        for section in sections for row in section.rows
    ]


def municipality_csv(municipality: Municipality, period: Period, sections: Sequence[Section]) -> str:
    """Return the figures as CSV (UTF-8 with a byte order mark, so Excel reads æøå)."""
    return csv_text(_figure_header(), figure_rows(municipality, period, sections))


def municipality_xlsx(municipality: Municipality, period: Period, sections: Sequence[Section]) -> bytes:
    """Return an Excel workbook: the figures, and the definitions on a sheet of their own."""
    return xlsx_bytes([
        (_("Indikatorer"), _figure_header(), figure_rows(municipality, period, sections)),
        (_("Definisjoner"), _definition_header(), definition_rows(sections)),
    ])


def comparison_csv(
    municipalities: Sequence[Municipality], period: Period, rows: Sequence[ComparisonRow]
) -> str:
    """Return the suppressed comparison as CSV: hidden figures are written as «skjult»."""
    header = [_("periode"), _("indikator"), _("navn"), _("enhet")] + [
        f"{m.number} {m.name}" for m in municipalities] + [_("alle kommuner")]
    lines = []
    for row in rows:
        values = [_("skjult") if c.hidden else ("" if c.value is None else c.value) for c in row.cells]
        total = "" if row.total is None else (_("skjult") if row.total.hidden else row.total.value)
        lines.append([period.code, row.indicator.key, str(row.indicator.title),
                      row.indicator.unit, *values, total])
    return csv_text(header, lines)
