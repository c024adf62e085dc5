"""``/v1/responses`` with the official ``openai`` SDK, unchanged, against a real gateway."""

from __future__ import annotations

import httpx
import openai
import pytest

from turnout.providers.fake import FakeProvider

from .conftest import fixture_json, fixture_text

FAKES = [
    {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1.0,
     "output_per_mtok": 2.0},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]
TOOL = {"type": "function", "name": "get_weather", "description": "weather for a city",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}


def sdk(server, key="unused"):
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


@pytest.fixture
def fakes(serve):
    return serve({"models": FAKES})


def test_create_plain(fakes):
    raw = sdk(fakes).responses.with_raw_response.create(model="fake/cloud", input="hello responses",
                                                        instructions="Answer briefly.")
    response = raw.parse()
    assert response.output_text == "fake:fake/cloud: hello responses"
    assert response.status == "completed" and response.id.startswith("resp_")
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert raw.headers["x-turnout-model"] == "fake/cloud"
    sent = FakeProvider.calls_to("fake/cloud")[-1]
    assert sent.origin == "openai.responses"
    assert sent.messages == [{"role": "system", "content": "Answer briefly."},
                             {"role": "user", "content": "hello responses"}]


def test_create_streamed(fakes):
    stream = sdk(fakes).responses.create(model="fake/cloud", input="stream this", stream=True)
    events = list(stream)
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert "response.output_item.added" in kinds and "response.content_part.added" in kinds
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "fake:fake/cloud: stream this"
    assert events[-1].response.output_text == text and events[-1].response.usage.output_tokens > 0
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_previous_response_id_continues_the_conversation(fakes):
    client = sdk(fakes)
    first = client.responses.create(model="fake/cloud", input="my name is Ada", instructions="first instructions")
    second = client.responses.create(model="fake/cloud", input="what is my name?", previous_response_id=first.id)
    assert second.previous_response_id == first.id
    sent = FakeProvider.calls_to("fake/cloud")[-1].messages
    # instructions do not carry over; the earlier turn and its answer do
    assert sent == [{"role": "user", "content": "my name is Ada"},
                    {"role": "assistant", "content": first.output_text},
                    {"role": "user", "content": "what is my name?"}]
    streamed = list(client.responses.create(model="fake/cloud", input="and again?", previous_response_id=second.id,
                                            stream=True))
    third_id = streamed[-1].response.id
    assert len(FakeProvider.calls_to("fake/cloud")[-1].messages) == 5
    assert client.responses.retrieve(third_id).output_text == streamed[-1].response.output_text


