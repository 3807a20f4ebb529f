"""Read and validate a GP extract (see docs/risk.md and the shared gp-extract.md contract).

An extract is a folder or a ``.zip`` of one holding ``extract.json``, ``patients.csv`` and the
optional ``diagnoses.csv``, ``medications.csv``, ``contacts.csv``, ``hospital_stays.csv`` and
``outcomes.csv``. Every file is read with Polars as strings and validated with vectorised
expressions; any problem makes :func:`read_extract` raise one :class:`ExtractError` that lists
all problems found (up to :data:`MAX_PROBLEMS`), so nothing partial is ever returned.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from oppfolging.risk import codes
from oppfolging.risk import fhir as fhir_mod
from oppfolging.risk.fhir import ENTRY, FHIR_ELEMENTS, LINE, SOURCE

MAX_PROBLEMS = 200
UNKNOWN = "_unknown"
# A file's bytes: read from a zip, or mapped from disk (no copy) when the extract is a folder.
Data = bytes | mmap.mmap

CONTACT_KINDS = (
    "consultation",
    "home_visit",
    "phone",
    "e_consultation",
    "out_of_hours",
    "other",
)
SYSTEMS = ("ICPC-2", "ICD-10")

# Codes are normalised and sorted into known, unknown (well-formed, not in our reference tables:
# reported and set aside) and malformed (refused) by codes.py; see docs/risk.md, "Codes".
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NATIONAL_ID_PATTERN = r"^[0-9]{11}$"

# The longest values the app's database stores (gp.models uses the same numbers), so that an
# extract that reads here also stores there.
MAX_PATIENT_ID = 64
MAX_NAME = 100
# How many unknown codes are listed with file and line; all are counted.
MAX_UNKNOWN_EXAMPLES = 20

PATIENT_COLUMNS = [
    "patient_id",
    "national_id",
    "birth_date",
    "birth_year",
    "sex",
    "gp_id",
    "given_name",
    "family_name",
]
FILES = (
    "extract.json",
    "patients.csv",
    "diagnoses.csv",
    "medications.csv",
    "contacts.csv",
    "hospital_stays.csv",
    "outcomes.csv",
)


@dataclass(frozen=True)
class Problem:
    """One validation problem, located by file, 1-based line (header = 1) and column.

    In a FHIR extract ``entry`` names the resource and its position instead of a line (as in
    ``oppføring 12 (Condition/c12)``) and ``column`` is the resource's element.
    """

    file: str
    line: int | None
    column: str | None
    message: str
    entry: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.entry is not None:
            where.append(self.entry)
        if self.line is not None:
            where.append(f"linje {self.line}")
        if self.column is not None:
            where.append(f"{'element' if self.entry is not None else 'kolonne'} {self.column}")
        return f"{', '.join(where)}: {self.message}"


class ExtractError(Exception):
    """Raise when an extract has one or more problems; carries every problem found."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(f"… og {more} problemer til")
        super().__init__("Uttrekket kan ikke leses:\n" + "\n".join(lines))


@dataclass(frozen=True)
class UnknownCode:
    """One well-formed code that is not in the reference tables, where it was found."""

    file: str
    line: int | None
    column: str
    code: str
    entry: str | None = None

    def __str__(self) -> str:
        where = self.entry if self.entry is not None else f"linje {self.line}"
        return f"{self.file}, {where}: «{self.code}»"


