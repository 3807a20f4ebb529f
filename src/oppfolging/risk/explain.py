"""Turn per-feature contributions into the top three reasons per patient, in plain Norwegian.

The contributions come from LightGBM's SHAP values for the learned model and from the points
for the reference score; either way only positive contributions whose feature value is
meaningful to a reader (a condition that is present, a count above zero) become reasons.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from oppfolging.risk.features import CONDITIONS, CONTACT_KINDS, MEDICINE_GROUPS

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


def top_reasons(
    features: pl.DataFrame,
    contributions: np.ndarray,
    names: list[str],
    *,
    top: int = TOP,
) -> pl.Series:
    """Return one string per patient with up to ``top`` positive reasons, strongest first.

    ``contributions`` has one row per row of ``features`` and one column per name in ``names``
    (on any additive scale: SHAP log-odds or points). Ties keep the order of ``names``.
    """
    n = features.height
    if n == 0:
        return pl.Series("reasons", [], dtype=pl.String)
    values = features.select(names).to_numpy().astype(np.float32, order="C")
    score = np.where(_meaningful(names, values) & (contributions > 1e-9), contributions, -np.inf)
    # Pick the best, mask it, repeat: argmax takes the first maximum, so ties keep name order.
    # Three passes over the matrix are much cheaper than sorting every row.
    picks, picked = [], []
    every = np.arange(n)
    for _ in range(min(top, len(names))):
        best = np.argmax(score, axis=1)
        picks.append(best)
        picked.append(np.isfinite(score[every, best]))
        score[every, best] = -np.inf
    order = np.stack(picks, axis=1)
    rows, slots = np.nonzero(np.stack(picked, axis=1))
    feat = order[rows, slots]
    long = pl.DataFrame(
        {
            "row": rows.astype(np.int64),
            "slot": slots.astype(np.int64),
            "feature": pl.Series(feat.astype(np.int64)).replace_strict(
                list(range(len(names))), names, return_dtype=pl.String
            ),
            "value": np.rint(values[rows, feat]).astype(np.int64),
        }
    )
    # The code shown for a condition reason: gather it only for the rows that need one.
    codes = pl.Series("code", [None] * long.height, dtype=pl.String)
    feature_col = long["feature"]
    for c in CONDITIONS:
        code_col = f"code_{c.key}"
        if code_col not in features.columns:
            continue
        at = (feature_col == f"cond_{c.key}").arg_true()
        if at.len():
            codes = codes.scatter(at, features[code_col].gather(long["row"].gather(at)))
    long = long.with_columns(codes)
    feats = list(_TEMPLATES)
    singular = pl.col("feature").replace_strict(feats, [_TEMPLATES[f][0] for f in feats])
    plural = pl.col("feature").replace_strict(feats, [_TEMPLATES[f][1] for f in feats])
    text = (
        pl.when(pl.col("value") == 1)
        .then(singular)
        .otherwise(plural)
        .str.replace("{v}", pl.col("value").cast(pl.String), literal=True)
        .str.replace("{code}", pl.col("code").fill_null("?"), literal=True)
    )
    joined = (
        long.with_columns(text.alias("text"))
        .sort("row", "slot")
        .group_by("row", maintain_order=True)
        .agg(pl.col("text").str.join(SEPARATOR))
    )
    full = pl.DataFrame({"row": np.arange(n, dtype=np.int64)}).join(joined, on="row", how="left")
    return full.sort("row")["text"].fill_null("").alias("reasons")
