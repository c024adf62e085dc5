"""Cascade (the founding design's pattern 1): answer with a cheap model, score its confidence,
escalate up a ladder of stronger models while the confidence is below a threshold.

The ladder is built from the models that passed every hard and soft check of the decision
(sensitivity, context window, the key's allowed models, cost caps and budget), so a
confidential request cascades among local models only. Rung one is the cheapest; each next
rung is the cheapest model of the next stronger tier (the rule's own choice when it sits in
that tier), or the configured ``cascade.cheap`` / ``cascade.strong`` lists. The top rung is
never judged: there is nowhere to escalate, so no check is paid for.

Confidence comes from the cheap answer's token logprobs where the provider returns them
(OpenAI, llama.cpp), else from a one-word YES/NO self-check. Which works better, and at
which threshold, was measured on the embedded model (bench/bench_cascade.py,
docs/benchmarks.md): that is where DEFAULT_METHOD and the default threshold come from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from turnout.catalog import ModelInfo
from turnout.types import ChatCompletion, message_text

Method = Literal["logprobs", "self_check"]
LogprobStat = Literal["mean", "min", "first"]

# Chosen from bench/bench_cascade.py (see docs/benchmarks.md, "Cascade confidence").
DEFAULT_METHOD: Method = "logprobs"
DEFAULT_LOGPROB_STAT: LogprobStat = "min"


def build_ladder(
    pool: Sequence[ModelInfo],
    chosen: str,
    prompt_tokens: int,
    max_tokens: int,
    *,
    cheap: Sequence[str] = (),
    strong: Sequence[str] = (),
) -> tuple[list[str], str | None]:
    """The models to try, cheapest first, and why there is only one rung (None otherwise).

    ``pool`` holds only models that may take the request at all. Rungs get strictly stronger
    (higher tier) unless the configured ``strong`` list says otherwise."""
    if not pool:
        return [chosen], "no other model qualifies for this request"
    by_name = {m.name: m for m in pool}

    def cost(m: ModelInfo) -> tuple[float, int, str]:
        return (m.cost_usd(prompt_tokens, max_tokens), m.tier, m.name)

    ordered = sorted(pool, key=cost)
    first = next((by_name[n] for n in cheap if n in by_name), ordered[0])
    rungs = [first]
    if strong:
        rungs += [by_name[n] for n in dict.fromkeys(strong) if n in by_name and n != first.name]
    if not strong or len(rungs) == 1:
        for tier in sorted({m.tier for m in pool if m.tier > rungs[-1].tier}):
            in_tier = [m for m in ordered if m.tier == tier]
            rungs.append(by_name[chosen] if chosen in by_name and by_name[chosen].tier == tier else in_tier[0])
    names = [m.name for m in rungs]
    if len(names) > 1:
        return names, None
    if strong:
        return names, "none of cascade.strong qualifies for this request"
    return names, f"no model stronger than {first.name} (tier {first.tier}) qualifies for this request"


def logprob_confidence(response: ChatCompletion, stat: LogprobStat = DEFAULT_LOGPROB_STAT) -> float | None:
    """From the first choice's token logprobs: ``mean`` = exp(mean logprob) (the geometric-mean
    token probability), ``min`` = the least likely token's probability, ``first`` = the first
    token's. None when no logprobs came back."""
    try:
        content = response["choices"][0]["logprobs"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    values = [float(t["logprob"]) for t in content or () if isinstance(t, dict) and t.get("logprob") is not None]
    if not values:
        return None
    if stat == "min":
        return math.exp(min(values))
    if stat == "first":
        return math.exp(values[0])
    return math.exp(sum(values) / len(values))


def self_check_messages(messages: list[dict[str, Any]], answer: str) -> list[dict[str, Any]]:
    question = message_text(next((m for m in reversed(messages) if m.get("role") == "user"), {}))
    return [
        {"role": "system", "content": "You grade answers. Reply with exactly one word: YES or NO."},
        {"role": "user", "content": f"Question:\n{question}\n\nProposed answer:\n{answer}\n\n"
                                    "Is the proposed answer correct and complete? Reply YES or NO."},
    ]


def self_check_confidence(check: ChatCompletion) -> float:
    """P(YES) for the check's first token: from its top logprobs when present (YES-like
    against NO-like tokens), else its sampled token's probability; 0.9 / 0.1 without logprobs."""
    choice = check["choices"][0]
    text = (choice.get("message", {}).get("content") or "").strip().upper()
    said_yes = text.startswith("Y")
    try:
        first = choice["logprobs"]["content"][0]
    except (KeyError, IndexError, TypeError):
        return 0.9 if said_yes else 0.1
    top = first.get("top_logprobs") or []
    yes = sum(math.exp(float(t["logprob"])) for t in top if str(t.get("token", "")).strip().upper().startswith("Y"))
    no = sum(math.exp(float(t["logprob"])) for t in top if str(t.get("token", "")).strip().upper().startswith("N"))
    if yes + no > 0:
        return yes / (yes + no)
    try:
        p = math.exp(float(first["logprob"]))
    except (KeyError, TypeError, ValueError):
        return 0.9 if said_yes else 0.1
    return p if said_yes else 1.0 - p


def answer_text(response: ChatCompletion) -> str:
    try:
        return str(response["choices"][0]["message"].get("content") or "")
    except (KeyError, IndexError, TypeError):
        return ""


def strip_logprobs(response: ChatCompletion) -> None:
    """Drop logprobs the cascade asked for and the caller did not."""
    for choice in response.get("choices") or ():
        if isinstance(choice, dict) and "logprobs" in choice:
            choice["logprobs"] = None


def auroc(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """P(a right answer is more confident than a wrong one), ties counting half (Mann-Whitney
    U); 0.5 means the confidence says nothing. NaN without both right and wrong answers."""
    pos = [c for c, ok in zip(confidences, correct, strict=True) if ok]
    neg = sorted(c for c, ok in zip(confidences, correct, strict=True) if not ok)
    if not pos or not neg:
        return float("nan")
    import bisect

    wins = 0.0
    for c in pos:
        below = bisect.bisect_left(neg, c)
        ties = bisect.bisect_right(neg, c) - below
        wins += below + 0.5 * ties
    return wins / (len(pos) * len(neg))


def threshold_for_precision(confidences: Sequence[float], correct: Sequence[bool],
                            target: float) -> tuple[float, float]:
    """The lowest threshold whose kept answers (confidence >= threshold) are right at least
    ``target`` of the time, and the share it escalates. (1.0, 1.0) when none reaches it.
    For `turnout router calibrate`: feed it a deployment's own judged answers."""
    pairs = list(zip(confidences, correct, strict=True))
    for t in sorted({round(c, 3) for c, _ in pairs}):
        kept = [ok for c, ok in pairs if c >= t]
        if kept and sum(kept) / len(kept) >= target:
            return t, 1 - len(kept) / len(pairs)
    return 1.0, 1.0
