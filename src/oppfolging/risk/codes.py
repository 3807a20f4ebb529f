"""Normalise medical codes and tell well-formed codes we know from those we do not.

Three outcomes for a code as written in an extract (see docs/risk.md, "Codes"):

* **known**: well-formed after normalisation and in the engine's reference tables below; used by
  the features;
* **unknown**: well-formed, but not in the reference tables (a new ATC group, an ICD-10 category
  outside the WHO chapters); counted, reported with file and line, and left out of the features
  that need a known code: the extract is still scored;
* **malformed**: cannot be a code of its system at all; a structural fault that refuses the
  extract.

The reference tables are the public hierarchies' upper levels, which are stable and free to
use: the 14 ATC anatomical main groups and their therapeutic subgroups (WHO ATC index, level 2),
the 22 chapters of ICD-10 (WHO 2019) as category ranges, and ICPC-2's 17 chapters with its
component ranges (symptoms 01–29, process 30–69, diagnoses 70–99). The full code lists below
those levels are licensed and large, and a code we do not map to a feature is simply not used.
"""

from __future__ import annotations

import re
from enum import IntEnum

ATC_GROUPS = "ABCDGHJLMNPRSV"
# WHO ATC level 2 (therapeutic subgroups), per anatomical main group.
ATC_LEVEL2: frozenset[str] = frozenset(
    f"{group}{number:02d}"
    for group, numbers in {
        "A": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
        "B": (1, 2, 3, 5, 6),
        "C": (1, 2, 3, 4, 5, 7, 8, 9, 10),
        "D": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
        "G": (1, 2, 3, 4),
        "H": (1, 2, 3, 4, 5),
        "J": (1, 2, 4, 5, 6, 7),
        "L": (1, 2, 3, 4),
        "M": (1, 2, 3, 4, 5, 9),
        "N": (1, 2, 3, 4, 5, 6, 7),
        "P": (1, 2, 3),
        "R": (1, 2, 3, 4, 5, 6, 7),
        "S": (1, 2, 3),
        "V": (1, 3, 4, 6, 7, 8, 9, 10, 20),
    }.items()
    for number in numbers
)

# ICD-10 (WHO 2019) chapters as ranges of 3-character categories; U00–U85 are WHO's codes for
# special purposes (U07 COVID-19 among them).
ICD10_CHAPTERS: tuple[tuple[str, str], ...] = (
    ("A00", "B99"),
    ("C00", "D48"),
    ("D50", "D89"),
    ("E00", "E90"),
    ("F00", "F99"),
    ("G00", "G99"),
    ("H00", "H59"),
    ("H60", "H95"),
    ("I00", "I99"),
    ("J00", "J99"),
    ("K00", "K93"),
    ("L00", "L99"),
    ("M00", "M99"),
    ("N00", "N99"),
    ("O00", "O99"),
    ("P00", "P96"),
    ("Q00", "Q99"),
    ("R00", "R99"),
    ("S00", "T98"),
    ("V01", "Y98"),
    ("Z00", "Z99"),
    ("U00", "U85"),
)

ICPC2_CHAPTERS = "ABDFHKLNPRSTUWXYZ"

# Shapes after normalisation (upper case, no spaces):
#   ATC:    any level of the hierarchy: A, A12, A12A, A12AX, A12AX01.
#   ICD-10: a letter, two digits, then up to two more digits; written with the dot (I50.9).
#   ICPC-2: a chapter letter and two digits (K77), optionally a national extension after "."
#           or "-" (K86.01, A98-1); process codes may be written without the chapter (-30).
ATC_PATTERN = r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$"
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$"
ICPC2_PATTERN = r"^([A-Z][0-9]{2}([.-][0-9A-Z]{1,3})?|-[3-6][0-9])$"

_ATC = re.compile(ATC_PATTERN)
_ICD10_LOOSE = re.compile(r"^([A-Z][0-9]{2})\.?([0-9]{1,2})?$")
_ICPC2 = re.compile(ICPC2_PATTERN)


class Status(IntEnum):
    """What the reader does with a code."""

    KNOWN = 0
    UNKNOWN = 1
    MALFORMED = 2


def _clean(code: str) -> str:
    return "".join(code.split()).upper()


def atc(code: str) -> tuple[str, Status]:
    """Return the normalised ATC code and its status; every level 1–5 is well-formed."""
    norm = _clean(code)
    if not _ATC.match(norm):
        return norm, Status.MALFORMED
    if norm[0] not in ATC_GROUPS or (len(norm) >= 3 and norm[:3] not in ATC_LEVEL2):
        return norm, Status.UNKNOWN
    return norm, Status.KNOWN


def icd10(code: str) -> tuple[str, Status]:
    """Return the ICD-10 code written with its dot (``i509`` → ``I50.9``) and its status."""
    norm = _clean(code)
    match = _ICD10_LOOSE.match(norm)
    if not match:
        return norm, Status.MALFORMED
    category, rest = match.groups()
    norm = category if rest is None else f"{category}.{rest}"
    known = any(lo <= category <= hi for lo, hi in ICD10_CHAPTERS)
    return norm, Status.KNOWN if known else Status.UNKNOWN


def icpc2(code: str) -> tuple[str, Status]:
    """Return the ICPC-2 code upper-cased (process codes as ``-30`` or ``K30``) and its status."""
    norm = _clean(code)
    # A process code written with a chapter and a dash (K-30) is the chapter's process code.
    if re.match(r"^[A-Z]-[3-6][0-9]$", norm):
        norm = norm[0] + norm[2:]
    if not _ICPC2.match(norm):
        return norm, Status.MALFORMED
    if norm.startswith("-"):
        return norm, Status.KNOWN
    known = norm[0] in ICPC2_CHAPTERS and norm[1:3] != "00"
    return norm, Status.KNOWN if known else Status.UNKNOWN


BY_SYSTEM = {"ICPC-2": icpc2, "ICD-10": icd10}
