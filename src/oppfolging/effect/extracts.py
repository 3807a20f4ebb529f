"""Build a cohort from yearly GP extracts and a list of team starts.

The extracts are read with the risk engine's reader (:func:`oppfolging.risk.reader.read_extract`,
same format, same all-or-nothing error rules) and the risk score's components are computed with
its features and reference points, so "similar risk" means the same score the GP's risk list
shows. Patients are followed across extracts by ``patient_id``; a hospital stay that appears in
two extracts (each holds two years) counts once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from oppfolging.effect.cohort import NEVER, SEX_CODES, Cohort, Events, Snapshot, day_number
from oppfolging.risk.features import FEATURES, compute_features
from oppfolging.risk.reader import Extract, ExtractError, Problem, read_extract
from oppfolging.risk.reference import CHARLSON_POINTS, POINT_COLUMNS, reference_points

ProgressFn = Callable[[str, float], None]
# How far back each extract's events reach (the risk engine's two 12-month windows).
HISTORY_DAYS = 730
TEAMS_COLUMNS = ("patient_id", "team_start")


@dataclass
class CohortReport:
    """What building the cohort found: extracts, persons, and team rows it could not use."""

    extracts: list[date]
    persons: int
    acute_admissions: int
    teams: int
    teams_not_in_extracts: int
    teams_repeated: int
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "extracts": [d.isoformat() for d in self.extracts],
            "persons": self.persons,
            "acute_admissions": self.acute_admissions,
            "teams": self.teams,
            "teams_not_in_extracts": self.teams_not_in_extracts,
            "teams_repeated": self.teams_repeated,
        }


def read_teams(path: Path) -> tuple[dict[str, int], int]:
    """Read a ``patient_id,team_start`` CSV; return each patient's earliest start and repeats.

    Accepts UTF-8 with or without BOM or Windows-1252, comma or semicolon, columns in any order
    and unknown columns ignored, as the GP extract does. Any missing column, empty value or
    date that is not ``YYYY-MM-DD`` refuses the whole file with the line and column named
    (:class:`ExtractError`). A patient listed twice (a team closed and a new one started) counts
    from the earliest start; the number of such repeats is returned.
    """
    path = Path(path)
    name = path.name
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ExtractError([Problem(name, 1, None, "mangler overskriftsrad")])
    separator = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = [h.strip().lower() for h in next(reader)]
    problems = [
        Problem(name, 1, column, "påkrevd kolonne mangler")
        for column in TEAMS_COLUMNS
        if column not in header
    ]
    if problems:
        raise ExtractError(problems)
    at = {column: header.index(column) for column in TEAMS_COLUMNS}
    starts: dict[str, int] = {}
    repeated = 0
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                Problem(name, line, None, f"har {len(row)} felt, overskriften har {len(header)}")
            )
            continue
        patient = row[at["patient_id"]].strip()
        value = row[at["team_start"]].strip()
        if not patient:
            problems.append(Problem(name, line, "patient_id", "verdi mangler"))
        if not value:
            problems.append(Problem(name, line, "team_start", "verdi mangler"))
            continue
        try:
            if len(value) != 10:
                raise ValueError(value)
            day = day_number(date.fromisoformat(value))
        except ValueError:
            problems.append(
                Problem(name, line, "team_start", f"ugyldig dato «{value}» (forventer ÅÅÅÅ-MM-DD)")
            )
            continue
        if patient in starts:
            repeated += 1
            starts[patient] = min(starts[patient], day)
        elif patient:
            starts[patient] = day
    if problems:
        raise ExtractError(problems[:200], max(len(problems) - 200, 0))
    return starts, repeated


def extract_paths(folder: Path) -> list[Path]:
    """Return the extracts in a folder: every sub-folder and every ``.zip``, by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExtractError([Problem(str(folder), None, None, "finner ikke mappen")])
    found = sorted(
        p for p in folder.iterdir()
        if (p.is_dir() and not p.name.startswith(".")) or p.suffix.lower() == ".zip"
    )
    if not found:
        raise ExtractError([Problem(str(folder), None, None, "mappen har ingen uttrekk")])
    return found


def read_extracts(folder: Path, progress: ProgressFn | None = None) -> list[Extract]:
    """Read every extract in the folder, ordered by ``extracted_at``; refuse all on any error.

    A problem in any extract refuses the lot; each problem is named with the extract's
    sub-folder (``2024/hospital_stays.csv, linje 7, …``).
    """
    say = progress or (lambda _step, _fraction: None)
    paths = extract_paths(folder)
    extracts = []
    problems: list[Problem] = []
    more = 0
    for i, path in enumerate(paths):
        say(f"Leser {path.name}", 0.5 * i / len(paths))
        try:
            extracts.append(read_extract(path))
        except ExtractError as error:
            problems += [
                Problem(f"{path.name}/{p.file}", p.line, p.column, p.message) for p in error.problems
            ]
            more += error.more
    if problems:
        raise ExtractError(problems, more)
    dates = [e.extracted_at for e in extracts]
    repeated = sorted({d for d in dates if dates.count(d) > 1})
    if repeated:
        raise ExtractError(
            [Problem(str(folder), None, None, f"to uttrekk har samme extracted_at {d.isoformat()}")
             for d in repeated]
        )
    return sorted(extracts, key=lambda e: e.extracted_at)


