"""The router end to end over scripted fake providers: fallback chains, retries with
Retry-After, timeouts, streams that die before/after the first chunk, cascade, retrieval-first,
and the decision record on every response."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from turnout.errors import BadRequestError, ConfidentialityError, ProviderUnavailableError
from turnout.providers.fake import FakeProvider
from turnout.routing.router import Router
from turnout.types import ChatRequest, Complexity, RouteHints, Sensitivity


@pytest.fixture(autouse=True)
def _reset_fake():
    FakeProvider.reset()
    yield
    FakeProvider.reset()


def model(name, *, local=False, tier=2, inp=1.0, out=2.0, ctx=8192, fallbacks=(), **extra):
    return {"name": name, "provider": "fake", "local": local, "tier": tier, "input_per_mtok": inp,
            "output_per_mtok": out, "context_window": ctx, "fallbacks": list(fallbacks), "extra": extra}


def make_router(models, **routing):
    routing.setdefault("retries", {"max_retries": 2, "backoff_s": 0.001, "max_backoff_s": 0.01})
    return Router.from_dict({"models": models, "routing": routing})


def req(text="What is the capital of France?", model="auto", **params):
    return ChatRequest(model=model, messages=[{"role": "user", "content": text}], params=params)


def called():
    return [name for name, _ in FakeProvider.calls]


async def test_named_model_answers_and_explains():
    r = make_router([model("fake/a")])
    resp = await r.acomplete(req(model="fake/a"))
    assert resp.choices[0].message.content.startswith("fake:fake/a")
    t = resp["turnout"]
    assert t["model"] == "fake/a" and t["rule"] == "requested"
    assert t["usage"]["prompt_tokens"] > 0 and t["cost_usd"] > 0
    assert t["attempts"] == [{"model": "fake/a", "ok": True, "latency_ms": t["attempts"][0]["latency_ms"]}]


async def test_fallback_chain_on_unavailable_provider():
    r = make_router([model("fake/a", script=["unavailable"] * 3, fallbacks=["fake/b"]), model("fake/b")])
    resp = await r.acomplete(req(model="fake/a"))
    assert resp["turnout"]["model"] == "fake/b"
    assert called() == ["fake/a", "fake/a", "fake/a", "fake/b"]  # 2 retries, then fallback
    assert resp["turnout"]["fallbacks_tried"] == 1


async def test_non_retryable_error_falls_back_without_retrying():
    r = make_router([model("fake/a", script=["error:401"], fallbacks=["fake/b"]), model("fake/b")])
    resp = await r.acomplete(req(model="fake/a"))
    assert called() == ["fake/a", "fake/b"]
    assert resp["turnout"]["attempts"][0]["status"] == 401


async def test_plain_bad_request_is_not_fallen_back():
    r = make_router([model("fake/a", script=["error:400"], fallbacks=["fake/b"]), model("fake/b")])
    with pytest.raises(BadRequestError):
        await r.acomplete(req(model="fake/a"))
    assert called() == ["fake/a"]


async def test_rate_limit_retry_after_is_honoured():
    r = make_router([model("fake/a", script=["ratelimit:0.2"])])
    started = time.monotonic()
    resp = await r.acomplete(req(model="fake/a"))
    assert time.monotonic() - started >= 0.2
    assert called() == ["fake/a", "fake/a"] and resp["turnout"]["model"] == "fake/a"


async def test_long_retry_after_falls_back_instead_of_waiting():
    r = make_router([model("fake/a", script=["ratelimit:120"], fallbacks=["fake/b"]), model("fake/b")])
    started = time.monotonic()
    resp = await r.acomplete(req(model="fake/a"))
    assert time.monotonic() - started < 2
    assert resp["turnout"]["model"] == "fake/b"


async def test_per_attempt_timeout_then_fallback():
    r = make_router([model("fake/slow", latency_ms=2000, fallbacks=["fake/b"]), model("fake/b")],
                    timeout_s=0.1, retries={"max_retries": 0})
    started = time.monotonic()
    resp = await r.acomplete(req(model="fake/slow"))
    assert time.monotonic() - started < 1.5
    assert resp["turnout"]["model"] == "fake/b"
    assert resp["turnout"]["attempts"][0]["error_type"] == "TimeoutError"


async def test_context_window_error_falls_back_to_larger_window_only():
    r = make_router([
        model("fake/small", ctx=8192, script=["context"], fallbacks=["fake/same", "fake/big"]),
        model("fake/same", ctx=8192), model("fake/big", ctx=200_000),
    ])
    resp = await r.acomplete(req(model="fake/small"))
    assert resp["turnout"]["model"] == "fake/big"
    assert "fake/same" not in called()


async def test_global_fallback_chain_is_used():
    r = make_router([model("fake/a", script=["unavailable"] * 10), model("fake/b"), model("fake/local", local=True)],
                    fallbacks=["fake/b", "fake/local"], retries={"max_retries": 0})
    resp = await r.acomplete(req(model="fake/a"))
    assert resp["turnout"]["model"] == "fake/b"
    assert resp["turnout"]["fallback_chain"] == ["fake/b", "fake/local"]


async def test_all_fail_raises_last_error():
    r = make_router([model("fake/a", default="unavailable")], retries={"max_retries": 1, "backoff_s": 0.001})
    with pytest.raises(ProviderUnavailableError):
        await r.acomplete(req(model="fake/a"))


async def test_circuit_breaker_cools_a_failing_model_down():
    r = make_router([model("fake/a", default="unavailable", tier=3), model("fake/b", tier=1)],
                    retries={"max_retries": 0}, health={"failure_threshold": 2, "cooldown_s": 60},
                    fallbacks=["fake/b"])
    for _ in range(2):
        await r.acomplete(req(), RouteHints(complexity=Complexity.COMPLEX))
    d = r.route(req(), RouteHints(complexity=Complexity.COMPLEX))
    assert d.model == "fake/b"
    assert any(x.model == "fake/a" and x.reason == "cooling_down" for x in d.rejected)


async def test_stream_dying_before_first_chunk_falls_back_invisibly():
    r = make_router([model("fake/a", script=["die_before_first"], fallbacks=["fake/b"]), model("fake/b")],
                    retries={"max_retries": 0})
    routed = await r.astream(ChatRequest("fake/a", [{"role": "user", "content": "hello world"}], {}, True))
    chunks = [c async for c in routed]
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))
    assert text.startswith("fake:fake/b")
    assert routed.model == "fake/b"
    assert chunks[-1]["turnout"]["usage"]["completion_tokens"] > 0


async def test_stream_dying_after_first_chunk_surfaces_the_error():
    r = make_router([model("fake/a", script=["die_after_first"], fallbacks=["fake/b"]), model("fake/b")])
    routed = await r.astream(ChatRequest("fake/a", [{"role": "user", "content": "hello world again"}], {}, True))
    with pytest.raises(ProviderUnavailableError):
        _ = [c async for c in routed]


async def test_cascade_keeps_confident_cheap_answer():
    r = make_router([model("fake/cheap", tier=1, inp=0.1, out=0.2, logprob=-0.01),
                     model("fake/strong", tier=3, inp=10, out=30)],
                    rules=[{"name": "all", "choose": "cheapest", "cascade": True}],
                    fallbacks=["fake/strong"], cascade={"threshold": 0.7})
    resp = await r.acomplete(req())
    c = resp["turnout"]["cascade"]
    assert c["escalated"] is False and c["method"] == "logprobs" and c["confidence"] > 0.9
    assert resp["turnout"]["model"] == "fake/cheap"
    assert called() == ["fake/cheap"]


async def test_cascade_escalates_low_confidence_and_records_both_costs():
    r = make_router([model("fake/cheap", tier=1, inp=0.1, out=0.2, logprob=-2.0),
                     model("fake/strong", tier=3, inp=10, out=30)],
                    rules=[{"name": "all", "choose": "cheapest", "cascade": True}],
                    fallbacks=["fake/strong"], cascade={"threshold": 0.7})
    resp = await r.acomplete(req())
    t = resp["turnout"]
    assert t["cascade"]["escalated"] is True and t["model"] == "fake/strong"
    assert called() == ["fake/cheap", "fake/strong"]
    strong_only = r.info("fake/strong").cost_usd(t["usage"]["prompt_tokens"], t["usage"]["completion_tokens"])
    assert t["cost_usd"] == pytest.approx(strong_only + t["cascade"]["cheap_cost_usd"])
    assert t["cascade"]["cheap_cost_usd"] > 0


async def test_cascade_self_check_when_no_logprobs():
    # The cheap model's self-check says NO (its reply is the scripted text) -> escalate.
    r = make_router([model("fake/cheap", tier=1, inp=0.1, out=0.2, reply="NO"),
                     model("fake/strong", tier=3, inp=10, out=30)],
                    rules=[{"name": "all", "choose": "cheapest", "cascade": True}],
                    fallbacks=["fake/strong"], cascade={"threshold": 0.7, "method": "self_check"})
    resp = await r.acomplete(req())
    assert resp["turnout"]["cascade"]["method"] == "self_check"
    assert resp["turnout"]["cascade"]["escalated"] is True
    assert called() == ["fake/cheap", "fake/cheap", "fake/strong"]


@dataclass
class Hit:
    score: float
    index: int
    question: str | None = None
    answer: str | None = None
    text: str | None = None


class StubKB:
    """Stands in for the embedding knowledge base: the router's retrieval logic is under test."""

    def __init__(self, hits):
        self.hits = hits

    def search(self, query, k):
        return self.hits[:k]


