"""Door x provider x (text, tool call, reasoning; usage with cache and reasoning counts),
streamed and not: what arrives at an official SDK client (``openai``, ``anthropic``) through a
real gateway, against recorded answers replayed on 127.0.0.1. The expectations and the losses
are declared in ``conformance.py``; the tables in docs/architecture.md are generated from it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
import uvicorn
from aiohttp import web
from providers.upstream import json_reply, stream_reply

from turnout.answer import FINISH_FROM, finish_from
from turnout.config import parse_config
from turnout.gateway import Gateway
from turnout.server.app import TurnoutApp
from turnout.server.corked import CorkedHttpToolsProtocol

from ..conftest import free_port
from . import conformance
from .conformance import MODELS, Seen, call, expected
from .conftest import ThreadedUpstream

TOOL_SCHEMA = {"type": "object", "properties": {"location": {"type": "string"}}}
ARCHITECTURE = Path(__file__).parents[3] / "docs" / "architecture.md"


@pytest.fixture(scope="module")
def upstream() -> Iterator[ThreadedUpstream]:
    server = ThreadedUpstream()
    yield server
    server.close()


@pytest.fixture(scope="module")
def base_url(upstream: ThreadedUpstream) -> Iterator[str]:
    """One gateway with one model per provider kind, all on one fake upstream."""

    async def handler(request: web.Request, body: Any) -> web.StreamResponse:
        kind, value = conformance.upstream_answer(request.path, body)
        if kind == "json":
            return json_reply(value)
        content_type = "application/x-ndjson" if kind == "ndjson" else "text/event-stream"
        return await stream_reply(request, value, content_type=content_type)

    upstream.server.handler = handler
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config({"models": conformance.model_configs(upstream.url), "cache": {"enabled": False},
                               "routing": {"retries": {"max_retries": 0}},
                               "ledger": {"url": f"sqlite:///{tmp}/ledger.db"}})
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(TurnoutApp(Gateway(config)), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on", loop="asyncio",
                                               http=CorkedHttpToolsProtocol))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "test server did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(autouse=True, scope="module")
def _no_provider_env() -> Iterator[None]:
    names = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OLLAMA_BASE_URL",
             "GEMINI_API_KEY", "GOOGLE_API_KEY")
    saved = {n: os.environ.get(n) for n in names}
    os.environ.update(dict.fromkeys(names, ""))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _extra(obj: Any, name: str) -> Any:
    """A field beyond the SDK's own model (``reasoning_content``, ``thinking_blocks``...)."""
    value = getattr(obj, name, None)
    if value is None and getattr(obj, "model_extra", None):
        value = obj.model_extra.get(name)
    return value


def _field(block: Any, name: str) -> Any:
    return block.get(name) if isinstance(block, dict) else getattr(block, name, None)


# -- each door, through its SDK, reduced to Seen ------------------------------------------------


def chat(base: str, model: str, scenario: str, stream: bool, **extra: Any) -> Seen:
    client = openai.OpenAI(base_url=base + "/v1", api_key="x", max_retries=0)
    kw: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": f"scenario {scenario}"}]}
    if scenario == "tool":
        kw["tools"] = [{"type": "function", "function": {"name": "get_weather", "parameters": TOOL_SCHEMA}}]
    kw.update(extra)
    if not stream:
        r = client.chat.completions.create(**kw)
        message = r.choices[0].message
        blocks = _extra(message, "thinking_blocks") or ()
        return Seen(text=message.content or "", refusal=message.refusal or "", finish=r.choices[0].finish_reason,
                    tools=tuple(call(c.function.name, c.function.arguments) for c in message.tool_calls or ()),
                    reasoning=_extra(message, "reasoning_content") or "",
                    signature="".join(_field(b, "signature") or "" for b in blocks)
                    + "".join(_call_signature(c) for c in message.tool_calls or ()), **_usage(r.usage))
    text, refusal, reasoning, signature, finish, calls, usage = "", "", "", "", "", {}, None
    for chunk in client.chat.completions.create(**kw, stream=True, stream_options={"include_usage": True}):
        usage = chunk.usage or usage
        for choice in chunk.choices:
            delta = choice.delta
            text += delta.content or ""
            refusal += delta.refusal or ""
            reasoning += _extra(delta, "reasoning_content") or ""
            signature += "".join(_field(b, "signature") or "" for b in _extra(delta, "thinking_blocks") or ())
            for c in delta.tool_calls or ():
                signature += _call_signature(c)
                entry = calls.setdefault(c.index, ["", ""])
                entry[0] += (c.function and c.function.name) or ""
                entry[1] += (c.function and c.function.arguments) or ""
            finish = choice.finish_reason or finish
    return Seen(text=text, refusal=refusal, reasoning=reasoning, signature=signature, finish=finish,
                tools=tuple(call(name, args) for name, args in calls.values()), **_usage(usage))


