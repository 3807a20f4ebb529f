#!/usr/bin/env python3
"""Fill the nynorsk catalogue from translation files, after `makemessages -l en -l nn`.

    scripts/fill_catalogue.py TRANSLATIONS.json [MORE.json ...]

Each JSON file holds a list of {"ctx": ..., "id": ..., "nn": ...} or, for a message with a plural,
{"ctx": ..., "id": ..., "nn_plural": [singular, plural]}. An entry of the nn catalogue that is
empty or fuzzy takes the translation given for its (context, msgid); entries already translated
are kept, so a reviewer's correction in the .po survives the next run. Translations whose
placeholders differ from the msgid's are refused and listed. Prints what is still missing and
exits 1 when something is, so `make messages` shows it.

Needs polib (`pip install polib`); run from the repository root.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "src/oppfolging/locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%|%[sd]")
HEADER = {
    "Project-Id-Version": "oppfolging",
    "Last-Translator": "Oppfølging",
    "Language-Team": "Nynorsk",
    "Language": "nn",
    "Plural-Forms": "nplurals=2; plural=(n != 1);",
    "Content-Type": "text/plain; charset=UTF-8",
}


def load(paths: list[str]) -> dict[tuple[str | None, str], str | list[str]]:
    """Return the translations by (context, msgid); later files win."""
    found: dict[tuple[str | None, str], str | list[str]] = {}
    for path in paths:
        for item in json.loads(Path(path).read_text(encoding="utf-8")):
            text = item.get("nn_plural") if item.get("nn_plural") is not None else item.get("nn")
            if text:
                found[(item.get("ctx") or None, item["id"])] = text
    return found


def placeholders_kept(entry: polib.POEntry, forms: list[str]) -> bool:
    allowed = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
    if not entry.msgid_plural:
        return sorted(PLACEHOLDER.findall(forms[0])) == sorted(PLACEHOLDER.findall(entry.msgid))
    # a singular may spell the number out ("én tenest"); the plural keeps the msgid_plural's
    return all(set(PLACEHOLDER.findall(form)) <= allowed for form in forms) and sorted(
        PLACEHOLDER.findall(forms[1])) == sorted(PLACEHOLDER.findall(entry.msgid_plural))


def fill(po_path: Path, translations: dict[tuple[str | None, str], str | list[str]]) -> list[str]:
    """Fill the catalogue in place; return the labels of the entries still missing."""
    catalogue = polib.pofile(str(po_path), wrapwidth=0)
    catalogue.metadata.update(HEADER)
    catalogue.metadata_is_fuzzy = False
    catalogue.header = ("Nynorsk translation of Oppfølging.\nThis file is distributed under the same license"
                        " as the oppfolging package (AGPL-3.0-or-later).\n")
    missing, refused = [], []
    for entry in catalogue:
        if entry.obsolete:
            continue
        done = (all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr))
        if done and "fuzzy" not in entry.flags:
            continue
        given = translations.get((entry.msgctxt, entry.msgid))
        forms = [given] if isinstance(given, str) else list(given or [])
        if entry.msgid_plural and len(forms) == 1:
            forms = []  # a plural message needs both forms
        if not forms or not placeholders_kept(entry, forms):
            (refused if forms else missing).append(f"{entry.msgctxt or ''}|{entry.msgid[:70]}")
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: forms[0], 1: forms[1]}
        else:
            entry.msgstr = forms[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    catalogue.save(str(po_path))
    for label in refused:
        print(f"refused (placeholders differ): {label}")
    return missing + refused


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    missing = fill(LOCALE / "nn/LC_MESSAGES/django.po", load(argv))
    for label in missing:
        print(f"missing: {label}")
    print(f"nn: {len(missing)} messages without a translation")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