@dataclass
class UnknownCodes:
    """Count the unknown codes set aside, per file, with up to MAX_UNKNOWN_EXAMPLES examples."""

    count: int = 0
    by_file: dict[str, int] = field(default_factory=dict)
    examples: list[UnknownCode] = field(default_factory=list)

    def add(self, other: UnknownCodes) -> None:
        """Merge another file's unknown codes into these."""
        self.count += other.count
        for name, n in other.by_file.items():
            self.by_file[name] = self.by_file.get(name, 0) + n
        room = MAX_UNKNOWN_EXAMPLES - len(self.examples)
        self.examples.extend(other.examples[: max(room, 0)])

    def as_dict(self) -> dict[str, object]:
        """Return the counts and examples as plain JSON-able data."""
        return {
            "count": self.count,
            "by_file": dict(self.by_file),
            "examples": [
                {
                    "file": e.file,
                    "line": e.line,
                    "column": e.column,
                    "code": e.code,
                    "entry": e.entry,
                }
                for e in self.examples
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UnknownCodes:
        """Return the report :meth:`as_dict` wrote (as stored in JSON and in the database)."""
        return cls(
            count=int(data.get("count", 0)),
            by_file={str(k): int(v) for k, v in data.get("by_file", {}).items()},
            examples=[
                UnknownCode(
                    file=e["file"],
                    line=e.get("line"),
                    column=e.get("column", ""),
                    code=e["code"],
                    entry=e.get("entry"),
                )
                for e in data.get("examples", [])
            ],
        )

    def lines(self) -> list[str]:
        """Return the report as short Norwegian lines for the command line."""
        if not self.count:
            return []
        files = ", ".join(f"{name} ({n})" for name, n in self.by_file.items())
        out = [f"{self.count} ukjente koder satt til side (ikke i referansetabellene): {files}"]
        out += [f"  {e}" for e in self.examples]
        if self.count > len(self.examples):
            out.append(f"  … og {self.count - len(self.examples)} til")
        return out


@dataclass
class Extract:
    """Hold one validated extract; every patient-level table carries an integer ``pidx``.

    ``pidx`` is the row number in ``patients`` and lets features join on integers instead of
    strings. Event dates are ``pl.Date``; ``acute`` is boolean; ``discharged`` may be null for a
    patient still admitted at ``extracted_at``. Codes are Categorical (``code``, ``atc``) and
    the closed lists Enums (``system``, ``kind``), so features work on integers.
    """

    extracted_at: date
    meta: dict[str, object]
    patients: pl.DataFrame
    diagnoses: pl.DataFrame
    medications: pl.DataFrame
    contacts: pl.DataFrame
    hospital_stays: pl.DataFrame
    outcomes: pl.DataFrame | None
    sha256: str
    files: dict[str, int] = field(default_factory=dict)
    unknown_codes: UnknownCodes = field(default_factory=UnknownCodes)
    format: str = "csv"


class _Problems:
    """Collect problems up to a cap and count the rest."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.more = 0
        self.unknown = UnknownCodes()

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, line, column, message))
        else:
            self.more += 1

    def add_rows(
        self, file: str, df: pl.DataFrame, bad: pl.Expr, column: str | None, message: str
    ) -> int:
        """Record one problem per row where ``bad`` holds; format ``message`` with the value.

        Rows of a FHIR extract carry ``_file`` and ``_entry``: the problem then names the
        source file, the resource and its position, and the resource's element.
        """
        hits = df.filter(bad)
        n = hits.height
        room = max(MAX_PROBLEMS - len(self.items), 0)
        fhir = ENTRY in df.columns
        value_col = [column] if column is not None and column in df.columns else []
        cols = [LINE, *value_col, *([SOURCE, ENTRY] if fhir else [])]
        for row in hits.head(room).select(cols).iter_rows(named=True):
            value = row[column] if column is not None and value_col else None
            text = message.format(value=value)
            if fhir:
                element = FHIR_ELEMENTS.get((file, column or ""), column)
                self.items.append(Problem(row[SOURCE], None, element, text, row[ENTRY]))
            else:
                self.add(file, int(row[LINE]), column, text)
        self.more += max(n - room, 0)
        return n

    def __bool__(self) -> bool:
        return bool(self.items)


# A national extract of 5.5 million patients stays well under these limits.
MAX_UNZIPPED_BYTES = 20 * 1024**3
MAX_ROWS = 2_000_000_000
MAX_ZIP_RATIO = 200
CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Caps on what a zip may expand to, checked while its members are decompressed.

    ``max_bytes`` caps the total uncompressed bytes of the files read, ``max_rows`` their total
    lines. The defaults suit a national run from the command line; the GP's page passes the
    much smaller caps of its settings.
    """

    max_bytes: int = MAX_UNZIPPED_BYTES
    max_rows: int = MAX_ROWS


def _is_fhir_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(".ndjson") or (lower.endswith(".json") and lower != "extract.json")


class _Source:
    """Give uniform access to the files of a folder or a zip archive (or one FHIR file).

    A zip's members are streamed to a private temporary folder in chunks, counting bytes and
    lines as they come, and refused as soon as a cap is passed: a small zip that expands to
    gigabytes never reaches memory. Messages name the file inside the extract, never a path on
    the server.
    """

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.path = path
        self.limits = limits or Limits()
        self.names: dict[str, str] = {}
        self.fhir: list[tuple[str, Path]] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if path.is_dir():
            for name in FILES:
                if (path / name).is_file():
                    self.names[name] = str(path / name)
            self.fhir = sorted(
                (f.name, f) for f in path.iterdir() if f.is_file() and _is_fhir_name(f.name)
            )
        elif path.is_file() and _is_fhir_name(path.name):
            self.fhir = [(path.name, path)]
        elif path.is_file() and zipfile.is_zipfile(path):
            self._unzip(path)
        elif path.is_file():
            raise ExtractError(
                [
                    Problem(
                        "uttrekket", None, None, "er ikke en zip-fil, eller zip-filen er avkortet"
                    )
                ]
            )
        else:
            raise ExtractError([Problem("uttrekket", None, None, "finner verken mappe eller fil")])

    def _unzip(self, path: Path) -> None:
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise ExtractError(
                [Problem("uttrekket", None, None, "zip-filen er skadet eller avkortet")]
            ) from None
        with archive:
            members: dict[str, zipfile.ZipInfo] = {}
            # Accept files at the top level or inside one folder, as "Send to zip" makes.
            for info in archive.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if info.is_dir() or "__MACOSX" in info.filename:
                    continue
                if base not in FILES and not _is_fhir_name(base):
                    continue
                # A member that says it expands far beyond any real export is refused before
                # reading; what it really expands to is counted while it is read.
                if info.file_size > self.limits.max_bytes:
                    raise ExtractError([Problem(base, None, None, _too_big("byte", self.limits))])
                if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                    raise ExtractError(
                        [Problem(base, None, None, "filen i zip-filen er urimelig stor")]
                    )
                if base in members:
                    raise ExtractError(
                        [Problem(base, None, None, "filen finnes flere steder i zip-filen")]
                    )
                members[base] = info
            self._tmp = tempfile.TemporaryDirectory(prefix="oppf-extract-")
            folder = Path(self._tmp.name)
            total = rows = 0
            for base, info in members.items():
                target = folder / base
                try:
                    with archive.open(info) as member, open(target, "wb") as out:
                        while chunk := member.read(CHUNK):
                            total += len(chunk)
                            rows += chunk.count(b"\n")
                            if total > self.limits.max_bytes:
                                raise ExtractError(
                                    [Problem(base, None, None, _too_big("byte", self.limits))]
                                )
                            if rows > self.limits.max_rows:
                                raise ExtractError(
                                    [Problem(base, None, None, _too_big("rader", self.limits))]
                                )
                            out.write(chunk)
                except ExtractError:
                    self.close()
                    raise
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
                    self.close()
                    raise ExtractError(
                        [Problem(base, None, None, "filen i zip-filen er skadet eller avkortet")]
                    ) from None
                if base in FILES:
                    self.names[base] = str(target)
                else:
                    self.fhir.append((base, target))
            self.fhir.sort()

    def close(self) -> None:
        """Remove the temporary copy of a zip's members."""
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, name: str) -> Data | None:
        """Return a file's bytes, mapped from disk without a copy."""
        if name not in self.names:
            return None
        with open(self.names[name], "rb") as file:
            if os.fstat(file.fileno()).st_size == 0:
                return b""
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)

    def file_path(self, name: str) -> Path | None:
        """Return the path Polars can parse a file from."""
        return Path(self.names[name]) if name in self.names else None


