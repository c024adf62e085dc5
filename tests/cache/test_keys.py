"""Exact keys: what changes the answer changes the key, nothing else does; tenants never mix."""

from __future__ import annotations

import pytest

from turnout.cache.keys import CacheControl, cacheable, context_hash, exact_key, namespace_id

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


def key(**params: object) -> str:
    return exact_key("acme", "gpt-4o", MSGS, dict(params))


def test_key_shape_and_determinism() -> None:
    k = key(temperature=0)
    assert k.startswith("acme:x:") and len(k.split(":")[2]) == 40
    assert k == key(temperature=0)


def test_param_order_does_not_matter() -> None:
    a = exact_key("t", "m", MSGS, {"temperature": 0, "max_tokens": 5, "stop": ["x"]})
    b = exact_key("t", "m", MSGS, {"stop": ["x"], "max_tokens": 5, "temperature": 0})
    assert a == b


@pytest.mark.parametrize(
    "param, value",
    [("temperature", 0.5), ("top_p", 0.9), ("max_tokens", 10), ("stop", ["\n"]), ("seed", 7),
     ("tools", [{"type": "function", "function": {"name": "f"}}]), ("tool_choice", "required"),
     ("response_format", {"type": "json_object"}), ("logprobs", True), ("top_logprobs", 3),
     ("presence_penalty", 0.5), ("frequency_penalty", 0.5), ("logit_bias", {"1": 5}),
     ("parallel_tool_calls", False), ("n", 1), ("some_future_param", "x")],
)
def test_params_that_matter_change_the_key(param: str, value: object) -> None:
    assert key(**{param: value}) != key()


@pytest.mark.parametrize(
    "param, value",
    [("stream", True), ("stream_options", {"include_usage": True}), ("user", "u-123"),
     ("metadata", {"trace": "abc"}), ("request_id", "r-1"), ("turnout", {"sensitivity": "public"}),
     ("timeout", 30), ("temperature", None)],
)
def test_params_that_do_not_matter_keep_the_key(param: str, value: object) -> None:
    assert key(**{param: value}) == key()


def test_aliases_are_unified() -> None:
    assert key(max_completion_tokens=5) == key(max_tokens=5)
    assert key(stop="x") == key(stop=["x"])


def test_model_and_messages_change_the_key() -> None:
    assert exact_key("t", "gpt-4o", MSGS, {}) != exact_key("t", "gpt-4o-mini", MSGS, {})
    other = [MSGS[0], {"role": "user", "content": "Hi!"}]
    assert exact_key("t", "m", MSGS, {}) != exact_key("t", "m", other, {})
    system = [{"role": "system", "content": "Be long."}, MSGS[1]]
    assert exact_key("t", "m", MSGS, {}) != exact_key("t", "m", system, {})


def test_tenants_never_share_keys() -> None:
    assert exact_key("alice", "m", MSGS, {}) != exact_key("bob", "m", MSGS, {})
    # any tenant id works, odd characters included, and maps to a safe namespace
    odd = namespace_id("sk-key:with/odd chars")
    assert odd.startswith("t-") and ":" not in odd
    assert namespace_id(None) == "default"
    assert exact_key("sk-key:with/odd chars", "m", MSGS, {}).startswith(odd + ":")


def test_context_hash_ignores_only_the_last_message() -> None:
    a = context_hash("m", [*MSGS[:1], {"role": "user", "content": "A"}], {})
    b = context_hash("m", [*MSGS[:1], {"role": "user", "content": "B"}], {})
    assert a == b
    assert a != context_hash("m", [{"role": "system", "content": "other"}, {"role": "user", "content": "A"}], {})
    assert a != context_hash("m2", [*MSGS[:1], {"role": "user", "content": "A"}], {})
    assert a != context_hash("m", [*MSGS[:1], {"role": "user", "content": "A"}], {"max_tokens": 3})


@pytest.mark.parametrize(
    "params, allow_temp, expected",
    [({}, False, True), ({"temperature": 0}, False, True), ({"temperature": 0.7}, False, False),
     ({"temperature": 0.7}, True, True), ({"n": 2}, True, False), ({"n": 1, "temperature": 0}, False, True)],
)
def test_cacheable(params: dict[str, object], allow_temp: bool, expected: bool) -> None:
    assert cacheable(params, allow_temp) is expected


def test_cache_control_parse() -> None:
    assert CacheControl.parse(None) == CacheControl()
    c = CacheControl.parse("no-store")
    assert c.no_store and not c.may_read and not c.may_write
    c = CacheControl.parse("no-cache")
    assert not c.may_read and c.may_write
    c = CacheControl.parse("max-age=60, no-cache")
    assert c.max_age_s == 60 and c.no_cache
    assert CacheControl.parse("max-age=60", max_age_s=10).max_age_s == 10
    assert not CacheControl.parse("max-age=0").may_read
    for bad in ("sometimes", "max-age=abc", "max-age=-1"):
        with pytest.raises(ValueError):
            CacheControl.parse(bad)