async def test_retrieval_first_answers_from_knowledge_base_without_a_call():
    # checker "none": the score alone decides (the caller opted out of the answer check)
    r = Router.from_dict({"models": [model("fake/a")], "routing": {"retrieval": {"checker": "none"}}},
                         knowledge_base=StubKB([Hit(0.95, 3, "capital of France?", "Paris.")]))
    resp = await r.acomplete(req())
    assert resp.choices[0].message.content == "Paris."
    assert resp["turnout"]["rule"] == "retrieval-answer" and resp["turnout"]["cost_usd"] == 0
    assert resp["turnout"]["retrieval"] == {"answered": True, "hits": [{"index": 3, "score": 0.95}]}
    assert called() == []


def checked_router(verdict: str, hits, **retrieval):
    return Router.from_dict({"models": [model("fake/a", inp=5, out=5),
                                        model("fake/judge", local=True, tier=1, inp=0.5, out=0.5, reply=verdict)],
                             "routing": {"retrieval": retrieval}}, knowledge_base=StubKB(hits))


async def test_stored_answer_returned_only_when_the_checker_says_it_answers():
    hits = [Hit(0.9, 4, "What are your opening hours?", "Weekdays 9-17."), Hit(0.5, 0, text="Other text.")]
    r = checked_router("YES", hits)
    resp = await r.acomplete(req("When do you open on weekdays?"))
    t = resp["turnout"]
    assert resp.choices[0].message.content == "Weekdays 9-17." and t["model"] == "turnout/knowledge-base"
    assert t["retrieval"]["answered"] is True and t["retrieval"]["hits"] == [{"index": 4, "score": 0.9}]
    check = t["retrieval"]["check"]
    assert check["model"] == "fake/judge" and check["confidence"] == 0.9 and check["cost_usd"] > 0
    assert t["cost_usd"] == check["cost_usd"]  # the check is paid for and recorded
    assert called() == ["fake/judge"]
    sent = FakeProvider.calls[0][1].messages[-1]["content"]
    assert "When do you open on weekdays?" in sent and "Weekdays 9-17." in sent


