"""CSV and Excel files that a spreadsheet opens as data, never as formulas (CSV/formula injection).

A service, a coordinator or a municipality may be named «=HYPERLINK(…)» or «+47 …»; written
as it is, Excel and LibreOffice run it as a formula when the file is opened. Every export of
the project is written with `csv_text` or `xlsx_bytes`:

- in CSV, text starting with ``= + - @``, a tab or a carriage return gets an apostrophe in
  front (the OWASP advice; spreadsheets show the text and run nothing);
- in Excel, every text is stored as a text cell with the quote prefix set, so it keeps its exact
  characters and is never a formula, not even after someone edits the cell.

Numbers stay numbers: a negative number is not a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Values Excel stores as what they are; anything else is written as text.
KEPT_TYPES = (int, float, Decimal, dt.date)


def safe_cell(value: object) -> object:
    """Return the value with text that starts like a formula prefixed by an apostrophe (for CSV)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """Return a CSV document (UTF-8 with a byte order mark, so Excel reads æøå)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue()


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[object], Iterable[Sequence[object]]]]) -> bytes:
    """Return an Excel workbook with one sheet per (title, header, rows), headers in bold, text as text."""
    workbook = Workbook()
    first = True
    for title, header, rows in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title[:31]
        for values in (header, *rows):
            sheet.append([v if v is None or isinstance(v, KEPT_TYPES) else str(v) for v in values])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    # openpyxl makes a formula of any text starting with «=»; store it as text.
                    cell.data_type = TYPE_STRING
                    cell.quotePrefix = True
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
