"""Evaluate a LightGBM booster's trees with numpy: raw scores and SHAP contributions, exactly.

LightGBM predicts and explains one row at a time, which at national scale (a million patients)
costs seconds for the scores and minutes for SHAP. Our trees are small (at most
``num_leaves - 1`` splits each), and what a tree does with a row depends only on which side of
each split the row falls: a *code* of one bit per split. Both the tree's output and its
path-dependent TreeSHAP contributions are therefore functions of that code alone (TreeSHAP uses
a row only through the branch it takes at each node), so each tree gets a table with one entry
per possible code:

* the leaf value the code leads to, found by walking the tree;
* the SHAP contributions, computed by LightGBM itself (``pred_contrib`` for that one tree) on a
  synthetic row that falls on the code's sides of every split.

Scoring a list is then a few vectorised comparisons per split and a table lookup per tree. The
results are LightGBM's own numbers: the tests compare them with ``Booster.predict``. Models this
module cannot mirror exactly (categorical splits, splits that route missing values specially,
large trees) make :meth:`Forest.from_booster` return None, and the caller uses LightGBM.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import polars as pl

from oppfolging.risk.parallel import each_block

# 2**12 codes per tree is the most we tabulate (num_leaves is 7 in model.PARAMS).
MAX_SPLITS = 12
# LightGBM's kZeroThreshold: it reads |value| <= this as zero.
ZERO = 1e-35


@dataclass(frozen=True)
class _Tree:
    """One tree as lookup tables indexed by its split code."""

    feature: np.ndarray  # (k,) feature index per split, in split_index order
    threshold: np.ndarray  # (k,) float64: a row goes left when value <= threshold
    value: np.ndarray  # (2**k,) leaf value per code
    used: np.ndarray  # (u,) distinct features the tree splits on
    shap: np.ndarray  # (u, 2**k) SHAP contribution per used feature and code


class Forest:
    """A booster as per-tree tables; see the module docstring."""

    def __init__(self, trees: list[_Tree], n_features: int) -> None:
        self.trees = trees
        self.n_features = n_features

        # Trees repeat splits ("age <= 72.5"): each distinct split is decided once per block.
        def splits_of(tree: _Tree) -> list[tuple[int, float]]:
            return list(zip(tree.feature.tolist(), tree.threshold.tolist(), strict=True))

        self.splits = sorted({split for tree in trees for split in splits_of(tree)})
        where = {split: k for k, split in enumerate(self.splits)}
        self.tree_splits = [[where[split] for split in splits_of(tree)] for tree in trees]
        widest = max((len(tree.feature) for tree in trees), default=0)
        self.code_type = np.uint8 if widest <= 8 else np.uint16

    def _codes(self, part: list[np.ndarray]) -> Iterator[tuple[_Tree, np.ndarray]]:
        """Yield each tree with its rows' split codes: bit i set when a row goes left at split i."""
        n = len(part[0])
        decided = np.empty((len(self.splits), n), dtype=self.code_type)
        for k, (f, threshold) in enumerate(self.splits):
            decided[k] = part[f] <= threshold
        code = np.empty(n, dtype=self.code_type)
        bit = np.empty(n, dtype=self.code_type)
        for tree, splits in zip(self.trees, self.tree_splits, strict=True):
            code.fill(0)
            for i, k in enumerate(splits):
                np.left_shift(decided[k], i, out=bit)
                np.bitwise_or(code, bit, out=code)
            # ``take`` wants platform integers; converting once serves every lookup.
            yield tree, code.astype(np.intp)

    @classmethod
    def from_booster(cls, booster: lgb.Booster) -> Forest | None:
        """Tabulate every tree, or return None when the model has a split we do not mirror."""
        dump = booster.dump_model()
        if dump.get("num_tree_per_iteration", 1) != 1:
            return None
        n_features = int(dump["max_feature_idx"]) + 1
        trees = []
        for t, info in enumerate(dump["tree_info"]):
            splits = _splits(info["tree_structure"])
            if splits is None or len(splits) > MAX_SPLITS:
                return None
            trees.append(_tabulate(booster, t, info["tree_structure"], splits, n_features))
        return cls(trees, n_features)

    def raw(self, columns: list[np.ndarray]) -> np.ndarray:
        """Return the raw score (log-odds) per row.

        ``columns`` is one float64 array per feature, as :func:`as_lightgbm_reads` returns.
        """
        n = len(columns[0]) if columns else 0
        out = np.zeros(n)

        def block(lo: int, hi: int) -> None:
            acc = np.zeros(hi - lo)
            for tree, code in self._codes([c[lo:hi] for c in columns]):
                acc += tree.value.take(code)
            out[lo:hi] = acc

        each_block(n, block)
        return out

    def contributions(self, columns: list[np.ndarray]) -> np.ndarray:
        """Return the SHAP contributions, shape (rows, features), without the bias column."""
        n = len(columns[0]) if columns else 0
        out = np.zeros((n, self.n_features))

        def block(lo: int, hi: int) -> None:
            out[lo:hi] = self.block_contributions(columns, lo, hi)

        each_block(n, block)
        return out

    def block_contributions(
        self, columns: list[np.ndarray], lo: int, hi: int, raw: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the SHAP contributions of rows lo:hi only (for work done block by block).

        With ``raw``, the rows' raw scores are written to ``raw[lo:hi]`` on the way, equal to
        :meth:`raw`'s: the split codes are the costly part, and they serve both.
        """
        # Feature-major while accumulating, so each addition is one contiguous column.
        acc = np.zeros((self.n_features, hi - lo))
        total = np.zeros(hi - lo)
        for tree, code in self._codes([c[lo:hi] for c in columns]):
            if raw is not None:
                total += tree.value.take(code)
            for j, f in enumerate(tree.used):
                acc[f] += tree.shap[j].take(code)
        if raw is not None:
            raw[lo:hi] = total
        # Row-major for the caller, who reads row by row (a transposed view would be strided).
        return np.ascontiguousarray(acc.T)


def as_lightgbm_reads(columns: list[np.ndarray]) -> list[np.ndarray]:
    """Return the columns as LightGBM reads them when scoring: NaN and |value| <= 1e-35 are 0.

    The forest's methods expect columns in this form. Columns that need no change (ours are
    whole numbers) are returned as they are, without a copy. (LightGBM's SHAP code reads tiny
    values as they are; our features never hold any.)
    """
    frame = pl.DataFrame({str(i): c for i, c in enumerate(columns)})
    odd = frame.select(
        (pl.col(c).is_nan() | ((pl.col(c).abs() <= ZERO) & (pl.col(c) != 0))).any()
        for c in frame.columns
    ).row(0)
    return [
        np.where(np.abs(c) > ZERO, c, 0.0) if bad else c
        for c, bad in zip(columns, odd, strict=True)
    ]


def _splits(node: dict) -> list[dict] | None:
    """Return the tree's splits ordered by split_index, or None if one cannot be mirrored."""
    found: list[dict] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if "split_index" not in current:
            continue
        # "None": no missing values were seen in training, so LightGBM compares plainly
        # (our features never hold NaN). Other kinds route zeros or NaN to a default side.
        if current.get("decision_type") != "<=" or current.get("missing_type") != "None":
            return None
        found.append(current)
        stack += [current["left_child"], current["right_child"]]
    return sorted(found, key=lambda s: s["split_index"])