def _call_signature(tool_call: Any) -> str:
    """Gemini's thought signature on a tool call (``extra_content.google``, Google's convention)."""
    extra = _extra(tool_call, "extra_content") or {}
    return str((extra.get("google") or {}).get("thought_signature") or "")


def _usage(usage: Any) -> dict[str, int]:
    """OpenAI usage (chat or text completion) -> Seen's counts."""
    prompt_details = usage.prompt_tokens_details
    output_details = usage.completion_tokens_details
    return {"prompt": usage.prompt_tokens, "completion": usage.completion_tokens,
            "cached": (prompt_details and prompt_details.cached_tokens) or 0,
            "cache_write": _extra(usage, "cache_creation_input_tokens") or 0,
            "reasoning_tokens": (output_details and output_details.reasoning_tokens) or 0}


def messages(base: str, model: str, scenario: str, stream: bool, **extra: Any) -> Seen:
    client = anthropic.Anthropic(base_url=base, api_key="x", max_retries=0)
    kw: dict[str, Any] = {"model": model, "max_tokens": 256,
                          "messages": [{"role": "user", "content": f"scenario {scenario}"}]}
    if scenario == "tool":
        kw["tools"] = [{"name": "get_weather", "input_schema": TOOL_SCHEMA}]
    kw.update(extra)
    if stream:
        with client.messages.stream(**kw) as events:
            message = events.get_final_message()
    else:
        message = client.messages.create(**kw)
    blocks = message.content
    u = message.usage
    cached, written = u.cache_read_input_tokens or 0, u.cache_creation_input_tokens or 0
    return Seen(text="".join(b.text for b in blocks if b.type == "text"),
                tools=tuple(call(b.name, b.input) for b in blocks if b.type == "tool_use"),
                reasoning="".join(b.thinking for b in blocks if b.type == "thinking"),
                signature="".join(b.signature for b in blocks if b.type == "thinking"),
                finish=finish_from("anthropic", message.stop_reason),
                prompt=u.input_tokens + cached + written, completion=u.output_tokens, cached=cached,
                cache_write=written)


def responses(base: str, model: str, scenario: str, stream: bool, **extra: Any) -> Seen:
    client = openai.OpenAI(base_url=base + "/v1", api_key="x", max_retries=0)
    kw: dict[str, Any] = {"model": model, "input": f"scenario {scenario}", "store": False}
    if scenario == "tool":
        kw["tools"] = [{"type": "function", "name": "get_weather", "parameters": TOOL_SCHEMA, "strict": False}]
    kw.update(extra)
    if stream:
        events = list(client.responses.create(**kw, stream=True))
        assert events[-1].type in ("response.completed", "response.incomplete"), events[-1]
        response = events[-1].response
        deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        assert deltas == response.output_text  # the events add up to the final response
    else:
        response = client.responses.create(**kw)
    items = response.output
    calls = tuple(call(i.name, i.arguments) for i in items if i.type == "function_call")
    if response.status == "incomplete":
        finish = FINISH_FROM["responses"].get(response.incomplete_details.reason, "length")
    else:
        finish = finish_from("responses", None, bool(calls))
    u = response.usage
    refusal = "".join(p.refusal for i in items if i.type == "message" for p in i.content if p.type == "refusal")
    return Seen(text=response.output_text, tools=calls, refusal=refusal,
                reasoning="".join(s.text for i in items if i.type == "reasoning" for s in i.summary),
                signature="".join(i.encrypted_content or "" for i in items if i.type == "reasoning"),
                finish=finish, prompt=u.input_tokens, completion=u.output_tokens,
                cached=u.input_tokens_details.cached_tokens, reasoning_tokens=u.output_tokens_details.reasoning_tokens)


