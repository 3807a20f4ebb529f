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
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

MAX_PROBLEMS = 200
LINE = "_line"
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

# Code plausibility. We check the *shape* of a code, not membership of the full code lists (those
# are licensed and large, and a code we do not map to a feature is simply ignored). A code is
# "unknown" when it cannot belong to its system at all:
#   ICPC-2: a chapter letter (A B D F H K L N P R S T U W X Y Z), two digits, optionally a
#           national extension after "." or "-" (e.g. "K77", "T90", "K86.01", "A98-1").
#   ICD-10: a letter, two digits, optionally one or two digits after an optional dot
#           ("I50", "I50.9", "I509", "F32.10"); a trailing WHO asterisk/dagger mark is not allowed.
#   ATC:    a full 7-character substance code: anatomical group letter (A B C D G H J L M N P R S
#           V), two digits, two letters, two digits (e.g. "C03CA01").
ICPC2_PATTERN = r"^[ABDFHKLNPRSTUWXYZ][0-9]{2}([.-][0-9A-Z]{1,3})?$"
ICD10_PATTERN = r"^[A-Z][0-9]{2}(\.?[0-9]{1,2})?$"
ATC_PATTERN = r"^[ABCDGHJLMNPRSV][0-9]{2}[A-Z]{2}[0-9]{2}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NATIONAL_ID_PATTERN = r"^[0-9]{11}$"

PATIENT_COLUMNS = ["patient_id", "national_id", "birth_date", "birth_year", "sex", "gp_id"]
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
    """One validation problem, located by file, 1-based line (header = 1) and column."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"linje {self.line}")
        if self.column is not None:
            where.append(f"kolonne {self.column}")
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


class _Problems:
    """Collect problems up to a cap and count the rest."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.more = 0

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, line, column, message))
        else:
            self.more += 1

    def add_rows(
        self, file: str, df: pl.DataFrame, bad: pl.Expr, column: str | None, message: str
    ) -> int:
        """Record one problem per row where ``bad`` holds; format ``message`` with the value."""
        hits = df.filter(bad)
        n = hits.height
        room = max(MAX_PROBLEMS - len(self.items), 0)
        cols = [LINE] + ([column] if column is not None and column in df.columns else [])
        for row in hits.head(room).select(cols).iter_rows():
            value = row[1] if len(row) > 1 else None
            self.add(file, int(row[0]), column, message.format(value=value))
        self.more += max(n - room, 0)
        return n

    def __bool__(self) -> bool:
        return bool(self.items)


# A national extract of 5.5 million patients stays well under these limits.
MAX_UNZIPPED_BYTES = 20 * 1024**3
MAX_ZIP_RATIO = 200


class _Source:
    """Give uniform access to the files of a folder or a zip archive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.names: dict[str, str] = {}
        if path.is_file() and zipfile.is_zipfile(path):
            self.zip: zipfile.ZipFile | None = zipfile.ZipFile(path)
            # Accept files at the top level or inside one folder, as "Send to zip" makes.
            for info in self.zip.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if base in FILES and not info.is_dir() and "__MACOSX" not in info.filename:
                    # Refuse archives that expand far beyond any real export (zip bombs).
                    if info.file_size > MAX_UNZIPPED_BYTES or (
                        info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO
                    ):
                        raise ExtractError(
                            [Problem(base, None, None, "filen i zip-filen er urimelig stor")]
                        )
                    if base in self.names:
                        raise ExtractError(
                            [Problem(base, None, None, "filen finnes flere steder i zip-filen")]
                        )
                    self.names[base] = info.filename
        elif path.is_dir():
            self.zip = None
            for name in FILES:
                if (path / name).is_file():
                    self.names[name] = str(path / name)
        else:
            raise ExtractError(
                [Problem(str(path), None, None, "finner verken mappe eller zip-fil")]
            )

    def read(self, name: str) -> Data | None:
        """Return a file's bytes: read from a zip, or mapped from a folder without a copy."""
        if name not in self.names:
            return None
        if self.zip is not None:
            return self.zip.read(self.names[name])
        with open(self.names[name], "rb") as file:
            if os.fstat(file.fileno()).st_size == 0:
                return b""
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)

    def file_path(self, name: str) -> Path | None:
        """Return the path Polars can parse a folder's file from (None inside a zip)."""
        return Path(self.names[name]) if self.zip is None and name in self.names else None


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
            problems.add(name, None, None, f"kan ikke tolkes som CSV ({_short(exc)})")
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
            problems.add(name, None, None, f"kan ikke tolkes som CSV ({_short(exc2)})")
            return None
    except pl.exceptions.PolarsError as exc:
        problems.add(name, None, None, f"kan ikke tolkes som CSV ({_short(exc)})")
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
    if not keep or df.height == 0:
        return df
    # Trimming copies every string, so only columns that need it are trimmed; a file with no
    # space at all needs no look (the byte scan is far cheaper than checking every value).
    if data.find(b" ", 0) >= 0:
        padded = df.select(
            (pl.col(c).str.starts_with(" ") | pl.col(c).str.ends_with(" ")).any().alias(c)
            for c in keep
        ).row(0)
        trim = [c for c, flag in zip(keep, padded, strict=True) if flag]
        if trim:
            df = df.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in trim)
    # Blank lines arrive as all-null rows; they carry no data and are dropped. There can be
    # none when some column has no nulls (a column's null count is known without a scan).
    if all(df[c].null_count() for c in keep):
        blank = pl.all_horizontal(pl.col(c).is_null() for c in keep)
        if df.select(blank.any()).item():
            df = df.filter(~blank)
    return df


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


