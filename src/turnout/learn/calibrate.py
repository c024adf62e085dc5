"""``turnout router calibrate``: pick a routing threshold on labelled data and write it to the
config.

Generic: a *knob* is a config path (``routing.quality_target``; a cascade's confidence
threshold can be added the same way) with candidate values and an ``evaluate(value) -> (cost,
quality)`` on labelled rows. The goal is either a cost saving against always using the strong
model (``--target-saving 0.5``: the best quality among values saving at least that much) or a
quality (``--quality 0.95``: the cheapest value reaching that share of the strong model's
quality on the same rows).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_TARGETS = tuple(round(x, 3) for x in np.linspace(0.5, 1.0, 26))


@dataclass(frozen=True, slots=True)
class Point:
    value: float
    cost: float
    quality: float


@dataclass(frozen=True, slots=True)
class Choice:
    knob: str
    value: float
    cost: float
    quality: float
    reference_cost: float
    reference_quality: float
    points: tuple[Point, ...]

    @property
    def saving(self) -> float:
        return 1.0 - self.cost / self.reference_cost if self.reference_cost > 0 else 0.0

    @property
    def quality_share(self) -> float:
        return self.quality / self.reference_quality if self.reference_quality > 0 else 1.0


def pick(
    knob: str,
    candidates: Sequence[float],
    evaluate: Callable[[float], tuple[float, float]],
    reference: tuple[float, float],
    *,
    target_saving: float | None = None,
    quality: float | None = None,
) -> Choice:
    """Evaluate every candidate and pick one for the goal (exactly one of the two)."""
    if (target_saving is None) == (quality is None):
        raise ValueError("give exactly one of --target-saving or --quality")
    ref_cost, ref_quality = reference
    points = tuple(Point(v, *evaluate(v)) for v in candidates)
    if target_saving is not None:
        ok = [p for p in points if ref_cost <= 0 or 1.0 - p.cost / ref_cost >= target_saving - 1e-12]
        if not ok:
            raise ValueError(f"no threshold saves {100 * target_saving:.0f}% on this data; "
                             f"the most is {100 * max(1 - p.cost / ref_cost for p in points):.0f}%")
        best = max(ok, key=lambda p: (p.quality, -p.cost))
    else:
        assert quality is not None
        ok = [p for p in points if p.quality >= quality * ref_quality - 1e-12]
        if not ok:
            raise ValueError(f"no threshold reaches {100 * quality:.0f}% of the strong model's quality")
        best = min(ok, key=lambda p: (p.cost, -p.quality))
    return Choice(knob, best.value, best.cost, best.quality, ref_cost, ref_quality, points)


def quality_target_evaluator(
    router: Any, prompts: Sequence[str], scores: Sequence[dict[str, float]],
    prices: dict[str, Any], *, output_tokens: int = 256,
) -> tuple[Callable[[float], tuple[float, float]], tuple[float, float], str]:
    """(evaluate, (reference cost, reference quality), strong model) for
    ``routing.quality_target`` over labelled rows: per row, the cheapest of the row's labelled
    models (those with prices) expected to reach target x the best; its label is the realised
    quality. The reference is always using the model with the best mean label."""
    from turnout import tokens

    labelled = sorted({m for s in scores for m in s})
    models = [m for m in labelled if m in prices]
    if len(models) < 2:
        unpriced = [m for m in labelled if m not in prices]
        raise ValueError("calibration needs labels for at least two models with prices (in the config or the "
                         f"catalog); {', '.join(unpriced[:8])} {'have' if len(unpriced) > 1 else 'has'} none")
    names, p = router.predict_many(list(prompts), models,
                                   {m: prices[m].tier for m in models})
    ptoks = np.array([tokens.count_text(t) for t in prompts])
    cost = np.array([[prices[m].cost_usd(int(n), output_tokens) for m in names] for n in ptoks])
    lab = np.array([[s.get(m, np.nan) for m in names] for s in scores])
    means = np.nanmean(lab, axis=0)
    strong = int(np.nanargmax(means))
    have = ~np.isnan(lab[:, strong])

    def evaluate(target: float) -> tuple[float, float]:
        ok = p >= target * p.max(axis=1, keepdims=True) - 1e-12
        ok &= ~np.isnan(lab)  # only models whose outcome on the row is known
        ok[~ok.any(axis=1), strong] = True
        c = np.where(ok, cost, np.inf)
        pick_ = np.argmin(c, axis=1)
        rows = np.arange(len(pick_))
        q = lab[rows, pick_]
        return float(cost[rows, pick_][have].sum()), float(np.nanmean(q[have]))

    ref = (float(cost[have, strong].sum()), float(np.nanmean(lab[have, strong])))
    return evaluate, ref, names[strong]


def write_knob(config_path: str | Path, knob: str, value: float) -> tuple[Path, bool]:
    """Set ``knob`` (a dotted path) in a YAML config file (created if missing); returns (path,
    whether the file's other text, comments included, was kept).

    The value is edited in the text where the file's layout allows it (a block mapping:
    the key's value replaced on its line, or the key added to its block, or the block added at
    the end), and the edit is kept only if the file then reads back as the same settings with
    the knob set. Otherwise (flow style, anchors, the key's value on another line...) the file
    is rewritten from the parsed settings by PyYAML, which drops comments."""
    import yaml

    path = Path(config_path)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        loaded = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    data: dict[str, Any] = loaded or {}
    node = data
    parts = knob.split(".")
    for part in parts[:-1]:
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            raise ValueError(f"{path}: {part} is not a mapping")
        node = nxt
    node[parts[-1]] = float(value)
    edited = _edit_in_place(text, parts, repr(float(value)))
    if edited is not None:
        try:
            if yaml.safe_load(edited) != data:
                edited = None
        except yaml.YAMLError:
            edited = None
    try:
        path.write_text(edited if edited is not None else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path, edited is not None


def _indent(line: str) -> int | None:
    """Leading spaces of a line holding content; None for a blank or comment-only line."""
    stripped = line.lstrip(" ")
    if not stripped.strip() or stripped.startswith("#"):
        return None
    return len(line) - len(stripped)


_SCALAR = re.compile(r"^(?P<gap>\s*)(?P<value>[^\s#{\[|>&*!'\"][^#]*?)?(?P<tail>\s+#.*)?$")


def _edit_in_place(text: str, parts: list[str], value: str) -> str | None:
    """``text`` with ``parts`` set to ``value`` by editing lines of block-style YAML, or None
    where that is not a plain edit (the caller checks the result reads back right)."""
    lines = text.splitlines(keepends=True)
    start, end, indent = 0, len(lines), 0
    for depth, key in enumerate(parts):
        last = depth == len(parts) - 1
        found = None
        for i in range(start, end):
            if _indent(lines[i]) == indent and re.match(rf"{re.escape(key)}\s*:(\s|$)", lines[i][indent:]):
                found = i
                break
        if found is None:  # add the rest of the path at the end of this block
            at = start
            for i in range(start, end):
                if _indent(lines[i]) is not None:
                    at = i + 1
            if at == 0 and depth == 0:
                at = len(lines)
            new = [" " * (indent + 2 * k) + p + ":" + (f" {value}" if k == len(parts) - depth - 1 else "") + "\n"
                   for k, p in enumerate(parts[depth:])]
            if at > 0 and not lines[at - 1].endswith("\n"):
                lines[at - 1] += "\n"
            return "".join(lines[:at] + new + lines[at:])
        line = lines[found]
        body = line[indent:].rstrip("\r\n")
        newline = line[len(line.rstrip("\r\n")):] or ""
        rest = body.split(":", 1)[1]
        if last:
            m = _SCALAR.match(rest)
            if m is None or m.group("value") is None:
                return None  # a value on another line, a flow or quoted scalar, an anchor...
            lines[found] = (line[:indent] + body.split(":", 1)[0] + ":" + (m.group("gap") or " ") + value
                            + (m.group("tail") or "") + newline)
            return "".join(lines)
        if rest.strip() and not rest.strip().startswith("#"):
            return None  # `routing: {...}` or `routing: null`: not a block to add to
        start = found + 1
        end = next((i for i in range(start, len(lines))
                    if (n := _indent(lines[i])) is not None and n <= indent), len(lines))
        child = next((n for i in range(start, end) if (n := _indent(lines[i])) is not None), None)
        if child is None or lines[next(i for i in range(start, end) if _indent(lines[i]) is not None)][child:].startswith("- "):
            return None  # an empty block (null) or a list
        indent = child
    return None


def rows_in_memory(router: Any, prompts: Sequence[str]) -> int:
    """How many of ``prompts`` the router remembers (its kNN memory: the rows it was fitted on).
    A threshold calibrated on them is chosen in-sample: the memory knows their labels."""
    from turnout.learn.model import _clip

    if not len(router.memory_emb) or not prompts:
        return 0
    emb = router.featurizer.embedder.embed([_clip(t) for t in prompts])
    # float16 storage: a remembered prompt's cosine is 1 +- 2e-4; prompts one word apart
    # ("... number 3" / "... number 9") reach 0.999
    return int(((emb @ router.memory_emb.T).max(axis=1) > 0.9995).sum())
