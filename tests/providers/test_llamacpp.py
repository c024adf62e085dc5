"""The embedded llama.cpp provider. Tests marked ``model`` load the real default model (once per
process) and keep generations short: temperature 0, a few tokens. The rest need no model."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any, cast

import orjson
import pytest

from turnout import errors, tokens
from turnout.catalog import BUILTIN_MODELS, DEFAULT_LOCAL_MODEL, ModelInfo
from turnout.errors import (
    BadRequestError,
    ConfigError,
    ContextWindowExceededError,
    ModelIntegrityError,
)
from turnout.providers import llamacpp
from turnout.providers.llamacpp import LlamaCppProvider, StopScanner
from turnout.providers.registry import provider_class
from turnout.types import ChatCompletionChunk, ChatRequest

FRANCE = [{"role": "user", "content": "What is the capital of France?"}]
SUM = [{"role": "user", "content": "What is 17 + 25? Answer with the number only."}]
STORY = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
GREEDY: dict[str, Any] = {"temperature": 0, "max_tokens": 12}


def request(messages: list[dict[str, Any]], **params: Any) -> ChatRequest:
    return ChatRequest(model=DEFAULT_LOCAL_MODEL, messages=messages, params={**GREEDY, **params})


@pytest.fixture(scope="module")
def provider(embedded_model_path: Path) -> LlamaCppProvider:
    pytest.importorskip("llama_cpp")
    provider = LlamaCppProvider(BUILTIN_MODELS[DEFAULT_LOCAL_MODEL])
    provider.load()
    return provider


# --- answers ----------------------------------------------------------------------------------


@pytest.mark.model
async def test_capital_of_france(provider: LlamaCppProvider) -> None:
    response = await provider.acomplete(request(FRANCE))
    assert "Paris" in response.choices[0].message.content
    assert response.model == DEFAULT_LOCAL_MODEL
    usage = response.usage
    assert usage.prompt_tokens == provider.count_tokens(FRANCE)  # the model's own tokenizer
    assert 0 < usage.completion_tokens <= 12


@pytest.mark.model
async def test_arithmetic(provider: LlamaCppProvider) -> None:
    response = await provider.acomplete(request(SUM))
    assert "42" in response.choices[0].message.content


@pytest.mark.model
async def test_stream_adds_up_and_ends_with_usage(provider: LlamaCppProvider) -> None:
    chunks = [c async for c in provider.astream(request(SUM))]
    text = "".join(c.choices[0].delta.get("content") or "" for c in chunks)
    assert "42" in text
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.get("role") == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    whole = await provider.acomplete(request(SUM))
    assert chunks[-1].usage == whole.usage  # the stream counts tokens as llama.cpp does


@pytest.mark.model
async def test_stream_stop_strings_count_like_the_non_streamed_answer(
    provider: LlamaCppProvider,
) -> None:
    messages = [{"role": "user", "content": "Repeat exactly: 1 2 3 4 5 6 7 8 9 10"}]
    req = request(messages, stop=["5"], max_tokens=30)
    whole = await provider.acomplete(req)
    chunks = [c async for c in provider.astream(req)]
    text = "".join(c.choices[0].delta.get("content") or "" for c in chunks)
    assert text == whole.choices[0].message.content and "5" not in text
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason == "stop"
    assert chunks[-1].usage == whole.usage


@pytest.mark.model
async def test_logprobs(provider: LlamaCppProvider) -> None:
    req = request(STORY, max_tokens=8, logprobs=True, top_logprobs=2)
    response = await provider.acomplete(req)
    text = response.choices[0].message.content
    content = response.choices[0].logprobs["content"]
    assert len(content) == response.usage.completion_tokens == 8
    assert "".join(e["token"] for e in content) == text
    for entry in content:
        assert isinstance(entry["logprob"], float) and entry["logprob"] <= 0
        assert len(entry["top_logprobs"]) == 2
        # greedy: the chosen token is the most likely one (ids and logits line up)
        assert entry["top_logprobs"][0]["token"] == entry["token"]
        assert entry["top_logprobs"][0]["logprob"] == pytest.approx(entry["logprob"])
        assert entry["top_logprobs"][0]["logprob"] >= entry["top_logprobs"][1]["logprob"]
    orjson.dumps(response)  # plain floats: the gateway can serialise it

    # streamed: each chunk carries the logprobs of its own text, and the same values
    chunks = [c async for c in provider.astream(req)]
    streamed = [
        e for c in chunks if c.choices[0].logprobs for e in c.choices[0].logprobs["content"]
    ]
    assert [e["token"] for e in streamed] == [e["token"] for e in content]
    # (close, not equal: the second run reuses the cached prompt, batched differently)
    assert [e["logprob"] for e in streamed] == pytest.approx(
        [e["logprob"] for e in content], abs=0.05
    )
    for chunk in chunks:
        if chunk.choices[0].delta.get("content"):
            tokens_text = "".join(e["token"] for e in chunk.choices[0].logprobs["content"])
            assert tokens_text == chunk.choices[0].delta["content"]


@pytest.mark.model
async def test_json_mode(provider: LlamaCppProvider) -> None:
    messages = [
        {"role": "user", "content": "Give a JSON object with keys name and age for Ann, 30."}
    ]
    response = await provider.acomplete(
        request(messages, max_tokens=40, response_format={"type": "json_object"})
    )
    assert isinstance(json.loads(response.choices[0].message.content), dict)


@pytest.mark.model
async def test_forced_tool_call(provider: LlamaCppProvider) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    req = request(
        [{"role": "user", "content": "What's the weather in Paris?"}],
        max_tokens=30,
        tools=[tool],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    response = await provider.acomplete(req)
    call = response.choices[0].message.tool_calls[0]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"])["city"] == "Paris"
    assert response.choices[0].finish_reason == "tool_calls"


# --- concurrency, the event loop, cancellation ------------------------------------------------


@pytest.mark.model
async def test_concurrent_calls_on_one_loop(provider: LlamaCppProvider) -> None:
    france, total, france_again = await asyncio.gather(
        provider.acomplete(request(FRANCE)),
        provider.acomplete(request(SUM)),
        provider.acomplete(request(FRANCE)),
    )
    assert "Paris" in france.choices[0].message.content
    assert "42" in total.choices[0].message.content
    assert france_again.choices[0].message.content == france.choices[0].message.content


@pytest.mark.model
def test_concurrent_calls_from_threads(provider: LlamaCppProvider) -> None:
    answers: dict[int, str] = {}
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            messages = FRANCE if i % 2 == 0 else SUM
            response = asyncio.run(provider.acomplete(request(messages)))  # a loop per thread
            answers[i] = response.choices[0].message.content
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert "Paris" in answers[0] and "Paris" in answers[2] and "42" in answers[1]


@pytest.mark.model
async def test_the_event_loop_keeps_running_while_generating(provider: LlamaCppProvider) -> None:
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    await provider.acomplete(request(STORY, max_tokens=24))
    elapsed = time.perf_counter() - started
    done.set()
    await tick
    # The loop ticked all along: many ticks, none stuck behind the generation.
    assert len(gaps) > 0.5 * elapsed / 0.011
    assert max(gaps) < max(0.25, elapsed / 4), (max(gaps), elapsed)


async def _wait_unlocked(model: llamacpp.LoadedModel, limit: float) -> float:
    started = time.perf_counter()
    while model.lock.locked() and time.perf_counter() - started < limit:
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


@pytest.mark.model
async def test_closing_a_stream_stops_generation(provider: LlamaCppProvider) -> None:
    model = provider.load()
    prompt_tokens = provider.count_tokens(STORY)
    stream = cast(
        AsyncGenerator[ChatCompletionChunk, None], provider.astream(request(STORY, max_tokens=400))
    )
    received = 0
    async for chunk in stream:
        if chunk.choices[0].delta.get("content"):
            received += 1
            if received == 3:
                break
    await stream.aclose()  # what the gateway does when a client disconnects
    waited = await _wait_unlocked(model, 10)
    assert not model.lock.locked()
    assert waited < 2.0, waited  # one token at most, not the 400 asked for
    generated = model.llama.n_tokens - prompt_tokens
    assert generated < 10, generated


@pytest.mark.model
async def test_cancelling_during_a_long_prompt_aborts_it(provider: LlamaCppProvider) -> None:
    model = provider.load()
    # ~850 tokens: two llama.cpp batches; unique, so no cached prefix shortens it
    words = " ".join(f"w{i}" for i in range(300))
    messages = [{"role": "user", "content": f"{time.time()} Sort these: {words}"}]
    prompt_tokens = provider.count_tokens(messages)
    assert prompt_tokens > 700
    task = asyncio.create_task(provider.acomplete(request(messages, max_tokens=5)))
    while not model.lock.locked():
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _wait_unlocked(model, 60)
    assert not model.lock.locked()
    assert model.llama.n_tokens < prompt_tokens  # aborted inside the prompt, not after it
    # and the model is fine afterwards
    assert "Paris" in (await provider.acomplete(request(FRANCE))).choices[0].message.content


@pytest.mark.model
async def test_timeouts_raise_and_free_the_model(provider: LlamaCppProvider) -> None:
    model = provider.load()
    with pytest.raises(errors.TimeoutError, match=r"within 0\.3s"):
        await provider.acomplete(request(STORY, max_tokens=300), timeout=0.3)
    assert await _wait_unlocked(model, 30) < 10
    with pytest.raises(errors.TimeoutError):
        [c async for c in provider.astream(request(STORY, max_tokens=300), timeout=0.3)]
    assert await _wait_unlocked(model, 30) < 10


# --- limits and errors ------------------------------------------------------------------------


@pytest.mark.model
async def test_context_window_overflow_is_refused_before_generating(
    provider: LlamaCppProvider,
) -> None:
    window = BUILTIN_MODELS[DEFAULT_LOCAL_MODEL].context_window
    huge = [{"role": "user", "content": "lorem ipsum " * window}]
    with pytest.raises(ContextWindowExceededError, match="context window is"):
        await provider.acomplete(request(huge))
    with pytest.raises(ContextWindowExceededError):
        [c async for c in provider.astream(request(huge))]
    with pytest.raises(ContextWindowExceededError, match=f"{window + 1}"):
        n = provider.count_tokens(FRANCE)
        await provider.acomplete(request(FRANCE, max_tokens=window - n + 1))


@pytest.mark.model
async def test_unsupported_parameters_are_bad_requests(provider: LlamaCppProvider) -> None:
    with pytest.raises(BadRequestError, match="n=2"):
        await provider.acomplete(request(FRANCE, n=2))
    with pytest.raises(BadRequestError, match="max_tokens must be at least 1"):
        await provider.acomplete(request(FRANCE, max_tokens=0))
    with pytest.raises(BadRequestError, match="invalid parameter"):
        await provider.acomplete(request(FRANCE, logit_bias={"not-a-token": 1}))


@pytest.mark.model
def test_the_model_tokenizer_is_registered(provider: LlamaCppProvider) -> None:
    text = "Tokenizers differ: 12345 digits split one by one in Qwen."
    assert tokens.count_text(text, DEFAULT_LOCAL_MODEL) == provider.load().count_text(text)


def test_a_corrupt_gguf_is_a_model_integrity_error(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 64)
    info = ModelInfo(name="local/bad", provider="local", context_window=512, model_path=str(bad))
    with pytest.raises(ModelIntegrityError, match="could not load") as raised:
        LlamaCppProvider(info).load()
    assert "\n" not in str(raised.value)


def test_missing_llama_cpp_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(ConfigError, match=r'pip install "turnout\[local\]"'):
        llamacpp._import_llama_cpp()


def test_registry_knows_the_local_kind() -> None:
    assert provider_class("local") is LlamaCppProvider
    assert LlamaCppProvider.capabilities.logprobs


# --- translation, without the model -----------------------------------------------------------


def test_openai_params_map_to_llama_cpp() -> None:
    kwargs = llamacpp._llama_kwargs(
        {
            "temperature": 0,
            "top_p": 0.9,
            "seed": 7,
            "stop": "END",
            "logprobs": True,
            "logit_bias": {"42": -100},
            "response_format": {
                "type": "json_schema",
                "json_schema": {"schema": {"type": "object"}},
            },
            "user": "someone",
            "stream_options": {"include_usage": True},
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "tool_choice": "auto",
        }
    )
    assert kwargs == {
        "temperature": 0,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["END"],
        "logit_bias": {42: -100.0},
        "response_format": {"type": "json_object", "schema": {"type": "object"}},
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "tool_choice": "auto",
    }
    assert "tools" not in llamacpp._llama_kwargs({"tools": [{}], "tool_choice": "none"})
    # logprobs are recorded by turnout (see _LogprobRecorder), not asked of llama.cpp
    assert llamacpp._top_logprobs({"logprobs": True}) == 0
    assert llamacpp._top_logprobs({"logprobs": True, "top_logprobs": 3}) == 3
    assert llamacpp._top_logprobs({"top_logprobs": 3}) is None


def test_messages_are_normalised_for_chat_templates() -> None:
    messages = llamacpp._normalise_messages(
        [
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "1",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"x": 1}'},
                    }
                ],
            },
        ]
    )
    assert messages[0]["content"] == "a\nb"
    assert messages[1]["tool_calls"][0]["function"]["arguments"] == {"x": 1}
    with pytest.raises(BadRequestError, match="text only"):
        llamacpp._normalise_messages(
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
        )


def test_stop_scanner_holds_back_possible_stop_prefixes() -> None:
    scanner = StopScanner(["<END>", "\n\n"])
    assert scanner.feed("Hello <") == ("Hello ", False)
    assert scanner.feed("EN") == ("", False)
    assert scanner.feed("X, bye\n") == ("<ENX, bye", False)
    assert scanner.feed("\nmore") == ("", True)
    assert StopScanner("5").feed("1 2 3 4 5 6") == ("1 2 3 4 ", True)
    tail = StopScanner(["###"])
    assert tail.feed("a#") == ("a", False) and tail.flush() == "#"


def test_tool_calls_written_as_text_are_parsed() -> None:
    names = {"get_weather"}
    content, calls = llamacpp._parse_tool_calls(
        'Sure.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>',
        names,
    )
    assert content == "Sure."
    assert calls is not None and calls[0]["function"]["name"] == "get_weather"
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Oslo"}
    fenced = '```json\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n```'
    assert llamacpp._parse_tool_calls(fenced, names)[1] is not None
    # JSON that names no offered tool is an answer, not a call
    plain = '{"name": "Ann", "age": 30}'
    assert llamacpp._parse_tool_calls(plain, names) == (plain, None)


def test_logprob_recorder_settles_each_token_one_step_late() -> None:
    import numpy as np

    class FakeLlama:
        def detokenize(self, tokens: list[int]) -> bytes:
            return b"".join(f"t{t}".encode() for t in tokens)

    kwargs: dict[str, Any] = {"logit_bias": {3: -100.0}}
    recorder = llamacpp._LogprobRecorder.attach(FakeLlama(), kwargs, 2)
    assert recorder is not None and kwargs == {"logits_processor": [recorder]}
    step1 = np.zeros(50, dtype=np.float32)
    step1[7], step1[8] = 5.0, 4.0
    recorder(np.array([1, 2]), step1)  # samples token 7 ...
    step2 = np.zeros(50, dtype=np.float32)
    step2[9], step2[10] = 2.0, 3.0
    recorder(np.array([1, 2, 7]), step2)  # ... which is known here; then samples token 9
    assert step2[3] == -100.0  # logit_bias applied by the recorder
    # the last token is never evaluated: found among the candidates by the text it made
    logprobs = recorder.finish("t7t9", completion_tokens=2)
    content = logprobs["content"]
    assert [e["token"] for e in content] == ["t7", "t9"]
    assert content[0]["bytes"] == list(b"t7")
    assert [a["token"] for a in content[0]["top_logprobs"]] == ["t7", "t8"]
    assert [a["token"] for a in content[1]["top_logprobs"]] == ["t10", "t9"]
    assert all(type(e["logprob"]) is float and e["logprob"] < 0 for e in content)
    expected = 5.0 - np.log(np.exp(step1).sum())
    assert content[0]["logprob"] == pytest.approx(expected, rel=1e-5)
    orjson.dumps(logprobs)


# --- the conformance suite and the llama.cpp server fixture -----------------------------------


@pytest.mark.model
async def test_conformance(provider: LlamaCppProvider) -> None:
    try:
        from .conformance import Expectations, run_all
    except ImportError as exc:  # pragma: no cover - the suite is another module's
        pytest.skip(f"provider conformance suite not available: {exc}")
    await run_all(provider, Expectations(deterministic=True, exact_usage=True))


@pytest.mark.model
@pytest.mark.slow
def test_llama_server_fixture_serves_the_model(llama_server_url: str) -> None:
    with urllib.request.urlopen(llama_server_url + "/models", timeout=10) as resp:
        models = json.load(resp)
    assert [m["id"] for m in models["data"]] == ["local-qwen"]
    body = json.dumps({"model": "local-qwen", "messages": FRANCE, **GREEDY}).encode()
    req = urllib.request.Request(
        llama_server_url + "/chat/completions",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as resp:
        answer = json.load(resp)
    assert "Paris" in answer["choices"][0]["message"]["content"]


def test_cpu_advertises_amx_reads_the_flags_line(tmp_path: Path) -> None:
    amx = tmp_path / "amx"
    amx.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8\n")
    plain = tmp_path / "plain"
    plain.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_tilex\n")
    assert llamacpp.cpu_advertises_amx(str(amx))
    assert not llamacpp.cpu_advertises_amx(str(plain))
    assert not llamacpp.cpu_advertises_amx(str(tmp_path / "missing"))


class _Params:
    use_extra_bufts = True


class _FakeLlamaCpp:
    """The two attributes ``plain_cpu_buffers`` touches: ``llama_cpp.llama_cpp.llama_model_default_params``."""

    def __init__(self) -> None:
        self.llama_cpp = self
        self.llama_model_default_params = _Params


@pytest.mark.parametrize("amx", [True, False])
def test_plain_cpu_buffers_only_on_amx_and_only_inside_the_block(amx: bool) -> None:
    fake = _FakeLlamaCpp()
    with llamacpp.plain_cpu_buffers(fake, amx=amx):
        assert fake.llama_model_default_params().use_extra_bufts is (not amx)
    assert fake.llama_model_default_params is _Params
    with pytest.raises(RuntimeError), llamacpp.plain_cpu_buffers(fake, amx=True):
        raise RuntimeError("a failed load")
    assert fake.llama_model_default_params is _Params
