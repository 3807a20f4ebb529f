"""Simulate a GP list over several years where teams start at a peak of risk, with a known effect.

Each person has a lasting frailty and chronic conditions (the risk engine's approximate
Norwegian prevalences, :mod:`oppfolging.risk.simulate`) and a passing state that rises and
falls month by month (an AR(1) process): acute admissions come from a Poisson rate driven by
all three. Every day the municipality may give a person a team, more likely the more acute
admissions they had in the last 12 months and if one was in the last 90 days — so teams start
at a peak, and admissions fall afterwards even without any effect (regression to the mean).
From the team's start a person's acute admission rate is multiplied by ``1 − effect``.

By default the team decision depends only on what the estimator can see (admissions, age,
comorbidity from the GP extract); ``hidden`` > 0 lets it depend on the passing state as well,
which no data shows: that is the unmeasured confounding docs/effect.md measures.

Layout written by :func:`simulate`::

    out/extracts/<extracted_at>/   one GP extract a year (extract.json, patients.csv,
                                   diagnoses.csv, medications.csv, hospital_stays.csv), each
                                   with the two years before its extracted_at
    out/teams.csv                  patient_id, team_start
    out/truth.json                 {"rate_ratio": 1 − effect, …}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from oppfolging.effect.cohort import NEVER, EventIndex, Events, day_number
from oppfolging.effect.estimate import Settings
from oppfolging.risk.reference import CHARLSON_POINTS
from oppfolging.risk.simulate import (
    AGE_ANCHORS,
    BASE_AGES,
    BASE_P,
    CONDITION_DRUGS,
    CONDITION_MODEL,
    FEMALE_SHARE,
    OTHER_DRUGS,
    SHORT_DRUGS,
    SSB_2024_THOUSANDS,
    tenor_national_ids,
)

ProgressFn = Callable[[str, float], None]

FRAILTY_SD = 0.5  # lasting frailty, log-rate per SD
# The conditions' log-odds effects (risk.simulate) are halved as log-rate effects and their sum
# capped, so that a person with many conditions has a high but believable admission rate.
CONDITION_SCALE = 0.5
CONDITION_CAP = 2.0
ADMISSION_SCALE = 1.5  # BASE_P of risk.simulate as yearly rates, times this
STATE_SD = 0.8  # the passing state's SD (log-rate)
STATE_RHO = 0.8  # month-to-month correlation of the passing state
# Team decisions: log-odds of a team within a month (spread over its days). Acute admissions in the last 12 months (capped as the
# estimator caps them), an acute admission in the last 90 days, comorbidity points (capped),
# age 67 or over. Chosen so that about 0.2 % of a list gets a team each year, most of them at
# a peak of admissions.
TEAM_INTERCEPT = -9.8
TEAM_PER_ADMISSION = 1.1
TEAM_RECENT = 2.2
TEAM_PER_COMORBIDITY = 0.35
TEAM_OLD = 0.3
ELECTIVE_BASE = 0.02  # elective stays a year, plus ELECTIVE_PER_CONDITION per condition
ELECTIVE_PER_CONDITION = 0.03
LEAVE_BASE = 0.002  # leaving the list (moving, dying) per month, plus per year over 75
LEAVE_PER_YEAR_OVER_75 = 0.0006


@dataclass(frozen=True)
class SimulationSummary:
    """Summarise a simulated population."""

    persons: int
    teams: int
    extracts: list[date]
    acute_admissions: int
    rate_ratio: float
    out: Path


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _team_chance(
    index: EventIndex, who: np.ndarray, fixed: np.ndarray, on: np.ndarray
) -> np.ndarray:
    """Return the monthly chance of a team from the admissions known on the given days."""
    caps = Settings()
    acute_12m = index.total(who, on - 365, on)
    recent = index.total(who, on - caps.recent_days, on) > 0
    return _sigmoid(
        fixed + TEAM_PER_ADMISSION * np.minimum(acute_12m, caps.acute_cap) + TEAM_RECENT * recent
    )


def _add_years(d: date, years: int) -> date:
    return d.replace(year=d.year + years)


def simulate(
    n_persons: int,
    effect: float,
    seed: int,
    out: Path,
    *,
    years: int = 5,
    start: date = date(2020, 1, 1),
    hidden: float = 0.0,
    progress: ProgressFn | None = None,
) -> SimulationSummary:
    """Write yearly GP extracts, teams.csv and truth.json for a simulated list under ``out``.

    Parameters
    ----------
    n_persons:
        Persons on the list at the start.
    effect:
        The true relative reduction in acute admissions after team start (0.2: a rate ratio
        of 0.8; 0: no effect).
    seed:
        Seed of the random generator; the same seed writes the same files.
    out:
        Folder to write.
    years:
        Years of admissions; extracts are taken at the end of year 2, 3, …, ``years`` (each
        holds the two years before it).
    start:
        First day of the simulated history.
    hidden:
        Log-odds of a team per unit of the passing state no data shows (0: teams are decided
        on what the data show only).

    Returns
    -------
    SimulationSummary
    """
    if not 0 <= effect < 1:
        raise ValueError("effect must be at least 0 and below 1")
    if years < 3:
        raise ValueError("years must be at least 3 (two years of history and one to follow)")
    say = progress or (lambda _step, _fraction: None)
    rng = np.random.default_rng(seed)
    out = Path(out)
    n = n_persons
    caps = Settings()
    s0 = day_number(start)
    boundaries = np.array([day_number(_add_years(start, j)) for j in range(years + 1)])
    month_starts = (
        np.arange(
            np.datetime64(start, "M"),
            np.datetime64(start, "M") + np.timedelta64(12 * years + 1, "M"),
        )
        .astype("datetime64[D]")
        .astype(np.int64)
    )

    say("Befolkning", 0.0)
    weights = SSB_2024_THOUSANDS / SSB_2024_THOUSANDS.sum()
    band = rng.choice(len(weights), size=n, p=weights)
    age0 = band * 5 + rng.random(n) * 5
    female = rng.random(n) < FEMALE_SHARE[band]
    birth = s0 - np.floor(age0 * 365.25).astype(np.int64)
    national_ids = tenor_national_ids(birth, rng)
    frailty = rng.standard_normal(n)

    keys = list(CONDITION_MODEL)
    has = np.zeros((n, len(keys)), dtype=bool)
    for j, key in enumerate(keys):
        prevalence = np.interp(age0, AGE_ANCHORS, CONDITION_MODEL[key][0])
        if key == "osteoporosis":
            prevalence = prevalence * np.where(female, 1.6, 0.4)
        has[:, j] = rng.random(n) < _sigmoid(_logit(prevalence) + 0.7 * frailty - 0.245)
    betas = np.array([CONDITION_MODEL[k][1] for k in keys])
    charlson = has @ np.array([CHARLSON_POINTS.get(f"cond_{k}", 0) for k in keys])
    n_conditions = has.sum(axis=1)

    # Medicines: lasting ones for the conditions and some others, and short courses each year.
    lasting_person, lasting_atc = [], []
    for j, key in enumerate(keys):
        for atc, probability in CONDITION_DRUGS[key]:
            chosen = np.flatnonzero(has[:, j] & (rng.random(n) < probability))
            lasting_person.append(chosen)
            lasting_atc.append(np.full(chosen.size, atc))
    others = rng.poisson(0.1 + 0.035 * np.maximum(age0 - 20, 0) + 0.3 * n_conditions)
    chosen = np.repeat(np.arange(n), others)
    lasting_person.append(chosen)
    lasting_atc.append(np.asarray(OTHER_DRUGS)[rng.integers(0, len(OTHER_DRUGS), chosen.size)])
    lasting = pl.DataFrame(
        {"pidx": np.concatenate(lasting_person), "atc": np.concatenate(lasting_atc)}
    ).unique(maintain_order=True)
    prescriptions = []
    comorbidity = np.zeros((years + 1, n))
    for slot in range(1, years + 1):
        courses = rng.poisson(0.3 + 0.1 * n_conditions)
        short = np.repeat(np.arange(n), courses)
        in_slot = pl.concat(
            [
                lasting,
                pl.DataFrame(
                    {
                        "pidx": short,
                        "atc": np.asarray(SHORT_DRUGS)[rng.integers(0, len(SHORT_DRUGS), short.size)],
                    }
                ),
            ]
        ).unique(maintain_order=True)
        distinct = np.bincount(in_slot["pidx"].to_numpy(), minlength=n)
        comorbidity[slot] = charlson + (distinct >= 5)
        times = 1 + rng.poisson(1.0, size=in_slot.height)
        rows = pl.DataFrame(
            {
                "pidx": np.repeat(in_slot["pidx"].to_numpy(), times),
                "atc": np.repeat(in_slot["atc"].to_numpy(), times),
            }
        )
        rows = rows.with_columns(
            pl.Series("day", boundaries[slot] - rng.integers(0, 365, rows.height))
        )
        prescriptions.append(rows)
    comorbidity[0] = comorbidity[1]

    say("Innleggelser og team", 0.1)
    state = STATE_SD * rng.standard_normal(n)
    log_base = (
        np.minimum(CONDITION_SCALE * (has @ betas), CONDITION_CAP)
        + np.where(female, 0.0, 0.1)
        + FRAILTY_SD * frailty
        - (FRAILTY_SD**2 + STATE_SD**2) / 2
    )
    team_start = np.full(n, NEVER, dtype=np.int64)
    leave = np.full(n, NEVER, dtype=np.int64)
    acute_person: list[np.ndarray] = []
    acute_day: list[np.ndarray] = []
    elective_person: list[np.ndarray] = []
    elective_day: list[np.ndarray] = []
    months = 12 * years
    for m in range(months):
        lo, hi = int(month_starts[m]), int(month_starts[m + 1])
        length = hi - lo
        age = age0 + m / 12
        on_list = leave > lo
        treated = team_start < lo
        yearly = ADMISSION_SCALE * np.interp(age, BASE_AGES, BASE_P) * np.exp(log_base + state)
        rate = yearly / 12 * np.where(treated, 1 - effect, 1.0) * on_list
        count = rng.poisson(rate)
        person = np.repeat(np.arange(n), count)
        day = lo + rng.integers(0, length, person.size)
        elective = rng.poisson((ELECTIVE_BASE + ELECTIVE_PER_CONDITION * n_conditions) / 12 * on_list)
        e_person = np.repeat(np.arange(n), elective)
        elective_person.append(e_person)
        elective_day.append(lo + rng.integers(0, length, e_person.size))

        # Team decisions, day by day, from what is known that day. A person whose admissions
        # cannot change their stratum this month (none in the last two years) is decided once,
        # on a random day, with the month's probability; the others every day with the daily
        # share of it.
        candidate = np.flatnonzero(on_list & ~treated)
        so_far = Events(
            np.concatenate([*acute_person, person]), np.concatenate([*acute_day, day])
        )
        index = EventIndex(so_far)
        slot = min(max(int(np.searchsorted(boundaries, lo, side="right")) - 1, 0), years)
        fixed = (
            TEAM_INTERCEPT
            + TEAM_PER_COMORBIDITY * np.minimum(comorbidity[slot, candidate], caps.comorbidity_cap)
            + TEAM_OLD * (age[candidate] >= 67)
            + hidden * state[candidate]
        )

        active = index.total(candidate, lo - 2 * 365 - 1, hi - 1) > 0
        quiet = np.flatnonzero(~active)
        decision = lo + rng.integers(0, length, quiet.size)
        picked = rng.random(quiet.size) < _team_chance(
            index, candidate[quiet], fixed[quiet], decision
        )
        team_start[candidate[quiet[picked]]] = decision[picked]
        waiting = np.flatnonzero(active)
        for on in range(lo, hi):
            monthly = _team_chance(
                index, candidate[waiting], fixed[waiting], np.full(waiting.size, on)
            )
            daily = 1 - (1 - monthly) ** (1 / length)
            picked = rng.random(waiting.size) < daily
            team_start[candidate[waiting[picked]]] = on
            waiting = waiting[~picked]
        # A team started this month acts from its first day: thin the admissions after it.
        after = (day > team_start[person]) & (team_start[person] >= lo)
        keep = ~after | (rng.random(person.size) < 1 - effect)
        # Leaving the list this month: nothing after the day they leave is recorded.
        leaving = on_list & (
            rng.random(n) < LEAVE_BASE + LEAVE_PER_YEAR_OVER_75 * np.maximum(age - 75, 0)
        )
        leave[leaving] = lo + rng.integers(0, length, int(leaving.sum()))
        keep &= day < leave[person]
        acute_person.append(person[keep])
        acute_day.append(day[keep])
        state = STATE_RHO * state + STATE_SD * np.sqrt(1 - STATE_RHO**2) * rng.standard_normal(n)
        say("Innleggelser og team", 0.1 + 0.6 * (m + 1) / months)

    a_person = np.concatenate(acute_person)
    a_day = np.concatenate(acute_day)
    e_person = np.concatenate(elective_person)
    e_day = np.concatenate(elective_day)
    e_keep = e_day < leave[e_person]
    e_person, e_day = e_person[e_keep], e_day[e_keep]
    age_at = age0[a_person] + (a_day - s0) / 365.25
    stays = pl.DataFrame(
        {
            "pidx": np.concatenate([a_person, e_person]),
            "admitted": np.concatenate([a_day, e_day]),
            "nights": np.concatenate(
                [
                    rng.geometric(1 / (2.5 + age_at / 25)),
                    rng.geometric(0.5, size=e_person.size),
                ]
            ),
            "acute": np.concatenate(
                [np.ones(a_person.size, dtype=bool), np.zeros(e_person.size, dtype=bool)]
            ),
        }
    )
    diagnoses = []
    for slot in range(1, years + 1):
        person, condition = np.nonzero(has)
        icpc = [CONDITION_MODEL[keys[j]][2] for j in condition]
        use_icd = np.array([not codes for codes in icpc]) | (rng.random(person.size) < 0.15)
        code = np.where(
            use_icd,
            np.array([CONDITION_MODEL[keys[j]][3] for j in condition], dtype=object),
            np.array([codes[0] if codes else "" for codes in icpc], dtype=object),
        )
        diagnoses.append(
            pl.DataFrame(
                {
                    "pidx": person,
                    "day": boundaries[slot] - rng.integers(0, 365, person.size),
                    "system": np.where(use_icd, "ICD-10", "ICPC-2"),
                    "code": code.astype(str),
                }
            )
        )
    patients = pl.DataFrame(
        {
            "pidx": np.arange(n),
            "patient_id": [f"P{i:07d}" for i in range(n)],
            "national_id": national_ids,
            "birth_date": birth.astype("datetime64[D]"),
            "sex": np.where(female, "F", "M"),
            "gp_id": (9100000 + rng.integers(0, max(n // 1100, 1), n)).astype(str),
        }
    ).with_columns(pl.col("birth_date").cast(pl.Date))

    extracts = []
    tables = {
        "stays": stays,
        "diagnoses": pl.concat(diagnoses),
        "medications": pl.concat(prescriptions),
    }
    for k in range(2, years + 1):
        at = _add_years(start, k)
        extracts.append(at)
        say(f"Skriver uttrekk {at.isoformat()}", 0.7 + 0.25 * (k - 1) / (years - 1))
        _write_extract(out / "extracts" / at.isoformat(), at, patients, leave, tables, seed)

    with_team = np.flatnonzero(team_start != NEVER)
    pl.DataFrame(
        {
            "patient_id": patients["patient_id"].gather(with_team),
            "team_start": team_start[with_team].astype("datetime64[D]").astype(str),
        }
    ).write_csv(out / "teams.csv")
    truth = {
        "rate_ratio": round(1 - effect, 6),
        "effect": effect,
        "persons": n,
        "seed": seed,
        "years": years,
        "start": start.isoformat(),
        "teams": int(with_team.size),
        "hidden_selection": hidden,
    }
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    say("Ferdig", 1.0)
    return SimulationSummary(
        persons=n,
        teams=int(with_team.size),
        extracts=extracts,
        acute_admissions=int(a_person.size),
        rate_ratio=1 - effect,
        out=out,
    )


def _write_extract(
    folder: Path,
    extracted_at: date,
    patients: pl.DataFrame,
    leave: np.ndarray,
    tables: dict[str, pl.DataFrame],
    seed: int,
) -> None:
    """Write one extract: the persons on the list that day, and their two years before it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "extract.json").write_text(
        json.dumps(
            {
                "extracted_at": extracted_at.isoformat(),
                "source": f"Syntetisk populasjon (oppfolging.effect.simulate, seed {seed})",
                "gp_office": "Syntetisk legekontor",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    end = day_number(extracted_at)
    members = patients.filter(pl.Series(leave > end))
    ids = members.select("pidx", "patient_id")
    members.drop("pidx").write_csv(folder / "patients.csv")

    def window(df: pl.DataFrame, column: str) -> pl.DataFrame:
        return (
            df.filter((pl.col(column) > end - 730) & (pl.col(column) <= end))
            .join(ids, on="pidx", how="inner")
            .sort("pidx", column)
        )

    def as_date(column: str) -> pl.Expr:
        return pl.col(column).cast(pl.Int32).cast(pl.Date)

    window(tables["diagnoses"], "day").select(
        "patient_id", as_date("day").alias("date"), "system", "code"
    ).write_csv(folder / "diagnoses.csv")
    window(tables["medications"], "day").select(
        "patient_id", as_date("day").alias("date"), "atc"
    ).write_csv(folder / "medications.csv")
    window(tables["stays"], "admitted").select(
        "patient_id",
        as_date("admitted").alias("admitted"),
        pl.when(pl.col("admitted") + pl.col("nights") <= end)
        .then((pl.col("admitted") + pl.col("nights")).cast(pl.Int32).cast(pl.Date))
        .otherwise(None)
        .alias("discharged"),
        pl.when(pl.col("acute")).then(pl.lit("true")).otherwise(pl.lit("false")).alias("acute"),
    ).write_csv(folder / "hospital_stays.csv")
