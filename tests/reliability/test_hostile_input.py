"""Hostile input gets a clear 400 before any model is called (issue #11.2, .3): never a 500,
a dropped connection, or a model cooled down for everyone."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from turnout.errors import BadRequestError
from turnout.input_limits import MAX_DEPTH, check_messages, check_model_name, check_params
from turnout.providers.fake import FakeProvider

MODELS = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3},
          {"name": "fake/local", "provider": "fake", "local": True, "tier": 1}]
MSG = [{"role": "user", "content": "hello"}]


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def nested_dict(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.fixture
def server(serve):  # type: ignore[no-untyped-def]
    return serve({"models": MODELS})


def post(server: Any, body: Any) -> httpx.Response:
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))  # the client's own encoder must get deep bodies out
    try:
        content = json.dumps(body)
    finally:
        sys.setrecursionlimit(limit)
    return httpx.post(f"{server.base_url}/chat/completions", content=content, timeout=10,
                      headers={"content-type": "application/json"})


CASES = {
    "tool_calls is a number": {"messages": [{"role": "assistant", "content": None, "tool_calls": 5}, *MSG]},
    "tool_calls holds a number": {"messages": [{"role": "assistant", "content": "", "tool_calls": [5]}, *MSG]},
    "function is a string": {"messages": [{"role": "assistant", "content": "",
                                           "tool_calls": [{"id": "a", "type": "function", "function": "f"}]}, *MSG]},
    "list 1000 deep in metadata": {"messages": MSG, "metadata": {"a": nested(1000)}},
    "list 1000 deep in content": {"messages": [{"role": "user", "content": [{"type": "text", "text": "x",
                                                                             "extra": nested(1000)}]}]},
    "metadata 300 deep": {"messages": MSG, "metadata": nested_dict(300)},
    "tools 1000 deep": {"messages": MSG, "tools": [{"type": "function", "function": nested_dict(200)}]},
    "too many tools": {"messages": MSG, "tools": [{"type": "function", "function": {"name": f"f{i}"}}
                                                  for i in range(2000)]},
    "n is huge": {"messages": MSG, "n": 10_000},
    "metadata is a list": {"messages": MSG, "metadata": [1, 2]},
    "name is an object": {"messages": [{"role": "user", "content": "hi", "name": {"a": 1}}]},
    # JSON text in a string, parsed later by the privacy walk and by providers (red9g: a 500)
    "tool-call arguments 2000 deep": {"messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a":' * 2000 + "1" + "}" * 2000}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"}]},
    "tool-call arguments 100 deep": {"messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": json.dumps(nested(100))}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"}]},
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_body_is_a_400_and_reaches_no_model(server, case: str) -> None:  # type: ignore[no-untyped-def]
    body = {"model": "auto", **CASES[case]}
    r = post(server, body)
    assert r.status_code == 400, (case, r.status_code, r.text[:300])
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert FakeProvider.calls == []
    for model in ("fake/cloud", "fake/local"):
        assert server.gateway.router.health.cooling_for(model) is None


@pytest.mark.parametrize("bad", ["fake/local\r\nX-Evil: 1", "fake/local\n", "fake/\x00local", "a" * 300])
def test_model_name_with_control_characters_is_a_400_not_a_dropped_connection(server, bad: str) -> None:  # type: ignore[no-untyped-def]
    for stream in (False, True):
        r = post(server, {"model": bad, "messages": MSG, "stream": stream})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["param"] == "model"


def test_raw_socket_garbage_gets_an_http_answer(server) -> None:  # type: ignore[no-untyped-def]
    body = b'{"model": "fake/local\\u0000", "messages": [{"role": "user", "content": "x"}]}'
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 400")


def test_the_limits_accept_what_real_clients_send() -> None:
    schema = nested_dict(20)
    check_params({"tools": [{"type": "function", "function": {"name": "f", "parameters": schema}}] * 128,
                  "metadata": {f"k{i}": "v" for i in range(16)}, "stop": ["a", "b", "c", "d"], "n": 4})
    check_messages([{"role": "assistant", "content": None,
                     "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                    {"role": "tool", "tool_call_id": "c1", "content": "ok"}] * 100)
    check_messages([{"role": "user", "content": nested(MAX_DEPTH - 2, "x")}])
    assert check_model_name("openai/gpt-4o") == "openai/gpt-4o"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                       max_size=4),
                    max_leaves=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.dictionaries(st.sampled_from(["role", "content", "tool_calls", "name", "function_call",
                                                "tool_call_id", "x"]), JSON, max_size=5),
       params=st.dictionaries(st.sampled_from(["metadata", "tools", "tool_choice", "stop", "n", "temperature",
                                               "response_format", "max_tokens", "user"]), JSON, max_size=3))
def test_random_shapes_are_answered_or_refused_never_crash(server, message: dict[str, Any],  # type: ignore[no-untyped-def]
                                                           params: dict[str, Any]) -> None:
    r = post(server, {"model": "fake/local", "messages": [message], **params})
    assert r.status_code in (200, 400, 413), (r.status_code, r.text[:300])
    assert "error" in r.json() or r.json()["choices"]


def test_library_refuses_the_same_input() -> None:
    with pytest.raises(BadRequestError):
        check_messages([{"role": "assistant", "content": None, "tool_calls": 5}])
    with pytest.raises(BadRequestError, match="nested deeper"):
        check_params({"metadata": {"a": nested(1000)}})


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(min_value=1, max_value=3000), dicts=st.booleans(), text=st.booleans())
@example(depth=MAX_DEPTH, dicts=True, text=False)
@example(depth=MAX_DEPTH + 1, dicts=False, text=False)
def test_tool_call_arguments_are_refused_exactly_when_nested_past_the_limit(depth: int, dicts: bool,
                                                                            text: bool) -> None:
    """Arguments nested past MAX_DEPTH are a 400 (never a RecursionError later); text full of
    brackets that is no JSON stays text and passes."""
    args = ('{"a":' * depth + "1" + "}" * depth) if dicts else ("[" * depth + "1" + "]" * depth)
    if text:
        args = "note: " + args  # no longer JSON: the walk reads it as text
    message = {"role": "assistant", "content": None,
               "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": args}}]}
    if depth > MAX_DEPTH and not text:
        with pytest.raises(BadRequestError, match="nested deeper"):
            check_messages([message])
    else:
        check_messages([message])
