"""Fit, save, load and apply the learned model: LightGBM with Platt calibration.

The model file is one JSON document holding the LightGBM model text and its metadata (see
docs/risk.md, "Model file"). JSON rather than pickle so that loading a model file can never run
code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

from oppfolging.risk.features import FEATURE_NAMES
from oppfolging.risk.forest import Forest, as_lightgbm_reads
from oppfolging.risk.reader import Extract

FORMAT = "oppfolging-risk-model"
FORMAT_VERSION = 1
OUTCOME = "acute_admission_12m"
FOLDS = 5
PARAMS: dict[str, object] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_data_in_leaf": 200,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "deterministic": True,
    "verbose": -1,
}


@dataclass
class TrainedModel:
    """Hold a fitted booster, its Platt calibration and the metadata saved with it."""

    booster: lgb.Booster
    platt_slope: float
    platt_intercept: float
    features: list[str]
    version: str
    created: str
    training_sha256: str
    n_train: int
    n_events: int
    # The trees as lookup tables (see forest.py); None when the model cannot be mirrored.
    forest: Forest | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.forest = Forest.from_booster(self.booster)

    def raw(self, features: pl.DataFrame) -> np.ndarray:
        """Return the uncalibrated log-odds for each row."""
        if self.forest is not None:
            return self.forest.raw(_columns(features, self.features))
        return np.asarray(self.booster.predict(_matrix(features, self.features), raw_score=True))

    def predict(self, features: pl.DataFrame) -> np.ndarray:
        """Return calibrated probabilities of an acute admission within 12 months."""
        return self.calibrate(self.raw(features))

    def contributions(self, features: pl.DataFrame) -> np.ndarray:
        """Return SHAP contributions (log-odds, before calibration), one column per feature."""
        if self.forest is not None:
            return self.forest.contributions(_columns(features, self.features))
        contrib = self.booster.predict(_matrix(features, self.features), pred_contrib=True)
        return np.asarray(contrib)[:, :-1]

    def contribution_blocks(self, features: pl.DataFrame) -> ContributionBlocks:
        """Return the contributions as a function of a row range, computed when asked."""
        return ContributionBlocks(self, features)

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Turn raw log-odds into calibrated probabilities."""
        return _platt(raw, self.platt_slope, self.platt_intercept)


class ContributionBlocks:
    """SHAP contributions of a frame's rows, computed block by block when asked for.

    Explanations pick the top reasons block by block; computing each block's SHAP values
    there, while they are in the cache, saves writing and reading a matrix of rows times
    features (320 MB for a million patients). Once every block has been asked for, ``raw``
    holds every row's raw score (log-odds), computed on the way at little extra cost.
    """

    def __init__(self, model: TrainedModel, features: pl.DataFrame) -> None:
        self.forest = model.forest
        self.raw = np.full(features.height, np.nan)
        if self.forest is None:
            self.matrix = model.contributions(features)
            self.raw = model.raw(features)
        else:
            self.columns = _columns(features, model.features)

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        if self.forest is None:
            return self.matrix[lo:hi]
        return self.forest.block_contributions(self.columns, lo, hi, raw=self.raw)


def _columns(features: pl.DataFrame, names: list[str]) -> list[np.ndarray]:
    """Return each feature as a float64 array as LightGBM reads it (for the forest)."""
    return as_lightgbm_reads([features[name].cast(pl.Float64).to_numpy() for name in names])


def _matrix(features: pl.DataFrame, names: list[str]) -> np.ndarray:
    # LightGBM works row by row, so it gets a C-ordered matrix. float32 halves the copy and
    # is exact here: every feature is a small integer count, flag or age. Casting in Polars
    # first makes one float32 copy instead of a float64 matrix plus a transposed float32 one.
    return features.select(pl.col(names).cast(pl.Float32)).to_numpy(order="c")


def _platt(raw: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(slope * raw + intercept)))


def outcomes_from_later(earlier: Extract, later: Extract) -> pl.DataFrame:
    """Derive ``patient_id, acute_admission_12m`` from a later extract of the same list.

    The outcome is an acute stay admitted in (t, t + 365 days] where t is the earlier
    ``extracted_at``. Only patients present in the later extract get an outcome: those who left
    the list are censored. The later extract must reach at least t + 365 days.
    """
    start = earlier.extracted_at
    end = start + timedelta(days=365)
    if later.extracted_at < end:
        raise ValueError(
            f"Det senere uttrekket ({later.extracted_at}) dekker ikke hele året etter "
            f"{start} (trenger minst {end})."
        )
    events = (
        later.hospital_stays.filter(
            pl.col("acute") & (pl.col("admitted") > start) & (pl.col("admitted") <= end)
        )
        .select("pidx")
        .unique()
        .with_columns(pl.lit(1, pl.Int8).alias(OUTCOME))
    )
    return (
        later.patients.select("pidx", "patient_id")
        .join(events, on="pidx", how="left")
        .select("patient_id", pl.col(OUTCOME).fill_null(0).cast(pl.Int8))
    )


