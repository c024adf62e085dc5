#!/usr/bin/env python
"""Train and evaluate the learned router (src/turnout/data/router/router.npz), reproducibly.

    python scripts/train_router.py [--data ../shared/data/routing] [--out src/turnout/data/router]
        [--results docs/router_eval.json] [--plot docs/img/router_apgr.png] [--no-eval]
        [--generated /tmp/route14g/labels.jsonl]

Data: every public source in ``../shared/data/routing`` (read in place): RouteLLM MMLU,
MMLU-Pro, LLMRouter train and its disjoint test rows. See turnout.learn.model for the model.
With ``--generated``, the embedded model's labels (scripts/gen_router_labels.py) join every fit
as one more model column (:data:`GENERATED`; not an ability of the shipped model).

Evaluation never uses random splits: each fold holds out whole groups and fits on everything
else (other groups of the same source and the other sources):

- MMLU: leave-subjects-out, 4 folds (MMLU's own categories, every 4th subject, as in
  turnout.evaluation.routing);
- MMLU-Pro: leave-one-category-out (9 folds);
- LLMRouter: leave-one-task-family-out (7 folds, turnout.learn.data.task_family).

Every prompt is scored by a model that never saw its subject, category or task family; the
metrics are computed per source on its strong/weak pair (turnout.learn.data.PAIRS), per fold,
and on the mixed pool of all held-out predictions; MMLU also without the subjects whose strong
labels are below chance (:func:`below_chance_subjects`, beside the full set). Baselines in the same run: prompt length and
the complexity scorer v1. Then "in-domain labels help": for each MMLU-Pro category and
LLMRouter family, the prior fitted without that group, against the same prior plus a kNN memory
of half the group's labels, both scored on the other half.

The clean protocol: v1 (an input of v2, its last column) was fitted prompt by prompt on the 35
MMLU subjects outside DEFAULT_HOLDOUT, so on three of the four MMLU folds its shipped logit is
in-sample. In the evaluation every MMLU prompt's v1 logit comes from v1 refitted without the
prompt's MMLU fold (scripts/train_complexity.py's own features, fit, config and exclusions; the
fold v1 never saw gets the shipped v1 back, to float rounding), for training rows and held-out
rows alike, and the v1 baseline is scored the same way. The shipped model is then fitted on
every row with the shipped v1 logit, which is what it reads on the request path.

Runtime: about 7 minutes on 2 cores (features once, 4 v1 refits, then ~20 Newton fits).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from turnout.detect.complexity import N_FEATURES
from turnout.evaluation.routing import evaluate_router, subject_fold
from turnout.learn.data import DEFAULT_ROOT, PAIRS, Labelled, load_all
from turnout.learn.model import DEFAULT_DIR, Featurizer, LearnedRouter, boost_column, fit_irt

L2 = 30.0
# Held-out folds (this script's own protocol, /tmp experiments in docs/benchmarks.md): the
# embedding's topic directions do not transfer to unseen subjects and families (APGR the same
# with them at 0 or 0.1 of their weight), so they are held back (L2 x 100) ...
L2_EMBEDDING = L2 * 100
# ... and the v1 logit, which does transfer, gets this much more weight in the difficulty than
# the joint fit gives it (logit units), the abilities refitted under it. Chosen among 0.5, 1, 2
# on the held-out folds (mixed pool 0.651-0.656). The descriptors and the logit are the v1
# scorer's own read of the whole prompt (what the complexity detector computes on the request
# path anyway): 0.658 mixed, against 0.651 when they were read from the 1,000 characters the
# embedding reads.
V1_BOOST = 1.0
SOURCES = ("mmlu", "mmlu-pro", "llmrouter")
CHANCE = 0.25  # guessing on four options: an MMLU subject's strong labels below it are broken


def log(msg: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def folds_of(data: Labelled) -> list[tuple[str, set[str]]]:
    src = np.array(data.sources)
    grp = np.array(data.groups)
    folds: list[tuple[str, set[str]]] = []
    mm = sorted(set(grp[src == "mmlu"]))
    for off in range(4):
        folds.append(("mmlu", set(subject_fold(mm, 4, off))))
    for s in ("mmlu-pro", "llmrouter"):
        for g in sorted(set(grp[src == s])):
            folds.append((s, {g}))
    return folds


def stack(data: Labelled, rows: np.ndarray, col: dict[str, int]) -> tuple[list[int], list[int], list[float], list[float]]:
    """(item, model, score, weight) pairs of ``rows``. Every source weighs the same in total;
    within a source every group (MMLU subject, MMLU-Pro category, LLMRouter task family) weighs
    the same, so a large group (2,170 short questions) does not set the difficulty for a small
    one (200 logic puzzles); and a prompt's labels weigh as one prompt, however many models
    labelled it (MMLU rows have two labels, MMLU-Pro seven, LLMRouter nine: counted per label,
    MMLU was a ninth of the fit). Both chosen on the held-out folds (docs/benchmarks.md)."""
    src = [data.sources[i] for i in rows]
    grp = [(data.sources[i], data.groups[i]) for i in rows]
    per = {s: src.count(s) for s in set(src)}
    per_group = {g: grp.count(g) for g in set(grp)}
    groups_in = {s: sum(1 for g in per_group if g[0] == s) for s in per}
    labels_per_row = sum(len(data.scores[i]) for i in rows) / len(rows)
    items, mods, ys, ws = [], [], [], []
    for k, i in enumerate(rows):
        w = (len(rows) / (len(per) * per[src[k]])  # the source's share
             * per[src[k]] / (groups_in[src[k]] * per_group[grp[k]])  # the group's, within it
             * labels_per_row / len(data.scores[i]))  # the prompt's, whatever its label count
        for m, v in data.scores[i].items():
            items.append(k)
            mods.append(col[m])
            ys.append(v)
            ws.append(w)
    return items, mods, ys, ws


# The embedded model's read of multiple-choice training items (scripts/gen_router_labels.py):
# one more model column of the joint fit, a training target only (the request path never runs
# the embedded model). Its score is the model's confidence in its own answer (the answer keys
# are not in the data, so right/wrong cannot be checked): :func:`load_generated`.
GENERATED = "qwen2.5-coder-0.5b-instruct (generated)"


def load_generated(path: Path, data: Labelled, read: str = "norm") -> dict[int, float]:
    """Row index -> the generated label of every row of ``data`` labelled in ``path``
    (gen_router_labels.py's JSONL, matched by its ``row_id``): the model's probability of its
    own answer, options scored by their mean token log-probability (``read="norm"``, so that a
    long option is not a less likely one) or by their summed one (``"sum"``: the file's
    ``p_max``)."""
    from gen_router_labels import row_id

    by_id: dict[str, float] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a stopped run
            if read == "sum":
                by_id[rec["id"]] = float(rec["p_max"])
            else:
                z = np.asarray(rec["logprob"]) / np.asarray(rec["option_tokens"])
                p = np.exp(z - z.max())
                by_id[rec["id"]] = float(p.max() / p.sum())
    out = {}
    for i, (s, g, p) in enumerate(zip(data.sources, data.groups, data.prompts, strict=True)):
        v = by_id.get(row_id(s, g, p))
        if v is not None:
            out[i] = v
    return out


def with_generated(data: Labelled, labels: dict[int, float]) -> Labelled:
    """``data`` with the generated labels as one more model's scores (rows without one keep
    theirs); prompts, sources and groups shared, score dicts copied."""
    scores = [dict(sc, **({GENERATED: labels[i]} if i in labels else {}))
              for i, sc in enumerate(data.scores)]
    return Labelled(data.prompts, data.sources, data.groups, scores)


def l2_per_column(x: np.ndarray, emb_dim: int) -> np.ndarray:
    """[intercept, embedding..., descriptors..., v1 logit] -> their L2 strengths."""
    reg = np.full(x.shape[1], L2)
    reg[1 : 1 + emb_dim] = L2_EMBEDDING
    return reg


def fit(x: np.ndarray, emb_dim: int, items: list[int], mods: list[int], ys: list[float],
        ws: list[float], n_models: int) -> tuple[np.ndarray, np.ndarray]:
    """The joint fit, then the v1 logit (the last column, logit / 2) boosted by V1_BOOST."""
    delta, _ = fit_irt(x, items, mods, ys, ws, n_models, l2=l2_per_column(x, emb_dim))
    return boost_column(x, delta, x.shape[1] - 1, 2.0 * V1_BOOST, items, mods, ys, ws, n_models)


def need(delta_x: np.ndarray, th_s: float, th_w: float) -> np.ndarray:
    ps = 1 / (1 + np.exp(-(th_s - delta_x)))
    pw = 1 / (1 + np.exp(-(th_w - delta_x)))
    return (1 - pw) * (0.5 + 0.5 * ps)


def metrics(name: str, score: np.ndarray, weak: np.ndarray, strong: np.ndarray) -> dict:
    r = evaluate_router(name, score, weak, strong)
    return {"apgr": round(r.apgr, 4), "cpt50": r.cpt50, "cpt80": r.cpt80, "saving95": r.saving95,
            "n": len(score), "curve": r.to_dict(21)["curve"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_ROOT))
    ap.add_argument("--out", default=str(DEFAULT_DIR))
    ap.add_argument("--results", default="docs/router_eval.json")
    ap.add_argument("--plot", default="docs/img/router_apgr.png")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--generated", type=Path, default=None,
                    help="gen_router_labels.py's JSONL: its labels as one more model column of "
                         "every fit (evaluation and shipped); off by default")
    args = ap.parse_args()

    data = load_all(Path(args.data))
    log(f"{len(data)} labelled prompts")
    generated = {}
    if args.generated:
        generated = load_generated(args.generated, data)
        data = with_generated(data, generated)
        log(f"{len(generated)} generated labels ({GENERATED})")
    n_dense = N_FEATURES
    raw = Featurizer(np.zeros(n_dense), np.ones(n_dense))
    emb, dense, logit, _ = raw.raw(data.prompts)
    mean = np.nan_to_num(np.nanmean(dense, axis=0))
    scale = np.nan_to_num(np.nanstd(dense, axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    feat = Featurizer(mean, scale)
    x = feat.rows(emb, dense, logit)
    log("features done")
    models = sorted({m for s in data.scores for m in s})
    col = {m: j for j, m in enumerate(models)}

    if not args.no_eval:
        # the clean protocol (module docstring): MMLU rows' v1 logit out of fold, in the v2
        # features (the last column, logit / 2) and as the v1 baseline
        clean = out_of_fold_v1_logits(data, logit)
        x_eval = x.copy()
        x_eval[:, -1] = clean / 2.0
        results = evaluate(data, x_eval, emb, clean, col, feat)
        Path(args.results).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        log(f"wrote {args.results}")
        plot(results, args.plot)

    all_rows = np.arange(len(data))
    items, mods, ys, ws = stack(data, all_rows, col)
    delta, theta = fit(x, emb.shape[1], items, mods, ys, ws, len(models))
    means = data.mean_scores()
    # the embedded model's column taught the difficulty; it is no model a deployment routes to
    abilities = {m: round(float(theta[col[m]]), 6) for m in models if m != GENERATED}
    router = LearnedRouter(
        delta=delta, abilities=abilities, dense_mean=mean, dense_scale=scale,
        strong=PAIRS["mmlu"][0],
        meta={"trained_on": {s: data.sources.count(s) for s in SOURCES}, "l2": L2, "l2_embedding": L2_EMBEDDING, "v1_boost": V1_BOOST,
              **({"generated_labels": len(generated)} if generated else {}),
              "mean_scores": {m: round(v, 4) for m, v in means.items() if m != GENERATED},
              "script": "scripts/train_router.py"},
    )
    out = router.save(args.out)
    blob = (out / "router.npz").read_bytes()
    log(f"wrote {out}/router.npz ({len(blob)} bytes, sha256 {hashlib.sha256(blob).hexdigest()[:16]})")


def out_of_fold_v1_logits(data: Labelled, logit: np.ndarray) -> np.ndarray:
    """v1's logit with every MMLU prompt scored by v1 refitted without the prompt's MMLU fold
    (:func:`folds_of`'s MMLU folds, train_complexity.py's own features, fit, config and
    exclusions); the other rows keep ``logit``, the shipped v1's."""
    import train_complexity as tc

    from turnout.evaluation.routing import load_routing_data

    mmlu = load_routing_data(tc.DEFAULT_DATA_DIR)
    feats = tc.featurise(mmlu.prompts)
    subjects = np.array(mmlu.subjects)
    names = sorted(set(mmlu.subjects))
    acc = {s: float(np.mean(mmlu.strong[subjects == s])) for s in names}
    oof: dict[tuple[str, str], float] = {}
    for off in range(4):
        fold = set(subject_fold(names, 4, off))
        held = {p for p, s in zip(mmlu.prompts, mmlu.subjects, strict=True) if s in fold}
        rows = np.array([i for i, (s, p) in enumerate(zip(mmlu.subjects, mmlu.prompts, strict=True))
                         if s not in fold and acc[s] >= tc.CHANCE and p not in held])
        model = tc.fit(feats, rows, mmlu, tc.Config())
        te = np.flatnonzero(np.isin(subjects, list(fold)))
        for i, z in zip(te, model.logits(feats, te), strict=True):
            oof[(mmlu.subjects[i], mmlu.prompts[i])] = float(z)
        log(f"v1 refitted without MMLU fold {off + 1}/4")
    out = np.array(logit, dtype=np.float64)
    for i, (s, g) in enumerate(zip(data.sources, data.groups, strict=True)):
        if s == "mmlu":
            out[i] = oof[(g, data.prompts[i])]
    return out