def _too_big(what: str, limits: Limits) -> str:
    if what == "byte":
        return (
            f"uttrekket pakker seg ut til mer enn {limits.max_bytes // 1024**2} MB "
            "(grensen for opplasting)"
        )
    return f"uttrekket har mer enn {limits.max_rows} rader (grensen for opplasting)"


def _decode_csv(
    name: str,
    data: Data,
    problems: _Problems,
    wanted: list[str] | None = None,
    *,
    lines: bool = True,
    path: Path | None = None,
) -> pl.DataFrame | None:
    """Parse CSV bytes as all-string columns with a 1-based line column; sniff separator.

    Column names are trimmed and lower-cased; the ``wanted`` columns (all when None) are
    trimmed of surrounding spaces, and empty values become null. Without ``lines`` the line
    column is left out, which saves a column on a file that turns out to be clean. With
    ``path`` (the file ``data`` maps), Polars parses straight from the file.
    """
    # Polars skips a UTF-8 byte order mark itself; only the header sniffing must.
    start = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    header_end = data.find(b"\n", start)
    header = data[start:] if header_end < 0 else data[start:header_end]
    if not header.strip():
        problems.add(name, 1, None, "mangler overskriftsrad")
        return None
    separator = ";" if header.count(b";") > header.count(b",") else ","

    def parse(raw: bytes | Path) -> pl.DataFrame:
        return pl.read_csv(
            raw,
            separator=separator,
            infer_schema=False,
            row_index_name=LINE if lines else None,
            row_index_offset=2,
            truncate_ragged_lines=False,
        )

    try:
        df = parse(path if path is not None else bytes(data))
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
            unparsable(name, byte_lines(data), separator, problems, exc)
            return None
        # Not UTF-8: Norwegian Excel writes Windows-1252. Re-encode and parse again.
        try:
            text = bytes(data[start:]).decode("cp1252")
        except UnicodeDecodeError as dec:
            line = data[start : start + dec.start].count(b"\n") + 1
            problems.add(name, line, None, "ukjent tegnkoding (verken UTF-8 eller Windows-1252)")
            return None
        try:
            df = parse(text.encode("utf-8"))
        except pl.exceptions.PolarsError as exc2:
            unparsable(name, byte_lines(text.encode("utf-8")), separator, problems, exc2)
            return None
    except pl.exceptions.PolarsError as exc:
        unparsable(name, byte_lines(data), separator, problems, exc)
        return None
    normalised = [c.strip().lower() for c in df.columns if c != LINE]
    repeated = sorted({c for c in normalised if normalised.count(c) > 1})
    for c in repeated:
        problems.add(name, 1, c, "kolonnen står flere ganger")
    if repeated:
        return None
    df = df.rename({c: c.strip().lower() for c in df.columns if c != LINE})
    keep = [c for c in df.columns if c != LINE and (wanted is None or c in wanted)]
    # Unknown columns are dropped at once; they are ignored by contract.
    df = df.select(*([LINE] if lines else []), *keep)
    # A file with no space byte at all needs no trimming (the byte scan is far cheaper than
    # checking every value).
    return _tidy(df, keep, padding=data.find(b" ", 0) >= 0)


def _tidy(df: pl.DataFrame, keep: list[str], *, padding: bool = True) -> pl.DataFrame:
    """Trim the columns that have padded values (empty becomes null) and drop blank lines.

    Trimming copies every string, so only columns that need it are trimmed (``padding`` False:
    none can). Blank lines arrive as all-null rows; they carry no data and are dropped. There
    can be none when some column has no nulls (a column's null count is known without a scan).
    """
    if not keep or df.height == 0:
        return df
    if padding:
        padded = df.select(
            (pl.col(c).str.starts_with(" ") | pl.col(c).str.ends_with(" ")).any().alias(c)
            for c in keep
        ).row(0)
        trim = [c for c, flag in zip(keep, padded, strict=True) if flag]
        if trim:
            df = df.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in trim)
    if all(df[c].null_count() for c in keep):
        blank = pl.all_horizontal(pl.col(c).is_null() for c in keep)
        if df.select(blank.any()).item():
            df = df.filter(~blank)
    return df


# How many lines a quoted value may span before the reader calls its quote never closed.
MAX_QUOTED_LINES = 100


def byte_lines(data: Data) -> Iterator[bytes]:
    """Yield the lines of a file's bytes (each with its line break), without copying it whole."""
    start, size = 0, len(data)
    while start < size:
        end = data.find(b"\n", start)
        end = size if end < 0 else end + 1
        yield bytes(data[start:end])
        start = end


