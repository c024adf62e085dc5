"""A near-free OpenAI-compatible upstream for the gateway benchmark (bench/bench_gateway.py).

    python bench/stub_upstream.py --port 18000 [--delay-ms 0]

POST …/chat/completions   a fixed ``chat.completion`` with ``usage``; with ``"stream": true`` an
                          SSE stream of ``chat.completion.chunk`` events ending in ``data: [DONE]``
                          (plus a usage chunk when ``stream_options.include_usage`` is true)
POST …/v1/messages        a fixed Anthropic ``message`` (for bench/bench_doors.py)
POST …/v1/responses       a fixed Responses-API ``response`` (for bench/bench_doors.py)
GET  …/models, /health    a one-model list / "ok"
anything else             404 in OpenAI's error shape

Why hand-rolled HTTP/1.1 on an ``asyncio.Protocol`` instead of an ASGI server: the stub must cost
far less per request than the gateway it serves, or the benchmark measures the stub. Every
response is a pre-built byte string; a request costs a header scan and one ``transport.write``
(about 8-10 µs of CPU here with uvloop, vs ~20 µs for a minimal uvicorn app). uvloop is used when
installed. Keep-alive and pipelining are supported; chunked request bodies are not (gateways
send Content-Length) and get 411.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from collections.abc import Callable, Coroutine
from typing import Any

MODEL = "gpt-4o-mini"
CREATED = 1_700_000_000
ANSWER = "Hello! Hope your day is great."
USAGE = {"prompt_tokens": 14, "completion_tokens": 8, "total_tokens": 22}


def _json(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _response(status: str, body: bytes, content_type: bytes = b"application/json") -> bytes:
    return (b"HTTP/1.1 " + status.encode() + b"\r\ncontent-type: " + content_type
            + b"\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


COMPLETION = _response("200 OK", _json({
    "id": "chatcmpl-turnout-bench",
    "object": "chat.completion",
    "created": CREATED,
    "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": USAGE,
}))


def _event(delta: dict[str, str] | None, finish: str | None = None, usage: bool = False) -> bytes:
    chunk = {"id": "chatcmpl-turnout-bench", "object": "chat.completion.chunk", "created": CREATED,
             "model": MODEL,
             "choices": [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None,
                                                   "finish_reason": finish}]}
    if usage:
        chunk["usage"] = USAGE
    return b"data: " + _json(chunk) + b"\n\n"


_WORDS = ["Hello!", " Hope", " your", " day", " is", " great."]
_DONE = b"data: [DONE]\n\n"


def _streams(words: list[str]) -> tuple[bytes, bytes]:
    """The SSE answer without and with the usage chunk. One write with Content-Length rather
    than chunked framing: the client sees the same SSE events."""
    events = (_event({"role": "assistant", "content": ""}) + b"".join(_event({"content": w}) for w in words)
              + _event({}, finish="stop"))
    return (_response("200 OK", events + _DONE, b"text/event-stream"),
            _response("200 OK", events + _event(None, usage=True) + _DONE, b"text/event-stream"))


STREAM, STREAM_USAGE = _streams(_WORDS)
MESSAGE = _response("200 OK", _json({
    "id": "msg_turnout_bench", "type": "message", "role": "assistant", "model": "claude-haiku-4-5-20251001",
    "content": [{"type": "text", "text": ANSWER}], "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 14, "output_tokens": 8, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
}))
RESPONSE = _response("200 OK", _json({
    "id": "resp_turnout_bench", "object": "response", "created_at": CREATED, "status": "completed",
    "error": None, "incomplete_details": None, "instructions": None, "max_output_tokens": 16, "model": MODEL,
    "output": [{"id": "msg_turnout_bench", "type": "message", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": ANSWER, "annotations": [], "logprobs": []}]}],
    "parallel_tool_calls": True, "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
    "store": True, "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
    "top_p": 1.0, "truncation": "disabled", "user": None, "metadata": {},
    "usage": {"input_tokens": 14, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 8,
              "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 22},
}))
MODELS = _response("200 OK", _json({"object": "list", "data": [
    {"id": MODEL, "object": "model", "created": CREATED, "owned_by": "turnout-bench"}]}))
HEALTH = _response("200 OK", b"ok", b"text/plain")
NOT_FOUND = _response("404 Not Found", _json({"error": {
    "message": "no such route on the bench stub", "type": "invalid_request_error", "code": "not_found"}}))
BAD = _response("400 Bad Request", _json({"error": {
    "message": "malformed request", "type": "invalid_request_error", "code": None}}))
NO_LENGTH = _response("411 Length Required", _json({"error": {
    "message": "send Content-Length", "type": "invalid_request_error", "code": None}}))
MAX_HEAD = 64 * 1024


def chat_response(body: bytes) -> bytes:
    """The canned answer for a chat request; JSON is parsed only if the body mentions stream."""
    if b'"stream"' not in body:
        return COMPLETION
    try:
        req = json.loads(body)
    except ValueError:
        return BAD
    if not isinstance(req, dict) or req.get("stream") is not True:
        return COMPLETION
    options = req.get("stream_options")
    wants_usage = isinstance(options, dict) and options.get("include_usage") is True
    return STREAM_USAGE if wants_usage else STREAM


class StubProtocol(asyncio.Protocol):
    """One connection: parse as many complete requests as the buffer holds, answer each in order."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.queued = 0  # delayed responses not yet written: later ones wait to keep the order

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        while True:
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                if len(buf) > MAX_HEAD:
                    self._reply(BAD, close=True)
                return
            head = bytes(buf[:head_end]).lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                end = head.find(b"\r\n", at + 2)
                try:
                    length = int(head[at + 17:end if end >= 0 else len(head)])
                except ValueError:
                    self._reply(BAD, close=True)
                    return
            elif b"\r\ntransfer-encoding:" in head:
                self._reply(NO_LENGTH, close=True)
                return
            start = head_end + 4
            if len(buf) < start + length:
                return  # body not complete yet
            body = bytes(buf[start:start + length])
            del buf[:start + length]
            line_end = head.find(b"\r\n")
            method, _, rest = head[:line_end if line_end >= 0 else len(head)].partition(b" ")
            path = rest.partition(b" ")[0].partition(b"?")[0]
            close = b"\r\nconnection: close" in head
            self._reply(self._route(method, path, body), close=close)
            if close:
                return

    def _route(self, method: bytes, path: bytes, body: bytes) -> bytes:
        if method == b"post" and path.endswith(b"/chat/completions"):
            return chat_response(body)
        if method == b"post" and path.endswith(b"/v1/messages"):
            return MESSAGE
        if method == b"post" and path.endswith(b"/v1/responses"):
            return RESPONSE
        if method == b"get" and path.endswith(b"/models"):
            return MODELS
        if method in (b"get", b"head") and path in (b"/", b"/health"):
            return HEALTH
        return NOT_FOUND

    def _reply(self, payload: bytes, *, close: bool = False) -> None:
        if self.delay_s > 0 or self.queued:
            self.queued += 1
            asyncio.get_running_loop().call_later(self.delay_s, self._delayed, payload, close)
        else:
            self._write(payload, close)

    def _delayed(self, payload: bytes, close: bool) -> None:
        self.queued -= 1
        self._write(payload, close)

    def _write(self, payload: bytes, close: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(payload)
        if close:
            transport.close()


async def serve(host: str, port: int, delay_s: float, loop_name: str) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: StubProtocol(delay_s), host, port, backlog=4096, reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"turnout bench stub: loop={loop_name} http://{host}:{port}/v1 delay_ms={delay_s * 1000:g} "
          f"pid={os.getpid()} started={time.strftime('%H:%M:%S')}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18000)
    ap.add_argument("--delay-ms", type=float, default=0.0, help="wait this long before each answer")
    ap.add_argument("--stream-words", type=int, default=0,
                    help="content chunks per streamed answer (default: the 6-word greeting)")
    args = ap.parse_args(argv)
    if args.stream_words:
        global STREAM, STREAM_USAGE
        STREAM, STREAM_USAGE = _streams([f" w{i}" for i in range(args.stream_words)])
    runner: Callable[[Coroutine[Any, Any, None]], None]
    try:
        import uvloop

        runner, loop_name = uvloop.run, "uvloop"
    except ImportError:  # the stub still works, just slower; the banner says which loop ran
        runner, loop_name = asyncio.run, "asyncio"
    runner(serve(args.host, args.port, args.delay_ms / 1000.0, loop_name))


if __name__ == "__main__":
    main()
