"""Turn per-feature contributions into the top three reasons per patient, in plain Norwegian.

The contributions come from LightGBM's SHAP values for the learned model and from the points
for the reference score; either way only positive contributions whose feature value is
meaningful to a reader (a condition that is present, a count above zero) become reasons.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from oppfolging.risk.features import CONDITIONS, CONTACT_KINDS, MEDICINE_GROUPS
from oppfolging.risk.parallel import each_block

TOP = 3
SEPARATOR = "; "

# feature -> (singular template, plural template); "{v}" is the value, "{code}" the code seen.
_TEMPLATES: dict[str, tuple[str, str]] = {
    "age": ("Alder {v} år", "Alder {v} år"),
    "n_conditions": ("{v} kronisk sykdom", "{v} kroniske sykdommer"),
    "n_atc_12m": ("{v} legemiddel siste år", "{v} ulike legemidler siste år"),
    "n_atc_prev_12m": ("{v} legemiddel året før", "{v} ulike legemidler året før"),
    "contacts_12m": ("{v} legekontakt siste år", "{v} legekontakter siste år"),
    "contacts_prev_12m": ("{v} legekontakt året før", "{v} legekontakter året før"),
    "contacts_delta": (
        "Økende antall legekontakter (+{v})",
        "Økende antall legekontakter (+{v})",
    ),
    "out_of_hours_delta": (
        "Flere legevaktkontakter enn året før (+{v})",
        "Flere legevaktkontakter enn året før (+{v})",
    ),
    "stays_12m": ("{v} sykehusopphold siste år", "{v} sykehusopphold siste år"),
    "acute_12m": ("{v} akuttinnleggelse siste år", "{v} akuttinnleggelser siste år"),
    "acute_prev_12m": ("{v} akuttinnleggelse året før", "{v} akuttinnleggelser året før"),
    "acute_delta": (
        "Flere akuttinnleggelser enn året før (+{v})",
        "Flere akuttinnleggelser enn året før (+{v})",
    ),
    "bed_days_12m": ("{v} liggedøgn på sykehus siste år", "{v} liggedøgn på sykehus siste år"),
    "days_since_acute": (
        "Akuttinnlagt for {v} dag siden",
        "Akuttinnlagt for {v} dager siden",
    ),
    **{f"cond_{c.key}": (f"{c.label} ({{code}})", f"{c.label} ({{code}})") for c in CONDITIONS},
    **{key: (f"{label} siste år",) * 2 for key, label, _p in MEDICINE_GROUPS},
}
_KIND_WORDS = {
    "consultation": ("konsultasjon", "konsultasjoner"),
    "home_visit": ("sykebesøk", "sykebesøk"),
    "phone": ("telefonkontakt", "telefonkontakter"),
    "e_consultation": ("e-konsultasjon", "e-konsultasjoner"),
    "out_of_hours": ("legevaktkontakt", "legevaktkontakter"),
    "other": ("annen kontakt", "andre kontakter"),
}
for _kind in CONTACT_KINDS:
    _one, _many = _KIND_WORDS[_kind]
    _TEMPLATES[f"contacts_{_kind}_12m"] = (f"{{v}} {_one} siste år", f"{{v}} {_many} siste år")


def explainable(feature: str) -> bool:
    """Tell whether a feature can be shown as a reason (sex, for one, is not)."""
    return feature in _TEMPLATES


def _meaningful(names: list[str], values: np.ndarray) -> np.ndarray:
    """Mark the cells whose value reads as a reason: present, above zero, not 'never'."""
    ok = values > 0
    for j, name in enumerate(names):
        if name == "days_since_acute":
            ok[:, j] = values[:, j] < 999
        if not explainable(name):
            ok[:, j] = False
    return ok


# Contributions: a matrix of rows × names, or a function giving rows lo:hi of that matrix
# (called once for each block of rows).
Contributions = np.ndarray | Callable[[int, int], np.ndarray]


def top_reasons(
    features: pl.DataFrame,
    contributions: Contributions,
    names: list[str],
    *,
    top: int = TOP,
) -> pl.Series:
    """Return one string per patient with up to ``top`` positive reasons, strongest first.

    ``contributions`` has one row per row of ``features`` and one column per name in ``names``
    (on any additive scale: SHAP log-odds or points), or gives such rows for a row range.
    Ties keep the order of ``names``.
    """
    n = features.height
    if n == 0:
        return pl.Series("reasons", [], dtype=pl.String)
    values = features.select(pl.col(names).cast(pl.Float32)).to_numpy(order="c")
    codes = {
        j: _code_ids(features[f"code_{name.removeprefix('cond_')}"])
        for j, name in enumerate(names)
        if name.startswith("cond_") and f"code_{name.removeprefix('cond_')}" in features.columns
    }
    k_max = min(top, len(names))
    # Slot k of a row: the feature index of its k-th reason (-1 for none) and what the text
    # depends on besides the feature: the value, or for a condition the code that marked it
    # (as an index into that condition's distinct codes).
    best = np.full((n, k_max), -1, dtype=np.int64)
    detail = np.zeros((n, k_max), dtype=np.int64)

    # Where each condition's code ids sit in a block's code matrix (-1: not a condition).
    code_column = np.full(len(names), -1)
    code_column[list(codes)] = np.arange(len(codes))

    def pick(lo: int, hi: int) -> None:
        vals = values[lo:hi]
        contrib = contributions(lo, hi) if callable(contributions) else contributions[lo:hi]
        score = np.where(_meaningful(names, vals) & (contrib > 1e-9), contrib, -np.inf)
        rows = np.arange(hi - lo)
        block_codes = np.stack([ids[lo:hi] for ids, _names in codes.values()] or [rows], axis=1)
        # Pick the best, mask it, repeat: argmax takes the first maximum, so ties keep name
        # order. A few passes over the block are much cheaper than sorting every row.
        for k in range(k_max):
            b = np.argmax(score, axis=1)
            found = np.isfinite(score[rows, b])
            at = code_column[b]
            code = block_codes[rows, np.maximum(at, 0)]
            best[lo:hi, k] = np.where(found, b, -1)
            detail[lo:hi, k] = np.where(at >= 0, code, np.rint(vals[rows, b]).astype(np.int64))
            score[rows, b] = -np.inf

    each_block(n, pick)
    slots = [
        _slot_texts(best[:, k], detail[:, k], names, codes).alias(f"_slot{k}") for k in range(k_max)
    ]
    return (
        pl.DataFrame(slots)
        .select(
            pl.concat_str(pl.all(), separator=SEPARATOR, ignore_nulls=True)
            .fill_null("")
            .alias("reasons")
        )
        .to_series()
    )


def _code_ids(codes: pl.Series) -> tuple[np.ndarray, list[str]]:
    """Return each row's code as an index into a list of distinct codes (-1 when none)."""
    if not isinstance(codes.dtype, pl.Enum):
        codes = codes.cast(pl.String).cast(pl.Enum(codes.drop_nulls().unique().sort()))
    ids = codes.to_physical().fill_null(-1).cast(pl.Int64).to_numpy()
    dtype = codes.dtype
    assert isinstance(dtype, pl.Enum)
    return ids, list(dtype.categories)