def completions(base: str, model: str, scenario: str, stream: bool, **extra: Any) -> Seen:
    client = openai.OpenAI(base_url=base + "/v1", api_key="x", max_retries=0)
    kw: dict[str, Any] = {"model": model, "prompt": f"scenario {scenario}", "max_tokens": 256, **extra}
    if not stream:
        r = client.completions.create(**kw)
        return Seen(text=r.choices[0].text, finish=r.choices[0].finish_reason, **_usage(r.usage))
    text, finish, usage = "", "", None
    for chunk in client.completions.create(**kw, stream=True, stream_options={"include_usage": True}):
        usage = chunk.usage or usage
        for choice in chunk.choices:
            text += choice.text
            finish = choice.finish_reason or finish
    return Seen(text=text, finish=finish, **_usage(usage))


CLIENTS = {"chat": chat, "messages": messages, "responses": responses, "completions": completions}


@pytest.mark.parametrize(("door", "provider", "scenario", "stream"), conformance.cases(),
                         ids=lambda v: {False: "whole", True: "stream"}.get(v, v) if isinstance(v, bool) else v)
def test_the_client_sees_all_its_door_can_carry(base_url, door, provider, scenario, stream):
    got = CLIENTS[door](base_url, MODELS[provider], scenario, stream)
    assert got == expected(door, provider, scenario, stream)


def test_every_recorded_answer_is_used_and_says_something():
    for (provider, scenario, stream), (_, seen) in conformance.ANSWERS.items():
        assert seen.prompt and seen.completion, (provider, scenario, stream)
        assert seen.text or seen.tools or seen.refusal, (provider, scenario, stream)
        assert (scenario == "reasoning") == bool(seen.reasoning), (provider, scenario, stream)


def test_the_tables_in_the_architecture_doc_are_generated_from_the_suite():
    assert conformance.render() in ARCHITECTURE.read_text(), (
        "docs/architecture.md is out of date: run `python tests/server/doors/conformance.py --write`")


