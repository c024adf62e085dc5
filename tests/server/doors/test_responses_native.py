"""``/v1/responses`` to an upstream that speaks the Responses API: the caller's body goes there
as sent and the answer (or event stream) comes back as sent, reasoning items included. The
official ``openai`` SDK, unchanged, against a real gateway; recorded OpenAI Responses payloads
on a fake upstream (127.0.0.1)."""

from __future__ import annotations

import asyncio
import copy

import openai
import orjson
import pytest

from .conftest import fixture_json, fixture_text

REASONING = fixture_json("openai_responses_reasoning.json")
CALL = fixture_json("openai_responses_function_call.json")
TOOL = {"type": "function", "name": "get_weather", "description": "weather for a city",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}
# A reasoning item from an earlier turn, sent back statelessly (store: false), as Codex does.
EARLIER = [{"role": "user", "content": "27 * 453?"}, {**REASONING["output"][0]}, REASONING["output"][1],
           {"role": "user", "content": "and 27 * 454?"}]


def sdk(server, key="unused"):
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


def _model(name, upstream, **extra):
    return {"name": name, "api_base": upstream.url + "/v1", "api_key": "sk-up", "extra": extra}


@pytest.fixture
def native(serve, upstream):
    return serve({"models": [_model("o4-mini", upstream, responses_api=True),
                             _model("gpt-4o-mini", upstream, responses_api=False)]})


def _answers(body):
    """The upstream: Responses on /v1/responses, chat completions on /v1/chat/completions."""
    if "messages" in body:
        return "json", fixture_json("openai_chat.json")
    if body.get("stream"):
        return "sse", fixture_text("openai_responses_stream_reasoning.txt")
    items = body["input"] if isinstance(body["input"], list) else []
    answered = bool(items) and items[-1].get("type") == "function_call_output"
    answer = copy.deepcopy(CALL if body.get("tools") and not answered else REASONING)
    answer["id"] = f"resp_upstream_{len(body['input']) if isinstance(body['input'], list) else 1}"
    return "json", answer


def _ledger(server):
    server.gateway.ledger.flush()
    return {row.group: row for row in server.gateway.ledger.summary(since=0, by="model")}


def test_plain_body_and_answer_pass_through(native, upstream):
    upstream.reply_by(_answers)
    extra = {"prompt_cache_key": "thread-7", "safety_identifier": "u-1", "next_year_field": {"x": 1}}
    raw = sdk(native).responses.with_raw_response.create(
        model="o4-mini", input=EARLIER, store=False, include=["reasoning.encrypted_content"],
        reasoning={"effort": "medium", "summary": "auto"}, instructions="Be exact.", extra_body=extra)
    response = raw.parse()
    sent = upstream.last
    assert sent.path == "/v1/responses" and sent.headers["Authorization"] == "Bearer sk-up"
    # the caller's body as sent, only the model ours to set
    assert sent.body == {"model": "o4-mini", "input": EARLIER, "store": False,
                         "include": ["reasoning.encrypted_content"], "instructions": "Be exact.",
                         "reasoning": {"effort": "medium", "summary": "auto"}, **extra}
    # the upstream's answer as sent: reasoning item with its encrypted content, usage details
    assert [item.type for item in response.output] == ["reasoning", "message"]
    assert response.output[0].encrypted_content == REASONING["output"][0]["encrypted_content"]
    assert response.output[0].id == REASONING["output"][0]["id"]
    assert response.output_text == "27 × 453 = 12,231"
    assert response.usage.output_tokens_details.reasoning_tokens == 192
    assert response.id.startswith("resp_") and response.id != "resp_upstream_4"
    assert raw.headers["x-turnout-model"] == "o4-mini" and "x-turnout-dropped-params" not in raw.headers
    turnout = response.model_extra["turnout"]
    assert turnout["usage"]["prompt_tokens"] == 13 and turnout["usage"]["completion_tokens"] == 212
    row = _ledger(native)["o4-mini"]
    assert row.requests == 1 and row.prompt_tokens == 13 and row.completion_tokens == 212 and row.cost_usd > 0
    with pytest.raises(openai.NotFoundError):  # store: false
        sdk(native).responses.retrieve(response.id)


