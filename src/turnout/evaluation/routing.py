"""Routing quality on RouteLLM's MMLU responses: does the router know when the cheap model is enough?

Data (``data/routing/mmlu``): one CSV per MMLU subject with the prompt and, per model, whether it
answered correctly; ``contaminated_prompts.jsonl`` lists prompts RouteLLM found in router training
data, dropped here as RouteLLM drops them (exact match on ``eval_prompt``).

Metrics follow RouteLLM (arXiv 2406.18665), computed exactly instead of on 10 quantile bins:

- a router is a score per prompt; sending the top-k prompts (by score) to the strong model gives
  one point of the curve (share ``k/n`` of strong calls, accuracy). Every ``k`` in ``0..n`` is a
  point. Prompts with equal scores are ordered at random, and the curve is its *expected value*
  (linear interpolation inside each tie group), so a constant score *is* the random router:
  PGR(share) = share exactly, APGR = 0.5, with no seed noise.
- PGR(share) = (acc - acc_weak) / (acc_strong - acc_weak); APGR = area under PGR over
  share in [0, 1] (trapezoids over the n+1 points).
- CPT(x) = the smallest share whose PGR reaches x (first crossing, interpolated).
- cost saving at 95% quality = 1 - the smallest share whose accuracy reaches 0.95 * acc_strong.

Generalisation is measured on *held-out subjects* (whole CSVs), never on random rows: a router
that memorises MMLU subjects would look good on a random split and fail on unseen traffic.
:data:`DEFAULT_HOLDOUT` is fixed by a rule stated below, and ``scripts/train_complexity.py``
imports :func:`split_subjects` from here, so training never sees an evaluation subject.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class PromptScorer(Protocol):
    """What the eval needs of a router: a score per prompt, higher = more need for strong."""

    def score_many(self, texts: list[str]) -> list[float]: ...


WEAK_MODEL = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG_MODEL = "gpt-4-1106-preview"

# The repo lives at /work/main and the shared data at /work/shared/data: ``../shared/data``
# relative to the repository root (src/turnout/evaluation/routing.py -> parents[3]).
DEFAULT_DATA_DIR = (
    Path(__file__).resolve().parents[3].parent / "shared" / "data" / "routing" / "mmlu"
)

# MMLU's own four categories (Hendrycks et al., categories.py), for the 48 subjects shipped in
# the RouteLLM responses (9 are absent on purpose). Used only to stratify the held-out split.
MMLU_CATEGORIES: dict[str, tuple[str, ...]] = {
    "stem": (
        "abstract_algebra",
        "astronomy",
        "college_biology",
        "college_chemistry",
        "college_computer_science",
        "college_mathematics",
        "college_physics",
        "computer_security",
        "conceptual_physics",
        "electrical_engineering",
        "elementary_mathematics",
        "high_school_biology",
        "high_school_chemistry",
        "high_school_computer_science",
        "high_school_mathematics",
        "high_school_physics",
        "high_school_statistics",
        "machine_learning",
    ),
    "humanities": (
        "formal_logic",
        "high_school_european_history",
        "high_school_us_history",
        "high_school_world_history",
        "international_law",
        "jurisprudence",
        "logical_fallacies",
        "moral_disputes",
        "moral_scenarios",
        "philosophy",
        "prehistory",
        "professional_law",
        "world_religions",
    ),
    "social": (
        "econometrics",
        "high_school_geography",
        "high_school_government_and_politics",
        "high_school_macroeconomics",
        "high_school_microeconomics",
        "high_school_psychology",
        "human_sexuality",
        "professional_psychology",
        "public_relations",
        "security_studies",
        "sociology",
        "us_foreign_policy",
    ),
    "other": (
        "anatomy",
        "business_ethics",
        "clinical_knowledge",
        "college_medicine",
        "global_facts",
        "human_aging",
        "management",
        "marketing",
        "medical_genetics",
        "miscellaneous",
        "nutrition",
        "professional_accounting",
        "professional_medicine",
        "virology",
    ),
}

HOLDOUT_EVERY = 4
HOLDOUT_OFFSET = 1


def subject_fold(
    subjects: Iterable[str], every: int = HOLDOUT_EVERY, offset: int = HOLDOUT_OFFSET
) -> list[str]:
    """The rule behind the split: within each MMLU category, subjects sorted by name, every
    ``every``-th one starting at index ``offset``. Stratified (each category contributes about
    1/every of its subjects), deterministic, and blind to the models' accuracies.

    The training script uses the same rule with the other offsets as its cross-validation folds.
    """
    present = set(subjects)
    chosen: list[str] = []
    for names in MMLU_CATEGORIES.values():
        in_data = sorted(s for s in names if s in present)
        chosen.extend(in_data[offset::every])
    unknown = sorted(present - {s for names in MMLU_CATEGORIES.values() for s in names})
    chosen.extend(unknown[offset::every])  # subjects outside MMLU's list: same rule, own group
    return sorted(chosen)


# The rule applied to the 48 subjects in data/routing/mmlu (13 subjects, 2,270 prompts), spelt out
# so the split cannot drift if files are added.
DEFAULT_HOLDOUT: tuple[str, ...] = (
    "astronomy",
    "business_ethics",
    "college_physics",
    "high_school_biology",
    "high_school_european_history",
    "high_school_geography",
    "high_school_physics",
    "human_sexuality",
    "logical_fallacies",
    "management",
    "prehistory",
    "professional_medicine",
    "us_foreign_policy",
)


@dataclass(slots=True)
class RoutingData:
    """Rows of the routing data set: prompt, subject, and whether each model was right."""

    prompts: list[str]
    subjects: list[str]
    weak: np.ndarray  # bool, weak model correct
    strong: np.ndarray  # bool, strong model correct
    dropped_contaminated: int = 0

    def __len__(self) -> int:
        return len(self.prompts)

    def subset(self, mask: np.ndarray) -> RoutingData:
        idx = np.flatnonzero(mask)
        return RoutingData(
            prompts=[self.prompts[i] for i in idx],
            subjects=[self.subjects[i] for i in idx],
            weak=self.weak[idx],
            strong=self.strong[idx],
            dropped_contaminated=self.dropped_contaminated,
        )

    def in_subjects(self, subjects: Iterable[str]) -> np.ndarray:
        wanted = set(subjects)
        return np.array([s in wanted for s in self.subjects], dtype=bool)


def _parse_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in ("true", "1", "1.0", "yes"):
        return True
    if v in ("false", "0", "0.0", "no", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def load_routing_data(
    data_dir: str | Path | None = None,
    *,
    weak_model: str = WEAK_MODEL,
    strong_model: str = STRONG_MODEL,
) -> RoutingData:
    """Read every ``*.csv`` of ``data_dir`` in place (subject = file name minus ``mmlu_``)."""
    root = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    files = sorted(root.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no *.csv routing data in {root}")
    contaminated: set[str] = set()
    cpath = root / "contaminated_prompts.jsonl"
    if cpath.is_file():
        with cpath.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    contaminated.add(json.loads(line)["eval_prompt"])
    prompts: list[str] = []
    subjects: list[str] = []
    weak: list[bool] = []
    strong: list[bool] = []
    dropped = 0
    csv.field_size_limit(1 << 24)
    for path in files:
        subject = path.stem.removeprefix("mmlu_")
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            cols = reader.fieldnames or []
            for col in ("prompt", weak_model, strong_model):
                if col not in cols:
                    raise ValueError(f"{path}: missing column {col!r}")
            for row in reader:
                if row["prompt"] in contaminated:
                    dropped += 1
                    continue
                prompts.append(row["prompt"])
                subjects.append(subject)
                weak.append(_parse_bool(row[weak_model]))
                strong.append(_parse_bool(row[strong_model]))
    return RoutingData(prompts, subjects, np.array(weak, bool), np.array(strong, bool), dropped)


def split_subjects(
    data: RoutingData, holdout: Sequence[str] | None = None
) -> tuple[RoutingData, RoutingData]:
    """(train, held-out) by whole subjects. Prompts that occur in a held-out subject are also
    removed from train (MMLU repeats a few questions across subjects, e.g. clinical_knowledge and
    college_medicine), so no held-out prompt is ever trained on."""
    hold = DEFAULT_HOLDOUT if holdout is None else tuple(holdout)
    mask = data.in_subjects(hold)
    held_prompts = {p for p, m in zip(data.prompts, mask, strict=True) if m}
    train_mask = np.array(
        [(not m) and (p not in held_prompts) for p, m in zip(data.prompts, mask, strict=True)], bool
    )
    return data.subset(train_mask), data.subset(mask)


# --------------------------------------------------------------------------- metrics


def routing_curve(
    scores: Sequence[float] | np.ndarray, weak: np.ndarray, strong: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(share of strong calls, accuracy) for k = 0..n strong calls, highest scores first.

    Ties are broken in expectation: inside a group of equal scores each prompt is equally likely
    to be picked, so the accuracy is linear between the group's ends.
    """
    s = np.asarray(scores, dtype=np.float64)
    w = np.asarray(weak, dtype=np.float64)
    st = np.asarray(strong, dtype=np.float64)
    n = len(s)
    if n == 0 or len(w) != n or len(st) != n:
        raise ValueError("scores, weak and strong must be non-empty and of equal length")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores must be finite")
    order = np.argsort(-s, kind="stable")
    gain = (st - w)[order]
    s_sorted = s[order]
    # group ends: positions after which the score changes
    ends = np.flatnonzero(np.diff(s_sorted) != 0) + 1
    bounds = np.concatenate([[0], ends, [n]])
    cum = np.concatenate([[0.0], np.cumsum(gain)])
    k = np.arange(n + 1, dtype=np.float64)
    total_gain = np.interp(k, bounds.astype(np.float64), cum[bounds])
    acc = (w.sum() + total_gain) / n
    return k / n, acc


