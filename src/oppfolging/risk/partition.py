"""Split a large extract into partitions by patient id, and read each as an extract of its own.

A national run (millions of patients) does not fit the single-pass reader's memory: every file
is parsed whole. Here each CSV file is streamed once by Polars into ``k`` Parquet partitions by
a hash of ``patient_id`` (so a patient and all their events land in the same partition, and a
duplicate id or an event of an unknown patient is found within one partition), keeping each
row's line in the original file. Each partition is then read with the same checks as a whole
extract (reader.py), one at a time; the engine scores them one by one and puts the list
together (engine.score_partitioned). The result is identical to a single pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from oppfolging.risk.reader import (
    FILES,
    LINE,
    MAX_UNKNOWN_EXAMPLES,
    PATIENT_COLUMNS,
    TABLE_COLUMNS,
    Data,
    Extract,
    ExtractError,
    Problem,
    UnknownCodes,
    _finish,
    _Frames,
    _Problems,
    _read,
    _read_meta,
    _tidy,
    unparsable,
)

# Extracts up to this size (about 2 M patients) are read in one pass, which is faster; larger
# ones in partitions of about BYTES_PER_PARTITION of CSV each, which keeps a partition's
# reading and features near a gigabyte (a single pass peaks at 2.4 GiB for 675 MB at 1 M).
SINGLE_PASS_BYTES = 1536 * 1024**2
BYTES_PER_PARTITION = 400 * 1024**2
PART = "_part"
CHUNK = 1 << 24


@dataclass
class Partitioned:
    """An extract split on disk: its metadata, hash and partition folders."""

    extracted_at: date
    meta: dict[str, object]
    sha256: str
    sizes: dict[str, int]
    k: int
    folder: Path
    outcomes: bytes | None
    unknown_codes: UnknownCodes = field(default_factory=UnknownCodes)
    # Files that hold a space byte somewhere: only their values may need trimming.
    spaced: set[str] = field(default_factory=set)


def partitions_for(path: Path) -> int:
    """Return how many partitions a folder extract needs (1: read it in one pass)."""
    if not path.is_dir():
        return 1
    size = sum((path / name).stat().st_size for name in FILES if (path / name).is_file())
    if size <= SINGLE_PASS_BYTES:
        return 1
    return max(1, math.ceil(size / BYTES_PER_PARTITION))


@contextlib.contextmanager
def split(path: Path, k: int, workdir: Path | None = None) -> Iterator[Partitioned]:
    """Split a folder extract into ``k`` partitions under a temporary folder; yield them.

    Header problems (a missing file or column, a column given twice) are found once, here, and
    raised as ExtractError before anything is split.
    """
    with tempfile.TemporaryDirectory(prefix="oppf-partitions-", dir=workdir) as tmp:
        folder = Path(tmp)
        problems = _Problems()
        meta_path = path / "extract.json"
        meta_raw = meta_path.read_bytes() if meta_path.is_file() else None
        extracted_at, meta = _read_meta(meta_raw, problems)
        sizes: dict[str, int] = {}
        spaced: set[str] = set()
        digest = hashlib.sha256()
        for name in FILES:
            file = path / name
            if not file.is_file():
                if name == "patients.csv":
                    problems.add(name, None, None, "filen mangler")
                continue
            sizes[name] = file.stat().st_size
            if _hash_file(digest, name, file):
                spaced.add(name)
            if name in ("extract.json", "outcomes.csv"):
                continue
            _split_file(name, file, k, folder, problems)
        if problems or extracted_at is None:
            raise ExtractError(problems.items, problems.more)
        outcomes = (
            (path / "outcomes.csv").read_bytes() if (path / "outcomes.csv").is_file() else None
        )
        yield Partitioned(
            extracted_at, meta, digest.hexdigest(), sizes, k, folder, outcomes, spaced=spaced
        )


def _hash_file(digest: hashlib._Hash, name: str, file: Path) -> bool:
    """Hash a file as reader._input_sha256 does (name, length, bytes), in chunks.

    Returns whether the file holds a space byte (looked for in the same pass).
    """
    digest.update(name.encode() + b"\0" + file.stat().st_size.to_bytes(8, "big"))
    spaced = False
    with file.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            spaced = spaced or chunk.find(b" ") >= 0
    return spaced


def _header(name: str, file: Path, problems: _Problems) -> tuple[str, list[str]] | None:
    """Return the separator and the header's column names as written; check the header."""
    with file.open("rb") as handle:
        first = handle.readline()
    start = 3 if first[:3] == b"\xef\xbb\xbf" else 0
    line = first[start:].rstrip(b"\r\n")
    if not line.strip():
        problems.add(name, 1, None, "mangler overskriftsrad")
        return None
    separator = ";" if line.count(b";") > line.count(b",") else ","
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("cp1252", errors="replace")
    # Polars reads the header as it will read the file (quotes, spaces kept as written).
    names = pl.read_csv(text.encode("utf-8"), separator=separator, n_rows=0).columns
    normalised = [c.strip().lower() for c in names]
    repeated = sorted({c for c in normalised if normalised.count(c) > 1})
    for c in repeated:
        problems.add(name, 1, c, "kolonnen står flere ganger")
    wanted = PATIENT_COLUMNS if name == "patients.csv" else TABLE_COLUMNS[name]
    required = ["patient_id", "sex", "gp_id"] if name == "patients.csv" else wanted
    missing = [c for c in required if c not in normalised]
    for c in missing:
        problems.add(name, 1, c, "påkrevd kolonne mangler")
    if name == "patients.csv" and not {"birth_date", "birth_year"} & set(normalised):
        problems.add(name, 1, "birth_date", "påkrevd kolonne mangler (eller birth_year)")
        return None
    return None if repeated or missing else (separator, names)


