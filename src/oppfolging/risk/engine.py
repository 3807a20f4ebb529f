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
from oppfolging.risk import partition as partition_mod
from oppfolging.risk.evaluate import Evaluation, evaluate_frame, write_report
from oppfolging.risk.explain import top_reasons
from oppfolging.risk.features import compute_features
from oppfolging.risk.reader import (
    Extract,
    ExtractError,
    Limits,
    UnknownCodes,
    read_extract,
    read_outcomes_file,
)
from oppfolging.risk.reference import POINT_COLUMNS, VERSION, percentile_rank, reference_points

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
    partitions: int | None = 1,
) -> ScoreResult:
    """Score every patient on the list and rank them by what is new, with reasons.

    Without ``model`` the reference score is used. The returned frame is ordered by
    ``new_priority`` and has the columns ``patient_id, national_id, risk, rank, reasons,
    rising, not_followed_up, new_priority, previous_risk, model_version, percentile, points``:
    ``percentile`` is the share of the list (0–100) ranked below the patient, ``points`` the
    reference score's sum (null for a learned model). ``limits`` caps what a zip may expand to.

    ``explain_top`` (a share such as 0.1) limits the learned model's reasons to that top share
    of the list and to every rising or not-followed-up patient; the others get an empty reason
    text. Without it everybody is explained, in the same pass over the trees that scores them
    (see forest.py), which costs about a second per million patients more.

    ``partitions`` > 1 reads and scores a folder extract in that many partitions by patient id
    (see partition.py), so memory stays flat at national scale; None chooses from the extract's
    size. The result is the same as in one pass.
    """
    say = progress or _noop
    if partitions is None and isinstance(extract, Path | str):
        partitions = partition_mod.partitions_for(Path(extract))
    if partitions is not None and partitions > 1 and isinstance(extract, Path | str):
        if Path(extract).is_dir():
            return score_partitioned(
                Path(extract),
                k=partitions,
                model=model,
                previous=previous,
                followed_up_ids=followed_up_ids,
                explain_top=explain_top,
                progress=progress,
            )
    say("Leser uttrekk", 0.0)
    path = Path(model) if isinstance(model, Path | str) else None
    trained = model if isinstance(model, model_mod.TrainedModel) else None
    with ThreadPoolExecutor(max_workers=1) as loader:
        # The model file is loaded (and its trees tabulated) while the extract is read.
        loading = loader.submit(model_mod.load, path) if path is not None else None
        ext = extract if isinstance(extract, Extract) else read_extract(extract, limits=limits)
        if loading is not None:
            trained = loading.result()
    say("Beregner variabler", 0.3)
    features = compute_features(ext)
    say("Beregner risiko", 0.45)
    scored = _score_rows(features, trained, explain_all=explain_top is None)

    prev_frame = None
    prev_sha = None
    if previous is not None:
        say("Leser forrige uttrekk", 0.55)
        prev = previous if isinstance(previous, Extract) else read_extract(previous, limits=limits)
        prev_sha = prev.sha256
        prev_features = compute_features(prev)
        prev_scored = _score_rows(prev_features, trained, explain_all=False, reasons=False)
        prev_frame = _previous_frame(
            prev_features["patient_id"], _risk_of(prev_scored), prev_scored.points
        )

    def explain(chosen: np.ndarray) -> pl.Series:
        assert trained is not None
        subset = features[chosen]
        return top_reasons(subset, trained.contribution_blocks(subset), trained.features)

    say("Lager begrunnelser", 0.7)
    frame, order = _assemble(
        ids=features.select("patient_id", "national_id"),
        scored=scored,
        trained=trained,
        prev_frame=prev_frame,
        followed_up_ids=followed_up_ids,
        explain_top=explain_top,
        explain=explain,
    )
    say("Ferdig", 1.0)
    return ScoreResult(
        # ``order`` lists the rows by new_priority, so gathering by it is the sort.
        frame=frame[order],
        model_version=VERSION if trained is None else trained.version,
        input_sha256=ext.sha256,
        extracted_at=ext.extracted_at,
        previous_sha256=prev_sha,
        is_probability=trained is not None,
        unknown_codes=ext.unknown_codes,
        input_format=ext.format,
    )


@dataclass
class _Scored:
    """Per-row scores before ranking: raw risk (or the reference points), reasons if made."""

    risk: np.ndarray | None
    total: np.ndarray | None
    points: np.ndarray | None
    reasons: pl.Series | None