def pgr(acc: np.ndarray, weak_acc: float, strong_acc: float) -> np.ndarray:
    gap = strong_acc - weak_acc
    if abs(gap) < 1e-12:
        raise ValueError("weak and strong accuracies are equal: PGR is undefined")
    return (np.asarray(acc, dtype=np.float64) - weak_acc) / gap


def apgr(shares: np.ndarray, pgr_values: np.ndarray) -> float:
    """Area under the PGR curve over share 0..1 (trapezoids)."""
    x = np.asarray(shares, dtype=np.float64)
    y = np.asarray(pgr_values, dtype=np.float64)
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))


def first_share_reaching(shares: np.ndarray, values: np.ndarray, target: float) -> float | None:
    """Smallest share where ``values`` first reaches ``target`` (linear between points), or None."""
    x = np.asarray(shares, dtype=np.float64)
    y = np.asarray(values, dtype=np.float64)
    eps = 1e-12
    hits = np.flatnonzero(y >= target - eps)
    if len(hits) == 0:
        return None
    i = int(hits[0])
    if i == 0:
        return float(x[0])
    x0, x1, y0, y1 = x[i - 1], x[i], y[i - 1], y[i]
    frac = 1.0 if y1 == y0 else (target - y0) / (y1 - y0)
    return float(x0 + min(max(frac, 0.0), 1.0) * (x1 - x0))