def _split_file(name: str, file: Path, k: int, folder: Path, problems: _Problems) -> None:
    """Stream one CSV file into k Parquet partitions by a hash of the trimmed patient_id."""
    header = _header(name, file, problems)
    if header is None:
        return
    separator, names = header
    wanted = PATIENT_COLUMNS if name == "patients.csv" else TABLE_COLUMNS[name]
    source = file
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        for attempt in range(2):
            renamed = {c: c.strip().lower() for c in names}
            keep = [c for c in names if renamed[c] in wanted]
            lazy = (
                pl.scan_csv(
                    source,
                    separator=separator,
                    infer_schema=False,
                    row_index_name=LINE,
                    row_index_offset=2,
                    truncate_ragged_lines=False,
                )
                .select(LINE, *[pl.col(c).alias(renamed[c]) for c in keep])
                # Values are trimmed, and blank lines dropped, per partition (reader._tidy): only
                # the id the partition is chosen by is trimmed here.
                .with_columns((pl.col("patient_id").str.strip_chars().hash(0) % k).alias(PART))
            )
            try:
                lazy.sink_parquet(
                    pl.PartitionBy(folder / name, key=PART, include_key=False), mkdir=True
                )
                return
            except pl.exceptions.ComputeError as exc:
                text = str(exc).lower()
                if attempt == 0 and ("utf-8" in text or "utf8" in text):
                    # Not UTF-8: Norwegian Excel writes Windows-1252. Re-encode, in chunks
                    # (a single-byte encoding never splits a character), and split again.
                    source = Path(scratch) / name
                    _transcode(file, source, problems, name)
                    if problems:
                        return
                    continue
                _unparsable(name, source, separator, problems, exc)
                return
            except pl.exceptions.PolarsError as exc:
                _unparsable(name, source, separator, problems, exc)
                return


def _unparsable(
    name: str, source: Path, separator: str, problems: _Problems, exc: Exception
) -> None:
    """Name the lines of a file Polars cannot parse (streamed; see reader.unparsable)."""
    with source.open("rb") as lines:
        unparsable(name, lines, separator, problems, exc)