def read_extract(path: Path | str) -> Extract:
    """Read, validate and type an extract folder or zip; raise ExtractError on any problem."""
    source = _Source(Path(path))
    problems = _Problems()
    # One I/O thread reads the files in FILES order, so parsing patients.csv starts as soon as
    # it is in memory instead of after the whole extract; the same thread then hashes them
    # while Polars parses (file reads and hashlib both release the GIL).
    with ThreadPoolExecutor(max_workers=1) as io:
        loads = {name: io.submit(source.read, name) for name in FILES}
        hashing = io.submit(lambda: _input_sha256({n: f.result() for n, f in loads.items()}))
        extract = _read(loads, problems, source)
        sha256 = hashing.result()
    raws = {name: future.result() for name, future in loads.items()}
    sizes = {name: len(raw) for name, raw in raws.items() if raw is not None}
    if problems:
        order = {name: i for i, name in enumerate(FILES)}
        problems.items.sort(key=lambda p: (order.get(p.file, -1), p.line or 0))
        raise ExtractError(problems.items, problems.more)
    assert extract is not None
    extract.sha256 = sha256
    extract.files = sizes
    return extract


def _input_sha256(raws: dict[str, Data | None]) -> str:
    """Hash each present file's name, length and bytes, in the fixed FILES order."""
    digest = hashlib.sha256()
    for name, raw in raws.items():
        if raw is not None:
            digest.update(name.encode() + b"\0" + len(raw).to_bytes(8, "big"))
            digest.update(raw)
    return digest.hexdigest()


def _read(
    loads: dict[str, Future[Data | None]], problems: _Problems, source: _Source
) -> Extract | None:
    """Parse and validate every file as it arrives, collecting problems; None if there are any."""
    extracted_at, meta = _read_meta(loads["extract.json"].result(), problems)

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
                problems.add(p.file, p.line, p.column, p.message)
            problems.more += found.more

    outcomes = None
    raw = loads["outcomes.csv"].result()
    if raw is not None:
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
    )