def cpt(shares: np.ndarray, pgr_values: np.ndarray, x: float) -> float | None:
    """CPT(x): the smallest share of strong calls whose PGR reaches x (e.g. 0.5 for CPT(50%))."""
    return first_share_reaching(shares, pgr_values, x)


def cost_saving_at_quality(
    shares: np.ndarray, acc: np.ndarray, strong_acc: float, quality: float = 0.95
) -> float | None:
    """1 - the smallest share of strong calls whose accuracy reaches ``quality`` x strong's."""
    share = first_share_reaching(shares, acc, quality * strong_acc)
    return None if share is None else 1.0 - share


@dataclass(slots=True)
class RouterResult:
    """One router's metrics and its curve (the curve is kept at every point for plotting)."""

    name: str
    apgr: float
    cpt50: float | None
    cpt80: float | None
    saving95: float | None
    shares: np.ndarray = field(repr=False)
    accuracy: np.ndarray = field(repr=False)
    pgr: np.ndarray = field(repr=False)

    def to_dict(self, curve_points: int = 21) -> dict[str, Any]:
        grid = np.linspace(0.0, 1.0, curve_points)
        return {
            "name": self.name,
            "apgr": self.apgr,
            "cpt50": self.cpt50,
            "cpt80": self.cpt80,
            "cost_saving_at_95pct_quality": self.saving95,
            "curve": {
                "strong_share": [round(float(g), 4) for g in grid],
                "accuracy": [
                    round(float(a), 5) for a in np.interp(grid, self.shares, self.accuracy)
                ],
                "pgr": [round(float(p), 5) for p in np.interp(grid, self.shares, self.pgr)],
            },
        }