def _transcode(file: Path, target: Path, problems: _Problems, name: str) -> None:
    """Write a Windows-1252 file as UTF-8 (without a byte order mark)."""
    with file.open("rb") as src, target.open("wb") as out:
        lines = 0
        first = True
        while chunk := src.read(CHUNK):
            if first and chunk[:3] == b"\xef\xbb\xbf":
                chunk = chunk[3:]
            first = False
            try:
                out.write(chunk.decode("cp1252").encode("utf-8"))
            except UnicodeDecodeError as dec:
                line = lines + chunk[: dec.start].count(b"\n") + 1
                problems.add(
                    name, line, None, "ukjent tegnkoding (verken UTF-8 eller Windows-1252)"
                )
                return
            lines += chunk.count(b"\n")


def read_partition(parts: Partitioned, index: int) -> Extract:
    """Read partition ``index`` as an extract: the reader's checks, lines of the original files.

    Raises ExtractError with the partition's problems; the caller reads every partition and
    raises them together, so that nothing is scored when any partition has a problem.
    """
    frames: dict[str, Future[Data | pl.DataFrame | None]] = {}
    for name in FILES:
        future: Future[Data | pl.DataFrame | None] = Future()
        if name == "extract.json":
            future.set_result(_meta_bytes(parts))
        elif name == "outcomes.csv":
            future.set_result(None)
        else:
            future.set_result(_partition_frame(parts, name, index))
        frames[name] = future
    problems = _Problems()
    extract = _read(frames, problems, _Frames())
    return _finish(extract, problems, parts.sha256, parts.sizes)


def _meta_bytes(parts: Partitioned) -> bytes:
    import json

    return json.dumps({**parts.meta, "extracted_at": parts.extracted_at.isoformat()}).encode()


def _partition_frame(parts: Partitioned, name: str, index: int) -> pl.DataFrame | None:
    """Return one partition of a file as the reader's string frame, in file order."""
    base = parts.folder / name
    if not base.exists():
        return None
    wanted = PATIENT_COLUMNS if name == "patients.csv" else TABLE_COLUMNS[name]
    files = sorted((base / f"{PART}={index}").glob("*.parquet"))
    if not files:
        # No rows of this file fell in the partition: an empty frame with the file's columns.
        any_file = next(base.rglob("*.parquet"), None)
        columns = pl.read_parquet_schema(any_file) if any_file else {LINE: pl.UInt32}
        return pl.DataFrame(schema=columns)
    df = pl.concat([pl.read_parquet(f) for f in files]).sort(LINE)
    keep = [c for c in df.columns if c in wanted]
    return _tidy(df.select(LINE, *keep), keep, padding=name in parts.spaced)


def merge_unknown(parts: list[UnknownCodes]) -> UnknownCodes:
    """Merge the partitions' unknown codes; examples are the first in file order, as one pass."""
    order = {name: i for i, name in enumerate(FILES)}
    merged = UnknownCodes()
    examples = []
    for unknown in parts:
        merged.count += unknown.count
        for name, n in unknown.by_file.items():
            merged.by_file[name] = merged.by_file.get(name, 0) + n
        examples += unknown.examples
    examples.sort(key=lambda e: (order.get(e.file, 99), e.line or 0))
    merged.examples = examples[:MAX_UNKNOWN_EXAMPLES]
    merged.by_file = dict(sorted(merged.by_file.items(), key=lambda kv: order.get(kv[0], 99)))
    return merged


def merge_problems(errors: list[ExtractError]) -> ExtractError:
    """Merge the partitions' problems into one error, in file and line order."""
    order = {name: i for i, name in enumerate(FILES)}
    items: list[Problem] = [p for e in errors for p in e.problems]
    items.sort(key=lambda p: (order.get(p.file, -1), p.line or 0))
    more = sum(e.more for e in errors)
    return ExtractError(items[:200], more + max(len(items) - 200, 0))
