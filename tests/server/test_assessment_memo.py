"""The gateway's sensitivity memo (``gateway._AssessmentMemo``): a body sent again gets the very
assessment a fresh scan gives, under any label, and a confidential one still goes only to the
local model, over HTTP too."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.config import parse_config
from turnout.detect.pii import luhn_valid
from turnout.gateway import OPEN, Gateway, _AssessmentMemo
from turnout.providers.fake import FakeProvider
from turnout.server.app import parse_chat_request
from turnout.types import Sensitivity

MODELS = [
    {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
SCOPE = {"headers": []}


def _luhn(prefix: str) -> str:
    return next(prefix + check for check in "0123456789" if luhn_valid(prefix + check))


secrets = st.one_of(
    st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: _luhn("4" + d)),
    st.from_regex(r"[a-z]{3,8}\.[a-z]{3,8}@[a-z]{4,9}\.(com|org|net)", fullmatch=True),
    st.just(""),
)
words = st.text(alphabet="abcdefghij klmnop,.", max_size=60)
labels = st.sampled_from([None, *Sensitivity])


def _body(before: str, secret: str, after: str, system: str | None) -> bytes:
    messages = [{"role": "user", "content": f"{before} {secret} {after}"}]
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return orjson.dumps({"model": "auto", "messages": messages, "max_tokens": 8})


def _gateway(tmp_path) -> Gateway:
    return Gateway(parse_config({"models": MODELS, "ledger": {"url": f"sqlite:///{tmp_path}/l.db"}}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(words, secrets, words, st.none() | words, labels), min_size=1, max_size=6), st.data())
def test_a_body_seen_again_gets_a_fresh_scans_assessment(tmp_path, sends, data) -> None:
    gateway = _gateway(tmp_path)
    sent = [(_body(b, s, a, sy), label) for b, s, a, sy, label in sends]
    # resend some of them, some under another label, in any order
    sent += data.draw(st.lists(st.sampled_from(sent), max_size=8))
    sent += [(body, data.draw(labels)) for body, _ in sent[:3]]
    for body, label in sent:
        request, hints = parse_chat_request(body, SCOPE)
        hints = dataclasses.replace(hints, sensitivity=label)
        signals = asyncio.run(gateway._signals(request, hints, None, body))
        decision = gateway._decide(request, hints, OPEN, None, signals)
        fresh = gateway.router.signals(request, hints)
        assert signals.sensitivity == fresh.sensitivity
        if fresh.sensitivity.level is Sensitivity.CONFIDENTIAL:
            assert decision.model == "fake/local"


def test_the_memo_is_bounded_and_keyed_by_bytes_and_label() -> None:
    memo = _AssessmentMemo(size=3)
    for i in range(10):
        memo.put(memo.key(b"body %d" % i, None), i)
    assert len(memo._entries) == 3 and memo.get(memo.key(b"body 9", None)) == 9
    assert memo.get(memo.key(b"body 0", None)) is None  # the oldest went first
    assert memo.get(memo.key(b"body 9", Sensitivity.CONFIDENTIAL)) is None
    assert memo.get(memo.key(b"body 9 ", None)) is None


def test_a_confidential_body_sent_twice_over_http_stays_local(serve) -> None:
    server = serve({"models": MODELS})
    card = _luhn("411111111111111")
    body = _body("my card is", card, "please check it", None)
    for _ in range(3):
        r = httpx.post(f"{server.base_url}/chat/completions", content=body,
                       headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text
        assert r.headers["x-turnout-model"] == "fake/local"
    assert FakeProvider.calls and all(name == "fake/local" for name, _ in FakeProvider.calls)
