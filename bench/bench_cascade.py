"""Does the cascade's confidence mean anything? Measured on the embedded model.

The cheap rung of a cascade keeps its answer when its confidence clears a threshold and
escalates otherwise. That is only worth doing if confidence ranks right answers above wrong
ones. This bench asks the embedded model (Qwen2.5-Coder-0.5B via llama.cpp, temperature 0)
tasks with checkable answers, scores each answer with every confidence method the cascade
has, and prints:

* accuracy of the cheap model, and per method the AUROC of confidence against correctness
  (0.5 = no better than chance);
* the cost/quality curve over thresholds: share escalated, accuracy if escalated answers are
  right (the strong model is assumed right: an upper bound), precision of the answers kept,
  and cost relative to sending everything to the strong model (cheap priced as gpt-4o-mini,
  strong as gpt-4o, self-check calls included);
* the threshold each method needs for kept answers to be right >= --target of the time.

Tasks: the shared routing sets (MMLU, MMLU-Pro, LLMRouter) carry per-model correctness flags
but no answer keys, so a local model's answer cannot be checked against them. The tasks here
are generated (seeded): short numeric answers (sums, differences, products, word problems)
and multiple choice (arithmetic with near-miss options, largest of four decimals), at mixed
difficulty so a 0.5B model gets some right and some wrong.

    python bench/bench_cascade.py [--n 300] [--seed 7] [--plot docs/img/cascade_confidence.png]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from turnout.catalog import BUILTIN_MODELS, DEFAULT_LOCAL_MODEL
from turnout.routing import cascade
from turnout.types import ChatRequest

METHODS = ("logprobs_mean", "logprobs_min", "logprobs_first", "self_check")


@dataclass
class Task:
    kind: str
    prompt: str
    answer: str  # the number, or the option letter


@dataclass
class Result:
    kind: str
    reply: str
    correct: bool
    logprobs_mean: float
    logprobs_min: float
    logprobs_first: float
    self_check: float
    answer_tokens: int
    check_tokens: int


def _numeric(rng: random.Random) -> Task:
    form = rng.choice(("add", "sub", "mul_small", "mul", "words"))
    if form == "add":
        a, b = rng.randint(10, 999), rng.randint(10, 999)
        q, ans = f"What is {a} + {b}?", a + b
    elif form == "sub":
        a, b = rng.randint(100, 999), rng.randint(10, 99)
        q, ans = f"What is {a} - {b}?", a - b
    elif form == "mul_small":
        a, b = rng.randint(2, 12), rng.randint(2, 12)
        q, ans = f"What is {a} times {b}?", a * b
    elif form == "mul":
        a, b = rng.randint(11, 99), rng.randint(11, 99)
        q, ans = f"What is {a} * {b}?", a * b
    else:
        n, price, extra = rng.randint(2, 9), rng.randint(2, 20), rng.randint(1, 15)
        q = (f"A box holds {n} packs and each pack costs {price} dollars. "
             f"Shipping adds {extra} dollars. How many dollars does one box cost in total?")
        ans = n * price + extra
    return Task(f"numeric:{form}", q + " Reply with the number only.", str(ans))


def _choice(rng: random.Random) -> Task:
    letters = "ABCD"
    if rng.random() < 0.5:
        a, b = rng.randint(12, 99), rng.randint(3, 19)
        right = a * b
        wrong = {right + d for d in (rng.choice((-10, 10)), rng.choice((-1, 1)), b, -b, a)} - {right}
        options = [right, *rng.sample(sorted(wrong), 3)]
        stem, kind = f"What is {a} multiplied by {b}?", "choice:product"
    else:
        values = sorted({round(rng.uniform(0.05, 0.99), rng.choice((1, 2, 3))) for _ in range(8)})[-4:]
        while len(values) < 4:
            values.append(round(values[-1] + 0.011, 3))
        right = max(values)
        options = values
        stem, kind = "Which of these numbers is the largest?", "choice:largest"
    rng.shuffle(options)
    lines = "\n".join(f"{letters[i]}. {v}" for i, v in enumerate(options))
    key = letters[options.index(right)]
    return Task(kind, f"{stem}\n{lines}\nReply with the letter of the right option only.", key)


def tasks(n: int, seed: int) -> list[Task]:
    rng = random.Random(seed)
    return [(_numeric if i % 2 == 0 else _choice)(rng) for i in range(n)]


def is_correct(task: Task, reply: str) -> bool:
    if task.kind.startswith("choice"):
        m = re.search(r"\b([A-D])\b", reply.upper())
        return m is not None and m.group(1) == task.answer
    m = re.search(r"-?\d[\d,]*", reply)
    return m is not None and m.group(0).replace(",", "") == task.answer


async def run_one(provider: Any, task: Task) -> Result:
    messages = [{"role": "user", "content": task.prompt}]
    answer = await provider.acomplete(ChatRequest(provider.name, messages,
                                                  {"temperature": 0, "max_tokens": 8, "logprobs": True}))
    reply = cascade.answer_text(answer)
    check_req = ChatRequest(provider.name, cascade.self_check_messages(messages, reply),
                            {"temperature": 0, "max_tokens": 2, "logprobs": True, "top_logprobs": 5})
    check = await provider.acomplete(check_req)
    usage, cusage = answer.get("usage") or {}, check.get("usage") or {}
    return Result(
        kind=task.kind, reply=reply.strip(), correct=is_correct(task, reply),
        logprobs_mean=cascade.logprob_confidence(answer, "mean") or 0.0,
        logprobs_min=cascade.logprob_confidence(answer, "min") or 0.0,
        logprobs_first=cascade.logprob_confidence(answer, "first") or 0.0,
        self_check=cascade.self_check_confidence(check),
        answer_tokens=int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0)),
        check_tokens=int(cusage.get("prompt_tokens", 0)) + int(cusage.get("completion_tokens", 0)),
    )


def curve(scores: np.ndarray, correct: np.ndarray, check_cost: float, strong_cost: float) -> list[dict[str, float]]:
    """Per threshold: escalated share, accuracy (escalated = right), kept precision, cost vs strong."""
    out = []
    for t in [0.0, *np.round(np.linspace(0.05, 1.0, 20), 2).tolist()]:
        kept = scores >= t
        share = float(1 - kept.mean())
        accuracy = float((correct | ~kept).mean())
        precision = float(correct[kept].mean()) if kept.any() else float("nan")
        cost = (1.0 + check_cost + share * strong_cost) / strong_cost
        out.append({"threshold": t, "escalated": share, "accuracy": accuracy, "kept_precision": precision,
                    "cost_vs_strong": cost})
    return out


def plot(results: dict[str, list[dict[str, float]]], aurocs: dict[str, float], base: float, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for method, rows in results.items():
        ax[0].plot([r["escalated"] for r in rows], [r["accuracy"] for r in rows], marker=".",
                   label=f"{method} (AUROC {aurocs[method]:.2f})")
        ax[1].plot([r["threshold"] for r in rows], [r["kept_precision"] for r in rows], marker=".", label=method)
    ax[0].plot([0, 1], [base, 1.0], "k:", label="random escalation")
    ax[0].set_xlabel("share escalated to the strong model")
    ax[0].set_ylabel("accuracy (escalated answers assumed right)")
    ax[0].set_title("Cost/quality over thresholds")
    ax[0].legend(fontsize=8)
    ax[1].set_xlabel("threshold")
    ax[1].set_ylabel("accuracy of answers kept")
    ax[1].set_title("What a kept answer is worth")
    ax[1].axhline(base, color="k", linestyle=":")
    fig.suptitle("Cascade confidence on the embedded Qwen2.5-Coder-0.5B (bench/bench_cascade.py)")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--target", type=float, default=0.9, help="precision the kept answers should reach")
    ap.add_argument("--plot", default=None, help="write a PNG of the curves here")
    ap.add_argument("--json", default=None, help="write per-task results here")
    args = ap.parse_args()

    from turnout.providers.llamacpp import LlamaCppProvider

    provider = LlamaCppProvider(BUILTIN_MODELS[DEFAULT_LOCAL_MODEL])
    await provider.aload()
    started = time.perf_counter()
    results = [await run_one(provider, t) for t in tasks(args.n, args.seed)]
    elapsed = time.perf_counter() - started
    correct = np.array([r.correct for r in results])
    mini, big = BUILTIN_MODELS["gpt-4o-mini"], BUILTIN_MODELS["gpt-4o"]
    answer_tok = float(np.mean([r.answer_tokens for r in results]))
    check_tok = float(np.mean([r.check_tokens for r in results]))
    # prices per answer, cheap = 1 unit; tokens split as the bench's calls were (mostly prompt)
    cheap_unit = mini.cost_usd(int(answer_tok), 4)
    strong_units = big.cost_usd(int(answer_tok), 4) / cheap_unit
    check_units = mini.cost_usd(int(check_tok), 1) / cheap_unit

    print(f"{len(results)} tasks in {elapsed:.0f} s ({elapsed / len(results) * 1000:.0f} ms each: answer + self-check)")
    print(f"cheap model accuracy: {correct.mean():.3f}")
    for kind in sorted({r.kind.split(':')[0] for r in results}):
        sel = np.array([r.kind.startswith(kind) for r in results])
        print(f"  {kind}: {correct[sel].mean():.3f} of {sel.sum()}")
    aurocs: dict[str, float] = {}
    curves: dict[str, list[dict[str, float]]] = {}
    print(f"\n{'method':16} {'AUROC':>6} {'thr@' + str(args.target):>9} {'escalated':>9}")
    for method in METHODS:
        scores = np.array([getattr(r, method) for r in results])
        aurocs[method] = cascade.auroc(scores.tolist(), correct.tolist())
        extra = check_units if method == "self_check" else 0.0
        curves[method] = curve(scores, correct, extra, strong_units)
        t, share = cascade.threshold_for_precision(scores.tolist(), correct.tolist(), args.target)
        print(f"{method:16} {aurocs[method]:6.3f} {t:9.3f} {share:9.3f}")
    print(f"\ncost units: cheap answer 1, self-check {check_units:.2f}, strong answer {strong_units:.1f}")
    for method in METHODS:
        print(f"\n{method}: threshold  escalated  accuracy  kept_precision  cost_vs_strong")
        for row in curves[method]:
            print(f"  {row['threshold']:9.2f} {row['escalated']:10.3f} {row['accuracy']:9.3f} "
                  f"{row['kept_precision']:15.3f} {row['cost_vs_strong']:15.3f}")
    if args.plot:
        plot(curves, aurocs, float(correct.mean()), args.plot)
        print(f"\nplot: {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=0))


if __name__ == "__main__":
    asyncio.run(main())
