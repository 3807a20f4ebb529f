"""Compute one row of features per patient at the extract's ``extracted_at``.

Every feature is listed in :data:`FEATURES` with its definition and Norwegian label, and the
condition groups are a documented code table in :data:`CONDITIONS`. All work is vectorised
(numpy tallies over integer patient indices, Polars for the rest); there is no per-patient
Python loop.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from oppfolging.risk.reader import CONTACT_KINDS, Extract


@dataclass(frozen=True)
class Condition:
    """A chronic condition group and the 3-character codes that mark it."""

    key: str
    label: str
    icpc2: tuple[str, ...]
    icd10: tuple[str, ...]


def _span(letter: str, first: int, last: int) -> tuple[str, ...]:
    """Expand a code range such as I20–I25 into its 3-character categories."""
    return tuple(f"{letter}{n:02d}" for n in range(first, last + 1))


# Codes are matched on their first three characters (the ICPC-2 rubric or ICD-10 category).
# Only codes we are sure of are listed; where ICPC-2 has no specific rubric (chronic kidney
# disease) the group is found from ICD-10 (e.g. hospital letters) only.
CONDITIONS: tuple[Condition, ...] = (
    Condition("heart_failure", "Hjertesvikt", ("K77",), ("I50",)),
    Condition(
        "ischaemic_heart", "Iskemisk hjertesykdom", ("K74", "K75", "K76"), _span("I", 20, 25)
    ),
    Condition("atrial_fibrillation", "Atrieflimmer", ("K78",), ("I48",)),
    Condition("hypertension", "Høyt blodtrykk", ("K86", "K87"), _span("I", 10, 15)),
    Condition("stroke", "Hjerneslag", ("K90",), ("I61", "I63", "I64")),
    Condition("copd", "KOLS", ("R95",), ("J43", "J44")),
    Condition("asthma", "Astma", ("R96",), ("J45",)),
    Condition("diabetes", "Diabetes", ("T89", "T90"), _span("E", 10, 14)),
    Condition("dementia", "Demens", ("P70",), (*_span("F", 0, 3), "G30")),
    Condition(
        "cancer",
        "Kreft",
        # Rubrics for malignant disease only: F74, H75 and K72 also cover benign neoplasms.
        (
            "A79",
            "B72",
            "B73",
            "B74",
            "D74",
            "D75",
            "D76",
            "D77",
            "L71",
            "N74",
            "R84",
            "R85",
            "S77",
            "T71",
            "U75",
            "U76",
            "U77",
            "W72",
            "X75",
            "X76",
            "X77",
            "Y77",
            "Y78",
        ),
        _span("C", 0, 97),
    ),
    Condition("ckd", "Kronisk nyresykdom", (), ("N18",)),
    Condition(
        "severe_mental_illness",
        "Alvorlig psykisk lidelse",
        ("P72", "P73", "P98"),
        _span("F", 20, 31),
    ),
    Condition("depression", "Depresjon", ("P76",), ("F32", "F33")),
    Condition("substance_use", "Rusmiddelproblem", ("P15", "P16", "P19"), _span("F", 10, 19)),
    Condition("osteoporosis", "Osteoporose", ("L95",), ("M80", "M81")),
    Condition("parkinson", "Parkinsons sykdom", ("N87",), ("G20",)),
    Condition("rheumatoid_arthritis", "Leddgikt", ("L88",), ("M05", "M06")),
)

# Medicine groups by ATC prefix, chosen because they mark frailty or severe disease.
MEDICINE_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("med_loop_diuretic", "Slyngediuretikum", ("C03C",)),
    ("med_anticoagulant", "Blodfortynnende", ("B01AA", "B01AE", "B01AF")),
    ("med_insulin", "Insulin", ("A10A",)),
    ("med_opioid", "Opioider", ("N02A",)),
    ("med_antipsychotic", "Antipsykotika", ("N05A",)),
)

# The windows are 365 days: (t − 365 d, t] is the last 12 months, (t − 730 d, t − 365 d] the
# 12 months before.
YEAR = 365
EPOCH = date(1970, 1, 1)


def _codes(codes: tuple[str, ...]) -> str:
    """Write a code list compactly for documentation."""
    if not codes:
        return "–"
    if len(codes) > 8 and codes[0][0] == codes[-1][0]:
        return f"{codes[0]}–{codes[-1]}"
    return ", ".join(codes)


# name -> (definition, Norwegian label). The order here is the model's column order.
FEATURES: dict[str, tuple[str, str]] = {
    "age": ("Age in whole years at extracted_at (from birth_year when no birth_date)", "Alder"),
    "sex_female": ("1 if sex is F, 0 otherwise", "Kvinne"),
    **{
        f"cond_{c.key}": (
            f"1 if any diagnosis up to extracted_at has ICPC-2 {_codes(c.icpc2)} "
            f"or ICD-10 {_codes(c.icd10)}",
            c.label,
        )
        for c in CONDITIONS
    },
    "n_conditions": ("Number of condition groups above", "Antall kroniske sykdommer"),
    "n_atc_12m": (
        "Distinct ATC substances prescribed in the last 12 months",
        "Ulike legemidler siste år",
    ),
    "n_atc_prev_12m": (
        "Distinct ATC substances prescribed in the 12 months before that",
        "Ulike legemidler året før",
    ),
    **{
        key: (f"1 if any ATC {', '.join(prefixes)}* prescribed in the last 12 months", label)
        for key, label, prefixes in MEDICINE_GROUPS
    },
    **{
        f"contacts_{kind}_12m": (f"Contacts of kind {kind} in the last 12 months", label)
        for kind, label in zip(
            CONTACT_KINDS,
            (
                "Konsultasjoner siste år",
                "Sykebesøk siste år",
                "Telefonkontakter siste år",
                "E-konsultasjoner siste år",
                "Legevaktkontakter siste år",
                "Andre kontakter siste år",
            ),
            strict=True,
        )
    },
    "contacts_12m": ("All contacts in the last 12 months", "Legekontakter siste år"),
    "contacts_prev_12m": ("All contacts in the 12 months before that", "Legekontakter året før"),
    "contacts_delta": ("contacts_12m minus contacts_prev_12m", "Endring i legekontakter"),
    "out_of_hours_delta": (
        "Out-of-hours contacts in the last 12 months minus the 12 months before",
        "Endring i legevaktkontakter",
    ),
    "stays_12m": ("Hospital stays admitted in the last 12 months", "Sykehusopphold siste år"),
    "acute_12m": (
        "Acute hospital stays admitted in the last 12 months",
        "Akuttinnleggelser siste år",
    ),
    "acute_prev_12m": (
        "Acute hospital stays admitted in the 12 months before that",
        "Akuttinnleggelser året før",
    ),
    "acute_delta": ("acute_12m minus acute_prev_12m", "Endring i akuttinnleggelser"),
    "bed_days_12m": (
        "Nights in hospital (discharged minus admitted) for stays admitted in the last 12 "
        "months; open stays count to extracted_at",
        "Liggedøgn siste år",
    ),
    "days_since_acute": (
        "Days since the latest acute admission, 999 if none in the extract",
        "Dager siden siste akuttinnleggelse",
    ),
}
FEATURE_NAMES: list[str] = list(FEATURES)


def compute_features(extract: Extract) -> pl.DataFrame:
    """Return one row per patient (in ``pidx`` order) with every feature in FEATURES.

    Besides the features the frame holds ``pidx``, ``patient_id``, ``national_id`` and, per
    condition, ``code_<key>``: the most recent code that marked it, used in explanations.
    Events dated after ``extracted_at`` (booked appointments) are ignored.

    Counts are tallied with ``numpy.bincount`` over the integer patient index (``pidx`` is the
    row in ``patients``), which gives every patient's count in one pass without a group-by,
    join or sort; string columns are turned into small integer codes once, per distinct value.
    """
    t = extract.extracted_at
    day = _day(t)
    n = extract.patients.height
    base = extract.patients.select(
        "pidx",
        "patient_id",
        "national_id",
        pl.when(pl.col("birth_date").is_not_null())
        .then(
            pl.lit(t.year, pl.Int32)
            - pl.col("birth_date").dt.year()
            - (
                (pl.col("birth_date").dt.month() > t.month)
                | (
                    (pl.col("birth_date").dt.month() == t.month)
                    & (pl.col("birth_date").dt.day() > t.day)
                )
            ).cast(pl.Int32)
        )
        .otherwise(pl.lit(t.year, pl.Int32) - pl.col("birth_year"))
        .cast(pl.Float64)
        .alias("age"),
        (pl.col("sex") == "F").cast(pl.Float64).alias("sex_female"),
    )
    # The four event tables are independent: tally them on two threads (numpy and Polars
    # release the GIL), so both cores work through the single-threaded numpy steps.
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = [
            pool.submit(_conditions, extract.diagnoses, t, n),
            pool.submit(_medicines, extract.medications, day, n),
            pool.submit(_contacts, extract.contacts, day, n),
            pool.submit(_stays, extract.hospital_stays, t, n),
        ]
        columns: dict[str, pl.Series] = {}
        for part in parts:
            columns |= part.result()
    df = base.with_columns(list(columns.values()))
    df = df.with_columns(
        pl.sum_horizontal(f"cond_{c.key}" for c in CONDITIONS).alias("n_conditions"),
        (pl.col("contacts_12m") - pl.col("contacts_prev_12m")).alias("contacts_delta"),
        (pl.col("contacts_out_of_hours_12m") - pl.col("_ooh_prev")).alias("out_of_hours_delta"),
        (pl.col("acute_12m") - pl.col("acute_prev_12m")).alias("acute_delta"),
    )
    return df.select(
        "pidx",
        "patient_id",
        "national_id",
        *FEATURE_NAMES,
        *[f"code_{c.key}" for c in CONDITIONS],
    )


def _day(d: date) -> int:
    """Return a date as days since 1970-01-01, the integer Polars stores a Date as."""
    return (d - EPOCH).days


def _days(frame: pl.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_physical().to_numpy()


def _count(pidx: np.ndarray, n: int, slots: int = 1, slot: np.ndarray | None = None) -> np.ndarray:
    """Count rows per patient (and per slot): an (n, slots) array of float64."""
    key = pidx.astype(np.int64) * slots + (0 if slot is None else slot)
    return np.bincount(key, minlength=n * slots).reshape(n, slots).astype(np.float64)


def _integer_codes(series: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Return an integer code per row and the distinct values the codes index (0..k-1).

    Each distinct string is hashed once into a Categorical, so per-value work (slicing a code,
    matching a prefix) runs on the few distinct values instead of on every row.
    """
    as_category = series.cast(pl.Categorical)
    physical = as_category.to_physical()
    distinct = as_category.unique()
    if series.len() == 0:
        return np.zeros(0, dtype=np.int64), distinct.cast(pl.String)
    highest = physical.max()
    assert isinstance(highest, int)  # a Categorical's physical values are unsigned integers
    table = np.full(highest + 1, -1, dtype=np.int64)
    table[distinct.to_physical().to_numpy()] = np.arange(len(distinct))
    return table[physical.to_numpy()], distinct.cast(pl.String)


