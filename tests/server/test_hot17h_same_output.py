"""hot17h restructured a few per-request builders (issue 17): each must give, byte for byte,
what the form it replaced gave. The replaced forms are kept here as the references."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout import observability
from turnout.errors import BadRequestError
from turnout.gateway import _ROUTE_FIELDS, route_detail
from turnout.policy.engine import Decision, Rejection
from turnout.policy.signals import ComplexityAssessment, PiiSpan, SensitivityAssessment, Signals
from turnout.server.app import _params_of, _route_headers, parse_hints
from turnout.types import Complexity, RouteHints, Sensitivity
from turnout.validation import _PART_PAYLOAD, ROLES, validate_messages

# -- the references: the code as it was before hot17h -------------------------------------------


def _route_headers_before(model: str, turnout: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    cost = turnout.get("cost_usd", turnout.get("estimated_cost_usd", 0.0)) or 0.0
    headers = [
        (b"x-turnout-model", model.encode()),
        (b"x-turnout-cost-usd", f"{cost:.10f}".rstrip("0").rstrip(".").encode() or b"0"),
        (b"x-turnout-cache", str(turnout.get("cache", "miss")).encode()),
    ]
    if turnout.get("fallback_reason"):
        reason = " ".join(str(turnout["fallback_reason"]).split())[:300]
        headers.append((b"x-turnout-fallback-reason", reason.encode("ascii", "replace")))
        headers.append((b"x-turnout-requested-model", str(turnout.get("requested_model") or "auto").encode()))
    return headers


def _access_entry_before(*, request_id: str, method: str, path: str, status: int, latency_ms: float,
                         key_id: str | None = None, record: dict[str, Any] | None = None,
                         error: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ts": 0.0, "request_id": request_id, "method": method, "path": path,
        "status": status, "latency_ms": round(latency_ms, 2), "key_id": key_id,
    }
    if record:
        usage = record.get("usage") or {}
        entry.update(model=record.get("model"), rule=record.get("rule"), cache=record.get("cache"),
                     cost_usd=record.get("cost_usd", 0.0), prompt_tokens=usage.get("prompt_tokens"),
                     completion_tokens=usage.get("completion_tokens"),
                     ledger_id=record.get("request_id"))
    if error:
        entry["error"] = error[:200]
    return entry


def _decision_dict_before(d: Decision) -> dict[str, Any]:
    return {
        "model": d.model,
        "requested_model": d.requested_model,
        "rule": d.rule,
        "reason": d.reason,
        "signals": d.signals.to_dict(),
        "rejected": [r.to_dict() for r in d.rejected],
        "fallback_chain": list(d.fallback_chain),
        "estimated_cost_usd": round(d.estimated_cost_usd, 8),
        "cascade": d.cascade,
        **({"fallback_reason": d.fallback_reason} if d.fallback_reason else {}),
        **({"group": d.group} if d.group else {}),
    }


def _validate_messages_before(messages: Any) -> list[dict[str, Any]]:
    """validate_messages' loop before the plain-message shortcut (check_messages ran first in
    both, so the references here run it through the real function's error for a bad list)."""
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise BadRequestError(f"{where} must be an object with `role` and `content`", param=where)
        role = m.get("role")
        if role not in ROLES:
            raise BadRequestError(f"{where}.role must be one of {', '.join(sorted(ROLES))}; got {role!r}",
                                  param=f"{where}.role")
        content = m.get("content")
        if content is None:
            if role == "assistant" and (m.get("tool_calls") or m.get("function_call")):
                continue
            raise BadRequestError(f"{where}.content is required", param=f"{where}.content")
        if isinstance(content, list):
            for j, part in enumerate(content):
                if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                    raise BadRequestError(f"{where}.content[{j}] must be an object with a `type`",
                                          param=f"{where}.content[{j}]")
                need = _PART_PAYLOAD.get(part["type"])
                if need is not None and not need[1](part.get(need[0])):
                    raise BadRequestError(f"{where}.content[{j}]: a {part['type']!r} part needs {need[2]}",
                                          param=f"{where}.content[{j}]")
        elif not isinstance(content, str):
            raise BadRequestError(f"{where}.content must be a string or a list of content parts",
                                  param=f"{where}.content")
        if role == "tool" and not isinstance(m.get("tool_call_id"), str):
            raise BadRequestError(f"{where}.tool_call_id is required for tool messages", param=f"{where}.tool_call_id")
    return messages


# -- strategies ----------------------------------------------------------------------------------

_text = st.text(max_size=12)
_names = st.sampled_from(["gpt-4o-mini", "openai/gpt-x", "ünïcode-model", "local/qwen", "m"])
_cost = st.one_of(st.none(), st.just(0.0), st.floats(min_value=0, max_value=10, allow_nan=False),
                  st.integers(min_value=0, max_value=3))
_cache = st.one_of(st.sampled_from(["miss", "off", "hit", "semantic"]), _text, st.integers(-(2**63), 2**63 - 1), st.none())


@st.composite
def _turnout_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, values in (("cost_usd", _cost), ("estimated_cost_usd", _cost), ("cache", _cache),
                        ("fallback_reason", st.one_of(st.none(), _text)),
                        ("requested_model", st.one_of(st.none(), _names)), ("model", _names),
                        ("rule", _text), ("request_id", _text),
                        ("usage", st.one_of(st.none(), st.fixed_dictionaries(
                            {}, optional={"prompt_tokens": st.integers(0, 99), "completion_tokens": st.integers(0, 99)})))):
        if draw(st.booleans()):
            record[key] = draw(values)
    return record