def evaluate(data: Labelled, x: np.ndarray, emb: np.ndarray, v1_logit: np.ndarray,
             col: dict[str, int], feat: Featurizer) -> dict:
    src = np.array(data.sources)
    grp = np.array(data.groups)
    folds = folds_of(data)
    fold_of = np.full(len(data), -1)
    for k, (s, gs) in enumerate(folds):
        fold_of[(src == s) & np.isin(grp, list(gs))] = k
    need_pred = np.full(len(data), np.nan)
    diff_pred = np.full(len(data), np.nan)
    thetas: dict[int, np.ndarray] = {}
    deltas: dict[int, np.ndarray] = {}
    for k, (s, gs) in enumerate(folds):
        te = np.flatnonzero(fold_of == k)
        tr = np.flatnonzero(fold_of != k)
        items, mods, ys, ws = stack(data, tr, col)
        delta, theta = fit(x[tr], emb.shape[1], items, mods, ys, ws, len(col))
        thetas[k], deltas[k] = theta, delta
        dx = x[te] @ delta
        st, wk = PAIRS[s]
        need_pred[te] = need(dx, theta[col[st]], theta[col[wk]])
        diff_pred[te] = dx
        log(f"fold {k + 1}/{len(folds)} {s}:{','.join(sorted(gs))[:40]} ({len(te)} prompts)")
    lengths = np.array([len(p) for p in data.prompts], float)
    routers = {"learned (v2)": need_pred, "difficulty only": diff_pred, "v1 scorer": v1_logit,
               "prompt length": lengths}
    out: dict = {"sets": {}, "folds": [], "in_domain": []}
    pool_idx: list[np.ndarray] = []
    pool_s: list[np.ndarray] = []
    pool_w: list[np.ndarray] = []
    for s in SOURCES:
        st, wk = PAIRS[s]
        idx, ss, ww = data.subset(src == s).pair_arrays(st, wk)
        rows = np.flatnonzero(src == s)[idx]
        pool_idx.append(rows)
        pool_s.append(ss)
        pool_w.append(ww)
        out["sets"][s] = {"pair": [st, wk], "strong_mean": float(ss.mean()),
                          "weak_mean": float(ww.mean()),
                          "routers": {n: metrics(n, r[rows], ww, ss) for n, r in routers.items()}}
        for k, (fs, gs) in enumerate(folds):
            if fs != s:
                continue
            m = fold_of[rows] == k
            if ss[m].mean() - ww[m].mean() < 0.02:  # no gap: PGR undefined or noise
                continue
            out["folds"].append({"source": s, "held_out": sorted(gs), "n": int(m.sum()),
                                 "apgr": {n: round(evaluate_router(n, r[rows][m], ww[m], ss[m]).apgr, 4)
                                          for n, r in routers.items()}})
    out["sets"]["mmlu, strong labels above chance"] = above_chance_set(data, routers)
    rows = np.concatenate(pool_idx)
    ss = np.concatenate(pool_s)
    ww = np.concatenate(pool_w)
    out["sets"]["mixed pool"] = {"pair": ["per source"], "strong_mean": float(ss.mean()),
                                 "weak_mean": float(ww.mean()),
                                 "routers": {n: metrics(n, r[rows], ww, ss) for n, r in routers.items()}}
    out["in_domain"] = in_domain(data, x, emb, col, folds, fold_of, deltas, thetas, feat)
    return out


