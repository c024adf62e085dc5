"""Shallow regression trees added to the learned router's item difficulty (numpy only).

The linear difficulty of :mod:`turnout.learn.model` reads the complexity scorer's descriptors
(answer options, numbers, maths symbols, code lines, length, cue words...) one at a time. A few
hundred depth-limited trees over the same descriptors and the v1 logit add their interactions
("many numbers *and* a short stem"), fitted by gradient boosting on the item-response loss
itself: every model's labels, not only the strong/weak pair's, steer each split, as they steer
the linear fit. Topic features (the embedding) stay out of the trees: held-out subjects and task
families are new topics (scripts/train_router.py, docs/benchmarks.md).

Fitting bins every feature at its training quantiles (NaN, "not applicable", is its own bin and
goes left); a split's threshold is stored as the raw value, so prediction needs no bins:
a row goes right at a node when ``feature >= threshold`` (NaN never does). A node that did not
split has threshold +inf. Trees are complete binary trees of one depth stored as arrays, so a
prompt is scored against all of them at once: ``depth`` vectorised steps, a few microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """``feature[t, node]``, ``threshold[t, node]`` (go right when ``x >= threshold``) and
    ``leaf[t, leaf]`` of ``T`` complete trees of depth ``log2(leaves)``."""

    feature: np.ndarray  # (T, 2**depth - 1) int
    threshold: np.ndarray  # (T, 2**depth - 1) float
    leaf: np.ndarray  # (T, 2**depth) float

    @property
    def depth(self) -> int:
        return int(self.leaf.shape[1]).bit_length() - 1

    def __len__(self) -> int:
        return int(self.leaf.shape[0])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Sum of the trees' leaves for each row of ``x`` (n, features); NaN = not applicable."""
        x = np.atleast_2d(np.asarray(x, np.float64))
        n_trees = len(self)
        if n_trees == 0:
            return np.zeros(len(x))
        if len(x) > 16:  # a batch: one tree at a time over all rows
            return sum((self.tree_output(t, x) for t in range(n_trees)), np.zeros(len(x)))
        trees = np.arange(n_trees)
        out = np.empty(len(x))
        for i, row in enumerate(x):  # one prompt on the request path: no (n, T) temporaries
            node = np.zeros(n_trees, np.int64)
            for _ in range(self.depth):
                node = 2 * node + 1 + (row[self.feature[trees, node]] >= self.threshold[trees, node])
            out[i] = self.leaf[trees, node - (2**self.depth - 1)].sum()
        return out

    def tree_output(self, t: int, x: np.ndarray) -> np.ndarray:
        """Tree ``t``'s leaf value for every row of ``x``."""
        feature, threshold = self.feature[t], self.threshold[t]
        rows = np.arange(len(x))
        node = np.zeros(len(x), np.int64)
        for _ in range(self.depth):
            node = 2 * node + 1 + (x[rows, feature[node]] >= threshold[node])
        return np.asarray(self.leaf[t][node - (2**self.depth - 1)], np.float64)

    @classmethod
    def empty(cls, depth: int = 1) -> TreeEnsemble:
        return cls(np.zeros((0, 2**depth - 1), np.int16), np.zeros((0, 2**depth - 1), np.float32),
                   np.zeros((0, 2**depth), np.float32))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def quantile_edges(x: np.ndarray, n_bins: int = 32) -> list[np.ndarray]:
    """Per feature, up to ``n_bins - 1`` distinct cut points at its quantiles (NaN ignored)."""
    edges = []
    for j in range(x.shape[1]):
        v = x[:, j]
        v = v[~np.isnan(v)]
        edges.append(np.unique(np.quantile(v, np.linspace(0, 1, n_bins + 1)[1:-1])) if len(v)
                     else np.zeros(0))
    return edges


def binned(x: np.ndarray, edges: Sequence[np.ndarray]) -> np.ndarray:
    """Bin 0 = NaN; bin b >= 1 holds values with ``b - 1`` cut points at or below them."""
    out = np.zeros(x.shape, np.int32)
    for j, e in enumerate(edges):
        v = x[:, j]
        b = np.searchsorted(e, v, side="right") + 1
        b[np.isnan(v)] = 0
        out[:, j] = b
    return out