def _tabulate(
    booster: lgb.Booster, t: int, root: dict, splits: list[dict], n_features: int
) -> _Tree:
    k = len(splits)
    feature = np.array([s["split_feature"] for s in splits], dtype=np.int64)
    threshold = np.array([s["threshold"] for s in splits], dtype=np.float64)
    used = np.unique(feature)
    codes = np.arange(2**k)
    value = np.array([_leaf_value(root, int(c)) for c in codes])
    rows = np.zeros((len(codes), n_features))
    feasible = np.ones(len(codes), dtype=bool)
    # Plain Python here: 2**k codes times a handful of splits is small, numpy calls are not.
    bounds = {int(f): [(i, float(threshold[i])) for i in range(k) if feature[i] == f] for f in used}
    for c in range(2**k):
        for f, limits in bounds.items():
            lo, hi = -math.inf, math.inf
            for i, at in limits:
                if (c >> i) & 1:
                    hi = min(hi, at)
                else:
                    lo = max(lo, at)
            if not lo < hi:
                feasible[c] = False  # no value falls on these sides: the code never occurs
            else:
                rows[c, f] = _inside(lo, hi)
    shap = np.zeros((len(codes), len(used)))
    if len(used) and feasible.any():
        contrib = booster.predict(
            rows[feasible], pred_contrib=True, start_iteration=t, num_iteration=1
        )
        shap[feasible] = np.asarray(contrib)[:, used]
    # Feature by feature, so each feature's row is contiguous for ``take``.
    return _Tree(
        feature=feature,
        threshold=threshold,
        value=value,
        used=used,
        shap=np.ascontiguousarray(shap.T),
    )


def _inside(lo: float, hi: float) -> float:
    """Pick a value in (lo, hi], an integer where one fits, as our features are.

    Not a bound itself: LightGBM reads values within 1e-35 of zero as zero, and its zero
    thresholds are ±1e-35, so a bound could land on the wrong side.
    """
    if hi < math.inf:
        whole = float(math.floor(hi))
        if whole > lo:
            return whole
        return (lo + hi) / 2
    return float(math.floor(lo)) + 1.0 if lo > -math.inf else 0.0


def _leaf_value(node: dict, code: int) -> float:
    """Walk from the root, going left at split i when bit i of ``code`` is set."""
    while "split_index" in node:
        left = (code >> node["split_index"]) & 1
        node = node["left_child"] if left else node["right_child"]
    return float(node["leaf_value"])