def below_chance_subjects(data: Labelled) -> set[str]:
    """MMLU subjects where the strong model's recorded accuracy is below guessing (a quarter):
    a label failure, not a hard subject. RouteLLM's GPT-4 is right on 8 of 270 high-school
    maths questions, which GPT-4 answers far better than that (an answer-extraction failure);
    train_complexity.py already keeps such subjects out of v1's training (its CHANCE rule)."""
    strong = PAIRS["mmlu"][0]
    acc: dict[str, list[float]] = {}
    for s, g, sc in zip(data.sources, data.groups, data.scores, strict=True):
        if s == "mmlu" and strong in sc:
            acc.setdefault(g, []).append(sc[strong])
    return {g for g, v in acc.items() if float(np.mean(v)) < CHANCE}


def above_chance_set(data: Labelled, routers: dict[str, np.ndarray]) -> dict:
    """The MMLU held-out set without :func:`below_chance_subjects`, every router's scores as in
    the full set (same folds, same fits): reported beside it, not instead of it."""
    st, wk = PAIRS["mmlu"]
    bad = below_chance_subjects(data)
    src = np.array(data.sources)
    grp = np.array(data.groups)
    idx, ss, ww = data.subset(src == "mmlu").pair_arrays(st, wk)
    rows = np.flatnonzero(src == "mmlu")[idx]
    keep = ~np.isin(grp[rows], sorted(bad))
    rows, ss, ww = rows[keep], ss[keep], ww[keep]
    return {"pair": [st, wk], "left_out": sorted(bad), "strong_mean": float(ss.mean()),
            "weak_mean": float(ww.mean()),
            "routers": {n: metrics(n, r[rows], ww, ss) for n, r in routers.items()}}


