"""Generate a synthetic GP-list population as two extracts one year apart, plus the truth.

The population follows an approximate Norwegian age/sex structure; chronic conditions and
medicines have approximate age-dependent prevalences; contacts and hospital stays are driven by
a latent true risk. Every figure here is approximate and documented in docs/risk.md: the data are
for testing and benchmarking the risk engine, not for drawing conclusions about anybody.

Layout written by :func:`simulate`::

    out/t0/            extract at t0 (history: the two years before t0)
    out/t1/            extract at t1 = t0 + 365 days (same ids; ~4 % left, ~4 % joined)
    out/truth.csv      patient_id, true_risk, acute_admission_12m   (t0's patients)
    out/followed_up.csv national_id of patients the municipality already follows up

``true_risk`` is the probability from which each t0 patient's acute admission within
(t0, t0 + 365 d] was drawn; the drawn admissions are exactly the acute stays in that window in
t1's ``hospital_stays.csv`` (for patients still on the list).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from oppfolging.risk.features import CONDITIONS

# Norway's population 1 January 2024 by 5-year age group (0–4 … 95–99, 100+), in thousands,
# rounded from Statistics Norway (SSB) table 07459. Approximate.
SSB_2024_THOUSANDS = np.array(
    [
        266,
        295,
        322,
        330,
        345,
        374,
        391,
        384,
        372,
        371,
        381,
        368,
        333,
        298,
        271,
        230,
        144,
        79,
        36,
        10,
        1.3,
    ]
)
# Share of women in the same groups (approximate, SSB 07459): near even to 70, then rising.
FEMALE_SHARE = np.array(
    [
        0.487,
        0.487,
        0.487,
        0.486,
        0.485,
        0.483,
        0.483,
        0.485,
        0.487,
        0.489,
        0.491,
        0.492,
        0.495,
        0.502,
        0.515,
        0.530,
        0.560,
        0.610,
        0.680,
        0.760,
        0.800,
    ]
)

# Age anchors for the prevalence curves below (linear interpolation in age).
AGE_ANCHORS = np.array([10, 30, 50, 65, 75, 85, 95], dtype=float)

# key: (prevalence at AGE_ANCHORS, log-odds effect on acute admission, ICPC-2 codes, ICD-10 code)
# Prevalences are rounded, approximate figures in line with Norwegian and Nordic studies (HUNT,
# the Norwegian Prescription Database, Tromsø, national registries); see docs/risk.md.
CONDITION_MODEL: dict[str, tuple[list[float], float, list[str], str]] = {
    "heart_failure": ([0, 0.0005, 0.004, 0.015, 0.04, 0.10, 0.15], 0.9, ["K77"], "I50.9"),
    "ischaemic_heart": ([0, 0.001, 0.02, 0.07, 0.12, 0.18, 0.20], 0.35, ["K74", "K76"], "I25.1"),
    "atrial_fibrillation": ([0, 0.001, 0.01, 0.04, 0.09, 0.15, 0.17], 0.3, ["K78"], "I48.9"),
    "hypertension": ([0.002, 0.02, 0.12, 0.30, 0.42, 0.50, 0.50], 0.05, ["K86", "K87"], "I10"),
    "stroke": ([0, 0.001, 0.006, 0.02, 0.045, 0.08, 0.10], 0.45, ["K90"], "I63.9"),
    "copd": ([0, 0.001, 0.02, 0.06, 0.09, 0.10, 0.08], 0.8, ["R95"], "J44.9"),
    "asthma": ([0.07, 0.06, 0.06, 0.06, 0.06, 0.05, 0.04], 0.2, ["R96"], "J45.9"),
    "diabetes": ([0.003, 0.01, 0.05, 0.10, 0.13, 0.13, 0.10], 0.3, ["T90", "T89"], "E11.9"),
    "dementia": ([0, 0, 0.002, 0.015, 0.05, 0.18, 0.35], 0.6, ["P70"], "F03"),
    "cancer": (
        [0.002, 0.005, 0.02, 0.05, 0.08, 0.10, 0.10],
        0.7,
        ["R84", "X76", "Y77", "D75"],
        "C50.9",
    ),
    "ckd": ([0, 0.001, 0.005, 0.02, 0.04, 0.08, 0.10], 0.6, [], "N18.3"),
    "severe_mental_illness": (
        [0.001, 0.012, 0.012, 0.010, 0.008, 0.006, 0.005],
        0.6,
        ["P72", "P73"],
        "F20.0",
    ),
    "depression": ([0.01, 0.06, 0.06, 0.05, 0.04, 0.04, 0.04], 0.25, ["P76"], "F32.1"),
    "substance_use": (
        [0.002, 0.025, 0.02, 0.012, 0.008, 0.004, 0.002],
        0.9,
        ["P15", "P16"],
        "F10.2",
    ),
    "osteoporosis": ([0, 0.001, 0.01, 0.04, 0.08, 0.13, 0.15], 0.25, ["L95"], "M81.0"),
    "parkinson": ([0, 0, 0.0005, 0.004, 0.01, 0.02, 0.02], 0.5, ["N87"], "G20"),
    "rheumatoid_arthritis": (
        [0.001, 0.003, 0.008, 0.012, 0.014, 0.014, 0.012],
        0.25,
        ["L88"],
        "M06.9",
    ),
}
assert set(CONDITION_MODEL) == {c.key for c in CONDITIONS}

# Medicines started because of a condition: (ATC, probability given the condition).
CONDITION_DRUGS: dict[str, list[tuple[str, float]]] = {
    "heart_failure": [("C03CA01", 0.7), ("C07AB07", 0.7), ("C09AA05", 0.5), ("C03DA04", 0.3)],
    "ischaemic_heart": [("B01AC06", 0.7), ("C10AA05", 0.8), ("C07AB02", 0.5), ("C01DA02", 0.3)],
    "atrial_fibrillation": [("B01AF01", 0.4), ("B01AF02", 0.35), ("C07AB02", 0.5)],
    "hypertension": [("C09CA01", 0.45), ("C08CA01", 0.4), ("C09DA01", 0.2), ("C03AA03", 0.1)],
    "stroke": [("B01AC06", 0.5), ("B01AC04", 0.4), ("C10AA05", 0.7)],
    "copd": [("R03AL03", 0.4), ("R03BB04", 0.5), ("R03AC02", 0.7)],
    "asthma": [("R03AK06", 0.5), ("R03AC02", 0.7)],
    "diabetes": [("A10BA02", 0.75), ("A10AE04", 0.2), ("A10BK01", 0.2), ("A10BJ02", 0.15)],
    "dementia": [("N06DA02", 0.4), ("N06DX01", 0.2), ("N05AX08", 0.1)],
    "cancer": [("L02BA01", 0.1), ("N02AA01", 0.15), ("A04AA01", 0.15), ("H02AB06", 0.2)],
    "ckd": [("C03CA01", 0.3), ("V03AE02", 0.1), ("C09CA01", 0.3)],
    "severe_mental_illness": [
        ("N05AH03", 0.5),
        ("N05AX08", 0.2),
        ("N05AN01", 0.15),
        ("N05AH04", 0.2),
    ],
    "depression": [("N06AB06", 0.4), ("N06AB10", 0.3), ("N06AX11", 0.2)],
    "substance_use": [("N07BC02", 0.15), ("N07BC51", 0.2), ("N05BA01", 0.3), ("N07BB01", 0.1)],
    "osteoporosis": [("M05BA04", 0.6), ("M05BX04", 0.2)],
    "parkinson": [("N04BA02", 0.8), ("N04BC05", 0.3)],
    "rheumatoid_arthritis": [("L04AX03", 0.7), ("H02AB06", 0.4), ("P01BA02", 0.3)],
}
OTHER_DRUGS = [
    "C10AA01",
    "A02BC02",
    "H03AA01",
    "N02BE01",
    "A11CC05",
    "B03BB01",
    "G04CA02",
    "N05CF01",
    "R06AX27",
    "D07AC01",
    "G03CA03",
    "N06AA09",
    "C05AA01",
    "S01ED51",
    "R01AD09",
]
SHORT_DRUGS = ["J01CE02", "J01AA02", "J01XE01", "N02AJ06", "M01AE01", "J01FA09", "R05DA04"]
# ICPC-2 codes for everyday problems that map to no condition group.
NOISE_CODES = [
    "R74",
    "R78",
    "L03",
    "L02",
    "A04",
    "S88",
    "U71",
    "D01",
    "N01",
    "P06",
    "P74",
    "A97",
    "K85",
    "T93",
    "L84",
    "L90",
    "R05",
    "A98",
    "H71",
    "S74",
]
CONTACT_KINDS = ["consultation", "phone", "e_consultation", "home_visit", "other"]
KIND_P_UNDER_80 = np.array([0.60, 0.20, 0.12, 0.01, 0.07])
KIND_P_80_PLUS = np.array([0.55, 0.22, 0.05, 0.12, 0.06])

# Baseline yearly probability of an acute admission without any condition, by age.
BASE_AGES = np.array([0, 5, 18, 40, 60, 70, 80, 90, 100], dtype=float)
BASE_P = np.array([0.04, 0.02, 0.03, 0.03, 0.045, 0.07, 0.12, 0.19, 0.25])
# Yearly GP contacts without conditions, by age (approximate, KUHR-like levels).
CONTACT_AGES = np.array([0, 5, 18, 40, 60, 75, 85, 95], dtype=float)
CONTACT_RATE = np.array([2.5, 1.3, 1.8, 2.2, 3.0, 4.0, 5.0, 5.5])

FRAILTY_EFFECT = 0.3  # log-odds per SD of the latent frailty z
SHOCK_SD = 0.35  # SD of the year-to-year AR(1) shock u_y
SHOCK_RHO = 0.9
LEAVE_SHARE = 0.04
JOIN_SHARE = 0.04
YEARS = (-2, -1, 0)  # year y covers days (t0 + 365 y, t0 + 365 (y + 1)]

ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True)
class SimulationSummary:
    """Summarise a simulated population."""

    n_t0: int
    n_t1: int
    t0: date
    t1: date
    outcome_rate: float
    out: Path


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def tenor_national_ids(birth_days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return unique Tenor-style synthetic fødselsnummer (month + 80) with valid check digits.

    ``birth_days`` are days since 1970-01-01. The individual number follows the century rules
    (1900–1999: 000–499, 2000–2039: 500–999, 1854–1899: 500–749); numbers whose check digit
    would be 10 are redrawn, as are duplicates.
    """
    dates = np.asarray(birth_days, dtype="datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    lo = np.where(years >= 2000, 500, np.where(years >= 1900, 0, 500))
    hi = np.where(years >= 2000, 999, np.where(years >= 1900, 499, 749))
    digits = np.zeros((len(dates), 11), dtype=np.int64)
    for i, v in enumerate(
        [
            days // 10,
            days % 10,
            (months + 80) // 10,
            (months + 80) % 10,
            (years % 100) // 10,
            years % 10,
        ]
    ):
        digits[:, i] = v
    w1 = np.array([3, 7, 6, 1, 8, 9, 4, 5, 2])
    w2 = np.array([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
    pending = np.arange(len(dates))
    result = np.empty(len(dates), dtype=np.int64)
    for _ in range(200):
        if pending.size == 0:
            break
        ind = rng.integers(lo[pending], hi[pending] + 1)
        digits[pending, 6] = ind // 100
        digits[pending, 7] = (ind // 10) % 10
        digits[pending, 8] = ind % 10
        k1 = (11 - (digits[pending, :9] @ w1) % 11) % 11
        digits[pending, 9] = k1
        k2 = (11 - (digits[pending, :10] @ w2) % 11) % 11
        digits[pending, 10] = k2
        valid = (k1 != 10) & (k2 != 10)
        result[pending] = digits[pending] @ (10 ** np.arange(10, -1, -1))
        result[pending[~valid]] = -1
        # Redraw invalid numbers and every later copy of a duplicate.
        _, first = np.unique(result, return_index=True)
        dup = np.ones(len(result), dtype=bool)
        dup[first] = False
        pending = np.flatnonzero(dup | (result < 0))
    if pending.size:
        raise RuntimeError("could not draw unique synthetic national ids")
    return np.char.zfill(result.astype(str), 11)


def _choice_per_row(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Draw one category index per row from a per-row probability matrix."""
    cum = probs.cumsum(axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1)


def _events(
    rng: np.random.Generator, pidx: np.ndarray, counts: np.ndarray, year: int
) -> tuple[np.ndarray, np.ndarray]:
    """Expand per-patient counts into (pidx, day) events spread uniformly over ``year``."""
    counts = np.asarray(counts, dtype=np.int64)
    rows = np.repeat(pidx, counts)
    day = 365 * year + rng.integers(1, 366, size=rows.size)
    return rows, day


def simulate(
    n_patients: int,
    seed: int,
    out: Path,
    *,
    t0: date = date(2025, 1, 1),
    progress: ProgressFn | None = None,
) -> SimulationSummary:
    """Write two synthetic extracts (t0, t1), truth.csv and followed_up.csv under ``out``."""
    say = progress or (lambda _step, _frac: None)
    rng = np.random.default_rng(seed)
    out = Path(out)
    n_join = int(round(n_patients * JOIN_SHARE))
    n = n_patients + n_join
    on_t0 = np.arange(n) < n_patients
    on_t1 = on_t0 & (rng.random(n) >= LEAVE_SHARE)
    on_t1[n_patients:] = True
    epoch = date(1970, 1, 1)
    t0_days = (t0 - epoch).days

    say("Befolkning", 0.0)
    weights = SSB_2024_THOUSANDS / SSB_2024_THOUSANDS.sum()
    group = rng.choice(len(weights), size=n, p=weights)
    age_exact = group * 5 + rng.random(n) * 5
    age = np.floor(age_exact)
    female = rng.random(n) < FEMALE_SHARE[group]
    birth_days = t0_days - np.floor(age_exact * 365.25).astype(np.int64)
    national_ids = tenor_national_ids(birth_days, rng)
    z = rng.standard_normal(n)
    u = {-2: SHOCK_SD * rng.standard_normal(n)}
    u[-1] = SHOCK_RHO * u[-2] + SHOCK_SD * np.sqrt(1 - SHOCK_RHO**2) * rng.standard_normal(n)
    u[0] = SHOCK_RHO * u[-1] + SHOCK_SD * np.sqrt(1 - SHOCK_RHO**2) * rng.standard_normal(n)

    # Conditions: age-dependent prevalence, tilted by frailty so conditions cluster.
    keys = list(CONDITION_MODEL)
    has = np.zeros((n, len(keys)), dtype=bool)
    onset = np.full((n, len(keys)), -3, dtype=np.int64)  # year of onset; -3 = before history
    for j, key in enumerate(keys):
        prev, _beta, _icpc, _icd = CONDITION_MODEL[key]
        p = np.interp(age_exact, AGE_ANCHORS, prev)
        if key == "osteoporosis":
            p = p * np.where(female, 1.6, 0.4)
        # Subtracting 0.5·0.7² keeps rare-condition prevalence near the target despite the tilt.
        has[:, j] = rng.random(n) < _sigmoid(_logit(p) + 0.7 * z - 0.245)
        r = rng.random(n)
        onset[:, j] = np.where(r < 0.8, -3, np.where(r < 0.9, -2, -1))
    betas = np.array([CONDITION_MODEL[k][1] for k in keys])

    def active(year: int) -> np.ndarray:
        return has & (onset <= year)

    base_logit = _logit(np.interp(age_exact, BASE_AGES, BASE_P)) + np.where(female, 0.0, 0.1)
    p_year = {}
    for y in YEARS:
        # The follow-up year uses the conditions known at t0: no new onsets after t0.
        cond_y = active(min(y, -1))
        p_year[y] = _sigmoid(base_logit + cond_y @ betas + FRAILTY_EFFECT * z + u[y])
    true_risk = p_year[0]

    say("Innleggelser", 0.15)
    acute_rows: list[np.ndarray] = []
    acute_days: list[np.ndarray] = []
    acute_n = {}
    for y in YEARS:
        admitted = rng.random(n) < p_year[y]
        count = admitted * (1 + rng.poisson(0.25 + 0.5 * p_year[y]))
        acute_n[y] = count
        r, d = _events(rng, np.arange(n), count, y)
        acute_rows.append(r)
        acute_days.append(d)
    outcome = (acute_n[0] > 0).astype(np.int8)
    a_pidx = np.concatenate(acute_rows)
    a_day = np.concatenate(acute_days)
    a_los = rng.geometric(1 / (2.5 + age[a_pidx] / 25))  # nights, mean rising with age
    e_pidx_l, e_day_l = [], []
    for y in YEARS:
        count = rng.poisson(0.02 + 0.03 * active(y).sum(axis=1))
        r, d = _events(rng, np.arange(n), count, y)
        e_pidx_l.append(r)
        e_day_l.append(d)
    e_pidx = np.concatenate(e_pidx_l)
    e_day = np.concatenate(e_day_l)
    e_los = rng.geometric(0.5, size=e_pidx.size)
    stays = pl.DataFrame(
        {
            "pidx": np.concatenate([a_pidx, e_pidx]),
            "day": np.concatenate([a_day, e_day]),
            "out_day": np.concatenate([a_day + a_los, e_day + e_los]),
            "acute": np.concatenate(
                [np.ones(a_pidx.size, dtype=bool), np.zeros(e_pidx.size, dtype=bool)]
            ),
        }
    )

    say("Kontakter", 0.3)
    c_pidx_l, c_day_l, c_kind_l = [], [], []
    kind_p = np.where((age >= 80)[:, None], KIND_P_80_PLUS[None, :], KIND_P_UNDER_80[None, :])
    base_rate = np.interp(age_exact, CONTACT_AGES, CONTACT_RATE)
    for y in YEARS:
        n_cond = active(y).sum(axis=1)
        lam = base_rate * np.exp(0.15 * n_cond + 0.5 * z + 0.8 * u[y]) + 1.5 * acute_n[y]
        count = rng.poisson(lam)
        r, d = _events(rng, np.arange(n), count, y)
        kinds = _choice_per_row(rng, kind_p[r])
        c_pidx_l.append(r)
        c_day_l.append(d)
        c_kind_l.append(kinds)
        lam_ooh = 0.15 * np.exp(0.5 * z + 1.0 * u[y] + 0.1 * n_cond) + 0.5 * acute_n[y]
        r, d = _events(rng, np.arange(n), rng.poisson(lam_ooh), y)
        c_pidx_l.append(r)
        c_day_l.append(d)
        c_kind_l.append(np.full(r.size, len(CONTACT_KINDS)))
    kind_names = [*CONTACT_KINDS, "out_of_hours"]
    contacts = pl.DataFrame(
        {
            "pidx": np.concatenate(c_pidx_l),
            "day": np.concatenate(c_day_l),
            "kind": pl.Series(np.concatenate(c_kind_l)).replace_strict(
                list(range(len(kind_names))), kind_names, return_dtype=pl.String
            ),
        }
    )

    say("Diagnoser", 0.45)
    d_frames = []
    for j, key in enumerate(keys):
        _prev, _beta, icpc, icd = CONDITION_MODEL[key]
        for y in YEARS:
            idx = np.flatnonzero(active(y)[:, j])
            count = rng.poisson(1.2, size=idx.size) + (rng.random(idx.size) < 0.85)
            r, d = _events(rng, idx, count, y)
            use_icd = (rng.random(r.size) < 0.15) | (not icpc)
            codes = np.asarray(icpc or [icd])[rng.integers(0, max(len(icpc), 1), size=r.size)]
            d_frames.append(
                pl.DataFrame(
                    {
                        "pidx": r,
                        "day": d,
                        "system": np.where(use_icd, "ICD-10", "ICPC-2"),
                        "code": np.where(use_icd, icd, codes),
                    }
                )
            )
    # Everyday problems on about half of the face-to-face contacts.
    face = contacts.filter(pl.col("kind").is_in(["consultation", "home_visit", "e_consultation"]))
    noisy = face.filter(pl.Series(rng.random(face.height) < 0.5))
    d_frames.append(
        noisy.select(
            "pidx",
            "day",
            pl.lit("ICPC-2").alias("system"),
            pl.Series(
                "code", np.asarray(NOISE_CODES)[rng.integers(0, len(NOISE_CODES), noisy.height)]
            ),
        )
    )
    diagnoses = pl.concat(d_frames, how="vertical_relaxed")

    say("Legemidler", 0.6)
    reg_pidx, reg_atc, reg_start = [], [], []
    for j, key in enumerate(keys):
        for atc, prob in CONDITION_DRUGS[key]:
            idx = np.flatnonzero(has[:, j] & (rng.random(n) < prob))
            reg_pidx.append(idx)
            reg_atc.append(np.full(idx.size, atc))
            reg_start.append(np.maximum(onset[idx, j], -2))
    n_other = rng.poisson(0.1 + 0.035 * np.maximum(age - 20, 0) + 0.3 * has.sum(axis=1))
    idx = np.repeat(np.arange(n), n_other)
    reg_pidx.append(idx)
    reg_atc.append(np.asarray(OTHER_DRUGS)[rng.integers(0, len(OTHER_DRUGS), idx.size)])
    reg_start.append(rng.choice([-3, -2, -1], size=idx.size, p=[0.8, 0.1, 0.1]))
    r_pidx = np.concatenate(reg_pidx)
    r_atc = np.concatenate(reg_atc)
    r_start = np.concatenate(reg_start)
    m_frames = []
    for y in YEARS:
        act = np.flatnonzero(r_start <= y)
        count = 1 + rng.poisson(1.5, size=act.size)
        rows = np.repeat(act, count)
        m_frames.append(
            pl.DataFrame(
                {
                    "pidx": r_pidx[rows],
                    "day": 365 * y + rng.integers(1, 366, size=rows.size),
                    "atc": r_atc[rows],
                }
            )
        )
        k = rng.poisson(0.3 + 0.1 * active(y).sum(axis=1))
        r, d = _events(rng, np.arange(n), k, y)
        m_frames.append(
            pl.DataFrame(
                {
                    "pidx": r,
                    "day": d,
                    "atc": np.asarray(SHORT_DRUGS)[rng.integers(0, len(SHORT_DRUGS), r.size)],
                }
            )
        )
    medications = pl.concat(m_frames)

    patients = pl.DataFrame(
        {
            "pidx": np.arange(n),
            "patient_id": [f"P{i:07d}" for i in range(n)],
            "national_id": national_ids,
            "birth_date": (birth_days).astype("datetime64[D]"),
            "sex": np.where(female, "F", "M"),
            "gp_id": (9100000 + rng.integers(0, max(n // 1100, 1), n)).astype(str),
        }
    ).with_columns(pl.col("birth_date").cast(pl.Date))
    # A few patients without a national id, as the format allows.
    patients = patients.with_columns(
        pl.when(pl.Series(rng.random(n) < 0.005))
        .then(None)
        .otherwise("national_id")
        .alias("national_id")
    )

    say("Skriver t0", 0.7)
    t1 = t0 + timedelta(days=365)
    tables = {"stays": stays, "contacts": contacts, "diagnoses": diagnoses, "meds": medications}
    _write_extract(out / "t0", t0, t0_days, t0_days, on_t0, patients, tables, seed)
    say("Skriver t1", 0.85)
    _write_extract(out / "t1", t1, t0_days + 365, t0_days, on_t1, patients, tables, seed)

    say("Fasit", 0.95)
    truth = pl.DataFrame(
        {
            "patient_id": patients["patient_id"][:n_patients],
            "true_risk": true_risk[:n_patients],
            "acute_admission_12m": outcome[:n_patients],
        }
    )
    truth.write_csv(out / "truth.csv", float_precision=6)
    # Who the municipality already follows up: many of the highest-risk, few others.
    pct = np.argsort(np.argsort(-true_risk[:n_patients])) / max(n_patients, 1)
    share = np.where(pct < 0.05, 0.4, np.where(pct < 0.15, 0.1, 0.005))
    chosen = rng.random(n_patients) < share
    followed = patients[:n_patients].filter(pl.Series(chosen)).drop_nulls("national_id")
    followed.select("national_id").write_csv(out / "followed_up.csv")
    say("Ferdig", 1.0)
    return SimulationSummary(
        n_t0=int(on_t0.sum()),
        n_t1=int(on_t1.sum()),
        t0=t0,
        t1=t1,
        outcome_rate=float(outcome[:n_patients].mean()) if n_patients else 0.0,
        out=out,
    )


def _write_extract(
    folder: Path,
    extracted_at: date,
    end_day: int,
    offset: int,
    on_list: np.ndarray,
    patients: pl.DataFrame,
    tables: dict[str, pl.DataFrame],
    seed: int,
) -> None:
    """Write one extract: list members' events in the two years up to ``extracted_at``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "extract.json").write_text(
        json.dumps(
            {
                "extracted_at": extracted_at.isoformat(),
                "source": f"Syntetisk populasjon (oppfolging.risk.simulate, seed {seed})",
                "gp_office": "Syntetisk legekontor",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    members = patients.filter(pl.Series(on_list))
    ids = members.select("pidx", "patient_id")
    members.drop("pidx").write_csv(folder / "patients.csv")
    # Day numbers in ``tables`` are relative to t0; ``end_day`` is extracted_at in epoch days.

    def window(df: pl.DataFrame, col: str = "day") -> pl.DataFrame:
        abs_day = pl.col(col) + offset
        return df.filter((abs_day > end_day - 730) & (abs_day <= end_day)).join(
            ids, on="pidx", how="inner"
        )

    def as_date(col: str) -> pl.Expr:
        return (pl.col(col) + offset).cast(pl.Int32).cast(pl.Date)

    window(tables["diagnoses"]).sort("pidx", "day").select(
        "patient_id", as_date("day").alias("date"), "system", "code"
    ).write_csv(folder / "diagnoses.csv")
    window(tables["meds"]).sort("pidx", "day").select(
        "patient_id", as_date("day").alias("date"), "atc"
    ).write_csv(folder / "medications.csv")
    window(tables["contacts"]).sort("pidx", "day").select(
        "patient_id", as_date("day").alias("date"), "kind"
    ).write_csv(folder / "contacts.csv")
    window(tables["stays"]).sort("pidx", "day").select(
        "patient_id",
        as_date("day").alias("admitted"),
        pl.when(pl.col("out_day") + offset <= end_day)
        .then(as_date("out_day"))
        .otherwise(None)
        .alias("discharged"),
        pl.when(pl.col("acute")).then(pl.lit("true")).otherwise(pl.lit("false")).alias("acute"),
    ).write_csv(folder / "hospital_stays.csv")
