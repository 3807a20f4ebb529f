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
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

MAX_PROBLEMS = 200
LINE = "_line"

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
    patient still admitted at ``extracted_at``.
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

    def read(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        if self.zip is not None:
            return self.zip.read(self.names[name])
        return Path(self.names[name]).read_bytes()


def _decode_csv(name: str, data: bytes, problems: _Problems) -> pl.DataFrame | None:
    """Parse CSV bytes as all-string columns with a 1-based line column; sniff separator."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    header_end = data.find(b"\n")
    header = data if header_end < 0 else data[:header_end]
    if not header.strip():
        problems.add(name, 1, None, "mangler overskriftsrad")
        return None
    separator = ";" if header.count(b";") > header.count(b",") else ","

    def parse(raw: bytes) -> pl.DataFrame:
        return pl.read_csv(
            raw,
            separator=separator,
            infer_schema=False,
            row_index_name=LINE,
            row_index_offset=2,
            truncate_ragged_lines=False,
        )

    try:
        df = parse(data)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower() and "utf8" not in str(exc).lower():
            problems.add(name, None, None, f"kan ikke tolkes som CSV ({_short(exc)})")
            return None
        # Not UTF-8: Norwegian Excel writes Windows-1252. Re-encode and parse again.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as dec:
            line = data[: dec.start].count(b"\n") + 1
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
    df = df.rename({c: c.strip().lower() for c in df.columns if c != LINE})
    value_cols = [c for c in df.columns if c != LINE]
    df = df.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in value_cols)
    # Blank lines arrive as all-null rows; they carry no data and are dropped.
    return df.filter(~pl.all_horizontal(pl.col(c).is_null() for c in value_cols))


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]


def _require(name: str, df: pl.DataFrame, columns: list[str], problems: _Problems) -> bool:
    missing = [c for c in columns if c not in df.columns]
    for c in missing:
        problems.add(name, 1, c, "påkrevd kolonne mangler")
    return not missing


def _not_null(name: str, df: pl.DataFrame, columns: list[str], problems: _Problems) -> None:
    for c in columns:
        problems.add_rows(name, df, pl.col(c).is_null(), c, "verdi mangler")


def _date_expr(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y-%m-%d", strict=False)


def _bad_date(column: str) -> pl.Expr:
    """Flag non-empty values that are not a real ISO date."""
    return pl.col(column).is_not_null() & (
        ~pl.col(column).str.contains(DATE_PATTERN) | _date_expr(column).is_null()
    )


def _check_dates(name: str, df: pl.DataFrame, column: str, problems: _Problems) -> None:
    problems.add_rows(
        name, df, _bad_date(column), column, "ugyldig dato «{value}» (forventer ÅÅÅÅ-MM-DD)"
    )


def _read_meta(source: _Source, problems: _Problems) -> tuple[date | None, dict[str, object]]:
    raw = source.read("extract.json")
    if raw is None:
        problems.add("extract.json", None, None, "filen mangler")
        return None, {}
    try:
        meta = json.loads(raw.decode("utf-8-sig"))
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


def _attach_pidx(
    name: str, df: pl.DataFrame, ids: pl.DataFrame, problems: _Problems
) -> pl.DataFrame:
    """Join the patient index and report rows whose patient_id is not in patients.csv."""
    df = df.join(ids, on="patient_id", how="left")
    problems.add_rows(
        name,
        df,
        pl.col("patient_id").is_not_null() & pl.col("pidx").is_null(),
        "patient_id",
        "ukjent pasient «{value}» (finnes ikke i patients.csv)",
    )
    return df


def read_outcomes(
    data: bytes, name: str = "outcomes.csv", problems: _Problems | None = None
) -> pl.DataFrame:
    """Read an outcomes file (``patient_id, acute_admission_12m`` as 0/1) into a typed frame."""
    own = problems is None
    problems = problems if problems is not None else _Problems()
    df = _decode_csv(name, data, problems)
    out = pl.DataFrame(schema={"patient_id": pl.String, "acute_admission_12m": pl.Int8})
    if df is not None and _require(name, df, ["patient_id", "acute_admission_12m"], problems):
        _not_null(name, df, ["patient_id", "acute_admission_12m"], problems)
        problems.add_rows(
            name,
            df,
            pl.col("acute_admission_12m").is_not_null()
            & ~pl.col("acute_admission_12m").is_in(["0", "1"]),
            "acute_admission_12m",
            "ugyldig verdi «{value}» (forventer 0 eller 1)",
        )
        problems.add_rows(
            name,
            df,
            pl.col("patient_id").is_not_null() & ~pl.col("patient_id").is_first_distinct(),
            "patient_id",
            "pasienten «{value}» står flere ganger",
        )
        if not problems:
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
    digest = hashlib.sha256()
    sizes: dict[str, int] = {}
    raws: dict[str, bytes | None] = {}
    for name in FILES:
        raw = source.read(name)
        raws[name] = raw
        if raw is not None:
            # The input hash covers each file's name and bytes, in a fixed order.
            digest.update(name.encode() + b"\0" + len(raw).to_bytes(8, "big"))
            digest.update(raw)
            sizes[name] = len(raw)

    extracted_at, meta = _read_meta(source, problems)

    # patients.csv
    patients = pl.DataFrame()
    ids = pl.DataFrame(schema={"patient_id": pl.String, "pidx": pl.UInt32})
    raw = raws["patients.csv"]
    if raw is None:
        problems.add("patients.csv", None, None, "filen mangler")
    else:
        name = "patients.csv"
        df = _decode_csv(name, raw, problems)
        if df is not None:
            ok = _require(name, df, ["patient_id", "sex", "gp_id"], problems)
            if "birth_date" not in df.columns and "birth_year" not in df.columns:
                problems.add(name, 1, "birth_date", "påkrevd kolonne mangler (eller birth_year)")
                ok = False
            if ok:
                patients = _validate_patients(name, df, extracted_at, problems)
                ids = patients.select("patient_id", "pidx")

    tables: dict[str, pl.DataFrame] = {}
    specs = {
        "diagnoses.csv": ["patient_id", "date", "system", "code"],
        "medications.csv": ["patient_id", "date", "atc"],
        "contacts.csv": ["patient_id", "date", "kind"],
        "hospital_stays.csv": ["patient_id", "admitted", "discharged", "acute"],
    }
    for name, required in specs.items():
        raw = raws[name]
        df = None if raw is None else _decode_csv(name, raw, problems)
        if df is None or not _require(name, df, required, problems):
            tables[name] = _empty(name)
            continue
        df = df.select([LINE, *required])
        not_null = [c for c in required if c != "discharged"]
        _not_null(name, df, not_null, problems)
        df = _attach_pidx(name, df, ids, problems)
        tables[name] = _VALIDATORS[name](name, df, problems)

    outcomes = None
    if raws["outcomes.csv"] is not None:
        outcomes = read_outcomes(raws["outcomes.csv"], "outcomes.csv", problems)

    if problems:
        raise ExtractError(problems.items, problems.more)
    assert extracted_at is not None
    return Extract(
        extracted_at=extracted_at,
        meta=meta,
        patients=patients,
        diagnoses=tables["diagnoses.csv"],
        medications=tables["medications.csv"],
        contacts=tables["contacts.csv"],
        hospital_stays=tables["hospital_stays.csv"],
        outcomes=outcomes,
        sha256=digest.hexdigest(),
        files=sizes,
    )


def _validate_patients(
    name: str, df: pl.DataFrame, extracted_at: date | None, problems: _Problems
) -> pl.DataFrame:
    _not_null(name, df, ["patient_id", "sex", "gp_id"], problems)
    problems.add_rows(
        name,
        df,
        pl.col("patient_id").is_not_null() & ~pl.col("patient_id").is_first_distinct(),
        "patient_id",
        "pasienten «{value}» står flere ganger",
    )
    problems.add_rows(
        name,
        df,
        pl.col("sex").is_not_null() & ~pl.col("sex").is_in(["F", "M", "U"]),
        "sex",
        "ugyldig kjønn «{value}» (forventer F, M eller U)",
    )
    if "national_id" in df.columns:
        problems.add_rows(
            name,
            df,
            pl.col("national_id").is_not_null()
            & ~pl.col("national_id").str.contains(NATIONAL_ID_PATTERN),
            "national_id",
            "fødselsnummer «{value}» har ikke 11 sifre",
        )
    else:
        df = df.with_columns(pl.lit(None, pl.String).alias("national_id"))
    has_date = "birth_date" in df.columns
    has_year = "birth_year" in df.columns
    if not has_date:
        df = df.with_columns(pl.lit(None, pl.String).alias("birth_date"))
    if not has_year:
        df = df.with_columns(pl.lit(None, pl.String).alias("birth_year"))
    _check_dates(name, df, "birth_date", problems)
    max_year = extracted_at.year if extracted_at else 9999
    year = pl.col("birth_year").cast(pl.Int32, strict=False)
    problems.add_rows(
        name,
        df,
        pl.col("birth_year").is_not_null()
        & (~pl.col("birth_year").str.contains(r"^[0-9]{4}$") | (year < 1880) | (year > max_year)),
        "birth_year",
        "ugyldig fødselsår «{value}»",
    )
    missing_col = "birth_date" if has_date else "birth_year"
    problems.add_rows(
        name,
        df,
        pl.col("birth_date").is_null() & pl.col("birth_year").is_null(),
        missing_col,
        "fødselsdato mangler (birth_date eller birth_year)",
    )
    if extracted_at is not None:
        problems.add_rows(
            name,
            df,
            _date_expr("birth_date") > pl.lit(extracted_at),
            "birth_date",
            "fødselsdato «{value}» er etter extracted_at",
        )
    return df.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("pidx"),
        "patient_id",
        "national_id",
        _date_expr("birth_date").alias("birth_date"),
        pl.coalesce(_date_expr("birth_date").dt.year(), year).cast(pl.Int32).alias("birth_year"),
        "sex",
        "gp_id",
        pl.col(LINE),
    )


def _validate_diagnoses(name: str, df: pl.DataFrame, problems: _Problems) -> pl.DataFrame:
    _check_dates(name, df, "date", problems)
    problems.add_rows(
        name,
        df,
        pl.col("system").is_not_null() & ~pl.col("system").is_in(list(SYSTEMS)),
        "system",
        "ukjent kodeverk «{value}» (forventer ICPC-2 eller ICD-10)",
    )
    code = pl.col("code").str.to_uppercase()
    bad = pl.col("code").is_not_null() & (
        ((pl.col("system") == "ICPC-2") & ~code.str.contains(ICPC2_PATTERN))
        | ((pl.col("system") == "ICD-10") & ~code.str.contains(ICD10_PATTERN))
    )
    problems.add_rows(name, df, bad, "code", "ukjent kode «{value}» for kodeverket")
    return df.select(
        "pidx",
        _date_expr("date").alias("date"),
        "system",
        code.alias("code"),
    )


def _validate_medications(name: str, df: pl.DataFrame, problems: _Problems) -> pl.DataFrame:
    _check_dates(name, df, "date", problems)
    atc = pl.col("atc").str.to_uppercase()
    problems.add_rows(
        name,
        df,
        pl.col("atc").is_not_null() & ~atc.str.contains(ATC_PATTERN),
        "atc",
        "ukjent ATC-kode «{value}» (forventer 7 tegn som C03CA01)",
    )
    return df.select("pidx", _date_expr("date").alias("date"), atc.alias("atc"))


def _validate_contacts(name: str, df: pl.DataFrame, problems: _Problems) -> pl.DataFrame:
    _check_dates(name, df, "date", problems)
    problems.add_rows(
        name,
        df,
        pl.col("kind").is_not_null() & ~pl.col("kind").is_in(list(CONTACT_KINDS)),
        "kind",
        "ukjent kontakttype «{value}»",
    )
    return df.select("pidx", _date_expr("date").alias("date"), "kind")


def _validate_stays(name: str, df: pl.DataFrame, problems: _Problems) -> pl.DataFrame:
    _check_dates(name, df, "admitted", problems)
    _check_dates(name, df, "discharged", problems)
    # Excel upper-cases booleans, so TRUE/FALSE are accepted as well.
    acute = pl.col("acute").str.to_lowercase()
    problems.add_rows(
        name,
        df,
        pl.col("acute").is_not_null() & ~acute.is_in(["true", "false"]),
        "acute",
        "ugyldig verdi «{value}» (forventer true eller false)",
    )
    problems.add_rows(
        name,
        df,
        _date_expr("discharged") < _date_expr("admitted"),
        "discharged",
        "utskrevet «{value}» før innlagt",
    )
    return df.select(
        "pidx",
        _date_expr("admitted").alias("admitted"),
        _date_expr("discharged").alias("discharged"),
        (acute == "true").alias("acute"),
    )


_VALIDATORS = {
    "diagnoses.csv": _validate_diagnoses,
    "medications.csv": _validate_medications,
    "contacts.csv": _validate_contacts,
    "hospital_stays.csv": _validate_stays,
}


def _empty(name: str) -> pl.DataFrame:
    """Return the typed empty table used when an optional file is absent."""
    schemas: dict[str, dict[str, pl.DataType]] = {
        "diagnoses.csv": {
            "pidx": pl.UInt32(),
            "date": pl.Date(),
            "system": pl.String(),
            "code": pl.String(),
        },
        "medications.csv": {"pidx": pl.UInt32(), "date": pl.Date(), "atc": pl.String()},
        "contacts.csv": {"pidx": pl.UInt32(), "date": pl.Date(), "kind": pl.String()},
        "hospital_stays.csv": {
            "pidx": pl.UInt32(),
            "admitted": pl.Date(),
            "discharged": pl.Date(),
            "acute": pl.Boolean(),
        },
    }
    return pl.DataFrame(schema=schemas[name])