def in_domain(data: Labelled, x: np.ndarray, emb: np.ndarray, col: dict[str, int],
              folds: list[tuple[str, set[str]]], fold_of: np.ndarray,
              deltas: dict[int, np.ndarray], thetas: dict[int, np.ndarray],
              feat: Featurizer) -> list[dict]:
    """Half of a held-out group's labels as kNN memory on top of the prior fitted without the
    group; both scored on the other half (split by a hash of the prompt: deterministic)."""
    out = []
    names = sorted(col, key=col.__getitem__)
    for k, (s, gs) in enumerate(folds):
        if s == "mmlu":
            continue
        te = np.flatnonzero(fold_of == k)
        half = np.array([int(hashlib.sha256(data.prompts[i].encode()).hexdigest(), 16) % 2
                         for i in te])
        fit_rows, test_rows = te[half == 0], te[half == 1]
        prior = LearnedRouter(delta=deltas[k], abilities={m: float(thetas[k][col[m]]) for m in names},
                              dense_mean=feat.dense_mean, dense_scale=feat.dense_scale)
        prior._featurizer = feat
        models = sorted({m for i in fit_rows for m in data.scores[i]})
        mem = np.full((len(fit_rows), len(models)), np.nan, np.float32)
        for r, i in enumerate(fit_rows):
            for m, v in data.scores[i].items():
                mem[r, models.index(m)] = v
        st, wk = PAIRS[s]
        tsub = data.subset(test_rows)
        idx, ss, ww = tsub.pair_arrays(st, wk)
        if len(idx) < 20 or ss.mean() - ww.mean() < 0.02:
            continue
        rows = test_rows[idx]
        dx = x[rows] @ deltas[k]
        p_prior = np.column_stack([1 / (1 + np.exp(-(prior.abilities[m] - dx))) for m in (st, wk)])
        fitted = LearnedRouter(delta=deltas[k], abilities=prior.abilities,
                               dense_mean=feat.dense_mean, dense_scale=feat.dense_scale,
                               memory_emb=emb[fit_rows], memory_scores=mem, memory_models=models)
        p_mem = fitted._blend_memory(emb[rows], [st, wk], p_prior)
        a0 = evaluate_router("prior", (1 - p_prior[:, 1]) * (0.5 + 0.5 * p_prior[:, 0]), ww, ss).apgr
        a1 = evaluate_router("memory", (1 - p_mem[:, 1]) * (0.5 + 0.5 * p_mem[:, 0]), ww, ss).apgr
        out.append({"source": s, "group": sorted(gs)[0], "labels": len(fit_rows),
                    "test": len(rows), "apgr_prior": round(a0, 4), "apgr_with_labels": round(a1, 4)})
    return out


def plot(results: dict, path: str) -> None:
    try:
        import matplotlib
    except ImportError:
        log("matplotlib not installed: no plot")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(results["sets"])
    fig, axes = plt.subplots(1, len(sets), figsize=(4.2 * len(sets), 4), sharey=False)
    for ax, name in zip(axes, sets, strict=True):
        for r, m in results["sets"][name]["routers"].items():
            c = m["curve"]
            ax.plot([100 * v for v in c["strong_share"]], c["pgr"], label=f"{r} ({m['apgr']:.3f})")
        ax.plot([0, 100], [0, 1], ":", color="grey", linewidth=0.8)
        ax.set_title(f"{name} (held out)")
        ax.set_xlabel("strong-model calls (%)")
        ax.set_ylabel("PGR")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