async def test_a_checker_no_hands_the_passages_to_the_model_and_records_which():
    hits = [Hit(0.9, 4, "What are your opening hours?", "Weekdays 9-17."), Hit(0.5, 7, text="Closed on holidays."),
            Hit(0.2, 1, text="Unrelated.")]
    r = checked_router("NO", hits, passage_threshold=0.45)
    resp = await r.acomplete(req("When are you open?"))
    t = resp["turnout"]
    assert t["model"] == "fake/a" and t["retrieval"]["answered"] is False
    assert t["retrieval"]["hits"] == [{"index": 4, "score": 0.9}, {"index": 7, "score": 0.5}]
    assert called() == ["fake/judge", "fake/a"]
    system = FakeProvider.calls[1][1].messages[0]["content"]
    assert "Weekdays 9-17." in system and "Closed on holidays." in system and "Unrelated." not in system
    answer_cost = r.info("fake/a").cost_usd(t["usage"]["prompt_tokens"], t["usage"]["completion_tokens"])
    assert t["cost_usd"] == pytest.approx(answer_cost + t["retrieval"]["check"]["cost_usd"])  # both costs


async def test_an_entry_that_does_not_cover_the_question_is_never_put_to_the_checker():
    """ "Sundays" is a strict term the weekday-hours entry does not state: passages go to the
    model without a check (free), and the record counts the gap without quoting the prompt."""
    hits = [Hit(0.9, 4, "What are your opening hours?", "Weekdays 9-17.")]
    r = checked_router("YES", hits)
    resp = await r.acomplete(req("Are you open on Sundays?"))
    t = resp["turnout"]
    assert t["model"] == "fake/a" and called() == ["fake/a"]
    assert t["retrieval"] == {"answered": False, "hits": [{"index": 4, "score": 0.9}],
                              "uncovered": {"strict": 1, "other": 0}}
    off = checked_router("YES", hits, coverage=False)  # the operator's choice: checker alone
    assert (await off.acomplete(req("Are you open on Sundays?")))["turnout"]["retrieval"]["answered"] is True


