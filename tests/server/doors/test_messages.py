"""``/v1/messages`` with the official ``anthropic`` SDK, unchanged, against a real gateway:
answered by fake models, by an OpenAI-compatible upstream (translated both ways) and by an
Anthropic upstream (native pass-through), all on 127.0.0.1 with recorded payloads."""

from __future__ import annotations

import copy
import json

import anthropic
import httpx
import pytest

from turnout.providers.fake import FakeProvider

from .conftest import fixture_json, fixture_text

MASTER = "sk-master-doors"
FAKES = [
    {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1.0,
     "output_per_mtok": 2.0},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
WEATHER_TOOL = {"name": "get_weather", "description": "Current weather for a city",
                "input_schema": {"type": "object", "properties": {"location": {"type": "string"}},
                                 "required": ["location"]}}


def sdk(server, key="unused", **kw):
    return anthropic.Anthropic(base_url=server.base_url.removesuffix("/v1"), api_key=key, max_retries=0, **kw)


@pytest.fixture
def fakes(serve):
    return serve({"models": FAKES})


def test_create_text(fakes):
    raw = sdk(fakes).messages.with_raw_response.create(
        model="fake/cloud", max_tokens=64, system="Be brief.", messages=[{"role": "user", "content": "hello door"}])
    message = raw.parse()
    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].text == "fake:fake/cloud: hello door"
    assert message.stop_reason == "end_turn" and message.model == "fake/cloud"
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert raw.headers["x-turnout-model"] == "fake/cloud" and float(raw.headers["x-turnout-cost-usd"]) > 0
    assert message.model_extra["turnout"]["model"] == "fake/cloud"
    sent = FakeProvider.calls_to("fake/cloud")[-1]
    assert sent.origin == "anthropic.messages"
    assert sent.messages[0] == {"role": "system", "content": "Be brief."}


