"""Retrieval-first (the founding design's pattern 2): search the knowledge base; answer from
a stored entry only when a cheap checker model agrees it answers the question, else hand the
passages found to the routed model.

The embedding score alone cannot tell "the answer is here" from "same topic" (a question
about Sunday hours scores high against the weekday-hours entry), so a stored answer is
returned only when (1) its score clears ``answer_threshold`` and leads the next entry's by
``answer_margin``, (2) the entry covers what the
question asks (``turnout.kb.coverage``: "Sundays" is not covered by weekday hours) and (3) the
checker, asked YES/NO whether the entry answers the question, says YES with P(YES) >=
``check_threshold``. The cover check runs first: it is free, and most near-misses stop there.
Defaults were calibrated on bench/data (bench/bench_retrieval.py, docs/benchmarks.md).

The decision record says what retrieval did: ``{"answered": bool, "hits": [{"index",
"score"}, ...]}`` with the entries returned or handed over (a file's 0-based entry
position, or a store's entry id), plus the check's model, confidence and cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from turnout.config import RetrievalConfig
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


# The checker's instructions and worked examples come first and never change, so a local
# model's prompt cache reuses them and each check only evaluates the question and the entry.
# The examples are of a library, a domain no knowledge base of ours is about.
CHECK_SYSTEM = (
    "You decide whether a stored FAQ entry fully answers a customer's question. Answer NO if the "
    "question asks about something the entry does not state (another day, place, product, amount, "
    "method or case). Reply with one word: YES or NO.\n\nExamples:\n"
    "Question: Can I renew a library book online?\nEntry: Q: How do I renew a loan? A: Renew loans twice "
    "in the online catalogue under My account.\nAnswer: YES\n\n"
    "Question: Can I borrow e-books?\nEntry: Q: How long can I keep a book? A: Loans last three weeks and "
    "can be renewed twice.\nAnswer: NO\n\n"
    "Question: Is the library open on Sundays?\nEntry: Q: When is the library open? A: Monday to Saturday "
    "from 9:00 to 20:00.\nAnswer: NO\n\n"
    "Question: how long may I keep borrowed books\nEntry: Q: How long can I keep a book? A: Loans last "
    "three weeks and can be renewed twice.\nAnswer: YES\n\n"
)


def check_messages(question: str, hit: Hit) -> list[dict[str, Any]]:
    return [{"role": "system", "content": CHECK_SYSTEM},
            {"role": "user", "content": f"Question: {question}\nEntry: Q: {hit.question} A: {hit.answer}\nAnswer:"}]


def clear_lead(hits: list[Hit], rcfg: RetrievalConfig) -> bool:
    """Does the best entry lead the next one by ``answer_margin``? When two entries score about
    the same, both fit the question as far as the embedding can tell, and the wrong one may still
    pass the cover check (its words are the question's words: "how much to add a bag at the
    airport" against "you can add bags ... at the airport"): the model gets both instead."""
    return len(hits) < 2 or hits[0].score - hits[1].score >= rcfg.answer_margin


def cover_gap(question: str, hit: Hit, rcfg: RetrievalConfig) -> dict[str, int] | None:
    """None when the entry covers what the question asks (or the check is off); else how many
    question terms it leaves uncovered, for the decision record (counts: never the words, which
    may be confidential)."""
    if not rcfg.coverage:
        return None
    from turnout.embeddings import default_embedder
    from turnout.kb.coverage import uncovered_terms

    gaps = uncovered_terms(question, f"{hit.question} {hit.answer}", default_embedder(),
                           similarity=rcfg.coverage_similarity)
    strict = sum(t.strict for t in gaps)
    if strict == 0 and len(gaps) - strict <= rcfg.max_uncovered:
        return None
    return {"strict": strict, "other": len(gaps) - strict}


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