def test_upstream_answers_pick_provider_and_scenario():
    kind, value = conformance.upstream_answer("/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                                              {"contents": [{"parts": [{"text": "scenario tool"}]}]})
    assert kind == "sse" and "functionCall" in value
    kind, value = conformance.upstream_answer("/api/chat", {"stream": False, "messages": [
        {"role": "user", "content": "scenario reasoning"}]})
    assert kind == "json" and json.loads(json.dumps(value))["message"]["thinking"]


def test_unsigned_reasoning_sent_back_through_messages_never_reaches_claude(base_url, upstream):
    """Another model's reasoning comes back as a thinking block with no signature; a client that
    sends the turn back (as Claude Code does) must not get a 400 from Claude for it."""
    client = anthropic.Anthropic(base_url=base_url, api_key="x", max_retries=0)
    turn = [{"role": "user", "content": "scenario reasoning"}]
    first = client.messages.create(model=MODELS["openai"], max_tokens=256, messages=turn)
    assert first.content[0].type == "thinking" and first.content[0].signature == ""
    history = [*turn, {"role": "assistant", "content": [b.model_dump() for b in first.content]},
               {"role": "user", "content": "scenario text"}]
    for stream in (False, True):
        before = len(upstream.requests)
        if stream:
            with client.messages.stream(model=MODELS["anthropic"], max_tokens=256, messages=history) as events:
                events.get_final_message()
        else:
            client.messages.create(model=MODELS["anthropic"], max_tokens=256, messages=history)
        sent = [r.body for r in upstream.requests[before:] if r.path == "/v1/messages"]
        assert sent, "the follow-up did not reach the Anthropic upstream"
        blocks = [b for m in sent[0]["messages"] if isinstance(m["content"], list) for b in m["content"]]
        assert not any(b.get("type") == "thinking" for b in blocks), blocks
        assert any(b.get("text") == "Hello! How can I assist you today?" for b in blocks)  # the rest is kept


def test_a_gemini_thought_signature_goes_back_with_its_call(base_url, upstream):
    """The chat door returns Gemini's signature on the tool call; sent back, it is on the
    functionCall part again (Gemini 3 refuses a thinking tool loop without it)."""
    client = openai.OpenAI(base_url=base_url + "/v1", api_key="x", max_retries=0)
    turn = [{"role": "user", "content": "scenario tool"}]
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": TOOL_SCHEMA}}]
    first = client.chat.completions.create(model=MODELS["gemini"], messages=turn, tools=tools)
    assistant = first.choices[0].message.model_dump(exclude_none=True)
    call_id = assistant["tool_calls"][0]["id"]
    before = len(upstream.requests)
    client.chat.completions.create(model=MODELS["gemini"], tools=tools, messages=[
        *turn, assistant, {"role": "tool", "tool_call_id": call_id, "content": "sunny"},
        {"role": "user", "content": "scenario text"}])
    sent = next(r.body for r in upstream.requests[before:] if r.path.endswith(":generateContent"))
    parts = [p for c in sent["contents"] for p in c["parts"] if "functionCall" in p]
    assert parts and parts[0]["thoughtSignature"] == "CiQB0e2Kb3ZsMx8HzQ==", sent


LOCAL = "local/qwen2.5-coder-0.5b"
# Each door's own way to force the call and cap the answer.
LOCAL_ASKS: dict[str, dict[str, Any]] = {
    "chat": {"max_tokens": 8, "temperature": 0},
    "messages": {"max_tokens": 8, "temperature": 0},
    "responses": {"max_output_tokens": 16, "temperature": 0},
    "completions": {"max_tokens": 8, "temperature": 0},
}
LOCAL_TOOL: dict[str, dict[str, Any]] = {
    "chat": {"max_tokens": 64, "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
    "messages": {"max_tokens": 64, "tool_choice": {"type": "tool", "name": "get_weather"}},
    "responses": {"max_output_tokens": 64, "tool_choice": {"type": "function", "name": "get_weather"}},
}


@pytest.mark.model
def test_the_embedded_model_answers_through_every_door(serve, embedded_model_path):
    """The local llama.cpp row: text and a forced tool call through every door, streamed and not,
    with the model's own token counts; it reports no cache, reasoning or signature."""
    base = serve({"models": [{"name": LOCAL, "context_window": 4096}], "cache": {"enabled": False}}).base_url
    base = base.removesuffix("/v1")
    for door, ask in LOCAL_ASKS.items():
        for stream in (False, True):
            seen = CLIENTS[door](base, LOCAL, "text", stream, **ask)
            assert seen.text.strip() and seen.prompt > 0 and seen.completion > 0, (door, stream, seen)
            assert (seen.reasoning, seen.signature, seen.cached, seen.cache_write, seen.reasoning_tokens) == (
                "", "", 0, 0, 0), (door, stream, seen)
    for door, ask in LOCAL_TOOL.items():
        seen = CLIENTS[door](base, LOCAL, "tool", False, **ask)
        assert [name for name, _ in seen.tools] == ["get_weather"], (door, seen)
        assert seen.finish == "tool_calls", (door, seen)
