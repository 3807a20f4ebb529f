"""Exports open as data in a spreadsheet, never as formulas (#12.8)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from oppfolging.lib.spreadsheets import csv_text, xlsx_bytes

LIVE = ["=HYPERLINK(\"http://x.invalid\",\"Klikk\")", "+47 12345678", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", LIVE)
def test_it_prefixes_formula_like_text_in_csv_and_leaves_numbers(text):
    rows = list(csv.reader(io.StringIO(csv_text([text], [[text, -1.5, 3, None, "Vanlig tekst"]]).lstrip("\ufeff"))))

    assert rows == [["'" + text], ["'" + text, "-1.5", "3", "", "Vanlig tekst"]]


def test_it_stores_every_text_in_excel_as_text_with_its_exact_characters():
    data = xlsx_bytes([("Ark", ["navn", "verdi"], [[text, -1.5] for text in LIVE])])

    sheet = load_workbook(io.BytesIO(data)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [text.replace("\r", "\n") for text in LIVE]  # XML reads CR as LF
    assert {c.data_type for c in cells} == {"s"} and all(c.quotePrefix for c in cells)
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [-1.5] * len(LIVE)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
