"""The library API: OpenAI-shaped calls, sync and async, streaming, errors at the call."""

from __future__ import annotations

import asyncio

import pytest

import turnout
from turnout.config import parse_config
from turnout.errors import BadRequestError, ConfidentialityError, NotFoundError
from turnout.gateway import Gateway
from turnout.providers.fake import FakeProvider

MSG = [{"role": "user", "content": "hello library"}]


@pytest.fixture
def gw(tmp_path):
    FakeProvider.reset()
    g = Gateway(parse_config({"models": [{"name": "fake/cloud", "provider": "fake", "local": False}],
                              "ledger": {"url": "memory://"}}))
    yield g
    FakeProvider.reset()


def test_completion_shape(gw):
    r = turnout.completion(model="fake/cloud", messages=MSG, max_tokens=5, gateway=gw)
    assert r.choices[0].message.content == "fake:fake/cloud: hello library"
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    assert r.turnout["model"] == "fake/cloud"
    assert r.model_dump()["choices"][0]["message"]["role"] == "assistant"


def test_streaming_yields_openai_chunks(gw):
    chunks = list(turnout.completion(model="fake/cloud", messages=MSG, stream=True, gateway=gw))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "fake:fake/cloud: hello library"


async def test_acompletion_and_astream(gw):
    r = await turnout.acompletion(model="fake/cloud", messages=MSG, gateway=gw)
    assert r.choices[0].message.content.endswith("hello library")
    stream = await turnout.acompletion(model="fake/cloud", messages=MSG, stream=True, gateway=gw)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text.endswith("hello library")


def test_named_openai_compatible_endpoint_is_used(tmp_path, caplog):
    # An unconfigured openai/<id> with api_base must be called at that base (here: nothing
    # listens, so the log names the address we gave; errors never carry upstream URLs).
    gw = Gateway(parse_config({"models": [], "ledger": {"url": "memory://"}}))
    with pytest.raises(turnout.ProviderUnavailableError, match="unreachable") as err:
        turnout.completion(model="openai/some-model", api_base="http://127.0.0.1:9/v1", api_key="x",
                           messages=MSG, gateway=gw)
    assert "127.0.0.1:9" not in str(err.value)
    assert "127.0.0.1:9/v1" in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"model": "fake/cloud", "messages": []}, BadRequestError, "at least one"),
        ({"model": "fake/cloud", "messages": [{"role": "user"}]}, BadRequestError, "content"),
        ({"model": "fake/cloud", "messages": MSG, "temperature": 7}, BadRequestError, "temperature"),
        ({"model": "fake/cloud", "messages": MSG, "verbosity": "loud"}, BadRequestError, "verbosity"),
        ({"model": "fake/cloud", "messages": MSG, "sensitivity": "secret"}, BadRequestError, "sensitivity"),
        ({"model": "what-is-this", "messages": MSG}, NotFoundError, "unknown model"),
        ({"model": "gpt-4o", "messages": MSG, "sensitivity": "confidential"}, ConfidentialityError, "local"),
    ],
)
def test_bad_input_is_one_clear_error(gw, kwargs, error, needle):
    with pytest.raises(error, match=needle):
        turnout.completion(gateway=gw, **kwargs)


def test_stream_errors_raise_at_the_call(gw):
    with pytest.raises(NotFoundError):
        turnout.completion(model="what-is-this", messages=MSG, stream=True, gateway=gw)


def test_missing_key_is_clear(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    gw = Gateway(parse_config({"models": [{"name": "gpt-4o-mini", "api_key": None}], "ledger": {"url": "memory://"},
                               "routing": {"retries": {"max_retries": 0}}}))
    with pytest.raises(turnout.TurnoutError, match="OPENAI_API_KEY"):
        turnout.completion(model="gpt-4o-mini", messages=MSG, gateway=gw)


def test_public_names_are_pinned():
    assert set(turnout.__all__) >= {"completion", "acompletion", "Router", "Sensitivity", "Complexity",
                                    "TurnoutError", "ConfidentialityError"}
    for name in turnout.__all__:
        assert getattr(turnout, name) is not None


def test_many_concurrent_async_calls(gw):
    async def main():
        return await asyncio.gather(*(turnout.acompletion(model="fake/cloud", messages=[{"role": "user", "content": f"n{i}"}],
                                                          gateway=gw) for i in range(50)))
    results = asyncio.run(main())
    assert [r.choices[0].message.content for r in results] == [f"fake:fake/cloud: n{i}" for i in range(50)]