def _conditions(diagnoses: pl.DataFrame, t: date, n: int) -> dict[str, pl.Series]:
    """Flag each condition group and keep the code that marked it most recently.

    Among codes of the same group on the latest date, the last one in the file is kept.
    """
    dx = diagnoses
    days = _days(dx, "date")
    code, values = _integer_codes(dx["code"])
    # Group per distinct code, once per system: -1 where the code marks no group.
    index = {c.key: g for g, c in enumerate(CONDITIONS)}
    by_system = {}
    for system, attr in (("ICPC-2", "icpc2"), ("ICD-10", "icd10")):
        lookup = {code3: index[c.key] for c in CONDITIONS for code3 in getattr(c, attr)}
        by_system[system] = np.array(
            [lookup.get(v[:3], -1) for v in values.to_list()] or [-1], dtype=np.int64
        )
    icpc = (dx["system"] == "ICPC-2").to_numpy()
    group = np.where(icpc, by_system["ICPC-2"][code], by_system["ICD-10"][code])
    rows = np.flatnonzero((group >= 0) & (days <= _day(t)))
    pidx = dx["pidx"].to_numpy()[rows].astype(np.int64)
    key = pidx * len(CONDITIONS) + group[rows]
    # Latest date, then last row: the largest (date, row) per key, packed into one integer.
    latest = (
        pl.DataFrame({"key": key, "at": (days[rows].astype(np.int64) << 32) + rows})
        .group_by("key")
        .agg(pl.col("at").max())
    )
    keys = latest["key"].to_numpy()
    chosen = code[latest["at"].to_numpy() & 0xFFFFFFFF]
    categories = pl.Enum(values)
    out: dict[str, pl.Series] = {}
    for g, c in enumerate(CONDITIONS):
        mine = keys % len(CONDITIONS) == g
        at = np.full(n, -1, dtype=np.int64)
        at[keys[mine] // len(CONDITIONS)] = chosen[mine]
        out[f"cond_{c.key}"] = pl.Series(f"cond_{c.key}", (at >= 0).astype(np.float64))
        # An Enum over the extract's distinct codes: reads as text, and explanations can use
        # the integer behind it. -1 becomes null when cast to an unsigned index.
        idx = pl.Series(f"code_{c.key}", at).cast(pl.UInt32, strict=False)
        out[f"code_{c.key}"] = idx.cat.to(categories)
    return out


def _medicines(medications: pl.DataFrame, day: int, n: int) -> dict[str, pl.Series]:
    """Count distinct substances in each 12-month window and flag the medicine groups."""
    d = _days(medications, "date")
    last = (d > day - YEAR) & (d <= day)
    prev = (d > day - 2 * YEAR) & (d <= day - YEAR)
    atc, values = _integer_codes(medications["atc"])
    pidx = medications["pidx"].to_numpy().astype(np.int64)
    key = pidx * max(len(values), 1) + atc
    out: dict[str, pl.Series] = {}
    for name, window in (("n_atc_12m", last), ("n_atc_prev_12m", prev)):
        # A substance counts once per patient and window: count the distinct keys.
        distinct = pl.Series(key[window]).unique().to_numpy() // max(len(values), 1)
        out[name] = pl.Series(name, _count(distinct, n)[:, 0])
    # Each distinct substance's medicine groups as bits, looked up once per row.
    bits = np.array(
        [
            sum(
                1 << g
                for g, (_k, _l, prefixes) in enumerate(MEDICINE_GROUPS)
                if v.startswith(prefixes)
            )
            for v in values.to_list()
        ]
        or [0],
        dtype=np.uint8,
    )
    marked = bits[atc]
    rows = np.flatnonzero(last & (marked > 0))
    for g, (name, _label, _prefixes) in enumerate(MEDICINE_GROUPS):
        hits = _count(pidx[rows[(marked[rows] >> g) & 1 == 1]], n)[:, 0]
        out[name] = pl.Series(name, (hits > 0).astype(np.float64))
    return out


def _contacts(contacts: pl.DataFrame, day: int, n: int) -> dict[str, pl.Series]:
    """Count contacts by kind in the last 12 months and in the 12 months before."""
    d = _days(contacts, "date")
    last = (d > day - YEAR) & (d <= day)
    prev = (d > day - 2 * YEAR) & (d <= day - YEAR)
    kinds = len(CONTACT_KINDS)
    # The Enum's integer is the kind's place in CONTACT_KINDS (the reader gives an Enum).
    kind_index = contacts["kind"].cast(pl.Enum(CONTACT_KINDS)).to_physical().to_numpy()
    # One tally of (patient, kind, window) slots: slot = kind, or kinds + kind the year before.
    rows = last | prev
    counts = _count(
        contacts["pidx"].to_numpy()[rows], n, 2 * kinds, kind_index[rows] + kinds * prev[rows]
    )
    out = {
        f"contacts_{k}_12m": pl.Series(f"contacts_{k}_12m", counts[:, i])
        for i, k in enumerate(CONTACT_KINDS)
    }
    out["contacts_12m"] = pl.Series("contacts_12m", counts[:, :kinds].sum(axis=1))
    out["contacts_prev_12m"] = pl.Series("contacts_prev_12m", counts[:, kinds:].sum(axis=1))
    ooh = kinds + CONTACT_KINDS.index("out_of_hours")
    out["_ooh_prev"] = pl.Series("_ooh_prev", counts[:, ooh])
    return out


def _stays(stays: pl.DataFrame, t: date, n: int) -> dict[str, pl.Series]:
    """Count stays and acute admissions, nights in hospital and days since the last acute."""
    day = _day(t)
    admitted = _days(stays, "admitted")
    shown = admitted <= day
    admitted = admitted[shown]
    discharged = stays["discharged"].to_physical().fill_null(day).to_numpy()[shown]
    acute = stays["acute"].to_numpy()[shown]
    pidx = stays["pidx"].to_numpy()[shown].astype(np.int64)
    last = admitted > day - YEAR
    prev = (admitted > day - 2 * YEAR) & ~last
    nights = np.clip(np.minimum(discharged, day) - admitted, 0, None).astype(np.float64)
    latest = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(latest, pidx[acute], admitted[acute])
    return {
        "stays_12m": pl.Series("stays_12m", _count(pidx[last], n)[:, 0]),
        "acute_12m": pl.Series("acute_12m", _count(pidx[last & acute], n)[:, 0]),
        "acute_prev_12m": pl.Series("acute_prev_12m", _count(pidx[prev & acute], n)[:, 0]),
        "bed_days_12m": pl.Series(
            "bed_days_12m",
            np.bincount(pidx[last], weights=nights[last], minlength=n).astype(np.float64),
        ),
        "days_since_acute": pl.Series(
            "days_since_acute",
            np.where(latest > np.iinfo(np.int64).min, day - latest, 999).astype(np.float64),
        ),
    }