@settings(max_examples=300, deadline=None)
@given(_names, _turnout_records())
def test_route_headers_are_those_built_before(model: str, record: dict[str, Any]) -> None:
    try:
        expected = _route_headers_before(model, record)
    except Exception as exc:  # the same inputs must fail the same way
        with pytest.raises(type(exc)):
            _route_headers(model, record)
        return
    assert _route_headers(model, record) == expected
    assert _route_headers(model, record) == expected  # a header kept from the first call


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.just({}), _turnout_records()), st.one_of(st.none(), _text), st.one_of(st.none(), _text),
       st.integers(100, 599), st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_access_log_lines_are_those_built_before(record: dict[str, Any] | None, key_id: str | None,
                                                 error: str | None, status: int, latency: float) -> None:
    kw = {"request_id": "rid", "method": "POST", "path": "/v1/chat/completions", "status": status,
          "latency_ms": latency, "key_id": key_id, "record": record, "error": error}
    now = observability.access_entry(**kw)  # type: ignore[arg-type]
    before = _access_entry_before(**kw)  # type: ignore[arg-type]
    now["ts"] = 0.0
    assert orjson.dumps(now) == orjson.dumps(before)  # the same fields, values and order


_sensitivity = st.builds(SensitivityAssessment, st.sampled_from(list(Sensitivity)), _text,
                         st.lists(st.builds(PiiSpan, _text, st.integers(-1, 3), st.integers(0, 9), st.integers(0, 9),
                                            _text), max_size=2).map(tuple))
_complexity = st.builds(ComplexityAssessment, st.sampled_from(list(Complexity)), _text,
                        st.one_of(st.none(), st.floats(0, 1)))


@st.composite
def _decisions(draw: st.DrawFn) -> Decision:
    signals = Signals(draw(_sensitivity), draw(_complexity), draw(st.integers(0, 10**6)), draw(st.integers(1, 10**5)),
                      max_cost_usd=draw(st.one_of(st.none(), st.floats(0, 5))),
                      max_latency_ms=draw(st.one_of(st.none(), st.floats(0, 5000))),
                      budget_remaining_usd=draw(st.one_of(st.none(), st.floats(0, 100))),
                      prompt_tokens_exact=draw(st.booleans()))
    return Decision(model=draw(_names), rule=draw(_text), reason=draw(_text), signals=signals,
                    estimated_cost_usd=draw(st.floats(0, 10)),
                    rejected=draw(st.lists(st.builds(Rejection, _names, _text, _text), max_size=3)),
                    fallback_chain=draw(st.lists(_names, max_size=3)),
                    requested_model=draw(st.one_of(st.none(), _names)), cascade=draw(st.booleans()),
                    fallback_reason=draw(st.one_of(st.none(), st.just(""), _text)),
                    group=draw(st.one_of(st.none(), st.just(""), _names)))


@settings(max_examples=300, deadline=None)
@given(_decisions())
def test_a_decision_record_is_the_one_built_before(decision: Decision) -> None:
    assert orjson.dumps(decision.to_dict()) == orjson.dumps(_decision_dict_before(decision))


_part = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["text", "image_url", "input_audio", "file", "other"])},
                          optional={"text": st.one_of(_text, st.integers()), "image_url": st.one_of(_text, st.just({"url": "u"})),
                                    "input_audio": st.just({}), "file": st.one_of(st.just({}), _text)}),
    _text, st.integers())
_message = st.one_of(
    st.fixed_dictionaries({"role": st.one_of(st.sampled_from(sorted(ROLES)), st.just("robot")),
                           "content": st.one_of(_text, st.none(), st.integers(), st.lists(_part, max_size=3))},
                          optional={"tool_call_id": st.one_of(_text, st.integers()), "name": _text,
                                    "tool_calls": st.just([]), "function_call": st.just({"name": "f"})}),
    st.fixed_dictionaries({"content": _text}), st.fixed_dictionaries({"role": st.just("user")}),
    _text, st.integers(), st.none())


@settings(max_examples=500, deadline=None)
@given(st.lists(_message, min_size=1, max_size=4))
def test_messages_are_judged_as_before(messages: list[Any]) -> None:
    try:
        expected: Any = _validate_messages_before(messages)
    except BadRequestError as exc:
        expected = (exc.message, exc.param)
    try:
        got: Any = validate_messages(messages)
    except BadRequestError as exc:
        got = (exc.message, exc.param)
    assert got == expected


def test_a_request_without_hints_gets_the_default_hints_every_time() -> None:
    scope = {"headers": [(b"host", b"x")]}
    first, second = parse_hints(None, scope), parse_hints(None, scope)
    assert first == RouteHints() and second == RouteHints()


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(["model", "messages", "stream", "turnout", "max_tokens", "user"]),
                                 _text), _json, max_size=8))
def test_a_bodys_parameters_are_those_picked_before(body: dict[str, Any]) -> None:
    before = {k: v for k, v in body.items() if k not in {"model", "messages", "stream", "turnout"} and v is not None}
    got = _params_of(body)
    assert list(got.items()) == list(before.items())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.one_of(st.sampled_from(list(_ROUTE_FIELDS)), _text), _json, max_size=12))
def test_the_ledgers_route_detail_is_the_one_picked_before(record: dict[str, Any]) -> None:
    before = {k: record[k] for k in _ROUTE_FIELDS if k in record}
    assert list(route_detail(record).items()) == list(before.items())