def test_stream_events_pass_through(native, upstream):
    upstream.reply_by(_answers)
    client = sdk(native)
    events = list(client.responses.create(model="o4-mini", input="27 * 453?", stream=True,
                                          reasoning={"summary": "auto"}))
    recorded = [orjson.loads(line[6:]) for line in fixture_text("openai_responses_stream_reasoning.txt").splitlines()
                if line.startswith("data: ")]
    assert [e.type for e in events] == [e["type"] for e in recorded]
    assert [e.sequence_number for e in events] == [e["sequence_number"] for e in recorded]
    assert upstream.last.path == "/v1/responses" and upstream.last.body["stream"] is True
    assert upstream.last.body["reasoning"] == {"summary": "auto"}
    deltas = [e.delta for e in events if e.type == "response.reasoning_summary_text.delta"]
    assert deltas == [e["delta"] for e in recorded if e["type"] == "response.reasoning_summary_text.delta"]
    final = events[-1].response
    assert events[0].response.id == final.id != recorded[-1]["response"]["id"]  # our id, the store's key
    assert final.output[0].encrypted_content == REASONING["output"][0]["encrypted_content"]
    assert final.model_extra["turnout"]["usage"]["completion_tokens"] == 212
    stored = client.responses.retrieve(final.id)  # store defaults to true
    assert stored.output[0].encrypted_content == final.output[0].encrypted_content
    row = _ledger(native)["o4-mini"]
    assert row.prompt_tokens == 13 and row.completion_tokens == 212


def test_previous_response_id_sends_the_stored_items_back_unchanged(native, upstream):
    upstream.reply_by(_answers)
    client = sdk(native)
    first = client.responses.create(model="o4-mini", input="weather in Boston?", tools=[TOOL])
    call = first.output[0]
    assert call.type == "function_call" and call.call_id == CALL["output"][0]["call_id"]
    second = client.responses.create(model="o4-mini", previous_response_id=first.id, tools=[TOOL],
                                     input=[{"type": "function_call_output", "call_id": call.call_id, "output": "22C"}])
    sent = upstream.last.body
    assert "previous_response_id" not in sent
    assert sent["input"] == [{"role": "user", "content": "weather in Boston?"}, CALL["output"][0],
                             {"type": "function_call_output", "call_id": call.call_id, "output": "22C"}]
    assert second.previous_response_id == first.id
    # a third turn on a chat-completions model carries the same conversation as messages
    client.responses.create(model="gpt-4o-mini", previous_response_id=second.id, input="thanks")
    messages = upstream.last.body["messages"]
    assert upstream.last.path == "/v1/chat/completions"
    assert messages[1]["tool_calls"][0]["id"] == call.call_id and messages[2]["content"] == "22C"
    assert messages[-2] == {"role": "assistant", "content": "27 × 453 = 12,231"}
    assert messages[-1] == {"role": "user", "content": "thanks"}


def test_translated_answer_history_goes_native_as_items(native, upstream):
    upstream.reply_by(_answers)
    client = sdk(native)
    first = client.responses.create(model="gpt-4o-mini", input="hello")  # chat completions
    client.responses.create(model="o4-mini", previous_response_id=first.id, input="and now?")
    assert upstream.last.path == "/v1/responses"
    assert upstream.last.body["input"] == [{"role": "user", "content": "hello"},
                                           {"role": "assistant", "content": first.output_text},
                                           {"role": "user", "content": "and now?"}]


def test_chat_only_upstream_drops_and_names_what_it_cannot_take(native, upstream):
    upstream.reply_by(_answers)
    raw = sdk(native).responses.with_raw_response.create(
        model="gpt-4o-mini", input=EARLIER, include=["reasoning.encrypted_content"],
        tools=[TOOL, {"type": "web_search"}], extra_body={"prompt_cache_key": "k"})
    sent = upstream.last.body
    assert upstream.last.path == "/v1/chat/completions"
    assert not {"include", "input_items", "hosted_tools"} & set(sent)
    assert sent["prompt_cache_key"] == "k"  # Chat Completions takes it too (red9)
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather"]
    assert set(raw.headers["x-turnout-dropped-params"].split(",")) == {
        "include", "input_items", "tools:web_search"}