def evaluate_router(
    name: str, scores: Sequence[float] | np.ndarray, weak: np.ndarray, strong: np.ndarray
) -> RouterResult:
    shares, acc = routing_curve(scores, weak, strong)
    weak_acc, strong_acc = float(np.mean(weak)), float(np.mean(strong))
    p = pgr(acc, weak_acc, strong_acc)
    return RouterResult(
        name=name,
        apgr=apgr(shares, p),
        cpt50=cpt(shares, p, 0.5),
        cpt80=cpt(shares, p, 0.8),
        saving95=cost_saving_at_quality(shares, acc, strong_acc, 0.95),
        shares=shares,
        accuracy=acc,
        pgr=p,
    )


@dataclass(slots=True)
class RoutingReport:
    """Metrics of several routers on one evaluation set."""

    n: int
    subjects: list[str]
    weak_model: str
    strong_model: str
    weak_accuracy: float
    strong_accuracy: float
    routers: list[RouterResult]
    dropped_contaminated: int = 0
    data_dir: str = ""

    def router(self, name: str) -> RouterResult:
        for r in self.routers:
            if r.name == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "data_dir": self.data_dir,
            "n_prompts": self.n,
            "held_out_subjects": list(self.subjects),
            "dropped_contaminated": self.dropped_contaminated,
            "weak_model": self.weak_model,
            "strong_model": self.strong_model,
            "weak_accuracy": self.weak_accuracy,
            "strong_accuracy": self.strong_accuracy,
            "routers": [r.to_dict() for r in self.routers],
            "reference": {
                "note": "RouteLLM's best routers (trained on far more data): APGR ~0.8 on "
                "MT-Bench; ~45% cost saving at 95% GPT-4 quality on MMLU",
            },
        }

    def to_table(self) -> str:
        def pct(v: float | None) -> str:
            return "  n/a" if v is None else f"{100 * v:5.1f}%"

        lines = [
            f"Routing eval: {self.n} prompts in {len(self.subjects)} held-out subjects "
            f"({self.dropped_contaminated} contaminated prompts dropped)",
            f"weak   {self.weak_model}: accuracy {100 * self.weak_accuracy:.1f}%",
            f"strong {self.strong_model}: accuracy {100 * self.strong_accuracy:.1f}%",
            "",
            f"{'router':<12} {'APGR':>6} {'CPT(50%)':>9} {'CPT(80%)':>9} {'saving@95%':>11}",
        ]
        for r in self.routers:
            lines.append(
                f"{r.name:<12} {r.apgr:6.3f} {pct(r.cpt50):>9} {pct(r.cpt80):>9} {pct(r.saving95):>11}"
            )
        lines.append("")
        lines.append(
            "CPT(x): smallest share of strong calls reaching PGR x; saving@95%: 1 - share of "
            "strong calls needed for 95% of the strong model's accuracy."
        )
        return "\n".join(lines)


def length_scores(prompts: Sequence[str]) -> np.ndarray:
    """The prompt-length baseline: longer prompt, more need for the strong model."""
    return np.array([len(p) for p in prompts], dtype=np.float64)


def _score_with_progress(
    score_many: Callable[[list[str]], list[float]],
    prompts: list[str],
    progress: bool,
    batch: int = 256,
) -> np.ndarray:
    if not progress:
        return np.asarray(score_many(prompts), dtype=np.float64)
    from rich.progress import Progress

    out: list[float] = []
    with Progress(transient=True) as bar:
        task = bar.add_task("scoring prompts", total=len(prompts))
        for i in range(0, len(prompts), batch):
            chunk = prompts[i : i + batch]
            out.extend(score_many(chunk))
            bar.advance(task, len(chunk))
    return np.asarray(out, dtype=np.float64)