def _score_rows(
    features: pl.DataFrame,
    trained: model_mod.TrainedModel | None,
    *,
    explain_all: bool,
    reasons: bool = True,
) -> _Scored:
    """Score rows independently of each other (what a partition can do on its own).

    The reference score's risk is a percentile within the whole list, so here it gives only
    the points; :func:`_risk_of` turns the list's points into risks.
    """
    if trained is None:
        points = reference_points(features)
        total = points.sum(axis=1)
        text = top_reasons(features, points, POINT_COLUMNS) if reasons else None
        return _Scored(None, total, points, text)
    if explain_all and reasons:
        # Reasons for everybody: the pass that explains each row also scores it.
        blocks = trained.contribution_blocks(features)
        text = top_reasons(features, blocks, trained.features)
        return _Scored(trained.calibrate(blocks.raw), None, None, text)
    return _Scored(trained.predict(features), None, None, None)


def _risk_of(scored: _Scored) -> np.ndarray:
    if scored.risk is not None:
        return scored.risk
    assert scored.total is not None
    return percentile_rank(scored.total)


def _previous_frame(
    patient_id: pl.Series, risk: np.ndarray, points: np.ndarray | None
) -> pl.DataFrame:
    """Return the previous list's risks and who was in its top 10 %."""
    return pl.DataFrame(
        {
            "patient_id": patient_id,
            "previous_risk": risk,
            "_prev_top": _top_mask(_by_risk(risk, points), TOP_RISING),
        }
    )


def _assemble(
    *,
    ids: pl.DataFrame,
    scored: _Scored,
    trained: model_mod.TrainedModel | None,
    prev_frame: pl.DataFrame | None,
    followed_up_ids: set[str] | None,
    explain_top: float | None,
    explain: Callable[[np.ndarray], pl.Series],
) -> tuple[pl.DataFrame, np.ndarray]:
    """Rank the whole list, flag what is new and order it; return the frame and the order."""
    risk = _risk_of(scored)
    n = len(risk)
    # One sort serves the rank (ties at the top by the next reason, otherwise list order),
    # every top-share mask and the final ordering.
    by_risk = _by_risk(risk, scored.points)
    rank = np.empty(n, dtype=np.int64)
    rank[by_risk] = np.arange(1, n + 1)

    rising = np.zeros(n, dtype=bool)
    previous_risk = pl.Series("previous_risk", [None] * n, dtype=pl.Float64)
    if prev_frame is not None:
        joined = ids.select("patient_id").join(prev_frame, on="patient_id", how="left")
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
        known = ids["national_id"].is_in(list(followed_up_ids)).fill_null(False).to_numpy()
        nf = high & ~known
        not_followed = pl.Series("not_followed_up", nf)

    reasons = scored.reasons
    if trained is not None and explain_top is not None:
        chosen = np.flatnonzero(_top_mask(by_risk, explain_top) | rising | nf)
        texts = explain(chosen) if reasons is None else reasons.gather(chosen)
        reasons = pl.Series("reasons", [""] * n, dtype=pl.String).scatter(chosen, texts)
    assert reasons is not None

    tier = 2 - nf.astype(np.int8) - rising.astype(np.int8)
    # By tier, then risk, then list order: a stable sort by tier of the risk order (a radix
    # sort on int8, much cheaper than a lexsort over both keys).
    order = by_risk[np.argsort(tier[by_risk], kind="stable")]
    new_priority = np.empty(n, dtype=np.int64)
    new_priority[order] = np.arange(1, n + 1)
    version = VERSION if trained is None else trained.version
    frame = pl.DataFrame(
        {
            "patient_id": ids["patient_id"],
            "national_id": ids["national_id"],
            "risk": risk,
            "rank": rank,
            "reasons": reasons.alias("reasons"),
            "rising": rising,
            "not_followed_up": not_followed,
            "new_priority": new_priority,
            "previous_risk": previous_risk,
        }
    ).with_columns(
        pl.lit(version).alias("model_version"),
        (100.0 * (n - pl.col("rank")) / max(n, 1)).alias("percentile"),
        pl.Series("points", scored.total, dtype=pl.Float64)
        if scored.total is not None
        else pl.lit(None, pl.Float64).alias("points"),
    )
    return frame, order