def training_sha256(features: pl.DataFrame, y: np.ndarray, names: list[str]) -> str:
    """Hash the training matrix and outcomes in patient_id order, independent of row order."""
    order = np.argsort(features["patient_id"].to_numpy().astype(str), kind="stable")
    digest = hashlib.sha256()
    digest.update(json.dumps(names).encode())
    digest.update(np.ascontiguousarray(_matrix(features, names)[order]).tobytes())
    digest.update(np.ascontiguousarray(np.asarray(y, dtype=np.int8)[order]).tobytes())
    return digest.hexdigest()


def fit(
    features: pl.DataFrame,
    outcomes: pl.DataFrame,
    *,
    seed: int = 0,
    names: list[str] | None = None,
) -> TrainedModel:
    """Fit LightGBM on patients with an outcome and Platt-calibrate it by 5-fold cross-fitting.

    Each fold's booster is trained on four fifths with early stopping on the fifth held out,
    which also gets out-of-fold log-odds. Platt calibration (a logistic regression of the
    outcome on those log-odds) therefore uses every patient, not a small split, and the final
    booster is trained on all patients for the folds' mean number of rounds.
    """
    names = names or FEATURE_NAMES
    data = features.join(outcomes.select("patient_id", OUTCOME), on="patient_id", how="inner")
    y = data[OUTCOME].to_numpy().astype(np.int8)
    if data.height < 100 or y.sum() < 10 or y.sum() == y.size:
        raise ValueError(
            "For få pasienter eller hendelser til å tilpasse en modell "
            f"({data.height} pasienter, {int(y.sum())} hendelser)."
        )
    x = _matrix(data, names)
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, FOLDS, size=len(y))
    params = {**PARAMS, "seed": seed}
    oof = np.zeros(len(y))
    rounds = []
    for k in range(FOLDS):
        train, held = fold != k, fold == k
        dtrain = lgb.Dataset(x[train], y[train], feature_name=names)
        dheld = lgb.Dataset(x[held], y[held], reference=dtrain)
        booster = lgb.train(
            params,
            dtrain,
            num_boost_round=2000,
            valid_sets=[dheld],
            callbacks=[lgb.early_stopping(50, verbose=False)],
        )
        oof[held] = booster.predict(x[held], raw_score=True, num_iteration=booster.best_iteration)
        rounds.append(booster.best_iteration)
    booster = lgb.train(
        params,
        lgb.Dataset(x, y, feature_name=names),
        num_boost_round=max(1, int(round(float(np.mean(rounds))))),
    )
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(oof.reshape(-1, 1), y)
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    digest = training_sha256(data, y, names)
    return TrainedModel(
        booster=booster,
        platt_slope=float(lr.coef_[0, 0]),
        platt_intercept=float(lr.intercept_[0]),
        features=list(names),
        version=f"lgbm-{created[:10]}-{digest[:8]}",
        created=created,
        training_sha256=digest,
        n_train=int(len(y)),
        n_events=int(y.sum()),
    )


def save(model: TrainedModel, path: Path) -> None:
    """Write the model and its metadata to one JSON file."""
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_version": model.version,
        "created": model.created,
        "features": model.features,
        "training_sha256": model.training_sha256,
        "n_train": model.n_train,
        "n_events": model.n_events,
        "outcome": "akuttinnleggelse innen 365 dager etter extracted_at",
        "calibration": {
            "method": "platt",
            "slope": model.platt_slope,
            "intercept": model.platt_intercept,
        },
        "lightgbm_version": lgb.__version__,
        "booster": model.booster.model_to_string(),
    }
    Path(path).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def load(path: Path) -> TrainedModel:
    """Read a model file written by :func:`save`; refuse files of another format."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT or doc.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} er ikke en modellfil for risikomotoren (format {FORMAT}).")
    missing = set(doc["features"]) - set(FEATURE_NAMES)
    if missing:
        raise ValueError(f"Modellen bruker ukjente variabler: {', '.join(sorted(missing))}")
    return TrainedModel(
        booster=lgb.Booster(model_str=doc["booster"]),
        platt_slope=float(doc["calibration"]["slope"]),
        platt_intercept=float(doc["calibration"]["intercept"]),
        features=list(doc["features"]),
        version=doc["model_version"],
        created=doc["created"],
        training_sha256=doc["training_sha256"],
        n_train=int(doc["n_train"]),
        n_events=int(doc["n_events"]),
    )
