"""Cascade (the founding design's pattern 1): answer with a cheap model, score its confidence,
escalate to a strong model below a threshold.

Confidence comes from token logprobs where the provider returns them (OpenAI, llama.cpp): the
geometric-mean probability of the answer's tokens. Otherwise the cheap model checks its own
answer with a one-word YES/NO question (its P(YES) when logprobs exist, else 0.9 / 0.1).
"""

from __future__ import annotations

import math
from typing import Any

from turnout.types import ChatCompletion, message_text


def logprob_confidence(response: ChatCompletion) -> float | None:
    """exp(mean token logprob) of the first choice, or None when no logprobs came back."""
    try:
        content = response["choices"][0]["logprobs"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    values = [float(t["logprob"]) for t in content or () if isinstance(t, dict) and t.get("logprob") is not None]
    if not values:
        return None
    return math.exp(sum(values) / len(values))


def self_check_messages(messages: list[dict[str, Any]], answer: str) -> list[dict[str, Any]]:
    question = message_text(next((m for m in reversed(messages) if m.get("role") == "user"), {}))
    return [
        {"role": "system", "content": "You grade answers. Reply with exactly one word: YES or NO."},
        {"role": "user", "content": f"Question:\n{question}\n\nProposed answer:\n{answer}\n\n"
                                    "Is the proposed answer correct and complete? Reply YES or NO."},
    ]


def self_check_confidence(check: ChatCompletion) -> float:
    """P(YES) from the check's first-token logprobs when present, else 0.9 for YES / 0.1."""
    choice = check["choices"][0]
    text = (choice.get("message", {}).get("content") or "").strip().upper()
    said_yes = text.startswith("YES") or text.startswith("Y")
    try:
        first = choice["logprobs"]["content"][0]
        p = math.exp(float(first["logprob"]))
        return p if said_yes else 1.0 - p
    except (KeyError, IndexError, TypeError, ValueError):
        return 0.9 if said_yes else 0.1


def answer_text(response: ChatCompletion) -> str:
    try:
        return str(response["choices"][0]["message"].get("content") or "")
    except (KeyError, IndexError, TypeError):
        return ""