def test_confidential_input_never_takes_the_native_path(serve, upstream):
    server = serve({"models": [_model("o4-mini", upstream, responses_api=True),
                               {"name": "fake/local", "provider": "fake", "local": True, "tier": 1}]})
    upstream.reply_by(_answers)
    secret_item = {**REASONING["output"][0], "summary": [{"type": "summary_text", "text": "card 4111 1111 1111 1111"}]}
    answer = sdk(server).responses.create(model="o4-mini", input=[{"role": "user", "content": "go on"}, secret_item])
    assert answer.model == "fake/local" and upstream.requests == []
    plain = sdk(server).responses.create(model="o4-mini", input=[{"role": "user", "content": "go on"},
                                                                 REASONING["output"][0]])
    assert upstream.last.path == "/v1/responses" and plain.output[0].type == "reasoning"


def test_budget_is_charged_for_native_answers(serve, upstream, tmp_path):
    server = serve({"models": [_model("o4-mini", upstream, responses_api=True)],
                    "server": {"master_key": "sk-m", "keys_url": f"sqlite:///{tmp_path}/k.db"}})
    upstream.reply_by(_answers)
    plaintext, key = server.gateway.keys.create("r", budget_usd=1.0)
    sdk(server, plaintext).responses.create(model="o4-mini", input="27 * 453?")
    list(sdk(server, plaintext).responses.create(model="o4-mini", input="27 * 453?", stream=True))
    spent = asyncio.run(server.gateway.limits.spent(key.budget_scope()))
    row = _ledger(server)["o4-mini"]
    assert row.requests == 2 and spent == pytest.approx(row.cost_usd, rel=1e-6) and spent > 0


def test_items_of_built_in_tools_go_back_to_openai_and_are_named_elsewhere(native, upstream):
    searched = copy.deepcopy(REASONING)
    searched["output"][:0] = [{"id": "ws_1", "type": "web_search_call", "status": "completed",
                               "action": {"type": "search", "query": "27 * 453"}},
                              {"id": "zz_1", "type": "item_type_of_next_year", "payload": "x"}]
    upstream.reply_by(lambda body: ("json", fixture_json("openai_chat.json")) if "messages" in body
                      else ("json", searched))
    client = sdk(native)
    first = client.responses.create(model="o4-mini", input="search it", tools=[{"type": "web_search"}])
    assert [item.type for item in first.output][:2] == ["web_search_call", "item_type_of_next_year"]
    client.responses.create(model="o4-mini", input="more", previous_response_id=first.id,
                            tools=[{"type": "web_search"}])
    assert upstream.last.body["input"][1:3] == searched["output"][:2]
    assert upstream.last.body["tools"] == [{"type": "web_search"}]
    raw = client.responses.with_raw_response.create(model="gpt-4o-mini", input="more", previous_response_id=first.id)
    assert raw.http_response.status_code == 200 and upstream.last.path == "/v1/chat/completions"
    assert raw.headers["x-turnout-dropped-params"] == "input_items"


@pytest.mark.parametrize("stream", [False, True])
def test_a_cascade_keeps_the_doors_own_fields_from_chat_upstreams(serve, upstream, stream):
    models = [{**_model("gpt-4o-mini", upstream, responses_api=False), "tier": 1},
              {**_model("gpt-4.1", upstream, responses_api=False), "tier": 3}]
    server = serve({"models": models, "routing": {"cascade": {"enabled": True, "threshold": 0.7},
                                                  "retries": {"max_retries": 0}}})
    upstream.reply_by(lambda body: ("sse", fixture_text("openai_stream.txt")) if body.get("stream")
                      else ("json", fixture_json("openai_chat.json")))
    answer = sdk(server).responses.create(model="auto", input=EARLIER, include=["reasoning.encrypted_content"],
                                          stream=stream, extra_body={"prompt_cache_key": "k",
                                                                     "turnout": {"complexity": "simple"}})
    if stream:
        answer = list(answer)[-1].response
    assert answer.output_text
    assert upstream.requests and all(r.path == "/v1/chat/completions" for r in upstream.requests)
    for sent in upstream.requests:
        assert not {"include", "input_items"} & set(sent.body), sent.body
    # Chat Completions takes it too (red9); the cascade's own grading call does not carry it
    assert any(sent.body.get("prompt_cache_key") == "k" for sent in upstream.requests)
