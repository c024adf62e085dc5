"""The embedded model: llama.cpp in-process, through llama-cpp-python.

Wire format: OpenAI chat requests go to ``Llama.create_chat_completion`` (which applies the
GGUF's own chat template), answers come back OpenAI-shaped with llama.cpp's token counts.

Runtime, and why it looks like this:

* A ``Llama`` is expensive (weights, KV cache) and not thread-safe, so each GGUF is loaded once
  per process (module-level cache) and all work on it is serialised by one lock.
* The work runs on one dedicated worker thread per GGUF, never on the event loop: llama.cpp's
  C calls release the GIL, so the loop keeps serving other requests while a token is computed.
  A dedicated thread (not ``asyncio.to_thread``) so queued requests wait in a queue instead of
  occupying the default executor's threads, which DNS lookups and SQLite writes need.
* Streams: the worker iterates llama.cpp's generator and hands each chunk to the consumer's
  loop with ``call_soon_threadsafe``. A consumer that stops listening (closed stream, cancelled
  task, timeout) sets a flag the worker checks per chunk, and arms llama.cpp's abort callback so
  that a long prompt evaluation stops at its next batch too; the lock is released at once.
* ``logprobs`` needs llama.cpp to keep the logits of every position (``logits_all``), which
  costs memory and prompt speed, so a second instance with it is loaded only when a request
  first asks for logprobs (the weights are mmap-ed, so the file is read once).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from turnout import errors, settings, tokens
from turnout.catalog import ModelInfo
from turnout.errors import (
    BadRequestError,
    ConfigError,
    ContextWindowExceededError,
    ModelIntegrityError,
    ProviderError,
    TurnoutError,
)
from turnout.local_model import INSTALL_HINT, model_path_for
from turnout.providers.base import Capabilities, Provider
from turnout.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    make_chunk,
    make_completion,
    message_text,
)

PROVIDER = "llamacpp"

# OpenAI parameters (and llama.cpp's own sampling knobs, accepted as its server accepts them)
# that pass to create_chat_completion unchanged. The rest are mapped in _llama_kwargs or are
# meaningless for an in-process model (user, metadata, store, service_tier, stream_options...).
_PASSTHROUGH = (
    "temperature",
    "top_p",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "top_k",
    "min_p",
    "typical_p",
    "repeat_penalty",
    "mirostat_mode",
    "mirostat_tau",
    "mirostat_eta",
)

# Chat formats llama-cpp-python implements in Python, for GGUFs without a template (used only
# to count prompt tokens exactly; llama-cpp-python applies the same function itself).
_FORMATTERS = {
    "chatml": "format_chatml",
    "llama-2": "format_llama2",
    "llama-3": "format_llama3",
    "mistral-instruct": "format_mistral_instruct",
}

_TOOL_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL)
_FENCE = re.compile(r"^```[a-z]*\s*|\s*```$")
# While a streamed answer (with tools offered) could still be a tool call written as text, it
# is held back: it opens like one of these.
_TOOL_OPENINGS = ("<tool_call>", "```", "{")


# --- loaded models ----------------------------------------------------------------------------


@dataclass(eq=False)
class _ModelFile:
    """What all instances of one GGUF share: the lock and the worker thread."""

    path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    executor: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="turnout-llama")


@dataclass(eq=False)
class LoadedModel:
    """One ``llama_cpp.Llama`` in this process. Use ``lock`` around any call on ``llama``."""

    llama: Any
    file: _ModelFile
    n_ctx: int
    logits_all: bool
    load_seconds: float
    _formatter: Any = None
    # Guards the abort callback against a cancel racing the end of a job (see _Job).
    _abort_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def lock(self) -> threading.Lock:
        return self.file.lock

    def count_text(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def count_prompt(self, messages: list[dict[str, Any]], tools: Any = None) -> int:
        """Prompt tokens exactly as llama.cpp will see them: chat template applied, tokenized.
        Tokenizing reads only the vocabulary, so it is safe while another thread generates."""
        if self._formatter is None:
            total = 3
            for message in messages:
                total += 4 + self.count_text(message_text(message))
            return total
        result = self._formatter(messages=messages, tools=tools)
        prompt = self.llama.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
        return len(prompt)


_files: dict[Path, _ModelFile] = {}
_models: dict[tuple[Path, int, bool], LoadedModel] = {}
_load_lock = threading.Lock()
_ABORT_NOW: Any = None  # ctypes callbacks, created with llama_cpp's types on first load
_NO_ABORT: Any = None


def default_threads() -> int:
    """Threads llama.cpp computes with: ``$TURNOUT_LOCAL_THREADS``, else half the cores.

    Not all of them: llama.cpp's threads wait for each other at every step by spinning, so
    when another process takes a core one thread stalls the rest. Measured on a 2-core VM with
    other work running: 32 tokens in 5.3 s with 1 thread, 36.7 s with 2. Half the logical
    cores (the physical ones, with SMT) is also llama-cpp-python's own default.
    """
    configured = settings.env("TURNOUT_LOCAL_THREADS")
    if configured:
        return max(1, int(configured))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise ConfigError(
            f"the embedded model needs llama-cpp-python, which is not installed ({exc}); "
            f"run: {INSTALL_HINT}"
        ) from None
    return llama_cpp


def load_model(
    path: Path, n_ctx: int, *, logits_all: bool = False, n_threads: int | None = None
) -> LoadedModel:
    """The process-wide instance for (path, n_ctx, logits_all), loaded on first call."""
    path = path.resolve()
    key = (path, n_ctx, logits_all)
    model = _models.get(key)
    if model is not None:
        return model
    with _load_lock:
        model = _models.get(key)
        if model is not None:
            return model
        llama_cpp = _import_llama_cpp()
        global _ABORT_NOW, _NO_ABORT
        if _ABORT_NOW is None:
            _ABORT_NOW = llama_cpp.ggml_abort_callback(lambda _data: True)
            _NO_ABORT = llama_cpp.ggml_abort_callback()  # NULL: llama.cpp's default
        file = _files.setdefault(path, _ModelFile(path))
        started = time.perf_counter()
        try:
            llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads or default_threads(),
                n_threads_batch=n_threads or default_threads(),
                logits_all=logits_all,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelIntegrityError(
                f"llama.cpp could not load {path} ({exc}); if it is the embedded model, "
                f"delete it to have it rebuilt, or reinstall: {INSTALL_HINT}"
            ) from None
        model = LoadedModel(
            llama=llama,
            file=file,
            n_ctx=n_ctx,
            logits_all=logits_all,
            load_seconds=time.perf_counter() - started,
            _formatter=_formatter_for(llama),
        )
        _models[key] = model
    return model


def _formatter_for(llama: Any) -> Any:
    """The chat formatter llama-cpp-python applies for this model, to count prompts exactly."""
    from llama_cpp import llama_chat_format

    template = llama.metadata.get("tokenizer.chat_template")
    if llama.chat_format == "chat_template.default" and template:
        eos_id, bos_id = llama.token_eos(), llama.token_bos()
        return llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(eos_id) if eos_id != -1 else "",
            bos_token=llama._model.token_get_text(bos_id) if bos_id != -1 else "",
            stop_token_ids=[eos_id],
        )
    name = _FORMATTERS.get(llama.chat_format or "")
    return getattr(llama_chat_format, name, None) if name else None


def loaded_models() -> list[LoadedModel]:
    return list(_models.values())


# --- the provider -----------------------------------------------------------------------------


@dataclass
class _Job:
    """One generation: its cancel flag, and whether the worker is inside llama.cpp.

    llama.cpp checks an abort callback between compute steps (each batch of a prompt, each
    token). It is armed only while cancelling a running job and disarmed before the lock is
    released, so normal generation pays nothing for it (a Python callback checked at every
    step would cost a GIL round-trip each time) and the next job never inherits it.
    """

    model: LoadedModel
    cancelled: bool = False
    running: bool = False
    armed: bool = False

    def cancel(self) -> None:
        with self.model._abort_lock:
            self.cancelled = True
            if self.running and not self.armed:
                _set_abort(self.model, _ABORT_NOW)
                self.armed = True

    def enter(self) -> bool:
        with self.model._abort_lock:
            self.running = not self.cancelled
            return self.running

    def leave(self) -> None:
        with self.model._abort_lock:
            self.running = False
            if self.armed:
                _set_abort(self.model, _NO_ABORT)
                self.armed = False


def _set_abort(model: LoadedModel, callback: Any) -> None:
    import llama_cpp

    llama_cpp.llama_set_abort_callback(model.llama.ctx, callback, None)


@dataclass
class _Usage:
    prompt_tokens: int
    completion_tokens: int


_END = object()


class LlamaCppProvider(Provider):
    """A GGUF run in-process by llama.cpp (``local/<name>``; the embedded default model when no
    ``model_path`` is given)."""

    kind = "local"
    capabilities = Capabilities(streaming=True, tools=True, logprobs=True, json_mode=True)

    def __init__(self, info: ModelInfo) -> None:
        super().__init__(info)
        self._loaded: dict[bool, LoadedModel] = {}  # by logits_all

    # -- loading ---------------------------------------------------------------------------

    def load(self, *, logits_all: bool = False) -> LoadedModel:
        """The loaded model, loading it (and assembling the default GGUF) on first call."""
        model = self._loaded.get(logits_all)
        if model is None:
            model = load_model(
                model_path_for(self.info),
                self.info.context_window,
                logits_all=logits_all,
                n_threads=self.info.extra.get("n_threads"),
            )
            if not self._loaded:
                tokens.register_tokenizer(self.info.name, model.count_text)
            self._loaded[logits_all] = model
        return model

    async def aload(self, *, logits_all: bool = False) -> LoadedModel:
        """``load`` without blocking the event loop; call it at start-up to warm up."""
        model = self._loaded.get(logits_all)
        if model is None:
            model = await asyncio.to_thread(self.load, logits_all=logits_all)
        return model

    def count_tokens(self, messages: list[dict[str, Any]]) -> int:
        """Prompt tokens exactly as the model sees them: its chat template and its tokenizer.
        Loads the model on first use (about 0.3 s), as counting needs its vocabulary."""
        return self.load().count_prompt(_normalise_messages(messages))

    # -- completions -----------------------------------------------------------------------

    async def acomplete(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> ChatCompletion:
        try:
            async with asyncio.timeout(timeout):
                model, kwargs, prompt_tokens = await self._prepare(request)
                job = _Job(model)
                future = asyncio.get_running_loop().run_in_executor(
                    model.file.executor, _run_complete, job, kwargs
                )
                try:
                    raw = await future
                except asyncio.CancelledError:
                    job.cancel()  # stops llama.cpp at its next step, so the lock frees at once
                    raise
        except TimeoutError as exc:
            raise errors.TimeoutError(
                f"{self.name} did not answer within {timeout}s", provider=PROVIDER, model=self.name
            ) from exc
        return self._completion(raw, request, prompt_tokens)

    def astream(
        self, request: ChatRequest, *, timeout: float | None = None
    ) -> AsyncIterator[ChatCompletionChunk]:
        return self._stream(request, timeout)

    async def _stream(
        self, request: ChatRequest, timeout: float | None
    ) -> AsyncIterator[ChatCompletionChunk]:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        try:
            async with asyncio.timeout_at(deadline):
                model, kwargs, prompt_tokens = await self._prepare(request)
        except TimeoutError as exc:
            raise errors.TimeoutError(
                f"{self.name} did not start within {timeout}s", provider=PROVIDER, model=self.name
            ) from exc
        queue: asyncio.Queue[Any] = asyncio.Queue()
        job = _Job(model)

        def emit(item: Any) -> None:  # runs on the worker thread
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                job.cancelled = True

        future = loop.run_in_executor(
            model.file.executor, _run_stream, job, kwargs, prompt_tokens, emit
        )
        forced_tool = isinstance(kwargs.get("tool_choice"), dict)
        out = _ChunkTranslator(
            self.name,
            top_logprobs=_top_logprobs(request.params),
            tool_names=set() if forced_tool else _tool_names(kwargs),
        )
        try:
            while True:
                try:
                    async with asyncio.timeout_at(deadline):
                        item = await queue.get()
                except TimeoutError as exc:
                    raise errors.TimeoutError(
                        f"{self.name} did not finish within {timeout}s",
                        provider=PROVIDER,
                        model=self.name,
                    ) from exc
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                for chunk in out.feed(item):
                    yield chunk
        finally:
            job.cancel()  # a no-op when finished; stops generation when the consumer left early
            future.cancel()  # never starts if it was still queued

    # -- request translation ---------------------------------------------------------------

    async def _prepare(self, request: ChatRequest) -> tuple[LoadedModel, dict[str, Any], int]:
        """Map the request, load the model, and refuse what cannot fit before queueing."""
        params = request.params
        if int(params.get("n") or 1) != 1:
            raise BadRequestError(
                f"{self.name} returns one choice; n={params['n']} is not supported",
                param="n",
                provider=PROVIDER,
                model=self.name,
            )
        kwargs = _llama_kwargs(params)
        kwargs["messages"] = _normalise_messages(request.messages)
        model = await self.aload(logits_all="logprobs" in kwargs)
        prompt_tokens = model.count_prompt(kwargs["messages"], kwargs.get("tools"))
        window = model.n_ctx
        max_tokens = request.max_tokens
        if max_tokens is None:  # as OpenAI: as much as the model may write and the window holds
            max_tokens = min(self.info.max_output_tokens or window, window - prompt_tokens)
        if max_tokens < 1 or prompt_tokens + max_tokens > window:
            raise ContextWindowExceededError(
                f"{self.name}'s context window is {window} tokens, but the request needs "
                f"{prompt_tokens + max(max_tokens, 1)} ({prompt_tokens} in the messages, "
                f"{max(max_tokens, 1)} in the completion); shorten the messages or lower "
                "max_tokens",
                provider=PROVIDER,
                model=self.name,
                param="messages",
            )
        kwargs["max_tokens"] = max_tokens
        return model, kwargs, prompt_tokens

    def _completion(
        self, raw: dict[str, Any], request: ChatRequest, prompt_tokens: int
    ) -> ChatCompletion:
        choice = raw["choices"][0]
        message = choice["message"]
        content = message.get("content")
        tool_calls = message.get("tool_calls")
        finish = choice.get("finish_reason")
        offered = _tool_names(_llama_kwargs(request.params))
        if not tool_calls and content and offered:
            content, tool_calls = _parse_tool_calls(content, offered)
            if tool_calls:
                finish = "tool_calls"
        usage = raw.get("usage") or {}
        return make_completion(
            model=self.name,
            content=content,
            finish_reason=finish,
            prompt_tokens=int(usage.get("prompt_tokens", prompt_tokens)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            tool_calls=tool_calls,
            logprobs=_logprobs(choice.get("logprobs"), _top_logprobs(request.params)),
            completion_id=raw.get("id"),
            created=raw.get("created"),
        )


class _ChunkTranslator:
    """llama.cpp's stream items -> our chunks: one id, our model name, usage on the finish chunk.

    With tools offered (and not forced, which llama.cpp already answers as tool calls), text
    that opens with ``<tool_call>`` is held back and released as OpenAI tool-call deltas; any
    other answer streams as it comes.
    """

    def __init__(self, model: str, *, top_logprobs: int, tool_names: set[str]) -> None:
        self.model = model
        self.top_logprobs = top_logprobs
        self.tool_names = tool_names
        self.watch_tools = bool(tool_names)
        self.tool_indexes: set[int] = set()
        self.completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        self.created = int(time.time())
        self.held: list[ChatCompletionChunk] = []
        self.held_text = ""
        self.finish: ChatCompletionChunk | None = None

    def feed(self, item: Any) -> list[ChatCompletionChunk]:
        if isinstance(item, _Usage):
            return self._end(item)
        chunk = self._chunk(item)
        choice = chunk["choices"][0]
        if choice["finish_reason"] is not None:
            self.finish = chunk  # held until the worker sends usage, right after it
            return []
        if not self.watch_tools:
            return [chunk]
        self.held.append(chunk)
        self.held_text += choice["delta"].get("content") or ""
        opening = self.held_text.lstrip()
        if any(o.startswith(opening) or opening.startswith(o) for o in _TOOL_OPENINGS):
            return []
        self.watch_tools = False  # a plain answer: release what was held, stream the rest
        released, self.held = self.held, []
        return released

    def _end(self, usage: _Usage) -> list[ChatCompletionChunk]:
        out: list[ChatCompletionChunk] = []
        finish = self.finish or self._chunk({"choices": [{"delta": {}, "finish_reason": "stop"}]})
        if self.held:
            content, calls = _parse_tool_calls(self.held_text, self.tool_names)
            if calls:
                delta: dict[str, Any] = {
                    "role": "assistant",
                    "content": content,
                    "tool_calls": [{"index": i, **c} for i, c in enumerate(calls)],
                }
                out.append(
                    make_chunk(
                        completion_id=self.completion_id,
                        model=self.model,
                        created=self.created,
                        delta=delta,
                    )
                )
                finish["choices"][0]["finish_reason"] = "tool_calls"
            else:
                out.extend(self.held)
            self.held = []
        finish["usage"] = {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.prompt_tokens + usage.completion_tokens,
        }
        out.append(finish)
        return out

    def _chunk(self, raw: dict[str, Any]) -> ChatCompletionChunk:
        choice = raw["choices"][0]
        delta = {
            k: v
            for k, v in (choice.get("delta") or {}).items()
            if v is not None and k != "function_call"  # the legacy field, next to tool_calls
        }
        if delta.get("tool_calls"):
            delta["tool_calls"] = [self._tool_delta(call) for call in delta["tool_calls"]]
        return make_chunk(
            completion_id=self.completion_id,
            model=self.model,
            created=self.created,
            delta=delta,
            finish_reason=choice.get("finish_reason"),
            logprobs=_logprobs(choice.get("logprobs"), self.top_logprobs),
        )

    def _tool_delta(self, call: dict[str, Any]) -> dict[str, Any]:
        """As OpenAI streams a tool call: id, type and name once, then argument pieces only
        (llama.cpp repeats them in every chunk, which accumulating clients would concatenate)."""
        index = int(call.get("index", 0))
        function = call.get("function") or {}
        if index not in self.tool_indexes:
            self.tool_indexes.add(index)
            return call
        return {"index": index, "function": {"arguments": function.get("arguments", "")}}


# --- worker-thread side -----------------------------------------------------------------------


def _run_complete(job: _Job, kwargs: dict[str, Any]) -> dict[str, Any]:
    model = job.model
    with model.lock:
        if not job.enter():
            raise asyncio.CancelledError()
        try:
            result: dict[str, Any] = model.llama.create_chat_completion(**kwargs)
            return result
        except Exception as exc:
            if job.cancelled:
                raise asyncio.CancelledError() from None
            raise _llama_error(exc, model) from exc
        finally:
            job.leave()


def _run_stream(
    job: _Job, kwargs: dict[str, Any], prompt_tokens: int, emit: Callable[[Any], None]
) -> None:
    model = job.model
    llama = model.llama
    # Stop strings are applied here rather than by llama.cpp, so that we know whether the
    # last sampled token was the end-of-turn token (not counted) or ended a stop string
    # (counted): llama.cpp's stream reports neither the difference nor its token count.
    stops = StopScanner(kwargs.pop("stop", None) or [])
    with model.lock:
        if not job.enter():
            emit(_END)
            return
        try:
            stream: Iterator[dict[str, Any]] = llama.create_chat_completion(stream=True, **kwargs)
            finish: str | None = None
            stopped_by_string = False
            try:
                for chunk in stream:
                    if job.cancelled:
                        break
                    choice = chunk["choices"][0]
                    content = choice["delta"].get("content")
                    if choice.get("finish_reason") is not None:
                        finish = choice["finish_reason"]
                        if stops.pending:
                            emit(_with_content(chunk, stops.flush(), finish=None))
                        emit(chunk)
                        break
                    if content is None or not stops:
                        emit(chunk)
                        continue
                    release, hit = stops.feed(content)
                    if release:
                        emit(_with_content(chunk, release, finish=None))
                    if hit:
                        finish, stopped_by_string = "stop", True
                        emit(_with_content(chunk, None, finish="stop"))
                        break
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()  # unwinds llama.cpp's generator now, not at garbage collection
            if not job.cancelled:
                # Every sampled token is evaluated except the last one, which counts unless
                # it was the end-of-turn token.
                completion = max(0, int(llama.n_tokens) - prompt_tokens)
                if finish == "length" or stopped_by_string:
                    completion += 1
                emit(_Usage(prompt_tokens, completion))
        except Exception as exc:
            if not job.cancelled:
                emit(_llama_error(exc, model))
        finally:
            job.leave()
    emit(_END)


class StopScanner:
    """OpenAI's ``stop`` over a stream of text: text is released only once it cannot be the
    start of a stop string, and the stream ends where the first stop string begins."""

    def __init__(self, stops: str | list[str]) -> None:
        self.stops = [s for s in ([stops] if isinstance(stops, str) else stops) if s]
        self.pending = ""

    def __bool__(self) -> bool:
        return bool(self.stops)

    def feed(self, text: str) -> tuple[str, bool]:
        """(text safe to release now, whether a stop string was reached)."""
        self.pending += text
        hits = [i for i in (self.pending.find(s) for s in self.stops) if i >= 0]
        if hits:
            release, self.pending = self.pending[: min(hits)], ""
            return release, True
        keep = 0
        for stop in self.stops:  # the longest tail that could still grow into a stop string
            for n in range(min(len(stop) - 1, len(self.pending)), keep, -1):
                if self.pending.endswith(stop[:n]):
                    keep = n
                    break
        cut = len(self.pending) - keep
        release, self.pending = self.pending[:cut], self.pending[cut:]
        return release, False

    def flush(self) -> str:
        release, self.pending = self.pending, ""
        return release


def _with_content(
    chunk: dict[str, Any], content: str | None, *, finish: str | None
) -> dict[str, Any]:
    choice = chunk["choices"][0]
    delta = {} if content is None else {**choice["delta"], "content": content}
    logprobs = None if content is None else choice.get("logprobs")
    return {
        **chunk,
        "choices": [{**choice, "delta": delta, "finish_reason": finish, "logprobs": logprobs}],
    }


def _llama_error(exc: Exception, model: LoadedModel) -> TurnoutError:
    text = str(exc)
    if "exceed context window" in text:
        return ContextWindowExceededError(text, provider=PROVIDER, param="messages")
    if isinstance(exc, ValueError):
        return BadRequestError(f"llama.cpp rejected the request: {text}", provider=PROVIDER)
    if isinstance(exc, TurnoutError):
        return exc
    return ProviderError(f"llama.cpp failed on {model.path.name}: {text}", provider=PROVIDER)


# --- translation helpers ----------------------------------------------------------------------


def _normalise_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """OpenAI messages as chat templates expect them: text content, tool-call arguments as
    objects (Hugging Face's convention, which the templates follow)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            if any(isinstance(p, dict) and p.get("type") not in (None, "text") for p in content):
                raise BadRequestError(
                    "the embedded model reads text only; remove image/audio parts",
                    param="messages",
                    provider=PROVIDER,
                )
            message = {**message, "content": message_text(message)}
        if message.get("tool_calls"):
            message = {
                **message,
                "tool_calls": [_tool_call_for_template(c) for c in message["tool_calls"]],
            }
        out.append(message)
    return out


def _tool_call_for_template(call: dict[str, Any]) -> dict[str, Any]:
    function = dict(call.get("function") or {})
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            function["arguments"] = json.loads(arguments)
    return {**call, "function": function}


def _llama_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    kwargs = {name: params[name] for name in _PASSTHROUGH if params.get(name) is not None}
    stop = params.get("stop")
    if stop:
        kwargs["stop"] = [stop] if isinstance(stop, str) else list(stop)
    if params.get("logprobs"):
        kwargs["logprobs"] = True
        kwargs["top_logprobs"] = int(params.get("top_logprobs") or 0)
    if params.get("logit_bias"):
        kwargs["logit_bias"] = {int(k): float(v) for k, v in params["logit_bias"].items()}
    response_format = params.get("response_format")
    if isinstance(response_format, dict):
        kind = response_format.get("type")
        if kind == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        elif kind == "json_schema":
            schema = (response_format.get("json_schema") or {}).get("schema")
            kwargs["response_format"] = {
                "type": "json_object",
                **({"schema": schema} if schema else {}),
            }
    tools = params.get("tools")
    tool_choice = params.get("tool_choice")
    if tools and tool_choice != "none":
        kwargs["tools"] = tools
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
    return kwargs


def _top_logprobs(params: dict[str, Any]) -> int:
    return int(params.get("top_logprobs") or 0)


def _logprobs(raw: Any, top: int) -> dict[str, Any] | None:
    """llama.cpp's chat logprobs as OpenAI's: plain floats (it gives numpy's, which JSON
    encoders refuse), ``bytes`` filled in, exactly ``top`` alternatives, best first."""
    if not raw:
        return None

    def entry(token: str, logprob: Any) -> dict[str, Any]:
        return {"token": token, "logprob": float(logprob), "bytes": list(token.encode("utf-8"))}

    content = []
    for item in raw.get("content") or []:
        alternatives = sorted(item.get("top_logprobs") or [], key=lambda a: -float(a["logprob"]))
        content.append(
            {
                **entry(item["token"], item["logprob"]),
                "top_logprobs": [entry(a["token"], a["logprob"]) for a in alternatives[:top]],
            }
        )
    return {"content": content, "refusal": None}


def _parse_tool_calls(
    text: str, tool_names: set[str]
) -> tuple[str | None, list[dict[str, Any]] | None]:
    """Tool calls written as text, as OpenAI tool calls: Qwen/Hermes-style
    ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks (what current open
    models' chat templates ask for), or an answer that is nothing but such a JSON object,
    fenced or not (what small models often write instead) naming one of the offered tools."""
    bodies = [m.group(1) for m in _TOOL_CALL.finditer(text)]
    rest = _TOOL_CALL.sub("", text).strip() if bodies else text
    if not bodies:
        bare = _FENCE.sub("", text.strip()).strip()
        if bare.startswith("{") and bare.endswith("}"):
            bodies, rest = [bare], ""
    calls: list[dict[str, Any]] = []
    for raw in bodies:
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(body, dict) or body.get("name") not in tool_names:
            continue
        arguments = body.get("arguments", body.get("parameters", {}))
        calls.append(
            {
                "id": "call_" + uuid.uuid4().hex[:24],
                "type": "function",
                "function": {
                    "name": body["name"],
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
        )
    if not calls:
        return text, None
    return (rest or None), calls


def _tool_names(kwargs: dict[str, Any]) -> set[str]:
    return {
        str((tool.get("function") or {}).get("name"))
        for tool in kwargs.get("tools") or []
        if isinstance(tool, dict)
    }
