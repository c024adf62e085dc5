#!/usr/bin/env python
"""Train the complexity scorer's artefact (src/turnout/data/complexity_model.npz), reproducibly.

    python scripts/train_complexity.py [--data /work/shared/data/routing/mmlu] [--out PATH]
    python scripts/train_complexity.py --search      # leave-subjects-out grid search first

Data: RouteLLM's MMLU responses, read in place (never copied). Contaminated prompts are dropped
as RouteLLM drops them. The held-out subjects of ``turnout.evaluation.routing`` (the same split
definition, imported, not copied) are never trained on; they are only scored at the end to
report the held-out metrics. Hyper-parameters are chosen by leave-subjects-out cross-validation
on the training subjects (folds: the same stratified rule with the other offsets), and the
defaults below are the result of ``--search``; a plain run re-creates the shipped artefact
byte for byte (numpy only, deterministic full-batch L-BFGS, fixed member order and timestamps
in the .npz).

Also excluded from training, by a stated rule: subjects where the strong model scores below
chance (25% on four options). That is high_school_mathematics, where GPT-4 is right on 3% of
questions -- an answer-extraction failure in RouteLLM's responses, not difficulty; training on
it would teach "math: the weak model is better", the opposite of every other math benchmark.
It stays in the evaluation data as RouteLLM has it (it is not a held-out subject).

See the docstring of turnout.detect.complexity for the model and the label.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from turnout.detect.complexity import (
    CLIP_Z,
    DEFAULT_MODEL_PATH,
    N_FEATURES,
    ComplexityScorer,
    analyse,
    prior_logit,
)
from turnout.evaluation.routing import (
    DEFAULT_DATA_DIR,
    DEFAULT_HOLDOUT,
    HOLDOUT_EVERY,
    HOLDOUT_OFFSET,
    RoutingData,
    evaluate_router,
    length_scores,
    load_routing_data,
    split_subjects,
    subject_fold,
)

CHANCE = 0.25


@dataclass(frozen=True)
class Config:
    """Everything that determines the artefact (recorded in its metadata).

    Defaults: the result of ``--search`` (leave-subjects-out CV APGR 0.554 for the blend, 3 folds),
    except ``both_wrong_label``, where CV cannot tell 0.5 from 1.0 (0.5544 both); 0.5 is kept
    for the reason in turnout.detect.complexity's docstring. ``prior_weight`` is not searched.
    """

    both_wrong_label: float = 0.5  # soft target where both models are wrong
    l2_dense: float = 1e-3  # L2 on the standardised dense features (objective: mean CE)
    l2_vocab: float = 3e-4  # L2 on the n-gram weights
    min_subjects: int = 4  # an n-gram must occur in this many training subjects
    min_count: int = 5  # ... and in this many training prompts
    subject_weight_power: float = 0.5  # row weight = n_subject ** -power (0 = every row equal)
    prior_weight: float = 1.0  # fixed a priori, not fitted (see the scorer's docstring)
    max_iter: int = 400
    default_strong_share: float = 0.3


# --------------------------------------------------------------------------- features


@dataclass
class Featurised:
    dense: np.ndarray  # (n, F) raw
    grams: list[set[str]]
    prior: np.ndarray  # (n,)


def featurise(prompts: Sequence[str], progress: bool = False) -> Featurised:
    dense = np.empty((len(prompts), N_FEATURES), dtype=np.float64)
    grams: list[set[str]] = []
    prior = np.empty(len(prompts), dtype=np.float64)
    t0 = time.perf_counter()
    for i, p in enumerate(prompts):
        f, g = analyse(p)
        dense[i] = f
        grams.append(g)
        prior[i] = prior_logit(f)
        if progress and i and i % 4000 == 0:
            print(
                f"  featurised {i}/{len(prompts)} ({time.perf_counter() - t0:.1f}s)",
                file=sys.stderr,
            )
    return Featurised(dense, grams, prior)


def build_vocab(grams: Sequence[set[str]], subjects: Sequence[str], cfg: Config) -> list[str]:
    """N-grams seen in at least ``min_subjects`` subjects and ``min_count`` prompts, sorted."""
    docs: dict[str, int] = {}
    subj: dict[str, set[str]] = {}
    for g, s in zip(grams, subjects, strict=True):
        for t in g:
            docs[t] = docs.get(t, 0) + 1
            subj.setdefault(t, set()).add(s)
    return sorted(
        t for t, c in docs.items() if c >= cfg.min_count and len(subj[t]) >= cfg.min_subjects
    )


@dataclass
class Sparse:
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    n_rows: int
    n_cols: int

    def dot(self, w: np.ndarray) -> np.ndarray:
        return np.bincount(self.rows, weights=self.vals * w[self.cols], minlength=self.n_rows)

    def tdot(self, r: np.ndarray) -> np.ndarray:
        return np.bincount(self.cols, weights=self.vals * r[self.rows], minlength=self.n_cols)


def sparse_grams(grams: Sequence[set[str]], vocab: Sequence[str]) -> Sparse:
    """Binary n-gram presence scaled by 1/sqrt(#n-grams of the prompt), as the scorer does."""
    index = {t: j for j, t in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, g in enumerate(grams):
        if not g:
            continue
        scale = 1.0 / math.sqrt(len(g))
        hit = sorted(index[t] for t in g if t in index)
        rows.extend([i] * len(hit))
        cols.extend(hit)
        vals.extend([scale] * len(hit))
    return Sparse(
        np.array(rows, np.int64),
        np.array(cols, np.int64),
        np.array(vals, np.float64),
        len(grams),
        len(vocab),
    )


# --------------------------------------------------------------------------- optimisation


def lbfgs(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    max_iter: int,
    m: int = 12,
) -> np.ndarray:
    """Minimise a smooth convex function: L-BFGS with Armijo backtracking. Deterministic."""
    x = x0.copy()
    f, g = fun(x)
    s_hist: list[np.ndarray] = []
    y_hist: list[np.ndarray] = []
    for _ in range(max_iter):
        q = g.copy()
        alphas: list[tuple[float, float]] = []
        for s, y in zip(reversed(s_hist), reversed(y_hist), strict=True):
            rho = 1.0 / float(np.dot(y, s))
            a = rho * float(np.dot(s, q))
            q -= a * y
            alphas.append((rho, a))
        if s_hist:
            q *= float(np.dot(s_hist[-1], y_hist[-1])) / float(np.dot(y_hist[-1], y_hist[-1]))
        else:
            q /= max(1.0, float(np.linalg.norm(q)))
        for (s, y), (rho, a) in zip(
            zip(s_hist, y_hist, strict=True), reversed(alphas), strict=True
        ):
            b = rho * float(np.dot(y, q))
            q += s * (a - b)
        d = -q
        gd = float(np.dot(g, d))
        if gd >= 0:  # not a descent direction: restart from the gradient
            s_hist.clear()
            y_hist.clear()
            d = -g / max(1.0, float(np.linalg.norm(g)))
            gd = float(np.dot(g, d))
        t = 1.0
        while True:
            xn = x + t * d
            fn, gn = fun(xn)
            if fn <= f + 1e-4 * t * gd or t < 1e-12:
                break
            t *= 0.5
        s_vec, y_vec = xn - x, gn - g
        if float(np.dot(s_vec, y_vec)) > 1e-12:
            s_hist.append(s_vec)
            y_hist.append(y_vec)
            if len(s_hist) > m:
                s_hist.pop(0)
                y_hist.pop(0)
        converged = abs(f - fn) <= 1e-10 * max(1.0, abs(f))
        x, f, g = xn, fn, gn
        if converged or float(np.max(np.abs(g))) < 1e-7:
            break
    return x


def soft_labels(weak: np.ndarray, strong: np.ndarray, cfg: Config) -> np.ndarray:
    y = np.where(weak, 0.0, np.where(strong, 1.0, cfg.both_wrong_label))
    return y.astype(np.float64)


def row_weights(subjects: Sequence[str], cfg: Config) -> np.ndarray:
    counts: dict[str, int] = {}
    for s in subjects:
        counts[s] = counts.get(s, 0) + 1
    w = np.array([counts[s] ** -cfg.subject_weight_power for s in subjects], np.float64)
    return w / w.sum()


def standardise(raw: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """As the scorer does: z-score, NaN (not applicable) -> 0, clipped to +-CLIP_Z."""
    z = (raw - mean) / scale
    return np.clip(np.nan_to_num(z, nan=0.0), -CLIP_Z, CLIP_Z)


@dataclass
class Fitted:
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    w_dense: np.ndarray
    vocab: list[str]
    w_vocab: np.ndarray
    prior_weight: float
    bias_learned_only: float

    def logits(
        self, feats: Featurised, rows: np.ndarray | None = None, *, prior: bool = True
    ) -> np.ndarray:
        """Blend logits; ``prior=False``: the learned part alone (its own intercept)."""
        idx = np.arange(len(feats.grams)) if rows is None else rows
        xd = standardise(feats.dense[idx], self.mean, self.scale)
        sp = sparse_grams([feats.grams[i] for i in idx], self.vocab)
        z = xd @ self.w_dense + sp.dot(self.w_vocab)
        if not prior:
            return self.bias_learned_only + z
        return self.bias + z + self.prior_weight * feats.prior[idx]


def fit(feats: Featurised, rows: np.ndarray, data: RoutingData, cfg: Config) -> Fitted:
    """Fit the learned part on ``rows`` (no prior), then re-fit only the intercept with the prior
    as a fixed offset, so that the blend keeps the training base rate."""
    subjects = [data.subjects[i] for i in rows]
    vocab = build_vocab([feats.grams[i] for i in rows], subjects, cfg)
    xd_raw = feats.dense[rows]
    mean = np.nan_to_num(np.nanmean(xd_raw, axis=0))
    scale = np.nan_to_num(np.nanstd(xd_raw, axis=0))
    scale = np.where(scale > 1e-9, scale, 1.0)
    xd = standardise(xd_raw, mean, scale)
    sp = sparse_grams([feats.grams[i] for i in rows], vocab)
    y = soft_labels(data.weak[rows], data.strong[rows], cfg)
    c = row_weights(subjects, cfg)
    nd = xd.shape[1]

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        b, wd, wv = theta[0], theta[1 : 1 + nd], theta[1 + nd :]
        z = b + xd @ wd + sp.dot(wv)
        # weighted mean cross-entropy with soft targets, stable form: log(1 + e^z) - y z
        loss = float(np.sum(c * (np.logaddexp(0.0, z) - y * z)))
        loss += 0.5 * cfg.l2_dense * float(wd @ wd) + 0.5 * cfg.l2_vocab * float(wv @ wv)
        r = c * (1.0 / (1.0 + np.exp(-z)) - y)
        grad = np.empty_like(theta)
        grad[0] = r.sum()
        grad[1 : 1 + nd] = xd.T @ r + cfg.l2_dense * wd
        grad[1 + nd :] = sp.tdot(r) + cfg.l2_vocab * wv
        return loss, grad

    theta = lbfgs(fun, np.zeros(1 + nd + len(vocab)), cfg.max_iter)
    bias, wd, wv = float(theta[0]), theta[1 : 1 + nd].copy(), theta[1 + nd :].copy()
    learned_only = bias  # intercept without the prior
    if cfg.prior_weight:
        z_rest = xd @ wd + sp.dot(wv) + cfg.prior_weight * feats.prior[rows]
        for _ in range(50):  # 1-D Newton on the intercept
            p = 1.0 / (1.0 + np.exp(-(bias + z_rest)))
            g = float(np.sum(c * (p - y)))
            h = float(np.sum(c * p * (1.0 - p))) + 1e-12
            bias -= g / h
            if abs(g / h) < 1e-12:
                break
    return Fitted(bias, mean, scale, wd, vocab, wv, cfg.prior_weight, learned_only)


# --------------------------------------------------------------------------- evaluation


def apgr_of(scores: np.ndarray, data: RoutingData, rows: np.ndarray) -> float:
    """APGR of ``scores`` over ``rows`` of ``data``."""
    return evaluate_router("x", scores, data.weak[rows], data.strong[rows]).apgr


def cv_folds(train_subjects: set[str], all_subjects: Sequence[str]) -> list[list[str]]:
    """Leave-subjects-out folds: the held-out rule with the other offsets."""
    folds = []
    for offset in range(HOLDOUT_EVERY):
        if offset == HOLDOUT_OFFSET:
            continue
        fold = [s for s in subject_fold(all_subjects, HOLDOUT_EVERY, offset) if s in train_subjects]
        if fold:
            folds.append(fold)
    return folds


def cross_validate(
    feats: Featurised,
    data: RoutingData,
    train_rows: np.ndarray,
    cfg: Config,
    all_subjects: Sequence[str],
    ablations: bool = True,
) -> dict[str, float]:
    train_subj = {data.subjects[i] for i in train_rows}
    res: dict[str, list[float]] = {"apgr": [], "apgr_learned_only": [], "apgr_prior_only": []}
    subj_arr = np.array(data.subjects)
    for fold in cv_folds(train_subj, all_subjects):
        in_fold = np.isin(subj_arr[train_rows], fold)
        tr, va = train_rows[~in_fold], train_rows[in_fold]
        model = fit(feats, tr, data, cfg)
        res["apgr"].append(apgr_of(model.logits(feats, va), data, va))
        if not ablations:
            continue
        res["apgr_learned_only"].append(apgr_of(model.logits(feats, va, prior=False), data, va))
        res["apgr_prior_only"].append(apgr_of(feats.prior[va], data, va))
    return {k: float(np.mean(v)) for k, v in res.items() if v} | {"folds": float(len(res["apgr"]))}


# --------------------------------------------------------------------------- main


def manifest(data_dir: Path) -> list[dict[str, str]]:
    """Name and sha256 of every input file, recorded in the artefact (what it was trained on)."""
    files = sorted(data_dir.glob("*.csv")) + sorted(data_dir.glob("contaminated_prompts.jsonl"))
    return [{"file": f.name, "sha256": hashlib.sha256(f.read_bytes()).hexdigest()} for f in files]


def train(
    data_dir: Path,
    cfg: Config,
    *,
    subjects: Sequence[str] | None = None,
    log: Callable[[str], None] = lambda s: None,
    search: bool = False,
    quick: bool = False,
) -> tuple[ComplexityScorer, dict[str, object]]:
    """Train on the non-held-out subjects (optionally only ``subjects``); returns the scorer and
    a report of held-out metrics. Pure function of (data, cfg, subjects, quick).

    ``quick`` (for tests): no cross-validation, no held-out report, and the reference set is the
    training prompts only, so only those are featurised."""
    data = load_routing_data(data_dir)
    all_subjects = sorted(set(data.subjects))
    train_data, _ = split_subjects(data, DEFAULT_HOLDOUT)
    held_mask = data.in_subjects(DEFAULT_HOLDOUT)
    held_prompts = {p for p, m in zip(data.prompts, held_mask, strict=True) if m}
    acc = {s: float(np.mean(data.strong[data.in_subjects([s])])) for s in all_subjects}
    below_chance = sorted(s for s in all_subjects if acc[s] < CHANCE and s not in DEFAULT_HOLDOUT)
    keep = set(train_data.subjects) - set(below_chance)
    if subjects is not None:
        keep &= set(subjects)
    train_rows = np.array(
        [
            i
            for i, (s, p) in enumerate(zip(data.subjects, data.prompts, strict=True))
            if s in keep and p not in held_prompts
        ],
        dtype=np.int64,
    )
    held_rows = np.flatnonzero(held_mask)
    if quick:
        data = data.subset(np.isin(np.arange(len(data)), train_rows))
        train_rows = np.arange(len(data), dtype=np.int64)
        held_rows = np.array([], dtype=np.int64)
    log(
        f"data: {len(data)} prompts ({data.dropped_contaminated} contaminated dropped), "
        f"{len(all_subjects)} subjects; train {len(train_rows)} prompts in {len(keep)} subjects; "
        f"held out {len(held_rows)} in {len(DEFAULT_HOLDOUT)} subjects; excluded {below_chance}"
    )
    t0 = time.perf_counter()
    feats = featurise(data.prompts)
    log(f"featurised in {time.perf_counter() - t0:.1f}s")

    if search:
        cfg = grid_search(feats, data, train_rows, cfg, all_subjects, log)

    cv: dict[str, float] = {}
    if not quick:
        cv = cross_validate(feats, data, train_rows, cfg, all_subjects)
        log(
            f"leave-subjects-out CV ({int(cv['folds'])} folds): APGR {cv['apgr']:.3f} (learned "
            f"only {cv['apgr_learned_only']:.3f}, prior only {cv['apgr_prior_only']:.3f})"
        )
    t0 = time.perf_counter()
    model = fit(feats, train_rows, data, cfg)
    log(f"fitted in {time.perf_counter() - t0:.1f}s: {len(model.vocab)} n-grams")

    held: dict[str, float] = {}
    if len(held_rows):
        held["apgr"] = apgr_of(model.logits(feats, held_rows), data, held_rows)
        held["apgr_learned_only"] = apgr_of(
            model.logits(feats, held_rows, prior=False), data, held_rows
        )
        held["apgr_prior_only"] = apgr_of(feats.prior[held_rows], data, held_rows)
        held["apgr_length"] = apgr_of(
            length_scores([data.prompts[i] for i in held_rows]), data, held_rows
        )
        log(
            "held-out subjects: APGR {apgr:.3f} (learned only {apgr_learned_only:.3f}, prior only "
            "{apgr_prior_only:.3f}, length {apgr_length:.3f})".format(**held)
        )

    # Reference distribution for calibration: every decontaminated prompt (train and held out;
    # with ``quick``, the training prompts).
    ref_logits = model.logits(feats)
    ref_scores = 1.0 / (1.0 + np.exp(-ref_logits))
    report: dict[str, object] = {
        "config": asdict(cfg),
        "train_prompts": len(train_rows),
        "train_subjects": sorted(keep),
        "held_out_subjects": list(DEFAULT_HOLDOUT),
        "excluded_subjects": below_chance,
        "cv": {k: round(v, 4) for k, v in cv.items()},
        "held_out": {k: round(v, 4) for k, v in held.items()},
        "reference": f"{len(data)} decontaminated MMLU prompts"
        + (" (training subjects)" if quick else " (every subject, train and held out)"),
    }
    meta = dict(report)
    meta["data_manifest"] = manifest(data_dir)
    meta["trainer"] = "scripts/train_complexity.py"
    scorer = ComplexityScorer(
        bias=model.bias,
        dense_mean=model.mean,
        dense_scale=model.scale,
        dense_weight=model.w_dense,
        vocab=model.vocab,
        vocab_weight=model.w_vocab.astype(np.float32),
        prior_weight=model.prior_weight,
        reference_scores=ref_scores,
        default_strong_share=cfg.default_strong_share,
        meta=meta,
    )
    # the reference scores must be the runtime scorer's own (float32 weights, folded scaling)
    runtime_scores = np.array(scorer.score_many(data.prompts))
    drift = float(np.max(np.abs(runtime_scores - ref_scores)))
    if drift > 1e-4:
        raise RuntimeError(f"runtime scorer disagrees with training by {drift:.2e}")
    scorer = ComplexityScorer(
        bias=model.bias,
        dense_mean=model.mean,
        dense_scale=model.scale,
        dense_weight=model.w_dense,
        vocab=model.vocab,
        vocab_weight=model.w_vocab.astype(np.float32),
        prior_weight=model.prior_weight,
        reference_scores=np.round(runtime_scores, 6),
        default_strong_share=cfg.default_strong_share,
        meta=meta,
    )
    return scorer, report


SEARCH_GRID: dict[str, Sequence[object]] = {
    "both_wrong_label": (0.0, 0.5, 1.0),
    "l2_dense": (1e-3, 1e-2, 1e-1),
    "l2_vocab": (3e-4, 1e-3, 3e-3, 1e-2),
    "min_subjects": (4, 8, 16),
    "subject_weight_power": (0.0, 0.5),
}


def grid_search(
    feats: Featurised,
    data: RoutingData,
    train_rows: np.ndarray,
    base: Config,
    all_subjects: Sequence[str],
    log: Callable[[str], None],
) -> Config:
    """Coordinate-wise search (one knob at a time, two sweeps) on leave-subjects-out CV APGR.
    A full product grid would cost hours on two shared cores for the same answer."""
    best = base
    best_score = cross_validate(feats, data, train_rows, best, all_subjects, False)["apgr"]
    log(f"search: start {best_score:.4f} {asdict(best)}")
    for sweep, (key, values) in itertools.product(range(2), SEARCH_GRID.items()):
        for v in values:
            if getattr(best, key) == v:
                continue
            cand = replace(best, **cast(dict[str, Any], {key: v}))
            score = cross_validate(feats, data, train_rows, cand, all_subjects, False)["apgr"]
            log(f"search[{sweep}]: {key}={v}: CV APGR {score:.4f}")
            if score > best_score + 1e-4:
                best, best_score = cand, score
    log(f"search: best {best_score:.4f} {asdict(best)}")
    return best


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR, help="routing/mmlu data directory"
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="artefact to write")
    ap.add_argument(
        "--search", action="store_true", help="grid-search hyper-parameters first (slow)"
    )
    ap.add_argument("--subjects", nargs="*", help="train on these subjects only (for tests)")
    ap.add_argument(
        "--quick", action="store_true", help="no CV, no held-out report, reference = train prompts"
    )
    ap.add_argument("--report", type=Path, help="also write the training report as JSON")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    scorer, report = train(
        args.data, Config(), subjects=args.subjects, log=log, search=args.search, quick=args.quick
    )
    blob = scorer.to_bytes()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(blob)
    digest = hashlib.sha256(blob).hexdigest()
    log(f"wrote {args.out} ({len(blob) / 1024:.0f} KiB) sha256 {digest}")
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(digest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