def unparsable(
    name: str, lines: Iterable[bytes], separator: str, problems: _Problems, exc: Exception
) -> None:
    """Record where a file Polars cannot parse breaks the CSV rules, line by line.

    Run only once parsing has failed, so it may be slow: each line with a quote is read field
    by field (RFC 4180: a value is quoted whole, ``""`` inside quotes is a quote, and a quoted
    value may span lines). Finds values with a stray quote, quotes that are never closed
    (named at the line where the value starts) and rows with more values than the header has
    columns. When it finds nothing, Polars' own message is given.
    """
    found = 0

    def add(line: int, index: int | None, message: str) -> None:
        nonlocal found
        found += 1
        column = names[index] if index is not None and index < len(names) else None
        problems.add(name, line, column, message)

    numbered = enumerate(lines, 1)
    names: list[str] = []
    for number, raw in numbered:
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if number == 1:
            names = [
                c.strip().strip('"').strip().lower() for c in text.lstrip("\ufeff").split(separator)
            ]
            continue
        values = (
            text.count(separator) + 1
            if '"' not in text
            else _quoted_values(text, number, numbered, separator, add)
        )
        if values is not None and values > len(names) and text.strip():
            add(
                number,
                None,
                f"raden har {values} verdier, men overskriften har {len(names)} kolonner "
                "(et skilletegn for mye, eller et skilletegn i en verdi uten anførselstegn)",
            )
    if not found:
        problems.add(name, None, None, f"kan ikke tolkes som CSV ({_short(exc)})")


def _quoted_values(
    text: str,
    number: int,
    numbered: Iterator[tuple[int, bytes]],
    separator: str,
    add: Callable[[int, int | None, str], None],
) -> int | None:
    """Read one record that holds a quote; return its number of values, None after a fault.

    A quoted value that runs past the line break takes the next lines from ``numbered``.
    """
    first, field, pos = number, 0, 0
    while True:
        if pos < len(text) and text[pos] == '"':
            pos += 1
            while True:
                quote = text.find('"', pos)
                if quote < 0:
                    # A value over many lines is a quote never closed, not a long note: stop
                    # there rather than gather the rest of a national file into one string.
                    more = next(numbered, None) if number - first < MAX_QUOTED_LINES else None
                    if more is None:
                        add(first, field, "anførselstegnet rundt verdien lukkes aldri")
                        return None
                    number = more[0]
                    text += "\n" + more[1].decode("utf-8", errors="replace").rstrip("\r\n")
                    continue
                if text[quote + 1 : quote + 2] == '"':
                    pos = quote + 2
                    continue
                pos = quote + 1
                break
            if pos < len(text) and text[pos] != separator:
                add(number, field, "tegn etter anførselstegnet som avslutter verdien")
                return None
        else:
            end = text.find(separator, pos)
            end = len(text) if end < 0 else end
            if '"' in text[pos:end]:
                add(
                    number,
                    field,
                    "anførselstegn inne i en verdi (en verdi med anførselstegn "
                    "må stå i anførselstegn, og tegnet skrives dobbelt)",
                )
                return None
            pos = end
        if pos >= len(text):
            return field + 1
        pos += 1
        field += 1


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]


def _require(name: str, df: pl.DataFrame, columns: list[str], problems: _Problems) -> bool:
    missing = [c for c in columns if c not in df.columns]
    for c in missing:
        problems.add(name, 1, c, "påkrevd kolonne mangler")
    return not missing


Check = tuple[pl.Expr, str | None, str]


class _NeedLines(Exception):
    """Raised when a file read without line numbers has a problem to locate."""


def _run_checks(name: str, df: pl.DataFrame, checks: list[Check], problems: _Problems) -> None:
    """Count every check's failures in one parallel pass; list rows only for failing checks."""
    if not checks or df.height == 0:
        return
    counts = df.select(
        [bad.fill_null(False).sum().alias(f"c{i}") for i, (bad, _c, _m) in enumerate(checks)]
    ).row(0)
    if any(counts) and LINE not in df.columns:
        raise _NeedLines
    for (bad, column, message), count in zip(checks, counts, strict=True):
        if count:
            problems.add_rows(name, df, bad.fill_null(False), column, message)


def _not_null(columns: list[str]) -> list[Check]:
    return [(pl.col(c).is_null(), c, "verdi mangler") for c in columns]