def score_partitioned(
    extract: Path,
    *,
    k: int,
    model: Path | model_mod.TrainedModel | None = None,
    previous: Path | Extract | None = None,
    followed_up_ids: set[str] | None = None,
    explain_top: float | None = None,
    progress: Progress | None = None,
    workdir: Path | None = None,
) -> ScoreResult:
    """Score a folder extract in ``k`` partitions by patient id; the same result as one pass.

    Every file is split once into partitions (partition.py); each partition is read with the
    reader's checks and scored on its own, keeping only the per-row scores, reasons and the
    patient's line; the list is then ranked as a whole. A problem in any partition refuses
    the whole extract, with the lines of the original files.
    """
    say = progress or _noop
    trained = model if isinstance(model, model_mod.TrainedModel) else None
    if isinstance(model, Path | str):
        trained = model_mod.load(Path(model))
    say("Deler opp uttrekket", 0.0)
    with partition_mod.split(extract, k, workdir) as parts:
        ids, scored, unknown = _score_parts(parts, trained, explain_top is None, say, 0.05, 0.6)
    prev_frame = None
    prev_sha = None
    if previous is not None:
        say("Leser forrige uttrekk", 0.6)
        if isinstance(previous, Extract):
            prev_features = compute_features(previous)
            prev_scored = _score_rows(prev_features, trained, explain_all=False, reasons=False)
            prev_ids = prev_features.select("patient_id")
            prev_sha = previous.sha256
        else:
            with partition_mod.split(Path(previous), k, workdir) as prev_parts:
                prev_ids, prev_scored, _unknown = _score_parts(
                    prev_parts, trained, False, say, 0.6, 0.8, reasons=False
                )
                prev_sha = prev_parts.sha256
        prev_frame = _previous_frame(
            prev_ids["patient_id"], _risk_of(prev_scored), prev_scored.points
        )
    say("Rangerer", 0.9)
    frame, order = _assemble(
        ids=ids,
        scored=scored,
        trained=trained,
        prev_frame=prev_frame,
        followed_up_ids=followed_up_ids,
        explain_top=explain_top,
        explain=lambda chosen: pl.Series("reasons", [""] * len(chosen)),
    )
    say("Ferdig", 1.0)
    return ScoreResult(
        frame=frame[order],
        model_version=VERSION if trained is None else trained.version,
        input_sha256=parts.sha256,
        extracted_at=parts.extracted_at,
        previous_sha256=prev_sha,
        is_probability=trained is not None,
        unknown_codes=unknown,
    )


def _score_parts(
    parts: partition_mod.Partitioned,
    trained: model_mod.TrainedModel | None,
    explain_all: bool,
    say: Progress,
    start: float,
    stop: float,
    *,
    reasons: bool = True,
) -> tuple[pl.DataFrame, _Scored, UnknownCodes]:
    """Read and score each partition; return the rows in the original list order."""
    frames: list[pl.DataFrame] = []
    points: list[np.ndarray] = []
    errors: list[ExtractError] = []
    unknown: list[UnknownCodes] = []
    for index in range(parts.k):
        say(f"Del {index + 1} av {parts.k}", start + (stop - start) * index / parts.k)
        try:
            ext = partition_mod.read_partition(parts, index)
        except ExtractError as error:
            errors.append(error)
            continue
        if errors:
            continue  # only problems matter now; keep reading to report them all
        unknown.append(ext.unknown_codes)
        features = compute_features(ext)
        # With explain_top the learned model explains everybody here and blanks the rest
        # later: the partition cannot know the list's top.
        scored = _score_rows(
            features, trained, explain_all=explain_all or trained is not None, reasons=reasons
        )
        if trained is not None and not explain_all and reasons:
            scored.risk = trained.predict(features)
        columns = {
            "patient_id": features["patient_id"],
            "national_id": features["national_id"],
            "_line": ext.patients["_line"],
            "_risk": scored.risk if scored.risk is not None else np.zeros(features.height),
            "_total": scored.total if scored.total is not None else np.zeros(features.height),
        }
        if scored.reasons is not None:
            columns["reasons"] = scored.reasons
        frames.append(pl.DataFrame(columns))
        if scored.points is not None:
            points.append(scored.points.astype(np.int8))
    if errors:
        raise partition_mod.merge_problems(errors)
    whole = pl.concat(frames)
    order = whole["_line"].arg_sort().to_numpy()
    whole = whole[order]
    matrix = np.concatenate(points)[order] if points else None
    result = _Scored(
        risk=whole["_risk"].to_numpy() if trained is not None else None,
        total=whole["_total"].to_numpy() if trained is None else None,
        points=matrix,
        reasons=whole["reasons"] if "reasons" in whole.columns else None,
    )
    return whole.select("patient_id", "national_id"), result, partition_mod.merge_unknown(unknown)


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