async def test_confidential_passage_makes_the_request_confidential():
    hits = [Hit(0.7, 2, text="Internal: the staging password rotates monthly.")]
    object.__setattr__(hits[0], "confidential", True)
    r = Router.from_dict({"models": [model("fake/cloud", inp=0.1, out=0.1), model("fake/local", local=True, inp=1, out=1)],
                          "routing": {"rules": [{"name": "cheap", "choose": "cheapest"}]}},
                         knowledge_base=StubKB(hits))
    resp = await r.acomplete(req("How often does the staging password change?"))
    assert resp["turnout"]["model"] == "fake/local" and called() == ["fake/local"]
    assert resp["turnout"]["signals"]["sensitivity"] == "confidential"
    routed = await r.astream(ChatRequest("auto", [{"role": "user", "content": "staging password?"}], {}, True))
    _ = [c async for c in routed]
    assert routed.model == "fake/local" and "fake/cloud" not in called()


async def test_retrieval_passages_go_to_the_model():
    r = Router.from_dict({"models": [model("fake/a")]},
                         knowledge_base=StubKB([Hit(0.6, 1, text="Paris has been France's capital since 508.")]))
    await r.acomplete(req())
    sent = FakeProvider.calls[0][1]
    assert sent.messages[0]["role"] == "system" and "508" in sent.messages[0]["content"]


async def test_confidential_named_cloud_rejected_when_configured():
    r = make_router([model("fake/cloud"), model("fake/local", local=True)], confidential_named_cloud="reject")
    with pytest.raises(ConfidentialityError):
        await r.acomplete(req(model="fake/cloud"), RouteHints(sensitivity=Sensitivity.CONFIDENTIAL))
    assert called() == []


async def test_confidential_fails_closed_when_local_model_fails():
    r = make_router([model("fake/cloud"), model("fake/local", local=True, default="unavailable")],
                    fallbacks=["fake/cloud"], retries={"max_retries": 0})
    with pytest.raises(ProviderUnavailableError):
        await r.acomplete(req(), RouteHints(sensitivity=Sensitivity.CONFIDENTIAL))
    assert "fake/cloud" not in called()