def _parse_dates(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Add ``_d_<column>`` with the parsed date (null when absent or invalid).

    Without Polars' cache of distinct dates: for a fixed format, parsing every value measured
    about a third faster than looking each one up.
    """
    return df.with_columns(
        pl.col(c).str.to_date("%Y-%m-%d", strict=False, cache=False).alias(f"_d_{c}")
        for c in columns
    )


def _bad_date(column: str) -> Check:
    """Flag non-empty values that are not a real ISO date (YYYY-MM-DD, zero-padded)."""
    bad = pl.col(column).is_not_null() & (
        (pl.col(column).str.len_bytes() != 10) | pl.col(f"_d_{column}").is_null()
    )
    return (bad, column, "ugyldig dato «{value}» (forventer ÅÅÅÅ-MM-DD)")


def _read_meta(raw: Data | None, problems: _Problems) -> tuple[date | None, dict[str, object]]:
    if raw is None:
        problems.add("extract.json", None, None, "filen mangler")
        return None, {}
    try:
        meta = json.loads(bytes(raw).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add("extract.json", None, None, f"ugyldig JSON ({_short(exc)})")
        return None, {}
    if not isinstance(meta, dict):
        problems.add("extract.json", None, None, "forventer et JSON-objekt")
        return None, {}
    value = meta.get("extracted_at")
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value), meta
    except ValueError:
        problems.add("extract.json", None, "extracted_at", f"ugyldig dato «{value}»")
        return None, meta


def read_outcomes(
    data: Data, name: str = "outcomes.csv", problems: _Problems | None = None
) -> pl.DataFrame:
    """Read an outcomes file (``patient_id, acute_admission_12m`` as 0/1) into a typed frame."""
    own = problems is None
    problems = problems if problems is not None else _Problems()
    columns = ["patient_id", "acute_admission_12m"]
    df = _decode_csv(name, data, problems, columns)
    out = pl.DataFrame(schema={"patient_id": pl.String, "acute_admission_12m": pl.Int8})
    if df is not None and _require(name, df, columns, problems):
        before = len(problems.items) + problems.more
        checks = _not_null(columns)
        checks += [
            (
                pl.col("acute_admission_12m").is_not_null()
                & ~pl.col("acute_admission_12m").is_in(["0", "1"]),
                "acute_admission_12m",
                "ugyldig verdi «{value}» (forventer 0 eller 1)",
            ),
            (
                pl.col("patient_id").is_not_null() & ~pl.col("patient_id").is_first_distinct(),
                "patient_id",
                "pasienten «{value}» står flere ganger",
            ),
        ]
        _run_checks(name, df, checks, problems)
        if len(problems.items) + problems.more == before:
            out = df.select("patient_id", pl.col("acute_admission_12m").cast(pl.Int8))
    if own and problems:
        raise ExtractError(problems.items, problems.more)
    return out


def read_outcomes_file(path: Path) -> pl.DataFrame:
    """Read a standalone outcomes CSV file, raising ExtractError on any problem."""
    return read_outcomes(Path(path).read_bytes(), Path(path).name)


def read_extract(path: Path | str, *, limits: Limits | None = None) -> Extract:
    """Read, validate and type an extract; raise ExtractError on any problem.

    ``path`` is a folder or a zip of the CSV files, or FHIR R4 input: a Bundle (``.json``) or
    NDJSON files (``.ndjson``), alone, in a folder or in a zip, with an optional extract.json
    and outcomes.csv beside them. ``limits`` caps what a zip may expand to.
    """
    with _Source(Path(path), limits) as source:
        # FHIR when there is FHIR and no patients.csv: another .json beside the CSV files
        # (a manifest, say) does not turn a CSV extract into a FHIR one.
        if source.fhir and "patients.csv" not in source.names:
            return _read_fhir_extract(source)
        problems = _Problems()
        # One I/O thread reads the files in FILES order, so parsing patients.csv starts as soon
        # as it is in memory instead of after the whole extract; the same thread then hashes
        # them while Polars parses (file reads and hashlib both release the GIL).
        with ThreadPoolExecutor(max_workers=1) as io:
            loads = {name: io.submit(source.read, name) for name in FILES}
            hashing = io.submit(lambda: _input_sha256({n: f.result() for n, f in loads.items()}))
            extract = _read(loads, problems, source)
            sha256 = hashing.result()
        raws = {name: future.result() for name, future in loads.items()}
        sizes = {name: len(raw) for name, raw in raws.items() if isinstance(raw, bytes | mmap.mmap)}
        return _finish(extract, problems, sha256, sizes)


def _finish(
    extract: Extract | None, problems: _Problems, sha256: str, sizes: dict[str, int]
) -> Extract:
    """Raise every problem found, or return the extract with its hash and file sizes."""
    if problems:
        order = {name: i for i, name in enumerate(FILES)}
        problems.items.sort(key=lambda p: (order.get(p.file, -1), p.line or 0))
        raise ExtractError(problems.items, problems.more)
    assert extract is not None
    extract.sha256 = sha256
    extract.files = sizes
    return extract


def _read_fhir_extract(source: _Source) -> Extract:
    """Read FHIR resources into the same string tables as the CSV files and check them alike."""
    problems = _Problems()
    contents = {name: path.read_bytes() for name, path in source.fhir}
    tables, extracted_at, found = fhir_mod.read_resources(contents)
    if found:
        raise ExtractError(
            [Problem(f, None, element, message, entry) for f, entry, element, message in found]
        )
    meta_raw = source.read("extract.json")
    if meta_raw is None and extracted_at is not None:
        meta_raw = json.dumps({"extracted_at": extracted_at, "source": "FHIR"}).encode()
    done: dict[str, Future[Data | pl.DataFrame | None]] = {}
    for name in FILES:
        future: Future[Data | pl.DataFrame | None] = Future()
        if name == "extract.json":
            future.set_result(meta_raw)
        elif name == "outcomes.csv":
            future.set_result(source.read(name))
        else:
            future.set_result(tables[name])
        done[name] = future
    extract = _read(done, problems, source)
    digest = hashlib.sha256()
    for name, data in sorted(contents.items()):
        digest.update(name.encode() + b"\0" + len(data).to_bytes(8, "big"))
        digest.update(data)
    outcomes_raw = source.read("outcomes.csv")
    for name, raw in (
        ("extract.json", source.read("extract.json")),
        ("outcomes.csv", outcomes_raw),
    ):
        if raw is not None:
            digest.update(name.encode() + b"\0" + len(raw).to_bytes(8, "big"))
            digest.update(raw)
    result = _finish(
        extract, problems, digest.hexdigest(), {n: len(d) for n, d in contents.items()}
    )
    result.format = "fhir"
    return result


def _input_sha256(raws: dict[str, Data | None]) -> str:
    """Hash each present file's name, length and bytes, in the fixed FILES order."""
    digest = hashlib.sha256()
    for name, raw in raws.items():
        if isinstance(raw, bytes | mmap.mmap):
            digest.update(name.encode() + b"\0" + len(raw).to_bytes(8, "big"))
            digest.update(raw)
    return digest.hexdigest()


def _read(
    loads: dict[str, Future[Data | pl.DataFrame | None]] | dict[str, Future[Data | None]],
    problems: _Problems,
    source: _Source | _Frames,
) -> Extract | None:
    """Parse and validate every file as it arrives, collecting problems; None if there are any."""
    meta_raw = loads["extract.json"].result()
    assert not isinstance(meta_raw, pl.DataFrame)
    extracted_at, meta = _read_meta(meta_raw, problems)

    # The event files are independent: read them in parallel threads (Polars releases the
    # GIL), each collecting its own problems, merged afterwards in file order. They start at
    # once and wait for the patient ids only to join them, so patients.csv is checked while
    # they are parsed.
    ids_ready: Future[pl.DataFrame] = Future()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(
                _read_table, name, loads[name], required, ids_ready, source.file_path(name)
            )
            for name, required in _TABLE_COLUMNS.items()
        }
        patients = pl.DataFrame()
        ids = pl.DataFrame(schema={"patient_id": pl.String, "pidx": pl.UInt32})
        try:
            patients, ids = _read_patients(loads["patients.csv"], extracted_at, problems, source)
        finally:
            ids_ready.set_result(ids)
        tables: dict[str, pl.DataFrame] = {}
        for name, future in futures.items():
            table, found = future.result()
            tables[name] = table
            for p in found.items:
                if len(problems.items) < MAX_PROBLEMS:
                    problems.items.append(p)
                else:
                    problems.more += 1
            problems.more += found.more
            problems.unknown.add(found.unknown)

    outcomes = None
    raw = loads["outcomes.csv"].result()
    if raw is not None and not isinstance(raw, pl.DataFrame):
        outcomes = read_outcomes(raw, "outcomes.csv", problems)

    if problems or extracted_at is None:
        return None
    return Extract(
        extracted_at=extracted_at,
        meta=meta,
        patients=patients,
        diagnoses=tables["diagnoses.csv"],
        medications=tables["medications.csv"],
        contacts=tables["contacts.csv"],
        hospital_stays=tables["hospital_stays.csv"],
        outcomes=outcomes,
        sha256="",
        unknown_codes=problems.unknown,
    )