def _slot_texts(
    feature: np.ndarray,
    detail: np.ndarray,
    names: list[str],
    codes: dict[int, tuple[np.ndarray, list[str]]],
) -> pl.Series:
    """Write one reason slot for every row: null where the slot is empty.

    Many patients share a reason ("2 akuttinnleggelser siste år"), so each distinct
    (feature, detail) pair is written once and the texts are gathered to the rows.
    """
    shown = feature >= 0
    detail = np.where(shown, detail, 0)
    low = int(detail.min())
    span = int(detail.max()) - low + 1
    # (feature, detail) as one integer; feature -1 (no reason) becomes 0.
    key = (feature.astype(np.int64) + 1) * span + (detail - low)
    size = (len(names) + 1) * span
    if size <= 8 * len(key) + 1024:
        # Dense keys: mark the ones present and number them in order, without sorting.
        present = np.zeros(size, dtype=bool)
        present[key] = True
        distinct = np.flatnonzero(present)
        number = np.cumsum(present) - 1
        row_of = number[key]
    else:
        distinct, row_of = np.unique(key, return_inverse=True)
    texts: list[str | None] = []
    for packed in distinct.tolist():
        j, d = divmod(packed, span)
        j, d = j - 1, d + low
        if j < 0:
            texts.append(None)
            continue
        one, many = _TEMPLATES[names[j]]
        if names[j].startswith("cond_"):
            code = codes[j][1][d] if j in codes and d >= 0 else "?"
            texts.append(one.replace("{code}", code))
        else:
            texts.append((one if d == 1 else many).replace("{v}", str(d)))
    return pl.Series(texts, dtype=pl.String).gather(row_of)
