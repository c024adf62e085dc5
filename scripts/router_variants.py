#!/usr/bin/env python
"""Measure variants of the learned router on train_router.py's held-out folds (none is shipped).

    PYTHONPATH=src python scripts/router_variants.py [--variants oracle,knn,clean,rank]
        [--wordllama DIR]

Same data, folds, weights and fit as ``scripts/train_router.py`` (it imports them); the
baseline is the shipped v2 recipe, reproduced first (mixed pool 0.662). Every variant's
hyper-parameters are fixed in advance or chosen by inner cross-validation on the outer fold's
training rows; none is read off the held-out folds. Variants:

- ``oracle``: not a router. Each held-out group's true mean gain (strong minus weak score on
  its source's pair), v2 inside the group: how far knowing every unseen subject, category and
  task family exactly would go.
- ``knn``: a difficulty prior from the nearest labelled prompts of *other* groups. Each
  training prompt's residual difficulty (one Newton step of its own labels against the fold's
  fit); a prompt's feature is the similarity-weighted mean residual of its 16 nearest
  neighbours outside its own group and outside the held-out fold (the memory's constants:
  ``KNN_K``, ``KNN_SHARPNESS``, ``KNN_PSEUDO``), so training rows see the feature as a held-out
  prompt does. Added to the difficulty as it is (logit units), and as a refitted column.
  Over the shipped 128-d embedding and, with ``--wordllama DIR`` (an unpacked wordllama wheel:
  ``pip download --no-deps wordllama``, unzip), over its 256-d l2_supercat model.
- ``clean``: v1 was trained on 35 MMLU subjects, prompt by prompt (its n-gram weights), so on
  three of the four MMLU folds v1's logit, an input of v2, is in-sample. Here each MMLU prompt's
  v1 logit comes from v1 refitted without the prompt's fold (``train_router``'s
  ``out_of_fold_v1_logits``, its own evaluation protocol since issue 14's sixth pass), for
  training rows and held-out rows alike; v2 refitted on that; v1 scored the same way.
- ``rank``: a pairwise (RankNet) linear scorer over the v1 descriptors and logit, trained on
  the pair gains of the pooled training rows (pairs with different gains; every pair or only
  pairs within one source), the L2 strength chosen by inner CV; and stacked: v2's need + beta x
  the pooled rank score standardised on the training rows, L2 and beta chosen per outer fold
  by the same inner CV. Inner CV: the outer fold's training groups split in two halves
  (alternating by name within the pool), each half's model scoring the other; the mixed-pool
  APGR of those out-of-fold scores picks the value. ``rank-pooled``: the pooled pairs only.
- ``gain`` (clean v1 logit): a second IRT dimension for "where the strong models gain":
  ``P = sigmoid(theta_m - x @ delta + b_m * (x @ gamma))``, ``delta`` and the abilities from
  v2's fit (boost included), ``gamma`` and the abilities then fitted by L-BFGS. Loadings ``b_m``
  free (they collapse to one sign: a second difficulty, not a gain axis), centred (sum 0), or
  fixed to half the standardised abilities (stronger models gain more where ``x @ gamma`` is
  high: the "strong succeeds" / "weak fails" split the issue asks about); L2 on ``gamma`` 30
  (v2's) or 300.
- ``labels`` (clean v1 logit): label definitions in training. MMLU subjects whose strong labels
  are below chance (``train_router.below_chance_subjects``: high-school maths) out, as v1's own
  training does; the pair's labels (``PAIRS``) weighted x2 (x4 and pair-only make the Newton
  fit diverge); LLMRouter's three models under a third right (two ChatQA, CodeGemma) out.
- ``generated`` (clean v1 logit): the embedded model's generated labels
  (``scripts/gen_router_labels.py``, ``--generated FILE``) as one more model column of the
  joint fit: added to the rows' scores (a prompt's labels still weigh as one prompt), and on
  top of v2's labels at 3x and 30x a label's weight; and the difficulty fitted on the generated
  labels alone, as a router. Logs the label's AUC for each pair model's
  right/wrong on the rows it covers.
- ``signs`` (clean v1 logit): descriptors that transfer across sources, chosen without the
  held-out fold: per outer fold, v2's joint fit (no boost) on each source's training rows alone;
  a descriptor keeps v2's L2 only when its weight has the same sign in all three fits, the
  others are held back like the embedding (L2 x 100); then v2's fit and boost as usual.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_router_labels import DEFAULT_OUT as GENERATED_LABELS
from train_router import (
    GENERATED,
    L2,
    SOURCES,
    V1_BOOST,
    below_chance_subjects,
    fit,
    folds_of,
    load_generated,
    need,
    out_of_fold_v1_logits,
    stack,
    with_generated,
)

from turnout.detect.complexity import N_FEATURES
from turnout.evaluation.routing import DEFAULT_HOLDOUT, evaluate_router
from turnout.learn.data import PAIRS, Labelled, load_all
from turnout.learn.model import (
    KNN_K,
    KNN_PSEUDO,
    KNN_SHARPNESS,
    Featurizer,
    _clip,
    boost_column,
    fit_irt,
)

RANK_PAIRS = 200_000
RANK_L2S = (1e-4, 1e-3, 1e-2)
BETAS = (0.0, 0.02, 0.05, 0.1, 0.2)


def log(msg: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


class Bench:
    """The held-out protocol over features computed once."""

    def __init__(self, data: Labelled) -> None:
        self.data = data
        feat0 = Featurizer(np.zeros(N_FEATURES), np.ones(N_FEATURES))
        self.emb, dense, self.logit, _ = feat0.raw(data.prompts)
        mean = np.nan_to_num(np.nanmean(dense, axis=0))
        scale = np.nan_to_num(np.nanstd(dense, axis=0))
        feat = Featurizer(mean, np.where(scale > 0, scale, 1.0))
        z = feat.standardised(dense)
        # the embedding's columns are dropped: held back by L2 x 100 in the shipped fit, they
        # change no figure (0.662 / 0.603 / 0.573 / 0.647 either way) and cost 3x the time
        self.x = np.hstack([np.ones((len(data), 1)), z, self.logit[:, None] / 2.0])
        self.xr = self.x[:, 1:]  # the rank scorer's inputs (no intercept)
        self.models = sorted({m for s in data.scores for m in s})
        self.col = {m: j for j, m in enumerate(self.models)}
        self.src = np.array(data.sources)
        self.gkey = np.array([f"{s}|{g}" for s, g in zip(data.sources, data.groups, strict=True)])
        self.folds = folds_of(data)
        grp = self.grp = np.array(data.groups)
        self.fold_of = np.full(len(data), -1)
        for k, (s, gs) in enumerate(self.folds):
            self.fold_of[(self.src == s) & np.isin(grp, list(gs))] = k
        self.y = np.full((len(data), len(self.models)), np.nan)
        for i, sc in enumerate(data.scores):
            for m, v in sc.items():
                self.y[i, self.col[m]] = v
        self.gain = np.full(len(data), np.nan)
        self.pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for s in SOURCES:
            st, wk = (self.col[m] for m in PAIRS[s])
            r = np.flatnonzero((self.src == s) & ~np.isnan(self.y[:, st]) & ~np.isnan(self.y[:, wk]))
            self.pairs[s] = (r, self.y[r, st], self.y[r, wk])
            self.gain[r] = self.y[r, st] - self.y[r, wk]
        self.row_w = np.zeros(len(data))  # train_router.stack's prompt weight over all rows
        items, _, _, ws = stack(data, np.arange(len(data)), self.col)
        self.row_w[np.asarray(items)] = ws
        self.clean: tuple[np.ndarray, np.ndarray] | None = None

    # -- fits and scores -------------------------------------------------------------------

    def irt(self, rows: np.ndarray, x: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        x = self.x if x is None else x
        items, mods, ys, ws = stack(self.data, rows, self.col)
        return fit(x[rows], 0, items, mods, ys, ws, len(self.models))

    def pair_need(self, dx: np.ndarray, theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.empty(len(rows))
        for s in SOURCES:
            m = self.src[rows] == s
            st, wk = PAIRS[s]
            out[m] = need(dx[m], theta[self.col[st]], theta[self.col[wk]])
        return out

    def baseline(self) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        out = np.full(len(self.data), np.nan)
        fits = []
        for k in range(len(self.folds)):
            te, tr = np.flatnonzero(self.fold_of == k), np.flatnonzero(self.fold_of != k)
            delta, theta = self.irt(tr)
            fits.append((delta, theta))
            out[te] = self.pair_need(self.x[te] @ delta, theta, te)
        return out, fits

    def rank_fit(self, rows: np.ndarray, l2: float, within: bool, seed: int) -> np.ndarray:
        """RankNet weights: sampled pairs of training rows (by prompt weight) with different pair
        gains, the loss weighted by the gain difference."""
        rng = np.random.default_rng(seed)
        rows = rows[~np.isnan(self.gain[rows])]
        p = self.row_w[rows] / self.row_w[rows].sum()
        i = rows[rng.choice(len(rows), RANK_PAIRS, p=p)]
        j = rows[rng.choice(len(rows), RANK_PAIRS, p=p)]
        keep = self.gain[i] != self.gain[j]
        if within:
            keep &= self.src[i] == self.src[j]
        i, j = i[keep], j[keep]
        diff = self.gain[i] - self.gain[j]
        dx = (self.xr[i] - self.xr[j]) * np.sign(diff)[:, None]
        mag = np.abs(diff)

        def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
            z = dx @ b
            val = float((mag * np.logaddexp(0, -z)).mean() + l2 * b @ b)
            grad = -(dx * (mag / (1 + np.exp(z)))[:, None]).mean(0) + 2 * l2 * b
            return val, grad

        return np.asarray(minimize(loss, np.zeros(dx.shape[1]), jac=True, method="L-BFGS-B").x)

    # -- metrics ---------------------------------------------------------------------------

    def apgr(self, score: np.ndarray, rows: np.ndarray | None = None,
             clean: bool = False) -> dict[str, float]:
        """APGR per source and on the mixed pool; ``clean``: MMLU only on the subjects the v1
        scorer never saw (its n-gram weights were fitted on the other 35, prompt by prompt, and
        v1's logit is an input of every variant here)."""
        out: dict[str, float] = {}
        parts = []
        for s in SOURCES:
            r, ss, ww = self.pairs[s]
            if rows is not None:
                m = np.isin(r, rows)
                r, ss, ww = r[m], ss[m], ww[m]
            if clean and s == "mmlu":
                m = np.isin(self.grp[r], DEFAULT_HOLDOUT)
                r, ss, ww = r[m], ss[m], ww[m]
            if len(r):
                out[s] = evaluate_router(s, score[r], ww, ss).apgr
                parts.append((score[r], ww, ss))
        sc, ww, ss = (np.concatenate(p) for p in zip(*parts, strict=True))
        out["mixed"] = evaluate_router("mixed", sc, ww, ss).apgr
        return out

    def per_fold(self, score: np.ndarray) -> list[float | None]:
        out: list[float | None] = []
        for k, (s, _) in enumerate(self.folds):
            r, ss, ww = self.pairs[s]
            m = self.fold_of[r] == k
            gap = ss[m].mean() - ww[m].mean()
            out.append(evaluate_router("f", score[r][m], ww[m], ss[m]).apgr if gap >= 0.02 else None)
        return out


def residuals(b: Bench, rows: np.ndarray, delta: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Each prompt's difficulty beyond the fit: one Newton step of its own labels (prior 1)."""
    p = 1 / (1 + np.exp(-(theta[None, :] - (b.x[rows] @ delta)[:, None])))
    y = b.y[rows]
    have = ~np.isnan(y)
    g = np.where(have, p - np.nan_to_num(y), 0).sum(1)
    h = np.where(have, p * (1 - p), 0).sum(1)
    return g / (h + 1.0)


def neighbours(b: Bench, e: np.ndarray, k: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Each prompt's k most similar prompts of other groups, most similar first."""
    e = e.astype(np.float32)
    g = np.unique(b.gkey, return_inverse=True)[1]
    idx = np.zeros((len(e), k), np.int64)
    sim = np.zeros((len(e), k), np.float32)
    for a in range(0, len(e), 1500):
        s = e[a : a + 1500] @ e.T
        s[g[a : a + 1500][:, None] == g[None, :]] = -9.0
        top = np.argpartition(-s, k, axis=1)[:, :k]
        ts = np.take_along_axis(s, top, 1)
        o = np.argsort(-ts, 1)
        idx[a : a + 1500] = np.take_along_axis(top, o, 1)
        sim[a : a + 1500] = np.take_along_axis(ts, o, 1)
    return idx, sim


def knn_mean(idx: np.ndarray, sim: np.ndarray, value: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    ok = allowed[idx]
    use = ok & (np.cumsum(ok, 1) <= KNN_K)
    w = np.where(use, np.exp(KNN_SHARPNESS * (sim - 1.0)), 0.0)
    return (w * np.nan_to_num(value[idx])).sum(1) / (w.sum(1) + KNN_PSEUDO)


def wordllama_embed(texts: list[str], wdir: Path) -> np.ndarray:
    """wordllama's l2_supercat 256-d model: mean of token vectors (its own pooling), unit norm."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(wdir / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    tok.no_padding()
    tok.enable_truncation(512)
    raw = (wdir / "weights" / "l2_supercat_256.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8 : 8 + n])
    t = head["embedding.weight"]
    a, z = t["data_offsets"]
    table = np.frombuffer(raw[8 + n + a : 8 + n + z], np.float16).reshape(t["shape"]).astype(np.float32)
    out = np.zeros((len(texts), table.shape[1]), np.float32)
    for i, enc in enumerate(tok.encode_batch([_clip(s) for s in texts])):
        if enc.ids:
            out[i] = table[np.array(enc.ids)].mean(0)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def variant_knn(b: Bench, fits: list, e: np.ndarray, name: str, rows_out: dict) -> None:
    idx, sim = neighbours(b, e)
    add = np.full(len(b.data), np.nan)
    refit = np.full(len(b.data), np.nan)
    for k in range(len(b.folds)):
        te, tr = np.flatnonzero(b.fold_of == k), np.flatnonzero(b.fold_of != k)
        delta, theta = fits[k]
        u = np.full(len(b.data), np.nan)
        u[tr] = residuals(b, tr, delta, theta)
        f = knn_mean(idx, sim, u, b.fold_of != k)
        add[te] = b.pair_need(b.x[te] @ delta + f[te], theta, te)
        # the column before the v1 logit, so that fit() still boosts the logit (the last one)
        x2 = np.hstack([b.x[:, :-1], f[:, None], b.x[:, -1:]])
        d2, t2 = b.irt(tr, x2)
        refit[te] = b.pair_need(x2[te] @ d2, t2, te)
        log(f"knn {name} fold {k + 1}/{len(b.folds)}")
    rows_out[f"v2 + kNN residual prior ({name}), added"] = add
    rows_out[f"v2 with kNN residual prior ({name}) as a refitted column"] = refit


def inner_halves(b: Bench, tr: np.ndarray) -> np.ndarray:
    groups = sorted(set(b.gkey[tr]))
    half = {g: i % 2 for i, g in enumerate(groups)}
    return np.array([half[g] for g in b.gkey[tr]])


def variant_rank(b: Bench, fits: list, within: bool, rows_out: dict) -> None:
    """The rank scorer alone (its L2 by inner CV) and, for pooled pairs, stacked on v2's need
    (L2 and beta by inner CV): 2-fold leave-groups-out inside the outer fold's training rows."""
    alone = np.full(len(b.data), np.nan)
    stacked = np.full(len(b.data), np.nan)
    for k in range(len(b.folds)):
        te, tr = np.flatnonzero(b.fold_of == k), np.flatnonzero(b.fold_of != k)
        h = inner_halves(b, tr)
        nd = np.full(len(b.data), np.nan)
        inner = {l2: np.full(len(b.data), np.nan) for l2 in RANK_L2S}
        for a in (0, 1):
            fa, pa = tr[h == a], tr[h != a]
            if not within:
                delta, theta = b.irt(fa)
                nd[pa] = b.pair_need(b.x[pa] @ delta, theta, pa)
            for l2 in RANK_L2S:
                sc = b.xr @ b.rank_fit(fa, l2, within, seed=k)
                inner[l2][pa] = (sc[pa] - sc[fa].mean()) / sc[fa].std()
        l2 = max(RANK_L2S, key=lambda v: b.apgr(inner[v], tr)["mixed"])
        sc = b.xr @ b.rank_fit(tr, l2, within, seed=k)
        alone[te] = sc[te]
        msg = f"rank fold {k + 1}/{len(b.folds)}: l2 {l2}"
        if not within:
            l2s, beta = max(((v, be) for v in RANK_L2S for be in BETAS),
                            key=lambda c: b.apgr(nd + c[1] * inner[c[0]], tr)["mixed"])
            if l2s != l2:
                sc = b.xr @ b.rank_fit(tr, l2s, within, seed=k)
            delta, theta = fits[k]
            stacked[te] = (b.pair_need(b.x[te] @ delta, theta, te)
                           + beta * (sc[te] - sc[tr].mean()) / sc[tr].std())
            msg += f"; stack l2 {l2s} beta {beta}"
        log(msg)
    rows_out["RankNet on pair gains" + (" (pairs within a source)" if within else " (pooled pairs)")] = alone
    if not within:
        rows_out["v2 need + beta x RankNet score (L2, beta by inner CV)"] = stacked


def clean_x(b: Bench) -> tuple[np.ndarray, np.ndarray]:
    """(feature rows with MMLU rows' v1 logit out of fold, that logit); computed once."""
    if b.clean is None:
        lg = out_of_fold_v1_logits(b.data, b.logit)
        x = b.x.copy()
        x[:, -1] = lg / 2.0
        b.clean = (x, lg)
    return b.clean


def variant_clean(b: Bench, rows_out: dict) -> None:
    """The shipped recipe with MMLU rows' v1 logit out of fold, in training and in testing."""
    x, lg = clean_x(b)
    out = np.full(len(b.data), np.nan)
    for k in range(len(b.folds)):
        te, tr = np.flatnonzero(b.fold_of == k), np.flatnonzero(b.fold_of != k)
        delta, theta = b.irt(tr, x)
        out[te] = b.pair_need(x[te] @ delta, theta, te)
    rows_out["CLEAN: v2, MMLU rows' v1 logit out of fold"] = out
    rows_out["CLEAN: v1 scorer, out of fold on MMLU"] = lg


def fit_gain_axis(x: np.ndarray, items: list[int], mods: list[int], ys: list[float],
                  ws: list[float], delta: np.ndarray, theta: np.ndarray, loadings: str,
                  l2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(theta, gamma, b) of ``sigmoid(theta_m - x @ delta + b_m * (x @ gamma))`` with ``delta``
    fixed; ``loadings``: "free", "centred" (sum 0) or "fixed" (half the standardised abilities,
    from ``theta``). L-BFGS on the weighted cross-entropy."""
    it, mo = np.asarray(items), np.asarray(mods)
    y, w = np.asarray(ys, np.float64), np.asarray(ws, np.float64)
    n_m, d = len(theta), x.shape[1]
    b_fixed = 0.5 * (theta - theta.mean()) / (theta.std() + 1e-9)
    reg = np.full(d, l2)
    reg[0] = 0.0
    dx = x @ delta

    def parts(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        th, g, bl = p[:n_m], p[n_m:n_m + d], p[n_m + d:]
        if loadings == "fixed":
            bl = b_fixed
        elif loadings == "centred":
            bl = bl - bl.mean()
        return th, g, bl

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        th, g, bl = parts(p)
        gx = x @ g
        z = th[mo] - dx[it] + bl[mo] * gx[it]
        r = w * (1 / (1 + np.exp(-z)) - y)
        val = float(np.sum(w * (np.logaddexp(0, z) - y * z)) + 0.5 * reg @ (g * g)
                    + 0.5 * bl @ bl + 0.5e-3 * th @ th)
        g_th = np.bincount(mo, r, n_m) + 1e-3 * th
        g_g = x.T @ np.bincount(it, r * bl[mo], len(x)) + reg * g
        g_b = np.bincount(mo, r * gx[it], n_m) + bl
        if loadings == "fixed":
            g_b = np.zeros(n_m)
        elif loadings == "centred":
            g_b = g_b - g_b.mean()
        return val, np.concatenate([g_th, g_g, g_b])

    p0 = np.concatenate([theta, np.zeros(d), b_fixed])
    th, g, bl = parts(np.asarray(minimize(loss, p0, jac=True, method="L-BFGS-B",
                                          options={"maxiter": 200}).x))
    return th, g, bl


def variant_gain(b: Bench, rows_out: dict) -> None:
    x, _ = clean_x(b)
    settings = (("free", 30.0), ("centred", 30.0), ("fixed", 30.0), ("fixed", 300.0))
    outs = {k: np.full(len(b.data), np.nan) for k in settings}
    for k in range(len(b.folds)):
        te, tr = np.flatnonzero(b.fold_of == k), np.flatnonzero(b.fold_of != k)
        delta, theta = b.irt(tr, x)
        items, mods, ys, ws = stack(b.data, tr, b.col)
        for loadings, l2 in settings:
            th, g, bl = fit_gain_axis(x[tr], items, mods, ys, ws, delta, theta, loadings, l2)
            dx, gx = x[te] @ delta, x[te] @ g
            for s in SOURCES:
                m = b.src[te] == s
                st, wk = (b.col[n] for n in PAIRS[s])
                ps = 1 / (1 + np.exp(-(th[st] - dx[m] + bl[st] * gx[m])))
                pw = 1 / (1 + np.exp(-(th[wk] - dx[m] + bl[wk] * gx[m])))
                outs[(loadings, l2)][te[m]] = (1 - pw) * (0.5 + 0.5 * ps)
        log(f"gain axis: fold {k + 1}/{len(b.folds)}")
    for (loadings, l2), v in outs.items():
        rows_out[f"CLEAN: v2 + gain axis, loadings {loadings}, L2 {l2:g}"] = v


def variant_labels(b: Bench, rows_out: dict) -> None:
    x, _ = clean_x(b)
    bad = below_chance_subjects(b.data)
    bad_row = (b.src == "mmlu") & np.isin(b.grp, sorted(bad))
    pair_models = np.array([any(m in p for p in PAIRS.values()) for m in b.models])
    lr = b.y[b.src == "llmrouter"]
    labelled = (~np.isnan(lr)).any(0)
    weak_models = ~pair_models & labelled & (np.nanmean(np.where(labelled, lr, 1.0), 0) < 1 / 3)
    settings = {
        "below-chance MMLU subjects out of training": (bad_row, None, 1.0),
        "pair labels x2": (None, None, 2.0),
        "LLMRouter models under a third right out": (None, weak_models, 1.0),
    }
    for name, (drop_rows, drop_models, pair_w) in settings.items():
        out = np.full(len(b.data), np.nan)
        for k in range(len(b.folds)):
            te, tr = np.flatnonzero(b.fold_of == k), np.flatnonzero(b.fold_of != k)
            if drop_rows is not None:
                tr = tr[~drop_rows[tr]]
            items, mods, ys, ws = (np.asarray(v) for v in stack(b.data, tr, b.col))
            ws = ws * np.where(pair_models[mods], pair_w, 1.0)
            if drop_models is not None:
                keep = ~drop_models[mods]
                items, mods, ys, ws = items[keep], mods[keep], ys[keep], ws[keep]
            delta, theta = fit(x[tr], 0, list(items), list(mods), list(ys), list(ws), len(b.models))
            out[te] = b.pair_need(x[te] @ delta, theta, te)
        rows_out[f"CLEAN: v2, {name}"] = out


def variant_signs(b: Bench, rows_out: dict) -> None:
    x, _ = clean_x(b)
    out = np.full(len(b.data), np.nan)
    for k in range(len(b.folds)):
        te, tr = np.flatnonzero(b.fold_of == k), np.flatnonzero(b.fold_of != k)
        signs = []
        for s in SOURCES:
            r = tr[b.src[tr] == s]
            items, mods, ys, ws = stack(b.data, r, b.col)
            d, _ = fit_irt(x[r], items, mods, ys, ws, len(b.models), l2=L2)
            signs.append(np.sign(d))
        agree = (np.array(signs) == signs[0]).all(0)
        agree[0] = agree[-1] = True  # the intercept and the v1 logit
        reg = np.where(agree, L2, L2 * 100)
        items, mods, ys, ws = stack(b.data, tr, b.col)
        delta, _ = fit_irt(x[tr], items, mods, ys, ws, len(b.models), l2=reg)
        delta, theta = boost_column(x[tr], delta, x.shape[1] - 1, 2.0 * V1_BOOST, items, mods,
                                    ys, ws, len(b.models))
        out[te] = b.pair_need(x[te] @ delta, theta, te)
        log(f"signs: fold {k + 1}/{len(b.folds)}, {int(agree[1:-1].sum())} descriptors agree")
    rows_out["CLEAN: v2, descriptors whose sign agrees across sources (others L2 x100)"] = out


GENERATED_WEIGHTS = (3.0, 30.0)  # the label's weight beside a label of the prompt (fixed in advance)


def label_signal(b: Bench, labels: dict[int, float]) -> None:
    """How the generated label relates to the recorded ones on the rows it covers: per source,
    the AUC of the label for each pair model's right/wrong (0.5: no relation)."""
    for s in SOURCES:
        rows = np.array([i for i in labels if b.src[i] == s], int)
        if not len(rows):
            continue
        v = np.array([labels[i] for i in rows])
        parts = [f"{s}: {len(rows)} rows, mean label {v.mean():.3f}"]
        for m in PAIRS[s]:
            y = b.y[rows, b.col[m]]
            ok = ~np.isnan(y)
            pos, neg = v[ok & (y >= 0.5)], v[ok & (y < 0.5)]
            if len(pos) and len(neg):
                auc = float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
                parts.append(f"AUC for {m.split('/')[-1]} right {auc:.3f}")
        log("; ".join(parts))


def variant_generated(b: Bench, path: Path, rows_out: dict) -> None:
    """The embedded model's generated labels (gen_router_labels.py) as one more model column of
    v2's joint fit, clean v1 logit. Plain: the column added to the rows' scores (``stack``
    weighs a prompt's labels as one prompt, so on an MMLU row the pair's two labels give up a
    third of their weight to it); weighted: the pair's and the other models' labels keep v2's
    weights and the generated label comes on top, at ``GENERATED_WEIGHTS`` x a label's weight.
    A label enters only the fits whose training rows hold its row (``stack`` of ``tr``). The
    label is ``load_generated``'s default read (options by mean token log-probability; the
    summed read's label AUC is logged too). x30 stands in for a label set ~30x this size (what
    the label's direction does with the weight of a full source); "alone" is the difficulty a
    fit of the generated labels alone gives, as a router of its own."""
    x, _ = clean_x(b)
    labels = load_generated(path, b.data)
    log(f"generated labels: {len(labels)} rows ({path})")
    label_signal(b, labels)
    summed = load_generated(path, b.data, read="sum")
    log("the same, options' summed log-probabilities:")
    label_signal(b, summed)
    aug = with_generated(b.data, labels)
    col = dict(b.col)
    col[GENERATED] = len(col)
    plain = np.full(len(b.data), np.nan)
    alone = np.full(len(b.data), np.nan)
    weighted = {g: np.full(len(b.data), np.nan) for g in GENERATED_WEIGHTS}
    for k in range(len(b.folds)):
        te, tr = np.flatnonzero(b.fold_of == k), np.flatnonzero(b.fold_of != k)
        items, mods, ys, ws = stack(aug, tr, col)
        delta, theta = fit(x[tr], 0, items, mods, ys, ws, len(col))
        plain[te] = b.pair_need(x[te] @ delta, theta, te)
        items, mods, ys, ws = stack(b.data, tr, b.col)
        row_w = dict(zip(items, ws, strict=True))  # one weight per training row (local index)
        mine = [(j, labels[i]) for j, i in enumerate(tr) if i in labels]
        for g in GENERATED_WEIGHTS:
            it2 = items + [j for j, _ in mine]
            mo2 = mods + [col[GENERATED]] * len(mine)
            ys2 = ys + [v for _, v in mine]
            ws2 = ws + [g * row_w[j] for j, _ in mine]
            delta, theta = fit(x[tr], 0, it2, mo2, ys2, ws2, len(col))
            weighted[g][te] = b.pair_need(x[te] @ delta, theta, te)
        # the embedded model's own difficulty, learnt from its labels alone (v2's features and
        # L2, no boost; its ability stands in for the intercept, confounded with it in a
        # one-model fit): how it ranks held-out prompts, as a router on its own
        tr_l = np.array([i for i in tr if i in labels], int)
        d_g, _ = fit_irt(x[tr_l, 1:], list(range(len(tr_l))), [0] * len(tr_l),
                         [labels[i] for i in tr_l], [1.0] * len(tr_l), 1, l2=L2)
        alone[te] = x[te, 1:] @ d_g
        log(f"generated: fold {k + 1}/{len(b.folds)} ({len(mine)} labelled training rows)")
    rows_out[f"CLEAN: v2 + generated labels ({len(labels)} rows), plain column"] = plain
    for g, v in weighted.items():
        rows_out[f"CLEAN: v2 + generated labels ({len(labels)} rows), on top x{g:g}"] = v
    rows_out[f"CLEAN: the embedded model's difficulty alone, fitted on its {len(labels)} labels"] = alone


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", default="oracle,knn,clean,rank")
    ap.add_argument("--save", type=Path, default=None, help="write every variant's scores (npz)")
    ap.add_argument("--generated", type=Path, default=GENERATED_LABELS,
                    help="gen_router_labels.py's JSONL (for the generated variant)")
    ap.add_argument("--wordllama", type=Path, default=None,
                    help="an unpacked wordllama wheel's package folder (for the kNN variant)")
    args = ap.parse_args()
    wanted = set(args.variants.split(","))
    b = Bench(load_all())
    log("features done")
    base, fits = b.baseline()
    rows: dict[str, np.ndarray] = {"v2 as shipped (reproduced)": base,
                                   "prompt length": np.array([len(p) for p in b.data.prompts], float)}
    if "oracle" in wanted:
        og = np.zeros(len(b.data))
        for g in set(b.gkey):
            m = b.gkey == g
            og[m] = np.nanmean(b.gain[m])
        ranks = np.argsort(np.argsort(base)) / len(base)
        rows["ORACLE: held-out group's true mean gain, v2 inside it"] = og + 1e-3 * ranks
    if "knn" in wanted:
        variant_knn(b, fits, b.emb, "shipped 128-d", rows)
        if args.wordllama:
            variant_knn(b, fits, wordllama_embed(b.data.prompts, args.wordllama), "wordllama 256-d", rows)
    if wanted & {"clean", "gain", "labels", "signs", "generated"}:
        variant_clean(b, rows)
    if "gain" in wanted:
        variant_gain(b, rows)
    if "labels" in wanted:
        variant_labels(b, rows)
    if "signs" in wanted:
        variant_signs(b, rows)
    if "generated" in wanted:
        variant_generated(b, args.generated, rows)
    if "rank" in wanted or "rank-pooled" in wanted:
        variant_rank(b, fits, False, rows)
    if "rank" in wanted:
        variant_rank(b, fits, True, rows)
    if args.save:
        arrays: dict[str, Any] = {n.replace(" ", "_"): v for n, v in rows.items()}
        np.savez(args.save, **arrays)
    print("| variant | mixed pool | MMLU | MMLU-Pro | LLMRouter | mixed, clean MMLU | MMLU unseen by v1 "
          "| MMLU, strong labels above chance | folds above length |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    sane = np.flatnonzero(~((b.src == "mmlu") & np.isin(b.grp, sorted(below_chance_subjects(b.data)))))
    ref = b.per_fold(rows["prompt length"])
    for name, score in rows.items():
        a = b.apgr(score)
        c = b.apgr(score, clean=True)
        pf = b.per_fold(score)
        won = sum(1 for v, r in zip(pf, ref, strict=True) if v is not None and r is not None and v > r)
        n = sum(1 for v in pf if v is not None)
        above = b.apgr(score, sane)["mmlu"]
        print(f"| {name} | {a['mixed']:.3f} | {a['mmlu']:.3f} | {a['mmlu-pro']:.3f} | "
              f"{a['llmrouter']:.3f} | {c['mixed']:.3f} | {c['mmlu']:.3f} | {above:.3f} | {won}/{n} |")
    print()
    print("| fold (held out) | " + " | ".join(rows) + " |")
    print("| --- |" + " ---: |" * len(rows))
    per = {n: b.per_fold(s) for n, s in rows.items()}
    for k, (s, gs) in enumerate(b.folds):
        if per["prompt length"][k] is None:
            continue
        label = f"{s}: {', '.join(sorted(gs))}"[:48]
        print(f"| {label} | " + " | ".join(f"{per[n][k]:.3f}" for n in rows) + " |")


if __name__ == "__main__":
    main()