def test_stream_text_and_event_sequence(fakes):
    with sdk(fakes).messages.stream(model="fake/cloud", max_tokens=64,
                                    messages=[{"role": "user", "content": "stream me"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "fake:fake/cloud: stream me"
    assert final.content[0].text == text and final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0
    body = httpx.post(f"{fakes.base_url}/messages", json={
        "model": "fake/cloud", "max_tokens": 8, "stream": True, "messages": [{"role": "user", "content": "hi"}]}).text
    events = [line.removeprefix("event: ") for line in body.splitlines() if line.startswith("event: ")]
    assert events[:3] == ["message_start", "ping", "content_block_start"]
    assert events[-3:] == ["content_block_stop", "message_delta", "message_stop"]


def test_max_tokens_limits_the_answer(fakes):
    message = sdk(fakes).messages.create(model="fake/cloud", max_tokens=2,
                                         messages=[{"role": "user", "content": "one two three four"}])
    assert message.stop_reason == "max_tokens" and message.usage.output_tokens == 2


def test_errors_in_anthropics_shape(fakes):
    client = sdk(fakes)
    with pytest.raises(anthropic.NotFoundError) as exc:
        client.messages.create(model="no-such-model", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert exc.value.body["error"]["type"] == "not_found_error"
    r = httpx.post(f"{fakes.base_url}/messages", json={"model": "fake/cloud", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 400
    assert r.json() == {"type": "error", "error": {"type": "invalid_request_error", "message": r.json()["error"]["message"]}}
    assert "max_tokens" in r.json()["error"]["message"]
    for bad in (b"{nope", b"[]", json.dumps({"model": "fake/cloud", "max_tokens": 5, "messages": [{"role": "tool", "content": "x"}]}).encode(),
                json.dumps({"model": "fake/cloud", "max_tokens": 5, "messages": [{"role": "user", "content": [{"text": "x"}]}]}).encode(),
                json.dumps({"model": "fake/cloud", "max_tokens": 5, "temperature": 3, "messages": [{"role": "user", "content": "x"}]}).encode()):
        r = httpx.post(f"{fakes.base_url}/messages", content=bad, headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["type"] == "error", bad
    r = httpx.get(f"{fakes.base_url}/messages")
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"


def test_upstream_failure_is_a_5xx_in_anthropics_shape(serve):
    server = serve({"models": [{"name": "fake/down", "provider": "fake", "extra": {"default": "error:500"}}],
                    "routing": {"retries": {"max_retries": 0}}})
    with pytest.raises(anthropic.InternalServerError) as exc:
        sdk(server).messages.create(model="fake/down", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert exc.value.status_code >= 500 and exc.value.body["type"] == "error"


def test_x_api_key_and_bearer_auth(serve, tmp_path):
    server = serve({"models": FAKES, "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys.db"}})
    msg = [{"role": "user", "content": "x"}]
    assert sdk(server, MASTER).messages.create(model="fake/local", max_tokens=8, messages=msg).content
    bearer = anthropic.Anthropic(base_url=server.base_url.removesuffix("/v1"), auth_token=MASTER, max_retries=0)
    assert bearer.messages.create(model="fake/local", max_tokens=8, messages=msg).content
    with pytest.raises(anthropic.AuthenticationError) as exc:
        sdk(server, "sk-wrong").messages.create(model="fake/local", max_tokens=8, messages=msg)
    assert exc.value.body["error"]["type"] == "authentication_error"
    plaintext, _ = server.gateway.keys.create("tight", budget_usd=0.0)
    with pytest.raises(anthropic.RateLimitError) as exc:
        sdk(server, plaintext).messages.create(model="fake/cloud", max_tokens=8, messages=msg)
    assert exc.value.body["error"]["type"] == "rate_limit_error" and exc.value.response.headers["retry-after"]


def test_confidential_stays_local_and_auto_works(fakes):
    client = sdk(fakes)
    message = client.messages.create(model="auto", max_tokens=16, messages=[{"role": "user", "content": "hi"}],
                                     extra_headers={"X-Turnout-Sensitivity": "confidential"})
    assert message.model == "fake/local"
    secret = "my card is 4111 1111 1111 1111, charge it"
    message = client.messages.create(model="auto", max_tokens=16, system=[{"type": "text", "text": secret}],
                                     messages=[{"role": "user", "content": "go"}])
    assert message.model == "fake/local"
    assert all(name == "fake/local" for name, _ in FakeProvider.calls)


def test_thinking_is_dropped_for_other_providers_with_a_header(fakes):
    raw = sdk(fakes).messages.with_raw_response.create(
        model="fake/cloud", max_tokens=64, thinking={"type": "enabled", "budget_tokens": 32}, top_k=5,
        messages=[{"role": "user", "content": "q"},
                  {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm", "signature": "sig"},
                                                    {"type": "text", "text": "a"}]},
                  {"role": "user", "content": "again"}])
    assert set(raw.headers["x-turnout-dropped-params"].split(",")) == {"thinking", "top_k"}
    sent = FakeProvider.calls_to("fake/cloud")[-1]
    assert "thinking" not in sent.params and "top_k" not in sent.params
    assert all(not isinstance(m["content"], list) or all(p["type"] != "thinking" for p in m["content"])
               for m in sent.messages)


def test_count_tokens_locally(fakes):
    count = sdk(fakes).messages.count_tokens(model="fake/cloud", messages=[{"role": "user", "content": "count these words"}],
                                             tools=[WEATHER_TOOL])
    assert 10 < count.input_tokens < 200


# -- an OpenAI-compatible upstream: translated both ways ---------------------------------------


@pytest.fixture
def openai_server(serve, upstream):
    return serve({"models": [{"name": "gpt-4o-mini", "api_base": upstream.url + "/v1", "api_key": "sk-up"}]})


def _tool_round(body):
    """Tool calls on the first turn, an answer once a tool result is in."""
    has_result = any(m.get("role") == "tool" for m in body["messages"])
    if body.get("stream"):
        return "sse", fixture_text("openai_stream.txt" if has_result else "openai_stream_tool_calls.txt")
    return "json", fixture_json("openai_chat.json" if has_result else "openai_chat_tool_calls.json")


def test_tool_use_loop_through_an_openai_model(openai_server, upstream):
    upstream.reply_by(_tool_round)
    client = sdk(openai_server)
    messages = [{"role": "user", "content": "Weather in Boston?"}]
    first = client.messages.create(model="gpt-4o-mini", max_tokens=256, tools=[WEATHER_TOOL], messages=messages,
                                   tool_choice={"type": "auto", "disable_parallel_tool_use": True})
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "get_current_weather" and call.input == {"location": "Boston, MA"}
    sent = upstream.last.body
    assert sent["tools"][0]["function"]["name"] == "get_weather" and sent["parallel_tool_calls"] is False
    messages += [{"role": "assistant", "content": [b.model_dump() for b in first.content]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "22C sunny"}]}]
    second = client.messages.create(model="gpt-4o-mini", max_tokens=256, tools=[WEATHER_TOOL], messages=messages)
    assert second.stop_reason == "end_turn" and second.content[0].text
    sent = upstream.last.body["messages"]
    assert sent[-2]["tool_calls"][0]["id"] == call.id
    assert sent[-1] == {"role": "tool", "tool_call_id": call.id, "content": "22C sunny"}


def test_streamed_tool_use_through_an_openai_model(openai_server, upstream):
    upstream.reply_by(_tool_round)
    with sdk(openai_server).messages.stream(model="gpt-4o-mini", max_tokens=256, tools=[WEATHER_TOOL],
                                            messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
        final = stream.get_final_message()
    call = next(b for b in final.content if b.type == "tool_use")
    assert call.name == "get_weather" and call.input["location"].startswith("Paris")
    assert final.stop_reason == "tool_use" and final.usage.output_tokens > 0


def test_claude_code_shaped_traffic_mapped_to_another_model(serve, upstream):
    """A long cached system prompt, dozens of tools, streaming, a tool loop, a Claude model
    name that the operator's config maps onto an OpenAI-compatible model."""
    server = serve({"models": [{"name": "claude-sonnet-4-5", "provider": "openai", "model": "gpt-4o-mini",
                                "api_base": upstream.url + "/v1", "api_key": "sk-up"}]})
    upstream.reply_by(_tool_round)
    tools = [{**WEATHER_TOOL, "name": f"tool_{i}"} for i in range(40)] + [WEATHER_TOOL]
    system = [{"type": "text", "text": "You are a coding agent. " * 400},
              {"type": "text", "text": "Project notes.", "cache_control": {"type": "ephemeral"}}]
    client = sdk(server)
    messages = [{"role": "user", "content": [{"type": "text", "text": "Check the weather", "cache_control": {"type": "ephemeral"}}]}]
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=1024, system=system, tools=tools,
                                messages=messages) as stream:
        first = stream.get_final_message()
    call = next(b for b in first.content if b.type == "tool_use")
    messages += [{"role": "assistant", "content": [b.model_dump() for b in first.content]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                               "content": [{"type": "text", "text": "sunny"}]}]}]
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=1024, system=system, tools=tools,
                                messages=messages) as stream:
        text = "".join(stream.text_stream)
    assert text
    sent = upstream.last.body
    assert sent["model"] == "gpt-4o-mini" and len(sent["tools"]) == 41
    assert sent["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "sunny"}


# -- an Anthropic upstream: native pass-through ------------------------------------------------


@pytest.fixture
def claude_server(serve, upstream):
    return serve({"models": [{"name": "claude-sonnet-4-5-20250929", "api_base": upstream.url, "api_key": "sk-ant-up"}]})


def test_native_pass_through_keeps_the_body_and_headers(claude_server, upstream):
    upstream.reply_json(fixture_json("anthropic_message_thinking.json"))
    body = {
        "model": "claude-sonnet-4-5", "max_tokens": 2048, "top_k": 40,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "system": [{"type": "text", "text": "Long cached prompt", "cache_control": {"type": "ephemeral"}}],
        "metadata": {"user_id": "u-1"}, "stop_sequences": ["END"],
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is 27 * 453?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]}],
    }
    client = sdk(claude_server, default_headers={"anthropic-beta": "interleaved-thinking-2025-05-14"})
    raw = client.messages.with_raw_response.create(**copy.deepcopy(body))
    message = raw.parse()
    sent = upstream.last
    assert sent.path == "/v1/messages"
    assert sent.body == {**body, "model": "claude-sonnet-4-5-20250929"}
    assert sent.headers["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    assert sent.headers["anthropic-version"] == "2023-06-01" and sent.headers["x-api-key"] == "sk-ant-up"
    assert [b.type for b in message.content] == ["thinking", "text"]
    assert message.content[0].signature.startswith("EqQB")
    assert message.usage.cache_creation_input_tokens == 2048 and message.usage.input_tokens == 12
    assert "x-turnout-dropped-params" not in raw.headers
    # cache writes bill at 1.25x input: 12 * $3 + 2048 * $3.75 + 64 * $15 per 1M
    assert message.model_extra["turnout"]["cost_usd"] == pytest.approx((12 * 3 + 2048 * 3.75 + 64 * 15) / 1e6)


def test_native_stream_with_thinking_and_cache_reads(claude_server, upstream):
    upstream.reply_by(lambda body: ("sse", fixture_text("anthropic_stream_thinking.txt")))
    with sdk(claude_server).messages.stream(model="claude-sonnet-4-5-20250929", max_tokens=2048,
                                            thinking={"type": "enabled", "budget_tokens": 1024},
                                            messages=[{"role": "user", "content": "27 * 453?"}]) as stream:
        final = stream.get_final_message()
    assert upstream.last.body["stream"] is True and upstream.last.body["thinking"]["budget_tokens"] == 1024
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking.endswith("total 12231.") and final.content[0].signature.startswith("EqQB")
    assert final.content[1].text == "27 * 453 = 12,231"
    assert final.usage.cache_read_input_tokens == 2048 and final.usage.output_tokens == 64


def test_a_redacted_request_is_not_forwarded_natively(serve, upstream):
    """With redaction on, the body Anthropic gets is the rewritten one, never the caller's."""
    server = serve({"models": [{"name": "claude-sonnet-4-5-20250929", "api_base": upstream.url, "api_key": "k"}],
                    "detection": {"redact": True}, "routing": {"default_sensitivity": "internal"}})
    upstream.reply_json(fixture_json("anthropic_message.json"))
    sdk(server).messages.create(model="claude-sonnet-4-5-20250929", max_tokens=64, extra_headers={"X-Turnout-Sensitivity": "internal"},
                                messages=[{"role": "user", "content": "mail jane.doe@example.com about it"}])
    assert "jane.doe@example.com" not in json.dumps(upstream.last.body)


def test_count_tokens_is_asked_of_anthropic_when_routed_there(claude_server, upstream):
    upstream.reply_json({"input_tokens": 4321})
    count = sdk(claude_server).messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}])
    assert count.input_tokens == 4321
    assert upstream.last.path == "/v1/messages/count_tokens" and "max_tokens" not in upstream.last.body


