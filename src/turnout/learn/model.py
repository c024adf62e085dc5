"""The learned router: each model's chance of a good answer to a prompt, from a shipped prior
and, once fitted, a deployment's own labelled traffic.

Model
    One item-response model over every labelled source (``scripts/train_router.py``):
    ``P(model m answers x well) = sigmoid(theta_m - delta(x))``. ``theta_m`` is the model's
    ability; ``delta(x)`` is the prompt's difficulty, linear in its features (the shipped static
    sentence embedding, the complexity scorer's topic-independent descriptors and its logit).
    Abilities and difficulty are fitted jointly on all sources at once, so a difficulty learned
    from nine open models on maths transfers to GPT-4 vs Mixtral on MMLU-Pro: the models differ
    in ``theta`` only. A model the data does not know gets the ability of its catalog tier
    (:data:`TIER_REFERENCE`). Trained with the embedding held back (it fits the seen topics
    and does not transfer) and the v1 logit's weight raised after the joint fit, the abilities
    refitted under it (:func:`boost_column`): on held-out subjects and task families that
    transfers best (scripts/train_router.py, docs/benchmarks.md).

Request path (``predict``): the embedding of the prompt's first 600 and last 400 characters
from a per-word cache (``learn/word_embed.py``) and the v1 descriptors and logit of the whole
prompt as the complexity scorer reads it (the detector has just computed them on the same text;
the scorer keeps them), the difficulty summed block by block without building a feature row.

Memory (``turnout router fit``)
    A deployment's own labelled prompts (rows ``{"prompt", "scores": {model: 0-1}}``, feedback,
    cascade outcomes) are kept as embeddings and scores. For a new prompt the k nearest
    remembered prompts vote per model, shrunk towards the prior by a pseudo-count: with no
    near neighbour the prior speaks; with many close labelled neighbours, they do. Models seen
    only in the deployment's data get an ability fitted on it.

Need for the strong model (``score``)
    The strong model is the one with the highest mean score in the fitted data. Its need on a
    prompt mirrors the complexity scorer's label: 0 where the best other model is likely right,
    1 where only the strong one is, 0.5 where both are likely wrong.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "router"
MODEL_FILE = "router.npz"

# Catalog tier -> the data set model whose ability stands in for an unknown model of that tier.
TIER_REFERENCE: dict[int, str] = {
    1: "Mixtral-8x7B-Instruct-v0.1",
    2: "Meta-Llama-3_1-70B-Instruct",
    3: "gpt-4o-2024-05-13",
}
EASY_FROM = -0.5
EASY_SLOPE = 4.0
KNN_K = 16
KNN_PSEUDO = 3.0  # pseudo-count of the prior against the neighbours' votes
KNN_SHARPNESS = 8.0  # neighbour weight = exp(sharpness * (cosine - 1))
# Text the embedding reads per prompt: head and tail, as the complexity scorer does (bounded
# latency).
_HEAD = 600
_TAIL = 400


def _clip(text: str) -> str:
    return text if len(text) <= _HEAD + _TAIL else text[:_HEAD] + "\n" + text[-_TAIL:]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class Featurizer:
    """Prompt -> feature row: [embedding, standardised complexity descriptors, v1 logit]."""

    def __init__(self, dense_mean: np.ndarray, dense_scale: np.ndarray) -> None:
        from turnout.detect.complexity import ComplexityScorer
        from turnout.embeddings import default_embedder
        from turnout.learn.word_embed import WordCachedEmbedder

        self.embedder = WordCachedEmbedder(default_embedder())
        self.scorer = ComplexityScorer.load()
        self.dense_mean = np.asarray(dense_mean, np.float64)
        self.dense_scale = np.where(np.asarray(dense_scale) > 0, dense_scale, 1.0)

    @property
    def dim(self) -> int:
        return 1 + self.embedder.dim + len(self.dense_mean) + 1

    def raw(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(unit embeddings, raw dense features with NaN for not-applicable, v1 logits, the
        complexity scorer's stated prior logits)."""
        emb = self.embedder.embed([_clip(t) for t in texts])
        dense = np.empty((len(texts), len(self.dense_mean)))
        logit = np.empty(len(texts))
        prior = np.empty(len(texts))
        for i, t in enumerate(texts):
            # the complexity scorer's own read of the whole prompt (its 2,000-character window):
            # on the request path the complexity detector has just scored this same text, and
            # the scorer keeps its last prompts' analyses, so this costs a look-up
            f, learned, stated = self.scorer.parts_with_features(t)
            dense[i] = f
            logit[i] = learned + self.scorer.prior_weight * stated
            prior[i] = stated
        return emb, dense, logit, prior

    def standardised(self, dense: np.ndarray) -> np.ndarray:
        z = (dense - self.dense_mean) / self.dense_scale
        z[np.isnan(z)] = 0.0  # not applicable: the training mean
        return np.clip(z, -4.0, 4.0, out=z)

    def rows(self, emb: np.ndarray, dense: np.ndarray, logit: np.ndarray) -> np.ndarray:
        ones = np.ones((len(emb), 1))
        return np.hstack([ones, emb.astype(np.float64), self.standardised(dense), logit[:, None] / 2.0])

    def __call__(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        x, emb, _ = self.features(texts)
        return x, emb

    def features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(feature rows, unit embeddings, the complexity scorer's stated prior logits)."""
        emb, dense, logit, prior = self.raw(texts)
        return self.rows(emb, dense, logit), emb, prior

    def shifted_difficulty(self, delta: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(``rows(texts) @ delta + easy_shift`` without building the rows: the request path, unit
        embeddings). Same sum, blockwise."""
        emb, dense, logit, prior = self.raw(texts)
        e = emb.shape[1]
        d = delta[0] + emb @ delta[1 : 1 + e].astype(np.float32)
        d = d.astype(np.float64) + self.standardised(dense) @ delta[1 + e : -1] + logit * (delta[-1] / 2.0)
        return d + easy_shift(prior), emb


def easy_shift(prior: np.ndarray) -> np.ndarray:
    """Extra ease for prompts the stated prior calls trivial (small talk, routine writing, a
    one-line sum): benchmarks hold none, so the fitted difficulty cannot know that every model
    answers "hi" or "What is 2+2?" well. Stated, not fitted (as the complexity scorer's prior):
    below a prior logit of -0.5 (under 10% of benchmark prompts), 4 logits of ease per logit."""
    return EASY_SLOPE * np.minimum(0.0, prior - EASY_FROM)


class LearnedRouter:
    """Per-model chance of a good answer, and the need for the strong model. Thread-safe for
    reading (no mutable state after construction)."""

    def __init__(
        self,
        *,
        delta: np.ndarray,
        abilities: dict[str, float],
        dense_mean: np.ndarray,
        dense_scale: np.ndarray,
        strong: str | None = None,
        memory_emb: np.ndarray | None = None,
        memory_scores: np.ndarray | None = None,
        memory_models: Sequence[str] = (),
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.delta = np.asarray(delta, np.float64)
        self.abilities = dict(abilities)
        self.dense_mean = np.asarray(dense_mean, np.float64)
        self.dense_scale = np.asarray(dense_scale, np.float64)
        self.meta: dict[str, Any] = dict(meta or {})
        self.memory_models = list(memory_models)
        self.memory_emb = (np.zeros((0, 1), np.float32) if memory_emb is None
                           else np.asarray(memory_emb, np.float32))
        self.memory_scores = (np.zeros((0, len(self.memory_models)), np.float32)
                              if memory_scores is None else np.asarray(memory_scores, np.float32))
        if len(self.memory_emb) != len(self.memory_scores):
            raise ValueError("memory embeddings and scores differ in length")
        self.strong = strong or max(self.abilities, key=lambda m: self.abilities[m])
        self._featurizer: Featurizer | None = None

    # -- features ------------------------------------------------------------------------

    @property
    def featurizer(self) -> Featurizer:
        if self._featurizer is None:
            self._featurizer = Featurizer(self.dense_mean, self.dense_scale)
        return self._featurizer

    def ability(self, model: str, tier: int | None = None) -> float:
        """A model's ability; unknown models get their tier's reference ability."""
        if model in self.abilities:
            return self.abilities[model]
        ref = TIER_REFERENCE.get(tier if tier in TIER_REFERENCE else 2, TIER_REFERENCE[2])
        if ref in self.abilities:
            return self.abilities[ref]
        vals = sorted(self.abilities.values())
        return vals[len(vals) // 2] if vals else 0.0

    def difficulty(self, texts: Sequence[str]) -> np.ndarray:
        x, _ = self.featurizer(texts)
        return x @ self.delta

    # -- prediction ------------------------------------------------------------------------

    def predict_many(
        self, texts: Sequence[str], models: Sequence[str] | None = None,
        tiers: dict[str, int] | None = None,
    ) -> tuple[list[str], np.ndarray]:
        """(model names, matrix n x m of P(good answer)); default models: every known one."""
        names = list(models) if models is not None else list(self.abilities)
        d, emb = self.featurizer.shifted_difficulty(self.delta, texts)
        theta = np.array([self.ability(m, (tiers or {}).get(m)) for m in names])
        p = _sigmoid(theta[None, :] - d[:, None])
        if len(self.memory_emb) and self.memory_models:
            p = self._blend_memory(emb, names, p)
        return names, p

    def predict(self, text: str, models: Sequence[str] | None = None,
                tiers: dict[str, int] | None = None) -> dict[str, float]:
        names, p = self.predict_many([text], models, tiers)
        return {m: float(v) for m, v in zip(names, p[0], strict=True)}

    def _blend_memory(self, emb: np.ndarray, names: list[str], prior: np.ndarray) -> np.ndarray:
        mem = self.memory_emb
        k = min(KNN_K, len(mem))
        sims = emb @ mem.T  # (n, N)
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < len(mem) else \
            np.tile(np.arange(len(mem)), (len(emb), 1))
        ts = np.take_along_axis(sims, top, 1)
        w = np.exp(KNN_SHARPNESS * (ts - 1.0))  # (n, k)
        out = prior.copy()
        col = {m: j for j, m in enumerate(self.memory_models)}
        for j, m in enumerate(names):
            c = col.get(m)
            if c is None:
                continue
            s = self.memory_scores[:, c][top]  # (n, k), NaN where not labelled
            have = ~np.isnan(s)
            ww = np.where(have, w, 0.0)
            votes = (ww * np.nan_to_num(s)).sum(1)
            out[:, j] = (votes + KNN_PSEUDO * prior[:, j]) / (ww.sum(1) + KNN_PSEUDO)
        return out

    def need_many(self, texts: Sequence[str]) -> np.ndarray:
        """Need for the strong model in [0, 1] (see the module docstring)."""
        # the models of the fitted data (a deployment's own), not every model the prior knows
        fitted = [m for m in self.meta.get("mean_scores", {}) if m in self.abilities]
        names, p = self.predict_many(texts, fitted if self.strong in fitted else None)
        j = names.index(self.strong)
        ps = p[:, j]
        others = np.delete(p, j, axis=1)
        pw = others.max(axis=1) if others.shape[1] else np.zeros(len(ps))
        return (1.0 - pw) * (0.5 + 0.5 * ps)

    def score(self, text: str) -> float:
        return float(self.need_many([text])[0])

    def score_many(self, texts: list[str]) -> list[float]:
        out: list[float] = []
        for i in range(0, len(texts), 512):
            out.extend(float(v) for v in self.need_many(texts[i : i + 512]))
        return out

    # -- persistence ---------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        meta = dict(self.meta)
        meta.update(format_version=FORMAT_VERSION, abilities=self.abilities, strong=self.strong,
                    memory_models=self.memory_models)
        arrays = {
            "delta": self.delta.astype(np.float32),
            "dense_mean": self.dense_mean,
            "dense_scale": self.dense_scale,
            "memory_emb": self.memory_emb.astype(np.float16),
            "memory_scores": self.memory_scores.astype(np.float16),
            "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8),
        }
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(arrays):  # fixed order and timestamps: same model, same bytes
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                member = io.BytesIO()
                np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]),
                                          allow_pickle=False)
                zf.writestr(info, member.getvalue(), compresslevel=9)
        return buf.getvalue()

    def save(self, directory: str | Path) -> Path:
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        (out / MODEL_FILE).write_bytes(self.to_bytes())
        return out

    @classmethod
    def load(cls, directory: str | Path | None = None) -> LearnedRouter:
        """Load a router directory (``turnout router fit --out DIR``); None = the shipped one."""
        if directory is None:
            return _load_default()
        return cls._load(Path(directory))

    @classmethod
    def _load(cls, directory: Path) -> LearnedRouter:
        path = directory / MODEL_FILE if directory.is_dir() else directory
        if not path.is_file():
            raise FileNotFoundError(f"no router model at {path}")
        # Whatever is wrong inside the file (not an archive, arrays or fields missing, another
        # version), the caller gets one ValueError naming it: numpy's own messages mislead
        # ("contains pickled data ... load it unsafely", "'delta is not a file in the archive'").
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode())
                version = meta.get("format_version") if isinstance(meta, dict) else None
                if version != FORMAT_VERSION:
                    raise _Unsupported(f"{path}: a router of format {version}, this turnout reads format "
                                       f"{FORMAT_VERSION}: fit it again with `turnout router fit`")
                mem = z["memory_emb"].astype(np.float32)
                scores = z["memory_scores"].astype(np.float32)
                return cls(delta=z["delta"].astype(np.float64),
                           abilities={k: float(v) for k, v in meta["abilities"].items()},
                           dense_mean=z["dense_mean"], dense_scale=z["dense_scale"],
                           strong=meta.get("strong"), memory_emb=mem if mem.size else None,
                           memory_scores=scores if mem.size else None,
                           memory_models=meta.get("memory_models", []), meta=meta)
        except _Unsupported:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, EOFError, zipfile.BadZipFile) as exc:
            what = str(exc).splitlines()[0] if isinstance(exc, KeyError | zipfile.BadZipFile) else type(exc).__name__
            raise ValueError(f"{path}: not a router written by `turnout router fit` ({what})") from None


class _Unsupported(ValueError):
    """A router file of another format version."""


@functools.lru_cache(maxsize=1)
def _load_default() -> LearnedRouter:
    return LearnedRouter._load(DEFAULT_DIR)


# ----------------------------------------------------------------------------- fitting


def fit_irt(
    x: np.ndarray,
    items: Sequence[int],
    models: Sequence[int],
    scores: Sequence[float],
    weights: Sequence[float],
    n_models: int,
    *,
    l2: float | np.ndarray = 30.0,
    iters: int = 15,
    fixed_delta: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``P = sigmoid(theta[model] - x[item] @ delta)`` by Newton steps on the weighted
    cross-entropy with L2 on ``delta`` (not its intercept; one strength, or one per column)
    and a weak one on ``theta``.
    With ``fixed_delta`` only the abilities are fitted (a deployment's new models).
    Returns (delta, theta)."""
    it = np.asarray(items, np.int64)
    mo = np.asarray(models, np.int64)
    y = np.asarray(scores, np.float64)
    w = np.asarray(weights, np.float64)
    d = x.shape[1]
    fit_delta = fixed_delta is None
    delta = np.zeros(d) if fixed_delta is None else np.asarray(fixed_delta, np.float64)
    theta = np.zeros(n_models)
    base = x @ delta if not fit_delta else None
    for _ in range(iters):
        dx = x @ delta if fit_delta else base
        assert dx is not None
        z = theta[mo] - dx[it]
        p = _sigmoid(z)
        r = w * (p - y)  # d loss / d z
        h = w * p * (1.0 - p) + 1e-9
        # abilities: one Newton step each (block-diagonal), delta: a full Newton step
        g_theta = np.bincount(mo, r, n_models) + 1e-3 * theta
        h_theta = np.bincount(mo, h, n_models) + 1e-3
        step_t = g_theta / h_theta
        theta -= step_t
        if not fit_delta:
            if np.abs(step_t).max() < 1e-6:
                break
            continue
        ri = np.bincount(it, r, len(x))
        hi = np.bincount(it, h, len(x))
        g: np.ndarray = -(x.T @ ri).astype(np.float64)
        reg = np.broadcast_to(np.asarray(l2, np.float64), (d,)).copy()
        reg[0] = 0.0
        g += reg * delta
        hess = (x * hi[:, None]).T @ x + np.diag(reg)
        step = np.linalg.solve(hess, g)
        delta -= step
        if max(np.abs(step).max(), np.abs(step_t).max()) < 1e-6:
            break
    return delta, theta


def boost_column(x: np.ndarray, delta: np.ndarray, column: int, by: float, items: Sequence[int],
                 models: Sequence[int], scores: Sequence[float], weights: Sequence[float],
                 n_models: int) -> tuple[np.ndarray, np.ndarray]:
    """``delta`` with ``by`` added to one column's weight, and the abilities refitted under it
    (so the chances stay calibrated). Used for the v1 logit, which the joint fit under-weights:
    it transfers to unseen tasks better than the features that fit the seen ones
    (scripts/train_router.py, chosen on held-out folds)."""
    boosted = np.asarray(delta, np.float64).copy()
    boosted[column] += by
    _, theta = fit_irt(x, items, models, scores, weights, n_models, fixed_delta=boosted)
    return boosted, theta


def fit_router(
    prompts: Sequence[str],
    scores: Sequence[dict[str, float]],
    *,
    prior: LearnedRouter | None = None,
    sources: Sequence[str] | None = None,
    memory: bool = True,
    l2: float = 30.0,
    meta: dict[str, Any] | None = None,
) -> LearnedRouter:
    """Fit a router on labelled prompts.

    With ``prior`` (a deployment fitting its own data): the prior's difficulty is kept, models
    it does not know get an ability fitted on the data, and the data becomes the kNN memory.
    Without (the shipped model): difficulty and abilities are fitted jointly; rows are weighted
    so every source counts the same in total.
    """
    if not prompts:
        raise ValueError("no labelled prompts to fit on")
    models = sorted({m for s in scores for m in s})
    col = {m: j for j, m in enumerate(models)}
    if prior is None:
        from turnout.detect.complexity import N_FEATURES

        feat0 = Featurizer(np.zeros(N_FEATURES), np.ones(N_FEATURES))
        emb, dense, logit, _ = feat0.raw(prompts)
        mean = np.nanmean(dense, axis=0)
        scale = np.nanstd(dense, axis=0)
        mean = np.nan_to_num(mean)
        scale = np.where(np.nan_to_num(scale) > 0, np.nan_to_num(scale), 1.0)
        feat = Featurizer(mean, scale)
        x = feat.rows(emb, dense, logit)
    else:
        feat = prior.featurizer
        mean, scale = prior.dense_mean, prior.dense_scale
        x, emb = feat(prompts)
    src = list(sources) if sources is not None else ["data"] * len(prompts)
    per_source = {s: src.count(s) for s in set(src)}
    items, mods, ys, ws = [], [], [], []
    for i, sc in enumerate(scores):
        wrow = len(prompts) / (len(per_source) * per_source[src[i]])
        for m, v in sc.items():
            items.append(i)
            mods.append(col[m])
            ys.append(float(v))
            ws.append(wrow)
    if prior is None:
        delta, theta = fit_irt(x, items, mods, ys, ws, len(models), l2=l2)
        abilities = {m: float(theta[col[m]]) for m in models}
    else:
        delta = prior.delta
        _, theta = fit_irt(x, items, mods, ys, ws, len(models), fixed_delta=delta)
        abilities = dict(prior.abilities)
        abilities.update({m: float(theta[col[m]]) for m in models})
    means: dict[str, float] = {}
    for m in models:
        vals = [s[m] for s in scores if m in s]
        means[m] = sum(vals) / len(vals)
    strong = max(models, key=lambda m: (means[m], m))
    mem_emb = mem_scores = None
    if memory and prior is not None:
        mem_emb = emb.astype(np.float32)
        mem_scores = np.full((len(prompts), len(models)), np.nan, np.float32)
        for i, sc in enumerate(scores):
            for m, v in sc.items():
                mem_scores[i, col[m]] = v
    info = dict(meta or {})
    info.update(n_prompts=len(prompts), mean_scores=means)
    return LearnedRouter(delta=delta, abilities=abilities, dense_mean=mean, dense_scale=scale,
                         strong=strong, memory_emb=mem_emb, memory_scores=mem_scores,
                         memory_models=models if mem_emb is not None else (), meta=info)


def models_in(rows: Iterable[dict[str, float]]) -> list[str]:
    return sorted({m for r in rows for m in r})
