"""Labelled routing data in one shape: a prompt, where it came from, and each model's score.

Three public sources (``../shared/data/routing``, read in place, never copied) and any
deployment's own labels share :class:`Labelled`:

- ``mmlu``: RouteLLM's MMLU responses (GPT-4 vs Mixtral, right or wrong), group = subject;
- ``mmlu-pro``: MMLU-Pro per-model correctness (seven models), group = category;
- ``llmrouter``: LLMRouter's nine open models over ten tasks, group = task family (from
  :func:`task_family`: the upstream task id was dropped with its cluster id);
- ``jsonl``: rows ``{"prompt": str, "scores": {"<model>": float 0-1}}`` (``turnout router fit``),
  optionally with ``"group"``.

Each source names its own strong/weak pair (:data:`PAIRS`): the evaluation's routing curve and
the scorer's "need for the strong model" label are computed on that pair.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# ../shared/data/routing relative to the repository root (src/turnout/learn/data.py -> parents[3])
DEFAULT_ROOT = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "routing"

# (strong, weak) per source: the clearest split of each (see the data README)
PAIRS: dict[str, tuple[str, str]] = {
    "mmlu": ("gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"),
    "mmlu-pro": ("gpt-4o-2024-05-13", "Mixtral-8x7B-Instruct-v0.1"),
    "llmrouter": ("llama-3.1-nemotron-51b-instruct", "mistral-7b-instruct-v0.3"),
}


@dataclass(slots=True)
class Labelled:
    """Rows of labelled prompts: ``scores[i]`` maps model -> score in [0, 1] (models may be
    missing on some rows)."""

    prompts: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    scores: list[dict[str, float]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.prompts)

    def add(self, prompt: str, source: str, group: str, scores: dict[str, float]) -> None:
        self.prompts.append(prompt)
        self.sources.append(source)
        self.groups.append(group)
        self.scores.append(scores)

    def extend(self, other: Labelled) -> Labelled:
        self.prompts += other.prompts
        self.sources += other.sources
        self.groups += other.groups
        self.scores += other.scores
        return self

    def subset(self, idx: Iterable[int] | np.ndarray) -> Labelled:
        ix = [int(i) for i in (np.flatnonzero(np.asarray(idx)) if _is_mask(idx) else idx)]
        return Labelled(
            [self.prompts[i] for i in ix],
            [self.sources[i] for i in ix],
            [self.groups[i] for i in ix],
            [self.scores[i] for i in ix],
        )

    def models(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.scores:
            for m in s:
                seen.setdefault(m, None)
        return list(seen)

    def mean_scores(self) -> dict[str, float]:
        """Mean score per model over the rows that have it."""
        tot: dict[str, float] = {}
        cnt: dict[str, int] = {}
        for s in self.scores:
            for m, v in s.items():
                tot[m] = tot.get(m, 0.0) + v
                cnt[m] = cnt.get(m, 0) + 1
        return {m: tot[m] / cnt[m] for m in tot}

    def pair_arrays(self, strong: str, weak: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row indices having both, strong scores, weak scores)."""
        idx = [i for i, s in enumerate(self.scores) if strong in s and weak in s]
        st = np.array([self.scores[i][strong] for i in idx], np.float64)
        wk = np.array([self.scores[i][weak] for i in idx], np.float64)
        return np.array(idx, np.int64), st, wk