def test_chat_completions_can_be_answered_by_claude(claude_server, upstream):
    import openai

    upstream.reply_json(fixture_json("anthropic_message_thinking.json"))
    client = openai.OpenAI(base_url=claude_server.base_url, api_key="unused", max_retries=0)
    r = client.chat.completions.create(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "27*453"}])
    assert r.choices[0].message.content == "27 * 453 = 12,231"
    assert r.choices[0].message.model_extra["thinking_blocks"][0]["signature"].startswith("EqQB")
    assert upstream.last.body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "27*453"}]}]


def test_cache_hits_come_back_in_anthropics_shape(fakes):
    client = sdk(fakes)
    ask = {"model": "fake/cloud", "max_tokens": 32, "temperature": 0, "messages": [{"role": "user", "content": "cache me"}]}
    first = client.messages.with_raw_response.create(**ask)
    second = client.messages.with_raw_response.create(**ask)
    assert first.headers["x-turnout-cache"] == "miss" and second.headers["x-turnout-cache"] == "hit"
    assert second.parse().content[0].text == first.parse().content[0].text
    with client.messages.stream(**ask) as stream:
        assert stream.get_final_message().content[0].text == first.parse().content[0].text
    assert len(FakeProvider.calls_to("fake/cloud")) == 1


def test_unknown_field_names_never_reach_a_header_raw(fakes):
    r = httpx.post(f"{fakes.base_url}/messages", json={
        "model": "fake/cloud", "max_tokens": 8, "messages": [{"role": "user", "content": "x"}],
        "weird\r\nname": 1, "é": 2, "plain_field": 3})
    assert r.status_code == 200
    assert r.headers["x-turnout-dropped-params"] == "plain_field,+2 unnamed"


