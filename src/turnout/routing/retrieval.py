"""Retrieval-first (the founding design's pattern 2): search the knowledge base; answer from
a stored entry only when a cheap checker model agrees it answers the question, else hand the
passages found to the routed model.

The embedding score alone cannot tell "the answer is here" from "same topic" (a question
about Sunday hours scores high against the weekday-hours entry), so a stored answer is
returned only when (1) its score clears ``answer_threshold`` and (2) the checker, asked
YES/NO whether the entry answers the question, says YES with P(YES) >= ``check_threshold``.
Defaults were calibrated on bench/data (bench/bench_retrieval.py, docs/benchmarks.md).

The decision record says what retrieval did: ``{"answered": bool, "hits": [{"index",
"score"}, ...]}`` with the entries returned or handed over (a file's 0-based entry
position, or a store's entry id), plus the check's model, confidence and cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from turnout.knowledge_base import Hit
from turnout.types import ChatCompletion, ChatRequest, make_completion, prompt_text

KB_MODEL = "turnout/knowledge-base"


@dataclass(slots=True)
class Retrieved:
    """What the retrieval step decided."""

    record: dict[str, Any]  # the decision record's "retrieval"
    answer: ChatCompletion | None = None  # a stored answer, checked
    request: ChatRequest | None = None  # the request with passages, for the routed model
    cost_usd: float = 0.0  # the checker's spend
    confidential: bool = False  # a confidential entry is used: the request is confidential
    used: list[Hit] = field(default_factory=list)


def is_confidential(hit: Hit) -> bool:
    return bool(getattr(hit, "confidential", False))


def question_of(request: ChatRequest) -> str:
    return prompt_text([m for m in request.messages if m.get("role") == "user"][-1:])


def hit_record(hit: Hit) -> dict[str, Any]:
    out: dict[str, Any] = {"index": hit.index, "score": round(float(hit.score), 4)}
    source = getattr(hit, "source", None)  # duck-typed knowledge bases may not carry one
    if source is not None:
        out["source"] = source
    return out


def check_messages(question: str, hit: Hit) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You check a support knowledge base. Reply with exactly one word: YES or NO."},
        {"role": "user", "content": f"Customer question:\n{question}\n\nStored entry:\nQ: {hit.question}\nA: {hit.answer}\n\n"
                                    "Does the stored answer directly answer the customer's question? Reply YES or NO."},
    ]


def with_passages(request: ChatRequest, hits: list[Hit]) -> ChatRequest:
    context = "\n\n".join(h.text or f"Q: {h.question}\nA: {h.answer}" for h in hits)
    system = {"role": "system", "content": "Answer using these reference passages when they are relevant:\n\n" + context}
    # new messages: never the caller's raw body (native pass-through checks identity anyway)
    return ChatRequest(request.model, [system, *request.messages], request.params, request.stream,
                       origin=request.origin)


def stored_answer(hit: Hit, record: dict[str, Any]) -> ChatCompletion:
    response = make_completion(model=KB_MODEL, content=hit.answer or "")
    response["turnout"] = record
    return response