def evaluate_routing(
    data_dir: str | Path | None = None,
    scorer: PromptScorer | None = None,
    holdout: Sequence[str] | None = None,
    *,
    progress: bool = False,
    include_oracle: bool = True,
) -> RoutingReport:
    """Score the held-out subjects with ``scorer`` (default: the shipped complexity model) and
    compare with a random router (exact expectation) and a prompt-length router, same rows.

    ``holdout``: the subjects to evaluate on; default :data:`DEFAULT_HOLDOUT`, the subjects the
    shipped model never saw. (Passing every subject evaluates on all rows: only meaningful for a
    scorer that was not trained on this data.) ``scorer`` is anything with
    ``score_many(list[str]) -> list[float]``; ``progress`` shows a rich progress bar.
    """
    data = load_routing_data(data_dir)
    _, held = split_subjects(data, holdout)
    if len(held) == 0:
        raise ValueError("the held-out split is empty: none of its subjects are in the data")
    if scorer is None:
        from turnout.detect.complexity import ComplexityScorer

        scorer = ComplexityScorer.load()
    assert scorer is not None
    ours = _score_with_progress(scorer.score_many, held.prompts, progress)
    routers = [
        evaluate_router("turnout", ours, held.weak, held.strong),
        evaluate_router("random", np.zeros(len(held)), held.weak, held.strong),
        evaluate_router("length", length_scores(held.prompts), held.weak, held.strong),
    ]
    if include_oracle:
        # Upper bound: knows the answers (routes where strong wins, never where it loses).
        gain = held.strong.astype(np.float64) - held.weak.astype(np.float64)
        routers.append(evaluate_router("oracle", gain, held.weak, held.strong))
    return RoutingReport(
        n=len(held),
        subjects=sorted(set(held.subjects)),
        weak_model=WEAK_MODEL,
        strong_model=STRONG_MODEL,
        weak_accuracy=float(np.mean(held.weak)),
        strong_accuracy=float(np.mean(held.strong)),
        routers=routers,
        dropped_contaminated=data.dropped_contaminated,
        data_dir=str(Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR),
    )


def plot_routing(
    report: RoutingReport,
    out_png: str | Path,
    *,
    title: str | None = None,
    include_oracle: bool = False,
) -> Path:
    """Draw the PGR curve: quality against the share of strong-model calls, for ours, random and
    length (and the oracle if asked: it dwarfs the rest). Left axis: accuracy; right axis: PGR."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"turnout": "-", "random": "--", "length": "-.", "oracle": ":"}
    weak, strong = report.weak_accuracy, report.strong_accuracy
    fig, ax = plt.subplots(figsize=(8, 5))
    try:
        for r in report.routers:
            if r.name == "oracle" and not include_oracle:
                continue
            ax.plot(
                100 * r.shares,
                100 * r.accuracy,
                styles.get(r.name, "-"),
                label=f"{r.name} (APGR {r.apgr:.3f})",
                linewidth=1.6,
            )
        gap = 100 * (strong - weak)

        def to_pgr(acc: Any) -> Any:
            return (np.asarray(acc) - 100 * weak) / gap

        def from_pgr(p: Any) -> Any:
            return 100 * weak + np.asarray(p) * gap

        ax.secondary_yaxis("right", functions=(to_pgr, from_pgr)).set_ylabel("PGR")
        ax.axhline(
            100 * report.weak_accuracy,
            color="grey",
            linewidth=0.8,
            linestyle=":",
            label=f"weak: {report.weak_model}",
        )
        ax.axhline(
            100 * report.strong_accuracy,
            color="red",
            linewidth=0.8,
            linestyle=":",
            label=f"strong: {report.strong_model}",
        )
        ax.axhline(
            95 * report.strong_accuracy,
            color="red",
            linewidth=0.6,
            linestyle="--",
            alpha=0.5,
            label="95% of strong",
        )
        ax.set_xlabel("strong-model calls (%)")
        ax.set_ylabel("accuracy (%)")
        ax.set_xlim(0, 100)
        ax.set_title(
            title or f"Routing on {len(report.subjects)} held-out MMLU subjects (n={report.n})"
        )
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        out = Path(out_png)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.tight_layout()
        fig.savefig(out, dpi=120)
    finally:
        plt.close(fig)
    return out