def _is_mask(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype == bool


def _truthy(value: str) -> float:
    v = value.strip().lower()
    if v in ("true", "1", "1.0", "yes"):
        return 1.0
    if v in ("false", "0", "0.0", "no", ""):
        return 0.0
    raise ValueError(f"not a boolean: {value!r}")


def load_mmlu(root: Path | None = None) -> Labelled:
    """RouteLLM's MMLU responses, contaminated prompts dropped (as RouteLLM does)."""
    d = (root or DEFAULT_ROOT) / "mmlu"
    contaminated: set[str] = set()
    cpath = d / "contaminated_prompts.jsonl"
    if cpath.is_file():
        for line in cpath.read_text(encoding="utf-8").splitlines():
            if line.strip():
                contaminated.add(json.loads(line)["eval_prompt"])
    out = Labelled()
    csv.field_size_limit(1 << 24)
    strong, weak = PAIRS["mmlu"]
    for path in sorted(d.glob("*.csv")):
        subject = path.stem.removeprefix("mmlu_")
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["prompt"] in contaminated:
                    continue
                out.add(row["prompt"], "mmlu", subject,
                        {strong: _truthy(row[strong]), weak: _truthy(row[weak])})
    return out


def load_mmlu_pro(root: Path | None = None) -> Labelled:
    out = Labelled()
    path = (root or DEFAULT_ROOT) / "mmlu-pro" / "mmlu_pro.jsonl"
    for row in _jsonl(path):
        out.add(row["prompt"], "mmlu-pro", str(row["category"]),
                {m: float(v) for m, v in row["correct"].items()})
    return out


def load_llmrouter(root: Path | None = None, *, split: str = "train") -> Labelled:
    """LLMRouter's rows; ``split="test"`` drops the test prompts that also occur in train."""
    d = (root or DEFAULT_ROOT) / "llmrouter"
    out = Labelled()
    train_prompts: set[str] = set()
    if split == "test":
        train_prompts = {r["prompt"] for r in _jsonl(d / "train.jsonl")}
    for row in _jsonl(d / f"{split}.jsonl"):
        if row["prompt"] in train_prompts:
            continue
        out.add(row["prompt"], "llmrouter", task_family(row["prompt"]),
                {m: float(v) for m, v in row["scores"].items()})
    return out


def load_all(root: Path | None = None) -> Labelled:
    """Every public source: MMLU, MMLU-Pro, LLMRouter train + disjoint test."""
    data = load_mmlu(root)
    data.extend(load_mmlu_pro(root))
    data.extend(load_llmrouter(root))
    data.extend(load_llmrouter(root, split="test"))
    return data


def load_jsonl(path: str | Path, *, source: str = "jsonl") -> Labelled:
    """A deployment's labels: ``{"prompt": str, "scores": {model: float 0-1}}`` per line.

    Raises ValueError naming the line for anything else (the CLI turns it into one line)."""
    out = Labelled()
    for n, row in enumerate(_jsonl(Path(path)), 1):
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str):
            raise ValueError(f"{path}:{n}: expected an object with a string 'prompt'")
        if not row["prompt"].strip():
            raise ValueError(f"{path}:{n}: empty 'prompt'")
        scores = row.get("scores")
        if not isinstance(scores, dict) or not scores:
            raise ValueError(f"{path}:{n}: expected 'scores': {{model: score in [0, 1]}}")
        clean: dict[str, float] = {}
        for m, v in scores.items():
            if not m.strip():
                raise ValueError(f"{path}:{n}: empty model name in 'scores'")
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= float(v) <= 1.0:
                raise ValueError(f"{path}:{n}: score of {m!r} must be a number in [0, 1]")
            clean[str(m)] = float(v)
        out.add(row["prompt"], source, str(row.get("group", source)), clean)
    return out


def _jsonl(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as fh:
        try:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None
        except UnicodeDecodeError:  # (text is decoded in blocks: no line number to trust)
            raise ValueError(f"{path}: not UTF-8 text") from None


# ----------------------------------------------------------------------------- task families

_ZEBRA = re.compile(r"houses? (?:in a row|next to each other)")
_CODE = re.compile(r"^\s*(?:def |from |import )|\bdef \w+\(|[Ww]rite a (?:python )?function")
_LATEX = re.compile(r"\$|\\frac|\\\(|\\\[")
_NUM = re.compile(r"\d")


def task_family(prompt: str) -> str:
    """LLMRouter's task family, read off the prompt's form (its task id is not in the data):
    logic puzzles, code, competition math (LaTeX), word problems, reading comprehension (a long
    passage), open-domain questions (lower-case search-style), short questions (trivia,
    commonsense, science stems). Approximate by design; used to hold whole families out."""
    head = prompt[:300]
    if _ZEBRA.search(head):
        return "logic-puzzle"
    if _CODE.search(prompt):
        return "code"
    if _LATEX.search(prompt):
        return "competition-math"
    if len(prompt) > 600:
        return "reading"
    if _NUM.search(prompt) and len(prompt.split()) > 20:
        return "word-problem"
    stripped = prompt.strip()
    if stripped[:1].islower() and not stripped.endswith("?"):
        return "open-domain-qa"
    return "short-qa"