def test_store_false_and_retrieve_and_delete(fakes):
    client = sdk(fakes)
    kept = client.responses.create(model="fake/cloud", input="keep")
    assert client.responses.retrieve(kept.id).id == kept.id
    unstored = client.responses.create(model="fake/cloud", input="forget", store=False)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(unstored.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="fake/cloud", input="x", previous_response_id=unstored.id)
    client.responses.delete(kept.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(kept.id)


def test_a_key_sees_only_its_own_responses(serve, tmp_path):
    server = serve({"models": FAKES, "server": {"master_key": "sk-m", "keys_url": f"sqlite:///{tmp_path}/k.db"}})
    a, _ = server.gateway.keys.create("a")
    b, _ = server.gateway.keys.create("b")
    mine = sdk(server, a).responses.create(model="fake/local", input="private")
    with pytest.raises(openai.NotFoundError):
        sdk(server, b).responses.retrieve(mine.id)
    with pytest.raises(openai.NotFoundError):
        sdk(server, b).responses.create(model="fake/local", input="x", previous_response_id=mine.id)


def test_confidential_conversation_stays_local(fakes):
    client = sdk(fakes)
    first = client.responses.create(model="auto", input="my card is 4111 1111 1111 1111")
    assert first.model == "fake/local"
    # the follow-up carries the history, so it is confidential too
    second = client.responses.create(model="auto", input="which card was it?", previous_response_id=first.id)
    assert second.model == "fake/local"
    assert all(name == "fake/local" for name, _ in FakeProvider.calls)


def test_errors_in_openais_shape(fakes):
    base = fakes.base_url
    for body, needle in (({"model": "fake/cloud"}, "input"), ({"input": "x"}, "model"),
                         ({"model": "fake/cloud", "input": [{"type": "mystery"}]}, "not supported"),
                         ({"model": "fake/cloud", "input": [{"type": "reasoning", "summary": []}]}, "at least one"),
                         ({"model": "fake/cloud", "input": "x", "max_output_tokens": 0}, "max_output_tokens")):
        r = httpx.post(f"{base}/responses", json=body)
        assert r.status_code == 400 and needle in r.json()["error"]["message"], body
    r = httpx.get(f"{base}/responses/resp_missing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.fixture
def openai_server(serve, upstream):
    return serve({"models": [{"name": "gpt-4o-mini", "api_base": upstream.url + "/v1", "api_key": "sk-up"}]})


def _tool_round(body):
    has_result = any(m.get("role") == "tool" for m in body["messages"])
    if body.get("stream"):
        return "sse", fixture_text("openai_stream.txt" if has_result else "openai_stream_tool_calls.txt")
    return "json", fixture_json("openai_chat.json" if has_result else "openai_chat_tool_calls.json")


def test_function_call_loop(openai_server, upstream):
    upstream.reply_by(_tool_round)
    client = sdk(openai_server)
    first = client.responses.create(model="gpt-4o-mini", input="weather in Boston?", tools=[TOOL],
                                    tool_choice="auto", max_output_tokens=200)
    call = next(item for item in first.output if item.type == "function_call")
    assert call.name == "get_current_weather" and "Boston" in call.arguments
    sent = upstream.last.body
    assert sent["tools"][0]["function"]["name"] == "get_weather" and sent["max_tokens"] == 200
    second = client.responses.create(model="gpt-4o-mini", previous_response_id=first.id, tools=[TOOL],
                                     input=[{"type": "function_call_output", "call_id": call.call_id, "output": "22C"}])
    assert second.output_text
    messages = upstream.last.body["messages"]
    assert messages[-2]["tool_calls"][0]["id"] == call.call_id
    assert messages[-1] == {"role": "tool", "tool_call_id": call.call_id, "content": "22C"}


def test_streamed_function_call(openai_server, upstream):
    upstream.reply_by(_tool_round)
    events = list(sdk(openai_server).responses.create(model="gpt-4o-mini", input="weather in Paris?", tools=[TOOL],
                                                      stream=True))
    kinds = [e.type for e in events]
    assert "response.function_call_arguments.delta" in kinds and "response.function_call_arguments.done" in kinds
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert done.arguments.startswith('{"location":"Paris')
    final = events[-1].response
    assert final.output[0].type == "function_call" and final.output[0].arguments == done.arguments


def test_items_input_with_images_and_history(openai_server, upstream):
    upstream.reply_json(fixture_json("openai_chat.json"))
    sdk(openai_server).responses.create(model="gpt-4o-mini", input=[
        {"role": "developer", "content": "be terse"},
        {"role": "user", "content": [{"type": "input_text", "text": "what is this?"},
                                     {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}]},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"role": "assistant", "content": [{"type": "output_text", "text": "a pixel"}]},
        {"role": "user", "content": "thanks"}])
    assert upstream.last.body["messages"] == [
        {"role": "developer", "content": "be terse"},
        {"role": "user", "content": [{"type": "text", "text": "what is this?"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        {"role": "assistant", "content": "a pixel"},
        {"role": "user", "content": "thanks"}]


def test_claude_thinking_comes_back_as_reasoning_items(serve, upstream):
    server = serve({"models": [{"name": "claude-sonnet-4-5-20250929", "api_base": upstream.url, "api_key": "k"}]})
    upstream.reply_by(lambda body: ("sse", fixture_text("anthropic_stream_thinking.txt")) if body.get("stream")
                      else ("json", fixture_json("anthropic_message_thinking.json")))
    client = sdk(server)
    plain = client.responses.create(model="claude-sonnet-4-5", input="27 * 453?")
    assert [item.type for item in plain.output] == ["reasoning", "message"]
    assert plain.output_text == "27 * 453 = 12,231"
    events = list(client.responses.create(model="claude-sonnet-4-5", input="27 * 453 again?", stream=True))
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary.endswith("total 12231.")
    final = events[-1].response
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.output[0].summary[0].text == summary and final.output_text == "27 * 453 = 12,231"
    assert final.usage.input_tokens_details.cached_tokens == 2048


def test_a_streamed_cache_hit_replays_reasoning(serve, upstream):
    server = serve({"models": [{"name": "claude-sonnet-4-5-20250929", "api_base": upstream.url, "api_key": "k"}]})
    upstream.reply_by(lambda body: ("sse", fixture_text("anthropic_stream_thinking.txt")))
    finals = [list(sdk(server).responses.create(model="claude-sonnet-4-5", input="27 * 453 cached?", stream=True))[-1]
              for _ in range(2)]
    assert len(upstream.requests) == 1
    live, hit = (f.response for f in finals)
    assert hit.model_extra["turnout"]["cache"] == "hit"
    assert [item.type for item in hit.output] == ["reasoning", "message"]
    assert hit.output[0].summary[0].text == live.output[0].summary[0].text and hit.output_text == live.output_text