def _read_patients(
    load: Future[Data | None], extracted_at: date | None, problems: _Problems, source: _Source
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read and check patients.csv; return the patients and their ids with ``pidx``."""
    name = "patients.csv"
    patients = pl.DataFrame()
    ids = pl.DataFrame(schema={"patient_id": pl.String, "pidx": pl.UInt32})
    raw = load.result()
    if raw is None:
        problems.add(name, None, None, "filen mangler")
        return patients, ids
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
    load: Future[Data | None],
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
    raw: Data | None,
    required: list[str],
    ids: Future[pl.DataFrame],
    *,
    lines: bool,
    path: Path | None = None,
) -> tuple[pl.DataFrame, _Problems]:
    problems = _Problems()
    df = None if raw is None else _decode_csv(name, raw, problems, required, lines=lines, path=path)
    if df is None or not _require(name, df, required, problems):
        return _empty(name), problems
    # Type and check the columns first, then join only the typed result to the patients:
    # a join carries every column along, and typed columns are far cheaper to carry.
    checks = _not_null([c for c in required if c != "discharged"])
    df, typed = _TYPERS[name](df, checks)
    _run_checks(name, df, checks, problems)
    # Keeping the file's order makes "the last row" mean the last in the file.
    df = df.select("patient_id", *([LINE] if lines else []), *typed).join(
        ids.result(), on="patient_id", how="left", maintain_order="left"
    )
    unknown = (
        pl.col("patient_id").is_not_null() & pl.col("pidx").is_null(),
        "patient_id",
        "ukjent pasient «{value}» (finnes ikke i patients.csv)",
    )
    _run_checks(name, df, [unknown], problems)
    return df.select("pidx", *[c.meta.output_name() for c in typed]), problems


def _validate_patients(
    name: str, df: pl.DataFrame, extracted_at: date | None, problems: _Problems
) -> pl.DataFrame:
    for column in ("national_id", "birth_date", "birth_year"):
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
        pl.col(LINE),
    )


def _code_check(
    df: pl.DataFrame, column: str, bad: pl.Expr, system: str | None = None
) -> tuple[pl.DataFrame, pl.Expr | None]:
    """Validate a code column on its distinct values; upper-case it unless it is clean as written.

    Codes repeat: a million patients' prescriptions use a few thousand ATC codes. So the column
    becomes a Categorical (each value hashed once), and ``bad`` is evaluated on the distinct
    values only: of ``column``, or of (``system``, ``column``) pairs when the rule depends on
    the code system. Returns the frame, with the code as a Categorical, and the expression that
    marks bad rows when some distinct value is bad (None when every code is good).
    """
    df = df.with_columns(pl.col(column).cast(pl.Categorical))
    distinct = _distinct(df, column, system)
    if not distinct.select(bad.fill_null(False).any()).item():
        return df, None
    df = df.with_columns(pl.col(column).cast(pl.String).str.to_uppercase().cast(pl.Categorical))
    wrong = _distinct(df, column, system).filter(bad.fill_null(False))
    if wrong.height == 0:
        return df, None
    keys = [column] if system is None else [system, column]
    marked = pl.struct(pl.col(k).cast(pl.String) for k in keys).is_in(
        wrong.select(pl.struct(keys)).to_series().implode()
    )
    return df, marked


def _distinct(df: pl.DataFrame, column: str, system: str | None) -> pl.DataFrame:
    """Return the distinct non-null (``system``,) ``column`` values as strings."""
    keys = [column] if system is None else [system, column]
    return (
        df.select(keys).unique().drop_nulls().with_columns(pl.col(k).cast(pl.String) for k in keys)
    )


# Each typer adds typed columns to a file's frame and its checks to ``checks``, and returns
# the frame and the expressions of the table's columns besides pidx.
Typed = tuple[pl.DataFrame, list[pl.Expr]]


def _type_diagnoses(df: pl.DataFrame, checks: list[Check]) -> Typed:
    bad_code = pl.col("code").is_not_null() & (
        ((pl.col("_system") == "ICPC-2") & ~pl.col("code").str.contains(ICPC2_PATTERN))
        | ((pl.col("_system") == "ICD-10") & ~pl.col("code").str.contains(ICD10_PATTERN))
    )
    system = pl.col("system").cast(pl.Enum(SYSTEMS), strict=False)
    df = _parse_dates(df, ["date"]).with_columns(system.alias("_system"))
    df, code_check = _code_check(df, "code", bad_code, "_system")
    checks += [
        _bad_date("date"),
        (
            pl.col("system").is_not_null() & pl.col("_system").is_null(),
            "system",
            "ukjent kodeverk «{value}» (forventer ICPC-2 eller ICD-10)",
        ),
    ]
    if code_check is not None:
        checks.append((code_check, "code", "ukjent kode «{value}» for kodeverket"))
    return df, [
        pl.col("_d_date").alias("date"),
        pl.col("_system").alias("system"),
        pl.col("code"),
    ]


def _type_medications(df: pl.DataFrame, checks: list[Check]) -> Typed:
    bad_atc = pl.col("atc").is_not_null() & ~pl.col("atc").str.contains(ATC_PATTERN)
    df, atc_check = _code_check(_parse_dates(df, ["date"]), "atc", bad_atc)
    checks.append(_bad_date("date"))
    if atc_check is not None:
        checks.append(
            (atc_check, "atc", "ukjent ATC-kode «{value}» (forventer 7 tegn som C03CA01)")
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
