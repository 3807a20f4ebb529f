"""The risk engine's public entry points: score an extract, fit a model, evaluate scores.

This module is what the Django app and the CLI call. It never imports Django.

"What is new" (see docs/risk.md):

* ``rising``: the patient is in the previous extract and either moved into the top 10 % of this
  list from outside the previous list's top 10 % with a higher risk than before, or (learned
  model only, where risk is a probability) their risk rose by at least 0.10 and they are in the
  top 25 % now.
* ``not_followed_up``: in the top 5 % and the national_id is not among ``followed_up_ids``
  (a patient without a national_id cannot be matched and counts as not followed up); null when
  no follow-up list is given.
* ``new_priority``: 1, 2, … ordering the list with patients who are both high-risk-not-followed-up
  and rising first, then those who are either, then everybody else, each group by risk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from oppfolging.risk import model as model_mod
from oppfolging.risk.evaluate import Evaluation, evaluate_frame, write_report
from oppfolging.risk.explain import top_reasons
from oppfolging.risk.features import compute_features
from oppfolging.risk.reader import (
    Extract,
    Limits,
    UnknownCodes,
    read_extract,
    read_outcomes_file,
)
from oppfolging.risk.reference import POINT_COLUMNS, VERSION, reference_score

Progress = Callable[[str, float], None]

TOP_HIGH = 0.05
TOP_RISING = 0.10
RISE_ABSOLUTE = 0.10
RISE_WITHIN = 0.25


@dataclass
class ScoreResult:
    """Hold the ranked list and the metadata stored with every score."""

    frame: pl.DataFrame
    model_version: str
    input_sha256: str
    extracted_at: date
    previous_sha256: str | None
    is_probability: bool
    unknown_codes: UnknownCodes = field(default_factory=UnknownCodes)
    input_format: str = "csv"


def _noop(_step: str, _fraction: float) -> None:
    return None


def _by_risk(risk: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
    """Return the row order from highest to lowest risk.

    With the reference score's ``points`` (one column per reason), patients tied at the top
    (the top 10 % and everybody tied with its last) are ordered by their reasons: the larger
    strongest reason first, then the next reason, and so on; remaining ties, and all ties below
    the top, keep list order.
    """
    order = np.argsort(-risk, kind="stable")
    n = len(order)
    if points is None or n == 0:
        return order
    k = math.ceil(TOP_RISING * n)
    cut = risk[order[k - 1]]
    top = int(np.searchsorted(-risk[order], -cut, side="right"))
    head = order[:top]
    ranked = -np.sort(points[head], axis=1)[:, ::-1]
    # np.lexsort sorts by its last key first: risk, then the strongest reason, the next, …
    keys = [head, *ranked.T[::-1], -risk[head]]
    return np.concatenate([head[np.lexsort(keys)], order[top:]])


def _top_mask(by_risk: np.ndarray, share: float) -> np.ndarray:
    """Mark the ceil(share·n) highest risks, given the order from :func:`_by_risk`."""
    n = len(by_risk)
    k = math.ceil(share * n)
    mask = np.zeros(n, dtype=bool)
    if k:
        mask[by_risk[:k]] = True
    return mask


def score_extract(
    extract: Path | Extract,
    *,
    model: Path | model_mod.TrainedModel | None = None,
    previous: Path | Extract | None = None,
    followed_up_ids: set[str] | None = None,
    explain_top: float | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> ScoreResult:
    """Score every patient on the list and rank them by what is new, with reasons.

    Without ``model`` the reference score is used. The returned frame is ordered by
    ``new_priority`` and has the columns ``patient_id, national_id, risk, rank, reasons,
    rising, not_followed_up, new_priority, previous_risk, model_version``.

    ``explain_top`` (a share such as 0.1) limits the learned model's reasons to that top share
    of the list and to every rising or not-followed-up patient; the others get an empty reason
    text. Without it everybody is explained, in the same pass over the trees that scores them
    (see forest.py), which costs about a second per million patients more.
    """
    say = progress or _noop
    say("Leser uttrekk", 0.0)
    path = Path(model) if isinstance(model, Path | str) else None
    trained = model if isinstance(model, model_mod.TrainedModel) else None
    with ThreadPoolExecutor(max_workers=1) as loader:
        # The model file is loaded (and its trees tabulated) while the extract is read.
        loading = loader.submit(model_mod.load, path) if path is not None else None
        ext = extract if isinstance(extract, Extract) else read_extract(extract, limits=limits)
        if loading is not None:
            trained = loading.result()
    version = VERSION if trained is None else trained.version
    say("Beregner variabler", 0.3)
    features = compute_features(ext)
    points = None
    reasons = None
    total = None
    if trained is None:
        say("Beregner risiko", 0.45)
        risk, total, points = reference_score(features)
    elif explain_top is None:
        # Reasons for everybody: the pass that explains each row also scores it.
        say("Beregner risiko og begrunnelser", 0.45)
        blocks = trained.contribution_blocks(features)
        reasons = top_reasons(features, blocks, trained.features)
        risk = trained.calibrate(blocks.raw)
    else:
        say("Beregner risiko", 0.45)
        risk = trained.predict(features)
    n = len(risk)
    # One stable sort serves the rank (ordinal: ties by list order), every top-share mask
    # and the final ordering.
    by_risk = _by_risk(risk, points)
    rank = np.empty(n, dtype=np.int64)
    rank[by_risk] = np.arange(1, n + 1)

    prev_sha = None
    rising = np.zeros(n, dtype=bool)
    previous_risk = pl.Series("previous_risk", [None] * n, dtype=pl.Float64)
    if previous is not None:
        say("Leser forrige uttrekk", 0.55)
        prev = previous if isinstance(previous, Extract) else read_extract(previous, limits=limits)
        prev_sha = prev.sha256
        prev_features = compute_features(prev)
        if trained is None:
            prev_risk, _prev_total, prev_points = reference_score(prev_features)
        else:
            prev_risk, prev_points = trained.predict(prev_features), None
        prev_frame = pl.DataFrame(
            {
                "patient_id": prev_features["patient_id"],
                "previous_risk": prev_risk,
                "_prev_top": _top_mask(_by_risk(prev_risk, prev_points), TOP_RISING),
            }
        )
        joined = features.select("patient_id").join(prev_frame, on="patient_id", how="left")
        previous_risk = joined["previous_risk"]
        was_present = previous_risk.is_not_null().to_numpy()
        was_top = joined["_prev_top"].fill_null(False).to_numpy()
        went_up = risk > previous_risk.fill_null(np.inf).to_numpy()
        # Requiring a real increase keeps ties at the 10 % line from reshuffling people in.
        rising = was_present & went_up & _top_mask(by_risk, TOP_RISING) & ~was_top
        if trained is not None:
            jump = (risk - previous_risk.fill_null(np.inf).to_numpy()) >= RISE_ABSOLUTE
            rising |= was_present & jump & _top_mask(by_risk, RISE_WITHIN)

    high = _top_mask(by_risk, TOP_HIGH)
    if followed_up_ids is None:
        not_followed = pl.Series("not_followed_up", [None] * n, dtype=pl.Boolean)
        nf = np.zeros(n, dtype=bool)
    else:
        known = features["national_id"].is_in(list(followed_up_ids)).fill_null(False).to_numpy()
        nf = high & ~known
        not_followed = pl.Series("not_followed_up", nf)

    say("Lager begrunnelser", 0.7)
    if points is not None:
        reasons = top_reasons(features, points, POINT_COLUMNS)
    elif reasons is None:
        assert trained is not None and explain_top is not None
        chosen = np.flatnonzero(_top_mask(by_risk, explain_top) | rising | nf)
        subset = features[chosen]
        texts = top_reasons(subset, trained.contribution_blocks(subset), trained.features)
        reasons = pl.Series("reasons", [""] * n, dtype=pl.String).scatter(chosen, texts)

    say("Rangerer", 0.9)
    tier = 2 - nf.astype(np.int8) - rising.astype(np.int8)
    # By tier, then risk, then list order: a stable sort by tier of the risk order (a radix
    # sort on int8, much cheaper than a lexsort over both keys).
    order = by_risk[np.argsort(tier[by_risk], kind="stable")]
    new_priority = np.empty(n, dtype=np.int64)
    new_priority[order] = np.arange(1, n + 1)
    frame = pl.DataFrame(
        {
            "patient_id": features["patient_id"],
            "national_id": features["national_id"],
            "risk": risk,
            "rank": rank,
            "reasons": reasons,
            "rising": rising,
            "not_followed_up": not_followed,
            "new_priority": new_priority,
            "previous_risk": previous_risk,
        }
    ).with_columns(
        pl.lit(version).alias("model_version"),
        (100.0 * (n - pl.col("rank")) / max(n, 1)).alias("percentile"),
        pl.Series("points", total, dtype=pl.Float64)
        if total is not None
        else pl.lit(None, pl.Float64).alias("points"),
    )
    say("Ferdig", 1.0)
    return ScoreResult(
        # ``order`` lists the rows by new_priority, so gathering by it is the sort.
        frame=frame[order],
        model_version=version,
        input_sha256=ext.sha256,
        extracted_at=ext.extracted_at,
        previous_sha256=prev_sha,
        is_probability=trained is not None,
        unknown_codes=ext.unknown_codes,
        input_format=ext.format,
    )


def load_outcomes(
    *, earlier: Extract, outcomes_from: Path | None = None, outcomes: Path | None = None
) -> pl.DataFrame:
    """Return outcomes for ``earlier``'s patients from a later extract and/or an outcomes file.

    An explicit outcome (file, or the earlier extract's own outcomes.csv) wins over one derived
    from the later extract; patients with neither are censored.
    """
    parts = []
    if outcomes is not None:
        parts.append(read_outcomes_file(outcomes))
    if earlier.outcomes is not None:
        parts.append(earlier.outcomes)
    if outcomes_from is not None:
        parts.append(model_mod.outcomes_from_later(earlier, read_extract(outcomes_from)))
    if not parts:
        raise ValueError("Oppgi utfall: et senere uttrekk eller en outcomes.csv.")
    return pl.concat(parts).unique("patient_id", keep="first", maintain_order=True)


def fit_model(
    extract: Path | Extract,
    *,
    model_out: Path,
    outcomes_from: Path | None = None,
    outcomes: Path | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> model_mod.TrainedModel:
    """Fit the learned model on an extract and its outcomes and save it to ``model_out``."""
    say = progress or _noop
    say("Leser uttrekk", 0.0)
    ext = extract if isinstance(extract, Extract) else read_extract(extract)
    say("Leser utfall", 0.2)
    y = load_outcomes(earlier=ext, outcomes_from=outcomes_from, outcomes=outcomes)
    say("Beregner variabler", 0.4)
    features = compute_features(ext)
    say("Tilpasser modell", 0.5)
    trained = model_mod.fit(features, y, seed=seed)
    model_mod.save(trained, model_out)
    say("Ferdig", 1.0)
    return trained


def evaluate(
    scores: Path | pl.DataFrame,
    *,
    outcomes_from: Path | None = None,
    outcomes: Path | None = None,
    report: Path | None = None,
    json_path: Path | None = None,
    n_boot: int = 200,
    progress: Progress | None = None,
) -> Evaluation:
    """Evaluate a score list against outcomes and write the HTML report and JSON if asked.

    With ``outcomes_from`` the outcome is an acute stay in that later extract within 365 days
    after the date the scores were made for; that date is read from the scores' ``extracted_at``
    column, so score files written by the CLI carry it.
    """
    say = progress or _noop
    say("Leser skårer", 0.0)
    frame = (
        scores
        if isinstance(scores, pl.DataFrame)
        else pl.read_csv(scores, infer_schema=False).with_columns(pl.col("risk").cast(pl.Float64))
    )
    parts = []
    later = None
    if outcomes is not None:
        parts.append(read_outcomes_file(outcomes))
    if outcomes_from is not None:
        if "extracted_at" not in frame.columns:
            raise ValueError("Skårfilen mangler kolonnen extracted_at; bruk --outcomes.")
        start = date.fromisoformat(str(frame["extracted_at"][0]))
        later = read_extract(outcomes_from)
        parts.append(outcomes_after(later, start))
    if not parts:
        raise ValueError("Oppgi utfall: et senere uttrekk eller en outcomes.csv.")
    y = pl.concat(parts).unique("patient_id", keep="first", maintain_order=True)
    say("Beregner mål med bootstrap", 0.3)
    ev = evaluate_frame(frame, y, n_boot=n_boot)
    if later is not None:
        ev.unknown_codes = later.unknown_codes.as_dict()
    write_report(ev, html_path=report, json_path=json_path)
    say("Ferdig", 1.0)
    return ev


def outcomes_after(later: Extract, start: date) -> pl.DataFrame:
    """Derive outcomes for acute stays in (start, start + 365 d] from a later extract."""
    stub = Extract(
        extracted_at=start,
        meta={},
        patients=later.patients,
        diagnoses=later.diagnoses,
        medications=later.medications,
        contacts=later.contacts,
        hospital_stays=later.hospital_stays,
        outcomes=None,
        sha256="",
    )
    return model_mod.outcomes_from_later(stub, later)


def score_summary(result: ScoreResult) -> dict[str, object]:
    """Return what a scoring run read and set aside, for the JSON and HTML reports."""
    return {
        "patients": result.frame.height,
        "model_version": result.model_version,
        "input_sha256": result.input_sha256,
        "extracted_at": result.extracted_at.isoformat(),
        "format": result.input_format,
        "unknown_codes": result.unknown_codes.as_dict(),
    }


def write_scores(result: ScoreResult, path: Path) -> None:
    """Write a score list as CSV with the metadata repeated on every row."""
    result.frame.with_columns(
        pl.lit(result.input_sha256).alias("input_sha256"),
        pl.lit(result.extracted_at.isoformat()).alias("extracted_at"),
    ).write_csv(path)