def test_a_streamed_cache_hit_replays_thinking(claude_server, upstream):
    """The second identical stream is answered by the cache, thinking blocks and signature included."""
    upstream.reply_by(lambda body: ("sse", fixture_text("anthropic_stream_thinking.txt")))
    finals, caches = [], []
    for _ in range(2):
        with sdk(claude_server).messages.stream(model="claude-sonnet-4-5-20250929", max_tokens=2048,
                                                thinking={"type": "enabled", "budget_tokens": 1024},
                                                messages=[{"role": "user", "content": "27 * 453 cached?"}]) as stream:
            finals.append(stream.get_final_message())
            caches.append(stream.response.headers["x-turnout-cache"])
    assert len(upstream.requests) == 1 and caches == ["miss", "hit"]
    live, hit = finals
    assert [b.type for b in hit.content] == ["thinking", "text"]
    assert hit.content[0].thinking == live.content[0].thinking and hit.content[0].signature == live.content[0].signature
    assert hit.content[1].text == live.content[1].text


def test_error_code_header_where_anthropics_shape_has_no_code(serve):
    # Only a cloud model is configured: a confidential request has nowhere to go (fails closed).
    server = serve({"models": [{"name": "fake/cloud", "provider": "fake"}]})
    body = {"model": "auto", "max_tokens": 8,
            "messages": [{"role": "user", "content": "my card is 4111 1111 1111 1111, check it"}]}
    r = httpx.post(f"{server.base_url}/messages", json=body)
    assert r.status_code == 503 and r.json()["type"] == "error" and "code" not in r.json()["error"]
    assert r.headers["x-turnout-error-code"] == "no_local_model"
    chat = httpx.post(f"{server.base_url}/chat/completions",
                      json={"model": "auto", "messages": body["messages"]})
    assert chat.headers["x-turnout-error-code"] == chat.json()["error"]["code"] == "no_local_model"


def test_an_anthropic_beta_header_that_is_no_beta_name_is_a_400_before_any_model(claude_server, upstream):  # type: ignore[no-untyped-def]
    """The header travels to Anthropic as sent: a card in it reached the cloud (red9g)."""
    calls = len(upstream.requests)
    client = sdk(claude_server, default_headers={"anthropic-beta": "note-4539578763621486"})
    with pytest.raises(anthropic.BadRequestError) as err:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert err.value.status_code == 400 and "anthropic-beta" in str(err.value)
    assert len(upstream.requests) == calls