def cohort_from_extracts(
    extracts: list[Extract],
    team_starts: dict[str, int],
    *,
    history_days: int = HISTORY_DAYS,
    progress: ProgressFn | None = None,
) -> tuple[Cohort, CohortReport]:
    """Return the cohort of every patient in the extracts, and what was found on the way.

    A patient is observed from ``history_days`` before the first extract they are in, to the
    last extract they are in (a patient who has left the list is followed no further; the
    extracts do not say when they left). Sex and birth come from the latest extract they are in.
    """
    say = progress or (lambda _step, _fraction: None)
    people = pl.concat(
        [
            e.patients.select(
                "patient_id",
                "sex",
                pl.coalesce(
                    pl.col("birth_date"),
                    pl.date(pl.col("birth_year"), 7, 1),
                ).alias("birth"),
                pl.lit(day_number(e.extracted_at), pl.Int64).alias("at"),
            )
            for e in extracts
        ]
    )
    # One row per patient: first and last extract, sex and birth from the last.
    persons = (
        people.group_by("patient_id", maintain_order=True)
        .agg(
            pl.col("at").min().alias("first"),
            pl.col("at").max().alias("last"),
            pl.col("sex").sort_by("at").last(),
            pl.col("birth").sort_by("at").last(),
        )
        .with_row_index("person")
    )
    index = persons.select("patient_id", "person")
    n = persons.height

    say("Beregner risikoskår", 0.55)
    snapshots = []
    stays = []
    for e in extracts:
        mine = e.patients.select("pidx", "patient_id").join(index, on="patient_id", how="left")
        to_person = np.empty(e.patients.height, dtype=np.int64)
        to_person[mine["pidx"].to_numpy()] = mine["person"].to_numpy()
        snapshots.append(_snapshot(e, to_person, n))
        stays.append(
            e.hospital_stays.select(
                pl.Series("person", to_person[e.hospital_stays["pidx"].to_numpy()]),
                pl.col("admitted").cast(pl.Int64),
                pl.col("discharged").cast(pl.Int64),
                "acute",
            )
        )
    # A stay in two extracts is one stay; the later may know its discharge.
    all_stays = (
        pl.concat(stays)
        .sort("discharged", nulls_last=True)
        .unique(["person", "admitted", "acute"], keep="first")
    )
    acute = all_stays.filter(pl.col("acute"))
    last = persons["last"].to_numpy()
    person = acute["person"].to_numpy()
    discharged = acute["discharged"].fill_null(-1).to_numpy()
    admitted = acute["admitted"].to_numpy()
    nights = np.where(discharged >= 0, discharged, last[person]) - admitted

    starts = np.full(n, NEVER, dtype=np.int64)
    found = index.filter(pl.col("patient_id").is_in(list(team_starts)))
    for patient_id, row in found.iter_rows():
        starts[row] = team_starts[patient_id]
    sex = persons["sex"].replace_strict(SEX_CODES, default=2, return_dtype=pl.Int8).to_numpy()
    cohort = Cohort(
        ids=persons["patient_id"].to_numpy(),
        sex=sex,
        birth=persons["birth"].cast(pl.Int64).to_numpy(),
        observed_from=persons["first"].to_numpy() - history_days,
        observed_to=last,
        team_start=starts,
        acute=Events(person, admitted),
        acute_nights=Events(person, admitted, np.maximum(nights, 0).astype(np.float64)),
        snapshots=snapshots,
    )
    report = CohortReport(
        extracts=[e.extracted_at for e in extracts],
        persons=n,
        acute_admissions=int(person.size),
        teams=found.height,
        teams_not_in_extracts=len(team_starts) - found.height,
        teams_repeated=0,
    )
    return cohort, report


def risk_components(extract: Extract) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, str]]:
    """Return the reference risk score and its parts for every patient on the extract's date.

    Returns the patients' row numbers (``pidx``), the values by name (``risk_score``: the
    reference score's points; ``comorbidity``: its Charlson and polypharmacy points, the part
    matching uses beside the admissions and age it takes on the index day itself; a 0/1 flag
    per Charlson condition and ``polypharmacy``) and their Norwegian labels.
    """
    features = compute_features(extract)
    points = reference_points(features)
    polypharmacy = points[:, POINT_COLUMNS.index("n_atc_12m")]
    values = {
        "risk_score": points.sum(axis=1),
        "comorbidity": points[:, 1:-1].sum(axis=1),
        **{name: (features[name].to_numpy() > 0).astype(np.float64) for name in CHARLSON_POINTS},
        "polypharmacy": polypharmacy,
    }
    labels = {name: FEATURES[name][1] for name in CHARLSON_POINTS}
    return features["pidx"].to_numpy(), values, labels


def _snapshot(extract: Extract, to_person: np.ndarray, n: int) -> Snapshot:
    """Return the risk score and its parts on the extract's date, aligned with the cohort."""
    pidx, values, labels = risk_components(extract)
    rows = to_person[pidx]
    aligned = {}
    for name, value in values.items():
        full = np.full(n, np.nan)
        full[rows] = value
        aligned[name] = full
    return Snapshot(day_number(extract.extracted_at), aligned, labels)