def _grow(b: np.ndarray, g: np.ndarray, h: np.ndarray, depth: int, n_bins: int, lam: float,
          min_hess: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One tree on binned rows: (feature, split bin: right when bin > it, leaf values: Newton
    steps -G / (H + lam))."""
    n_feat = b.shape[1]
    n_nodes = 2**depth - 1
    feature = np.zeros(n_nodes, np.int64)
    split = np.full(n_nodes, np.iinfo(np.int32).max, np.int64)
    leaf = np.zeros(2**depth)
    offsets = (np.arange(n_feat) * n_bins)[None, :]
    pending = {0: np.arange(len(b))}
    for node in range(n_nodes):
        rows = pending.pop(node)
        if len(rows):
            idx = (b[rows] + offsets).ravel()
            gs = np.bincount(idx, np.repeat(g[rows], n_feat), n_feat * n_bins).reshape(n_feat, n_bins)
            hs = np.bincount(idx, np.repeat(h[rows], n_feat), n_feat * n_bins).reshape(n_feat, n_bins)
            gl = np.cumsum(gs, 1)[:, :-1]
            hl = np.cumsum(hs, 1)[:, :-1]
            gt = gs.sum(1, keepdims=True)
            ht = hs.sum(1, keepdims=True)
            gain = gl**2 / (hl + lam) + (gt - gl) ** 2 / (ht - hl + lam) - gt**2 / (ht + lam)
            gain[(hl < min_hess) | (ht - hl < min_hess)] = -np.inf
            f, t = np.unravel_index(int(np.argmax(gain)), gain.shape)
            if np.isfinite(gain[f, t]) and gain[f, t] > 0:
                feature[node], split[node] = f, t
        right = b[rows, feature[node]] > split[node]
        for child, sub in ((2 * node + 1, rows[~right]), (2 * node + 2, rows[right])):
            if child < n_nodes:
                pending[child] = sub
            else:
                leaf[child - n_nodes] = -g[sub].sum() / (h[sub].sum() + lam) if len(sub) else 0.0
    return feature, split, leaf


def boost_difficulty(
    x: np.ndarray,
    base: np.ndarray,
    items: np.ndarray,
    models: np.ndarray,
    scores: np.ndarray,
    weights: np.ndarray,
    theta: np.ndarray,
    *,
    n_trees: int = 100,
    depth: int = 3,
    rate: float = 0.1,
    lam: float = 1.0,
    min_hess: float = 20.0,
    n_bins: int = 32,
) -> tuple[TreeEnsemble, np.ndarray]:
    """Trees over ``x`` (items x features, NaN = not applicable) added to the item difficulty
    ``base`` under ``P(items[k] right by models[k]) = sigmoid(theta[model] - difficulty[item])``
    (weighted cross-entropy), the abilities re-stepped after each tree. Returns (trees, theta)."""
    edges = quantile_edges(x, n_bins)
    b = binned(x, edges)
    nb = int(b.max()) + 1
    d = np.asarray(base, np.float64).copy()
    th = np.asarray(theta, np.float64).copy()
    it, mo = np.asarray(items, np.int64), np.asarray(models, np.int64)
    y, w = np.asarray(scores, np.float64), np.asarray(weights, np.float64)
    n, m = len(x), len(th)
    feats, thresholds, leaves = [], [], []
    for _ in range(n_trees):
        p = _sigmoid(th[mo] - d[it])
        g = np.bincount(it, w * (y - p), n)  # d loss / d difficulty
        h = np.bincount(it, w * p * (1.0 - p), n) + 1e-9
        f, s, leaf = _grow(b, g, h, depth, nb, lam, min_hess)
        leaf *= rate
        thr = np.array([np.inf if s[k] >= nb else (-np.inf if s[k] == 0 else edges[f[k]][s[k] - 1])
                        for k in range(len(f))])
        # the increment through the stored thresholds (what prediction computes), not the bins
        d += TreeEnsemble(f[None, :], thr[None, :], leaf[None, :]).tree_output(0, x)
        for _step in range(2):  # the abilities follow the difficulty (Newton steps)
            p = _sigmoid(th[mo] - d[it])
            th -= ((np.bincount(mo, w * (p - y), m) + 1e-3 * th)
                   / (np.bincount(mo, w * p * (1.0 - p), m) + 1e-3))
        feats.append(f)
        thresholds.append(thr)
        leaves.append(leaf)
    ens = TreeEnsemble(np.array(feats, np.int16).reshape(n_trees, -1),
                       np.array(thresholds, np.float64).reshape(n_trees, -1),
                       np.array(leaves, np.float64).reshape(n_trees, -1))
    return ens, th
