"""Compute one row of features per patient at the extract's ``extracted_at``.

Every feature is listed in :data:`FEATURES` with its definition and Norwegian label, and the
condition groups are a documented code table in :data:`CONDITIONS`. All work is vectorised Polars
(group-bys over integer patient indices); there is no per-patient Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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

YEAR = timedelta(days=365)


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


def _window(col: str, start: object, end: object) -> pl.Expr:
    """Select dates in the half-open window (start, end]."""
    return (pl.col(col) > pl.lit(start)) & (pl.col(col) <= pl.lit(end))


def condition_table() -> pl.DataFrame:
    """Return the code → condition lookup as (system, code3, condition) rows."""
    rows = [("ICPC-2", code, c.key) for c in CONDITIONS for code in c.icpc2]
    rows += [("ICD-10", code, c.key) for c in CONDITIONS for code in c.icd10]
    return pl.DataFrame(rows, schema=["system", "code3", "condition"], orient="row")


def compute_features(extract: Extract) -> pl.DataFrame:
    """Return one row per patient (in ``pidx`` order) with every feature in FEATURES.

    Besides the features the frame holds ``pidx``, ``patient_id``, ``national_id`` and, per
    condition, ``code_<key>``: the most recent code that marked it, used in explanations.
    Events dated after ``extracted_at`` (booked appointments) are ignored.
    """
    t = extract.extracted_at
    t1 = t - YEAR
    t2 = t - 2 * YEAR
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

    # Conditions: map each diagnosis to its group, keep the latest code per (patient, group).
    dx = (
        extract.diagnoses.filter(pl.col("date") <= t)
        .with_columns(pl.col("code").str.slice(0, 3).alias("code3"))
        .join(condition_table(), on=["system", "code3"], how="inner")
        .group_by("pidx", "condition")
        .agg(pl.col("code").sort_by("date").last())
    )
    cond = dx.group_by("pidx").agg(
        [
            pl.col("code").filter(pl.col("condition") == c.key).first().alias(f"code_{c.key}")
            for c in CONDITIONS
        ]
    )

    last = _window("date", t1, t)
    prev = _window("date", t2, t1)
    # Group-bys are fastest with plain column aggregations (sum, max, min); a filtered or
    # n_unique aggregation runs per group. So the row-level flags are computed first, and the
    # distinct substances come from one (patient, substance) group-by: a substance counts for
    # "last 12 months" when any of its rows is in it, for "the year before" when any is not.
    per_atc = (
        extract.medications.lazy()
        .filter(_window("date", t2, t))
        .group_by("pidx", "atc")
        .agg(last.max().alias("_in_last"), last.min().alias("_only_last"))
    )
    med = (
        per_atc.select(
            "pidx",
            pl.col("_in_last").cast(pl.UInt32).alias("n_atc_12m"),
            (~pl.col("_only_last")).cast(pl.UInt32).alias("n_atc_prev_12m"),
            *[
                (
                    pl.col("_in_last")
                    & pl.any_horizontal(pl.col("atc").str.starts_with(p) for p in prefixes)
                ).alias(key)
                for key, _label, prefixes in MEDICINE_GROUPS
            ],
        )
        .group_by("pidx")
        .agg(
            pl.col("n_atc_12m", "n_atc_prev_12m").sum(),
            pl.col([key for key, _label, _prefixes in MEDICINE_GROUPS]).max(),
        )
        .collect()
    )

    kind = pl.col("kind")
    con = (
        extract.contacts.lazy()
        .filter(_window("date", t2, t))
        .select(
            "pidx",
            *[
                (last & (kind == k)).cast(pl.UInt32).alias(f"contacts_{k}_12m")
                for k in CONTACT_KINDS
            ],
            last.cast(pl.UInt32).alias("contacts_12m"),
            prev.cast(pl.UInt32).alias("contacts_prev_12m"),
            (prev & (kind == "out_of_hours")).cast(pl.UInt32).alias("_ooh_prev"),
        )
        .group_by("pidx")
        .agg(pl.all().sum())
        .collect()
    )

    stays = extract.hospital_stays.filter(pl.col("admitted") <= t)
    in_last = _window("admitted", t1, t)
    in_prev = _window("admitted", t2, t1)
    end = pl.min_horizontal(pl.col("discharged").fill_null(pl.lit(t)), pl.lit(t))
    sty = stays.group_by("pidx").agg(
        in_last.sum().alias("stays_12m"),
        (in_last & pl.col("acute")).sum().alias("acute_12m"),
        (in_prev & pl.col("acute")).sum().alias("acute_prev_12m"),
        (end - pl.col("admitted"))
        .dt.total_days()
        .clip(0, None)
        .filter(in_last)
        .sum()
        .alias("bed_days_12m"),
        pl.col("admitted").filter(pl.col("acute")).max().alias("_last_acute"),
    )

    df = (
        base.join(cond, on="pidx", how="left")
        .join(med, on="pidx", how="left")
        .join(con, on="pidx", how="left")
        .join(sty, on="pidx", how="left")
        .sort("pidx")
    )
    cond_flags = [
        pl.col(f"code_{c.key}").is_not_null().cast(pl.Float64).alias(f"cond_{c.key}")
        for c in CONDITIONS
    ]
    counts = [
        "n_atc_12m",
        "n_atc_prev_12m",
        *[f"contacts_{k}_12m" for k in CONTACT_KINDS],
        "contacts_12m",
        "contacts_prev_12m",
        "_ooh_prev",
        "stays_12m",
        "acute_12m",
        "acute_prev_12m",
        "bed_days_12m",
    ]
    df = df.with_columns(
        *cond_flags,
        *[pl.col(c).fill_null(0).cast(pl.Float64) for c in counts],
        *[pl.col(key).fill_null(False).cast(pl.Float64) for key, _l, _p in MEDICINE_GROUPS],
        (pl.lit(t) - pl.col("_last_acute"))
        .dt.total_days()
        .fill_null(999)
        .cast(pl.Float64)
        .alias("days_since_acute"),
    ).with_columns(
        pl.sum_horizontal(f"cond_{c.key}" for c in CONDITIONS).alias("n_conditions"),
        (pl.col("contacts_12m") - pl.col("contacts_prev_12m")).alias("contacts_delta"),
        (pl.col("contacts_out_of_hours_12m") - pl.col("_ooh_prev")).alias("out_of_hours_delta"),
        (pl.col("acute_12m") - pl.col("acute_prev_12m")).alias("acute_delta"),
    )
    assert df.height == n
    return df.select(
        "pidx",
        "patient_id",
        "national_id",
        *FEATURE_NAMES,
        *[f"code_{c.key}" for c in CONDITIONS],
    )