def _read_patients(
    load: Future[Data | pl.DataFrame | None] | Future[Data | None],
    extracted_at: date | None,
    problems: _Problems,
    source: _Source | _Frames,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read and check patients.csv; return the patients and their ids with ``pidx``."""
    name = "patients.csv"
    patients = pl.DataFrame()
    ids = pl.DataFrame(schema={"patient_id": pl.String, "pidx": pl.UInt32})
    raw = load.result()
    if raw is None:
        problems.add(name, None, None, "filen mangler")
        return patients, ids
    if isinstance(raw, pl.DataFrame):
        df: pl.DataFrame | None = raw
    else:
        df = _decode_csv(name, raw, problems, PATIENT_COLUMNS, path=source.file_path(name))
    if df is None:
        return patients, ids
    ok = _require(name, df, ["patient_id", "sex", "gp_id"], problems)
    if "birth_date" not in df.columns and "birth_year" not in df.columns:
        problems.add(name, 1, "birth_date", "påkrevd kolonne mangler (eller birth_year)")
        ok = False
    if ok:
        patients = _validate_patients(name, df, extracted_at, problems)
        ids = patients.select("patient_id", "pidx")
        if problems:
            # Duplicate ids would multiply event rows in the join, and their problems.
            ids = ids.filter(pl.col("patient_id").is_first_distinct())
    return patients, ids


def _read_table(
    name: str,
    load: Future[Data | pl.DataFrame | None] | Future[Data | None],
    required: list[str],
    ids: Future[pl.DataFrame],
    path: Path | None = None,
) -> tuple[pl.DataFrame, _Problems]:
    """Parse and validate one event file against the patient ids, once it has been read.

    The file is first read without line numbers; only a file with a problem is read again
    with them, to say where each problem is.
    """
    raw = load.result()
    try:
        return _read_table_once(name, raw, required, ids, lines=False, path=path)
    except _NeedLines:
        return _read_table_once(name, raw, required, ids, lines=True, path=path)


def _read_table_once(
    name: str,
    raw: Data | pl.DataFrame | None,
    required: list[str],
    ids: Future[pl.DataFrame],
    *,
    lines: bool,
    path: Path | None = None,
) -> tuple[pl.DataFrame, _Problems]:
    problems = _Problems()
    if isinstance(raw, pl.DataFrame):
        df: pl.DataFrame | None = raw
    elif raw is None:
        df = None
    else:
        df = _decode_csv(name, raw, problems, required, lines=lines, path=path)
    if df is None or not _require(name, df, required, problems):
        return _empty(name), problems
    # Type and check the columns first, then join only the typed result to the patients:
    # a join carries every column along, and typed columns are far cheaper to carry.
    checks = _not_null([c for c in required if c != "discharged"])
    df, typed = _TYPERS[name](df, checks)
    _run_checks(name, df, checks, problems)
    # Keeping the file's order makes "the last row" mean the last in the file.
    carried = [c for c in (LINE, SOURCE, ENTRY, UNKNOWN) if c in df.columns]
    df = df.select("patient_id", *carried, *typed).join(
        ids.result(), on="patient_id", how="left", maintain_order="left"
    )
    unknown = (
        pl.col("patient_id").is_not_null() & pl.col("pidx").is_null(),
        "patient_id",
        "ukjent pasient «{value}» (finnes ikke i patients.csv)",
    )
    _run_checks(name, df, [unknown], problems)
    if UNKNOWN in df.columns:
        df = _set_aside_unknown(name, df, problems)
    return df.select("pidx", *[c.meta.output_name() for c in typed]), problems


def _set_aside_unknown(name: str, df: pl.DataFrame, problems: _Problems) -> pl.DataFrame:
    """Count and list the rows whose code is well-formed but unknown, and drop them."""
    hits = df.filter(pl.col(UNKNOWN))
    if hits.height == 0:
        return df.drop(UNKNOWN)
    if LINE not in df.columns:
        raise _NeedLines
    column = "atc" if name == "medications.csv" else "code"
    fhir = ENTRY in df.columns
    cols = [LINE, column, *([SOURCE, ENTRY] if fhir else [])]
    found = UnknownCodes(count=hits.height, by_file={name: hits.height})
    for row in hits.head(MAX_UNKNOWN_EXAMPLES).select(cols).iter_rows(named=True):
        code = str(row[column])
        if fhir:
            element = FHIR_ELEMENTS.get((name, column), column)
            found.examples.append(UnknownCode(row[SOURCE], None, element, code, row[ENTRY]))
        else:
            found.examples.append(UnknownCode(name, int(row[LINE]), column, code))
    if fhir:
        found.by_file = {}
        for source_name, n in hits.group_by(SOURCE).len().iter_rows():
            found.by_file[source_name] = n
    problems.unknown.add(found)
    return df.filter(~pl.col(UNKNOWN)).drop(UNKNOWN)


def _validate_patients(
    name: str, df: pl.DataFrame, extracted_at: date | None, problems: _Problems
) -> pl.DataFrame:
    for column in ("national_id", "birth_date", "birth_year", "given_name", "family_name"):
        if column not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(column))
    df = _parse_dates(df, ["birth_date"])
    year = pl.col("birth_year").cast(pl.Int32, strict=False)
    max_year = extracted_at.year if extracted_at else 9999
    checks = _not_null(["patient_id", "sex", "gp_id"])
    checks += [
        (
            pl.col("patient_id").is_not_null() & ~pl.col("patient_id").is_first_distinct(),
            "patient_id",
            "pasienten «{value}» står flere ganger",
        ),
        (
            pl.col("patient_id").str.len_chars() > MAX_PATIENT_ID,
            "patient_id",
            f"pasient-id er lengre enn {MAX_PATIENT_ID} tegn",
        ),
        *[
            (
                pl.col(c).str.len_chars() > MAX_NAME,
                c,
                f"navnet er lengre enn {MAX_NAME} tegn",
            )
            for c in ("given_name", "family_name")
        ],
        (
            pl.col("sex").is_not_null() & ~pl.col("sex").is_in(["F", "M", "U"]),
            "sex",
            "ugyldig kjønn «{value}» (forventer F, M eller U)",
        ),
        (
            pl.col("national_id").is_not_null()
            & ~pl.col("national_id").str.contains(NATIONAL_ID_PATTERN),
            "national_id",
            "fødselsnummer «{value}» har ikke 11 sifre",
        ),
        _bad_date("birth_date"),
        (
            pl.col("birth_year").is_not_null()
            & (
                ~pl.col("birth_year").str.contains(r"^[0-9]{4}$")
                | (year < 1880)
                | (year > max_year)
            ),
            "birth_year",
            "ugyldig fødselsår «{value}»",
        ),
        (
            pl.col("birth_date").is_null() & pl.col("birth_year").is_null(),
            "birth_date" if "birth_date" in df.columns else "birth_year",
            "fødselsdato mangler (birth_date eller birth_year)",
        ),
    ]
    if extracted_at is not None:
        checks.append(
            (
                pl.col("_d_birth_date") > pl.lit(extracted_at),
                "birth_date",
                "fødselsdato «{value}» er etter extracted_at",
            )
        )
    _run_checks(name, df, checks, problems)
    return df.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx"),
        "patient_id",
        "national_id",
        pl.col("_d_birth_date").alias("birth_date"),
        pl.coalesce(pl.col("_d_birth_date").dt.year(), year).cast(pl.Int32).alias("birth_year"),
        "sex",
        "gp_id",
        "given_name",
        "family_name",
        pl.col(LINE),
    )


def _normalise_codes(
    df: pl.DataFrame, column: str, system: str | None = None
) -> tuple[pl.DataFrame, pl.Expr | None]:
    """Normalise a code column on its distinct values and mark malformed and unknown codes.

    Codes repeat: a million patients' prescriptions use a few thousand ATC codes. So the column
    becomes a Categorical (each value hashed once), and each distinct value (or distinct
    (``system``, code) pair) is normalised and classified once by codes.py. When every code is
    known and already written as normalised (the common case) the frame is returned as it is.
    Otherwise the normalised code replaces the written one, a boolean ``_unknown`` column marks
    well-formed codes outside the reference tables, and the returned expression marks malformed
    ones (None when there are none). A malformed code keeps its written form for the message.
    """
    df = df.with_columns(pl.col(column).cast(pl.Categorical))
    keys = [column] if system is None else [system, column]
    distinct = (
        df.select(keys).unique().drop_nulls().with_columns(pl.col(k).cast(pl.String) for k in keys)
    )
    mapped: dict[str, list[object]] = {k: [] for k in [*keys, "_norm", "_status"]}
    clean = True
    for row in distinct.iter_rows():
        written = str(row[-1])
        if system is None:
            norm, status = codes.atc(written)
        else:
            norm, status = codes.BY_SYSTEM[str(row[0])](written)
        if status == codes.Status.MALFORMED:
            norm = written
        clean = clean and status == codes.Status.KNOWN and norm == written
        for k, value in zip(keys, row, strict=True):
            mapped[k].append(value)
        mapped["_norm"].append(norm)
        mapped["_status"].append(int(status))
    if clean:
        return df, None
    table = pl.DataFrame(
        mapped,
        schema={**{k: pl.String for k in keys}, "_norm": pl.String, "_status": pl.Int8},
    )
    if system is not None:
        table = table.with_columns(pl.col(system).cast(df.schema[system]))
    df = (
        df.with_columns(pl.col(column).cast(pl.String))
        .join(table, on=keys, how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_norm", column).cast(pl.Categorical).alias(column),
            (pl.col("_status") == int(codes.Status.UNKNOWN)).fill_null(False).alias(UNKNOWN),
        )
    )
    malformed = pl.col("_status") == int(codes.Status.MALFORMED)
    has_malformed = int(codes.Status.MALFORMED) in mapped["_status"]
    return df.drop("_norm"), malformed if has_malformed else None


# Each typer adds typed columns to a file's frame and its checks to ``checks``, and returns
# the frame and the expressions of the table's columns besides pidx.
Typed = tuple[pl.DataFrame, list[pl.Expr]]


def _type_diagnoses(df: pl.DataFrame, checks: list[Check]) -> Typed:
    system = pl.col("system").cast(pl.Enum(SYSTEMS), strict=False)
    df = _parse_dates(df, ["date"]).with_columns(system.alias("_system"))
    df, malformed = _normalise_codes(df, "code", "_system")
    checks += [
        _bad_date("date"),
        (
            pl.col("system").is_not_null() & pl.col("_system").is_null(),
            "system",
            "ukjent kodeverk «{value}» (forventer ICPC-2 eller ICD-10)",
        ),
    ]
    if malformed is not None:
        checks.append((malformed, "code", "koden «{value}» har feil form for kodeverket"))
    return df, [
        pl.col("_d_date").alias("date"),
        pl.col("_system").alias("system"),
        pl.col("code"),
    ]


def _type_medications(df: pl.DataFrame, checks: list[Check]) -> Typed:
    df, malformed = _normalise_codes(_parse_dates(df, ["date"]), "atc")
    checks.append(_bad_date("date"))
    if malformed is not None:
        checks.append(
            (
                malformed,
                "atc",
                "ATC-koden «{value}» har feil form (forventer f.eks. C03CA01, A12AX eller N02)",
            )
        )
    return df, [pl.col("_d_date").alias("date"), pl.col("atc")]


def _type_contacts(df: pl.DataFrame, checks: list[Check]) -> Typed:
    # An Enum of the contact kinds: its integer is the kind's place in CONTACT_KINDS.
    kind = pl.col("kind").cast(pl.Enum(CONTACT_KINDS), strict=False)
    df = _parse_dates(df, ["date"]).with_columns(kind.alias("_kind"))
    checks += [
        _bad_date("date"),
        (
            pl.col("kind").is_not_null() & pl.col("_kind").is_null(),
            "kind",
            "ukjent kontakttype «{value}»",
        ),
    ]
    return df, [pl.col("_d_date").alias("date"), pl.col("_kind").alias("kind")]


def _type_stays(df: pl.DataFrame, checks: list[Check]) -> Typed:
    df = _parse_dates(df, ["admitted", "discharged"])
    # Excel upper-cases booleans, so TRUE/FALSE are accepted as well.
    acute = pl.col("acute").str.to_lowercase()
    checks += [
        _bad_date("admitted"),
        _bad_date("discharged"),
        (
            pl.col("acute").is_not_null() & ~acute.is_in(["true", "false"]),
            "acute",
            "ugyldig verdi «{value}» (forventer true eller false)",
        ),
        (
            pl.col("_d_discharged") < pl.col("_d_admitted"),
            "discharged",
            "utskrevet «{value}» før innlagt",
        ),
    ]
    return df, [
        pl.col("_d_admitted").alias("admitted"),
        pl.col("_d_discharged").alias("discharged"),
        (acute == "true").alias("acute"),
    ]


_TABLE_COLUMNS = {
    "diagnoses.csv": ["patient_id", "date", "system", "code"],
    "medications.csv": ["patient_id", "date", "atc"],
    "contacts.csv": ["patient_id", "date", "kind"],
    "hospital_stays.csv": ["patient_id", "admitted", "discharged", "acute"],
}

TABLE_COLUMNS = _TABLE_COLUMNS


class _Frames:
    """Stand in for a source whose tables arrive decoded (FHIR, partitions): no file paths."""

    def file_path(self, name: str) -> Path | None:
        return None


_TYPERS = {
    "diagnoses.csv": _type_diagnoses,
    "medications.csv": _type_medications,
    "contacts.csv": _type_contacts,
    "hospital_stays.csv": _type_stays,
}


def _empty(name: str) -> pl.DataFrame:
    """Return the typed empty table used when an optional file is absent."""
    schemas: dict[str, dict[str, pl.DataType]] = {
        "diagnoses.csv": {
            "pidx": pl.UInt32(),
            "date": pl.Date(),
            "system": pl.Enum(SYSTEMS),
            "code": pl.Categorical(),
        },
        "medications.csv": {"pidx": pl.UInt32(), "date": pl.Date(), "atc": pl.Categorical()},
        "contacts.csv": {"pidx": pl.UInt32(), "date": pl.Date(), "kind": pl.Enum(CONTACT_KINDS)},
        "hospital_stays.csv": {
            "pidx": pl.UInt32(),
            "admitted": pl.Date(),
            "discharged": pl.Date(),
            "acute": pl.Boolean(),
        },
    }
    return pl.DataFrame(schema=schemas[name])
