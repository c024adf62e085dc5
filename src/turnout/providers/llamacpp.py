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
  that a long prompt evaluation stops too, at the end of the batch of up to 512 tokens being
  computed (smaller batches would answer sooner but measured 1.5-2x slower prompts on CPU).
* ``logprobs`` are recorded by a logits processor as tokens are sampled (numpy, ~0.5 ms a
  token), not by llama-cpp-python's own path: that one needs ``logits_all`` (logits kept for
  every prompt position: memory and prompt speed) and sorts the whole 152k vocabulary in
  Python for every token, which measured 0.45 s a token here.
"""

from __future__ import annotations

import asyncio
import atexit
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
from turnout.answer import usage as neutral_usage
from turnout.catalog import ModelInfo
from turnout.dataurl import part_text
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

    def count_prompt(
        self, messages: list[dict[str, Any]], tools: Any = None, tool_choice: Any = None
    ) -> int:
        """Prompt tokens exactly as llama.cpp will see them: chat template applied, tokenized.
        Tokenizing reads only the vocabulary, so it is safe while another thread generates."""
        if self._formatter is None:
            total = 3
            for message in messages:
                total += 4 + self.count_text(message_text(message))
            return total
        result = self._formatter(messages=messages, tools=tools, tool_choice=tool_choice)
        prompt = self.llama.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )
        return len(prompt)


_files: dict[Path, _ModelFile] = {}
_models: dict[tuple[Path, int], LoadedModel] = {}
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


def cpu_advertises_amx(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU lists Intel AMX tiles (Linux only; elsewhere False)."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as lines:
            for line in lines:
                if line.startswith("flags"):
                    return "amx_tile" in line.split()
    except OSError:
        pass
    return False


@contextlib.contextmanager
def plain_cpu_buffers(llama_cpp: Any, amx: bool | None = None) -> Iterator[None]:
    """Models loaded inside this block skip llama.cpp's extra CPU buffer types when the CPU
    advertises AMX.

    A llama.cpp built on an AMX machine (pip builds it with the host's instruction set) routes
    matrix products through its AMX kernels, and on virtual machines that list AMX without
    backing it the first ``ldtilecfg`` kills the process with SIGSEGV (seen with
    llama-cpp-python 0.3.36 on a 2-core VM). ``Llama`` exposes no switch for it, so its default
    model parameters are wrapped for the duration of the load (callers hold ``_load_lock``). The
    cost on such CPUs: no AMX and no repacked weights, llama.cpp's plain kernels instead.
    """
    if not (cpu_advertises_amx() if amx is None else amx):
        yield
        return
    lib = llama_cpp.llama_cpp
    default = lib.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = default()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = without_extra_buffers
    try:
        yield
    finally:
        lib.llama_model_default_params = default


def load_model(path: Path, n_ctx: int, *, n_threads: int | None = None) -> LoadedModel:
    """The process-wide instance for (path, n_ctx), loaded on first call."""
    path = path.resolve()
    key = (path, n_ctx)
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
            with plain_cpu_buffers(llama_cpp):
                llama = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=n_ctx,
                    n_threads=n_threads or default_threads(),
                    n_threads_batch=n_threads or default_threads(),
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


@atexit.register
def _free_models() -> None:
    """Free llama.cpp models before the interpreter tears its modules down; freed later, from
    ``Llama.__del__``, llama-cpp-python fails with "'NoneType' object is not callable"."""
    for model in list(_models.values()):
        with contextlib.suppress(Exception):
            model.llama.close()
    _models.clear()


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
        self._model: LoadedModel | None = None

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> LoadedModel:
        """The loaded model, loading it (and assembling the default GGUF) on first call."""
        if self._model is None:
            model = load_model(
                model_path_for(self.info),
                self.info.context_window,
                n_threads=self.info.extra.get("n_threads"),
            )
            tokens.register_tokenizer(self.info.name, model.count_text)
            self._model = model
        return self._model

    async def aload(self) -> LoadedModel:
        """``load`` without blocking the event loop; call it at start-up to warm up."""
        if self._model is not None:
            return self._model
        return await asyncio.to_thread(self.load)

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
                    model.file.executor, _run_complete, job, kwargs, _top_logprobs(request.params)
                )
                try:
                    raw, logprobs = await future
                except asyncio.CancelledError:
                    job.cancel()  # stops llama.cpp at its next step, so the lock frees at once
                    raise
        except TimeoutError as exc:
            raise errors.TimeoutError(
                f"{self.name} did not answer within {timeout}s", provider=PROVIDER, model=self.name
            ) from exc
        return self._completion(raw, request, prompt_tokens, logprobs)

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
            model.file.executor,
            _run_stream,
            job,
            kwargs,
            prompt_tokens,
            _top_logprobs(request.params),
            emit,
        )
        forced_tool = isinstance(kwargs.get("tool_choice"), dict)
        out = _ChunkTranslator(self.name, tool_names=set() if forced_tool else _tool_names(kwargs))
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
        try:
            n = int(params.get("n") or 1)
            kwargs = _llama_kwargs(params)
            _top_logprobs(params)
        except (TypeError, ValueError, AttributeError) as exc:
            raise BadRequestError(
                f"invalid parameter for {self.name}: {exc}", provider=PROVIDER, model=self.name
            ) from None
        if n != 1:
            raise BadRequestError(
                f"{self.name} returns one choice; n={n} is not supported",
                param="n",
                provider=PROVIDER,
                model=self.name,
            )
        kwargs["messages"] = _normalise_messages(request.messages)
        model = await self.aload()
        prompt_tokens = model.count_prompt(
            kwargs["messages"], kwargs.get("tools"), kwargs.get("tool_choice")
        )
        window = model.n_ctx
        max_tokens = request.max_tokens
        if max_tokens is not None and max_tokens < 1:
            raise BadRequestError(
                f"max_tokens must be at least 1, got {max_tokens}",
                param="max_tokens",
                provider=PROVIDER,
                model=self.name,
            )
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
        self,
        raw: dict[str, Any],
        request: ChatRequest,
        prompt_tokens: int,
        logprobs: dict[str, Any] | None,
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
            logprobs=logprobs,
            completion_id=raw.get("id"),
            created=raw.get("created"),
        )


class _ChunkTranslator:
    """llama.cpp's stream items -> our chunks: one id, our model name, usage on the finish chunk.

    With tools offered (and not forced, which llama.cpp already answers as tool calls), an
    answer that opens like a tool call written as text (``<tool_call>``, a code fence, ``{``)
    is held back to the end and released as OpenAI tool-call deltas if it was one; any other
    answer streams as it comes.
    """

    def __init__(self, model: str, *, tool_names: set[str]) -> None:
        self.model = model
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
        finish["usage"] = neutral_usage(usage.prompt_tokens, usage.completion_tokens)
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
            logprobs=choice.get("logprobs"),
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


def _run_complete(
    job: _Job, kwargs: dict[str, Any], top_logprobs: int | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    model = job.model
    kwargs = dict(kwargs)
    with model.lock:
        if not job.enter():
            raise asyncio.CancelledError()
        try:
            recorder = _LogprobRecorder.attach(model.llama, kwargs, top_logprobs)
            result: dict[str, Any] = model.llama.create_chat_completion(**kwargs)
            logprobs = None
            if recorder is not None:
                text = result["choices"][0]["message"].get("content") or ""
                logprobs = recorder.finish(text, int(result["usage"]["completion_tokens"]))
            return result, logprobs
        except Exception as exc:
            if job.cancelled:
                raise asyncio.CancelledError() from None
            raise _llama_error(exc, model) from exc
        finally:
            job.leave()


def _run_stream(
    job: _Job,
    kwargs: dict[str, Any],
    prompt_tokens: int,
    top_logprobs: int | None,
    emit: Callable[[Any], None],
) -> None:
    model = job.model
    llama = model.llama
    kwargs = dict(kwargs)  # ours to change: the event loop's copy stays as it was
    # Stop strings are applied here rather than by llama.cpp, so that we know whether the
    # last sampled token was the end-of-turn token (not counted) or ended a stop string
    # (counted): llama.cpp's stream reports neither the difference nor its token count.
    stops = StopScanner(kwargs.pop("stop", None) or [])
    with model.lock:
        if not job.enter():
            emit(_END)
            return
        try:
            recorder = _LogprobRecorder.attach(llama, kwargs, top_logprobs)
            shaper = _StreamShaper(stops, recorder, emit)
            stream: Iterator[dict[str, Any]] = llama.create_chat_completion(stream=True, **kwargs)
            try:
                for chunk in stream:
                    if job.cancelled or shaper.feed(chunk):
                        break
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()  # unwinds llama.cpp's generator now, not at garbage collection
            if not job.cancelled:
                # Every sampled token is evaluated except the last one, which counts unless
                # it was the end-of-turn token.
                completion = max(0, int(llama.n_tokens) - prompt_tokens)
                if shaper.finish in ("length", "stop_string"):
                    completion += 1
                shaper.end(completion)
                emit(_Usage(prompt_tokens, shaper.stop_tokens or completion))
        except Exception as exc:
            if not job.cancelled:
                emit(_llama_error(exc, model))
        finally:
            job.leave()
    emit(_END)


class _StreamShaper:
    """llama.cpp's chunks on their way out of the worker: logprobs attached to the text they
    belong to (known one token late, so content waits one token when logprobs are asked for),
    stop strings applied, and the finish chunk sent last."""

    def __init__(
        self,
        stops: StopScanner,
        recorder: _LogprobRecorder | None,
        emit: Callable[[Any], None],
    ) -> None:
        self.stops = stops
        self.recorder = recorder
        self.emit = emit
        self.finish: str | None = None  # "stop", "length" or "stop_string"
        self.text: list[str] = []  # what the model wrote, before stop strings cut it
        self.waiting: list[tuple[dict[str, Any], int]] = []  # (chunk, tokens sampled by then)
        self.finish_chunk: dict[str, Any] | None = None
        self.attached = 0  # logprob entries handed out so far
        self.logprobs_due: list[dict[str, Any]] = []  # entries of text the stop scanner holds
        self.stop_tokens: int | None = None  # tokens up to a stop string found late (logprobs)

    def feed(self, chunk: dict[str, Any]) -> bool:
        """Take one chunk; True when the answer is complete (a stop string was reached)."""
        choice = chunk["choices"][0]
        if choice.get("finish_reason") is not None:
            self.finish = choice["finish_reason"]
            self.finish_chunk = chunk
            return True
        content = choice["delta"].get("content")
        if content is None:  # the role chunk, tool-call deltas
            self.emit(chunk)
            return False
        self.text.append(content)
        if self.recorder is None:
            if not self.stops:
                self.emit(chunk)  # the common case: pass it on untouched
                return False
            return self._out(chunk, content, None, None)
        self.waiting.append((chunk, self.recorder.sampled))
        return self._release(final=False)

    def end(self, completion_tokens: int) -> None:
        if self.finish == "stop_string":
            return  # already sent
        if self.recorder is not None:
            self.recorder.finish("".join(self.text), completion_tokens)
            if self._release(final=True):
                return
        if self.stops.pending:
            self.emit(
                _with_content(self.finish_chunk or {}, self.stops.flush(), None, self._logprobs([]))
            )
        chunk = self.finish_chunk or {"choices": [{"delta": {}, "finish_reason": "stop"}]}
        self.emit(_with_content(chunk, None, self.finish or "stop", None))

    def _release(self, *, final: bool) -> bool:
        assert self.recorder is not None
        entries = self.recorder.entries
        while self.waiting and (final or self.waiting[0][1] <= len(entries)):
            chunk, sampled = self.waiting.pop(0)
            upto = len(entries) if final and not self.waiting else min(sampled, len(entries))
            mine, self.attached = entries[self.attached : upto], max(self.attached, upto)
            if self._out(chunk, chunk["choices"][0]["delta"]["content"], mine, sampled):
                return True
        return False

    def _out(
        self,
        chunk: dict[str, Any],
        content: str,
        entries: list[dict[str, Any]] | None,
        sampled: int | None,
    ) -> bool:
        if not self.stops:
            self.emit(_with_content(chunk, content, None, self._logprobs(entries)))
            return False
        release, hit = self.stops.feed(content)
        if entries is not None:
            self.logprobs_due.extend(entries)
        if release:
            due, self.logprobs_due = self.logprobs_due, []
            self.emit(
                _with_content(
                    chunk, release, None, self._logprobs(due if entries is not None else None)
                )
            )
        if hit:
            self.finish = "stop_string"
            self.stop_tokens = sampled  # None: found on arrival, the usual count holds
            self.emit(_with_content(chunk, None, "stop", None))
        return hit

    def _logprobs(self, entries: list[dict[str, Any]] | None) -> dict[str, Any] | None:
        if self.recorder is None or entries is None:
            return None
        return {"content": entries, "refusal": None}


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


class _LogprobRecorder:
    """OpenAI logprobs, recorded as llama.cpp samples.

    Installed as a logits processor, it sees the model's raw logits at every sampling step and
    keeps their log-softmax until the step's token is known: llama.cpp evaluates that token
    before the next step, so it is the last input id then. The final token is never evaluated;
    ``finish`` identifies it among the step's best candidates by the text it produced.
    """

    _CANDIDATES = 40  # llama.cpp's default top_k: a sampled token is always among these

    def __init__(self, llama: Any, top: int, bias: dict[int, float] | None) -> None:
        self.llama = llama
        self.top = top
        self.bias = bias
        self.sampled = 0
        self.entries: list[dict[str, Any]] = []
        self._pending: Any = None  # log-softmax of the step whose token is not known yet

    @classmethod
    def attach(cls, llama: Any, kwargs: dict[str, Any], top: int | None) -> _LogprobRecorder | None:
        """A recorder installed in ``kwargs`` when logprobs are asked for, else None."""
        if top is None:
            return None
        # llama-cpp-python drops a logits processor given together with logit_bias (its
        # list.extend returns None), so the bias is applied here instead.
        recorder = cls(llama, top, kwargs.pop("logit_bias", None))
        kwargs["logits_processor"] = [recorder]
        return recorder

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        if self._pending is not None:
            self._settle(int(input_ids[-1]))
        if self.bias:
            for token, value in self.bias.items():
                scores[token] += value
        logits = np.asarray(scores, dtype=np.float32)
        peak = float(logits.max())
        self._pending = logits - (peak + float(np.log(np.exp(logits - peak).sum())))
        self.sampled += 1
        return scores

    def finish(self, text: str, completion_tokens: int) -> dict[str, Any]:
        """The logprobs of the ``completion_tokens`` content tokens that produced ``text``."""
        if self._pending is not None and len(self.entries) < completion_tokens:
            self._settle(self._last_token(text))
        self._pending = None
        return {"content": self.entries[:completion_tokens], "refusal": None}

    def _last_token(self, text: str) -> int:
        import numpy as np

        logprobs = self._pending
        best = np.argpartition(-logprobs, self._CANDIDATES)[: self._CANDIDATES]
        best = best[np.argsort(-logprobs[best])]
        so_far = b"".join(bytes(e["bytes"]) for e in self.entries)
        target = text.encode("utf-8")
        for token in best:
            candidate = so_far + self.llama.detokenize([int(token)])
            if candidate.startswith(target) or target.startswith(candidate):
                return int(token)
        return int(best[0])

    def _settle(self, token: int) -> None:
        import numpy as np

        logprobs = self._pending
        self._pending = None
        alternatives: list[dict[str, Any]] = []
        if self.top > 0:
            best = np.argpartition(-logprobs, self.top)[: self.top]
            best = best[np.argsort(-logprobs[best])]
            alternatives = [self._entry(int(t), logprobs) for t in best]
        self.entries.append({**self._entry(token, logprobs), "top_logprobs": alternatives})

    def _entry(self, token: int, logprobs: Any) -> dict[str, Any]:
        piece: bytes = self.llama.detokenize([token])
        return {
            "token": piece.decode("utf-8", errors="ignore"),
            "logprob": float(logprobs[token]),
            "bytes": list(piece),
        }


def _with_content(
    chunk: dict[str, Any],
    content: str | None,
    finish: str | None,
    logprobs: dict[str, Any] | None,
) -> dict[str, Any]:
    choice = (chunk.get("choices") or [{}])[0]
    delta = {} if content is None else {**choice.get("delta", {}), "content": content}
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
            texts = [part_text(p) for p in content if isinstance(p, dict) and p.get("type") is not None]
            if any(t is None for t in texts):
                raise BadRequestError(
                    "the embedded model reads text only (text parts and text files); remove image/audio/PDF parts",
                    param="messages",
                    provider=PROVIDER,
                )
            message = {**message, "content": "\n".join(t for t in texts if t is not None)}
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


def _top_logprobs(params: dict[str, Any]) -> int | None:
    """How many alternatives per token the request wants; None when it wants no logprobs."""
    if not params.get("logprobs"):
        return None
    return int(params.get("top_logprobs") or 0)


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