async def test_redaction_hides_pii_from_cloud_models_and_restores_the_answer():
    # The fake echoes the prompt: what it echoes is what the cloud saw.
    r = Router.from_dict({"models": [model("fake/cloud"), model("fake/local", local=True)],
                          "detection": {"redact": True}})
    text = "Email bob.smith@example.com about the meeting"
    resp = await r.acomplete(req(text, model="fake/cloud"))
    sent = FakeProvider.calls[0][1].messages[0]["content"]
    assert "bob.smith@example.com" not in sent and "[EMAIL_1]" in sent
    assert "bob.smith@example.com" in resp.choices[0].message.content  # restored for the caller
    routed = await r.astream(ChatRequest("fake/cloud", [{"role": "user", "content": text}], {}, True))
    streamed = "".join([(c["choices"][0]["delta"].get("content") or "") async for c in routed if c.get("choices")])
    assert "bob.smith@example.com" in streamed
    assert "bob.smith@example.com" not in FakeProvider.calls[1][1].messages[0]["content"]
    # Local models get the original text.
    await r.acomplete(req(text, model="fake/local"))
    assert "bob.smith@example.com" in FakeProvider.calls[2][1].messages[0]["content"]


async def test_retrieval_first_with_a_real_knowledge_base(tmp_path):
    kb = tmp_path / "faq.jsonl"
    kb.write_text(
        '{"question": "How do I reset my password?", "answer": "Use the Forgot password link on the sign-in page."}\n'
        '{"question": "What are your opening hours?", "answer": "Monday to Friday, 9:00 to 17:00."}\n'
        '{"text": "Refunds are paid within 14 days of receiving the returned item."}\n'
    )
    r = Router.from_dict({"models": [model("fake/a"), model("fake/judge", local=True, tier=1, reply="YES")],
                          "routing": {"retrieval": {"knowledge_base": str(kb), "answer_threshold": 0.8}}})
    resp = await r.acomplete(req("How do I reset my password?"))
    assert resp.choices[0].message.content.startswith("Use the Forgot password link")
    assert resp["turnout"]["rule"] == "retrieval-answer" and called() == ["fake/judge"]
    resp = await r.acomplete(req("Tell me a joke about penguins"))
    assert resp["turnout"]["model"] == "fake/a"  # nothing close enough: routed as usual


def test_bad_knowledge_base_line_is_a_clear_config_error(tmp_path):
    from turnout.errors import ConfigError

    kb = tmp_path / "kb.jsonl"
    kb.write_text('{"question": "q", "answer": "a"}\nnot json\n')
    with pytest.raises(ConfigError, match=":2"):
        Router.from_dict({"models": [model("fake/a")], "routing": {"retrieval": {"knowledge_base": str(kb)}}})


def test_prompt_tokens_are_counted_exactly_only_when_a_threshold_is_near():
    r = make_router([model("fake/a", ctx=8192)])
    short = r.route(req("hello"))
    assert short.signals.prompt_tokens_exact is False  # the byte bound fits every window
    assert short.signals.prompt_tokens >= 3
    long_text = "word " * 3000  # ~15k bytes: the bound crosses the 8k window, so count exactly
    d = r.route(req(long_text, max_tokens=100))
    assert d.signals.prompt_tokens_exact is True and 2900 < d.signals.prompt_tokens < 3100
    # An unconfigured model with a small window forces an exact count too.
    tiny = r.route(ChatRequest("fake/tiny", [{"role": "user", "content": "x" * 3000}], {"max_tokens": 10}),
                   extra_model=r.catalog.resolve("fake/tiny").with_overrides(context_window=1000))
    assert tiny.signals.prompt_tokens_exact is True and tiny.model == "fake/tiny"


async def test_streamed_cascade_adds_retrieved_passages_once():
    r = Router.from_dict({"models": [model("fake/cheap", tier=1, inp=0.1, out=0.2, logprob=-0.01),
                                     model("fake/strong", tier=3, inp=10, out=30)],
                          "routing": {"rules": [{"name": "all", "choose": "cheapest", "cascade": True}],
                                      "fallbacks": ["fake/strong"]}},
                         knowledge_base=StubKB([Hit(0.6, 1, text="Paris has been France's capital since 508.")]))
    routed = await r.astream(ChatRequest("auto", [{"role": "user", "content": "capital?"}], {}, True))
    _ = [c async for c in routed]
    sent = FakeProvider.calls[0][1].messages
    assert [m["role"] for m in sent] == ["system", "user"]
