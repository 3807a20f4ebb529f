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
    values = features.select(pl.col(names).cast(pl.Float32)).to_numpy(order="c")
    score = np.where(_meaningful(names, values) & (contributions > 1e-9), contributions, -np.inf)
    # Pick the best, mask it, repeat: argmax takes the first maximum, so ties keep name order.
    # Three passes over the matrix are much cheaper than sorting every row. Slot k holds the
    # k-th reason's feature index (-1 when there is none) and its rounded value.
    slots: dict[str, np.ndarray] = {}
    every = np.arange(n)
    k_max = min(top, len(names))
    for k in range(k_max):
        best = np.argmax(score, axis=1)
        found = np.isfinite(score[every, best])
        slots[f"_f{k}"] = np.where(found, best, -1).astype(np.int32)
        slots[f"_v{k}"] = np.rint(values[every, best]).astype(np.int64)
        score[every, best] = -np.inf
    codes = [f"code_{c.key}" for c in CONDITIONS if f"code_{c.key}" in features.columns]
    # The texts are built column-wise, one expression per slot, and joined horizontally:
    # no per-row Python and no long format to sort and group back.
    return (
        pl.DataFrame(slots)
        .hstack(features.select(codes).get_columns())
        .select(
            pl.concat_str(
                [_slot_text(k, names, codes) for k in range(k_max)],
                separator=SEPARATOR,
                ignore_nulls=True,
            )
            .fill_null("")
            .alias("reasons")
        )
        .to_series()
    )


def _slot_text(k: int, names: list[str], codes: list[str]) -> pl.Expr:
    """Build the text of reason slot ``k``: null when the slot is empty."""
    feature, value = pl.col(f"_f{k}"), pl.col(f"_v{k}")
    shown = [j for j, name in enumerate(names) if explainable(name)]
    singular = feature.replace_strict(
        shown, [_TEMPLATES[names[j]][0] for j in shown], default=None, return_dtype=pl.String
    )
    plural = feature.replace_strict(
        shown, [_TEMPLATES[names[j]][1] for j in shown], default=None, return_dtype=pl.String
    )
    # The code shown for a condition reason: the one that marked it, "?" if unknown.
    code_of = [
        pl.when(feature == j).then(pl.col(f"code_{name.removeprefix('cond_')}"))
        for j, name in enumerate(names)
        if name.startswith("cond_") and f"code_{name.removeprefix('cond_')}" in codes
    ]
    code = pl.coalesce(code_of) if code_of else pl.lit(None, pl.String)
    text = (
        pl.when(value == 1)
        .then(singular)
        .otherwise(plural)
        .str.replace("{v}", value.cast(pl.String), literal=True)
        .str.replace("{code}", code.fill_null("?"), literal=True)
    )
    return pl.when(feature >= 0).then(text)
