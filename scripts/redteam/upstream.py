"""The logging fake upstream: OpenAI chat / Responses / completions / embeddings and Anthropic Messages, JSON and SSE."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections import defaultdict
from typing import Any

from redteam.planting import b64

CREATED = 1_700_000_000
ANSWER = "All right."


def _sse(events: list[tuple[str | None, Any]]) -> bytes:
    out = []
    for name, data in events:
        line = data if isinstance(data, str) else json.dumps(data)
        out.append((f"event: {name}\n" if name else "") + f"data: {line}\n\n")
    return "".join(out).encode()


def chat_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    if not req.get("stream"):
        return json.dumps({"id": "chatcmpl-rt", "object": "chat.completion", "created": CREATED, "model": model,
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER},
                                        "logprobs": None, "finish_reason": "stop"}], "usage": usage}).encode(), "application/json"

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, with_usage: bool = False) -> dict[str, Any]:
        c: dict[str, Any] = {"id": "chatcmpl-rt", "object": "chat.completion.chunk", "created": CREATED, "model": model,
                             "choices": [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if with_usage:
            c["usage"] = usage
        return c
    events: list[tuple[str | None, Any]] = [(None, chunk({"role": "assistant", "content": ""})), (None, chunk({"content": ANSWER})),
                                            (None, chunk({}, "stop"))]
    if (req.get("stream_options") or {}).get("include_usage"):
        events.append((None, chunk(None, with_usage=True)))
    events.append((None, "[DONE]"))
    return _sse(events), "text/event-stream"


def completion_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    prompt = req.get("prompt")
    prompts = prompt if isinstance(prompt, list) else [prompt]
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    choices = [{"text": ANSWER, "index": i, "logprobs": None, "finish_reason": "stop"} for i in range(len(prompts))]
    if not req.get("stream"):
        return json.dumps({"id": "cmpl-rt", "object": "text_completion", "created": CREATED, "model": model,
                           "choices": choices, "usage": usage}).encode(), "application/json"
    events: list[tuple[str | None, Any]] = [(None, {"id": "cmpl-rt", "object": "text_completion", "created": CREATED, "model": model,
                                                    "choices": [c]}) for c in choices]
    events.append((None, "[DONE]"))
    return _sse(events), "text/event-stream"


def response_obj(model: str, status: str, output: list[Any]) -> dict[str, Any]:
    return {"id": "resp_rt", "object": "response", "created_at": CREATED, "status": status, "error": None,
            "incomplete_details": None, "instructions": None, "max_output_tokens": None, "model": model,
            "output": output, "parallel_tool_calls": True, "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None}, "store": False, "temperature": 1.0,
            "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": 1.0,
            "truncation": "disabled", "user": None, "metadata": {},
            "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 2,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 12} if status == "completed" else None}


def responses_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    part = {"type": "output_text", "text": ANSWER, "annotations": [], "logprobs": []}
    item = {"id": "msg_rt", "type": "message", "status": "completed", "role": "assistant", "content": [part]}
    if not req.get("stream"):
        return json.dumps(response_obj(model, "completed", [item])).encode(), "application/json"
    seq = iter(range(100))
    empty = {**item, "status": "in_progress", "content": []}
    ev: list[tuple[str | None, Any]] = []

    def add(name: str, **data: Any) -> None:
        ev.append((name, {"type": name, "sequence_number": next(seq), **data}))
    add("response.created", response=response_obj(model, "in_progress", []))
    add("response.in_progress", response=response_obj(model, "in_progress", []))
    add("response.output_item.added", output_index=0, item=empty)
    add("response.content_part.added", item_id="msg_rt", output_index=0, content_index=0, part={**part, "text": ""})
    add("response.output_text.delta", item_id="msg_rt", output_index=0, content_index=0, delta=ANSWER, logprobs=[])
    add("response.output_text.done", item_id="msg_rt", output_index=0, content_index=0, text=ANSWER, logprobs=[])
    add("response.content_part.done", item_id="msg_rt", output_index=0, content_index=0, part=part)
    add("response.output_item.done", output_index=0, item=item)
    add("response.completed", response=response_obj(model, "completed", [item]))
    return _sse(ev), "text/event-stream"


def messages_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    model = req.get("model", "m")
    usage = {"input_tokens": 10, "output_tokens": 2, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    msg = {"id": "msg_rt", "type": "message", "role": "assistant", "model": model, "content": [{"type": "text", "text": ANSWER}],
           "stop_reason": "end_turn", "stop_sequence": None, "usage": usage}
    if not req.get("stream"):
        return json.dumps(msg).encode(), "application/json"
    ev: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": {**msg, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": ANSWER}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 2}}),
        ("message_stop", {"type": "message_stop"})]
    return _sse(ev), "text/event-stream"


def embeddings_reply(req: dict[str, Any]) -> tuple[bytes, str]:
    inputs = req.get("input")
    n = len(inputs) if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int) else 1
    vec = [0.1] * 8
    enc: Any = b64(b"".join(__import__("struct").pack("<f", v) for v in vec)) if req.get("encoding_format") == "base64" else vec
    return json.dumps({"object": "list", "model": req.get("model", "m"), "usage": {"prompt_tokens": 3, "total_tokens": 3},
                       "data": [{"object": "embedding", "index": i, "embedding": enc} for i in range(n)]}).encode(), "application/json"


_PLAIN_HEADERS = frozenset({"host", "content-length", "content-type", "accept", "accept-encoding", "connection",
                            "authorization", "x-api-key", "user-agent"})


class Upstream:
    """aiohttp on its own loop thread; ``bodies[(gateway, 'cloud'|'local')]`` is every POST body."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bodies: dict[tuple[str, str], list[tuple[str, bytes]]] = defaultdict(list)
        self.failing: dict[str, str] = {}  # gateway -> "local" | "cloud": the route that answers 500
        self.loop = asyncio.new_event_loop()
        self.port = free_port()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise SystemExit("the fake upstream did not start")

    def _run(self) -> None:
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self.loop.run_forever()

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        path = request.path
        parts = path.strip("/").split("/")
        gateway, where = [*parts, "?", "?"][:2]
        if request.method != "POST":
            return web.json_response({"object": "list", "data": [{"id": "m", "object": "model", "created": CREATED, "owned_by": "rt"}]})
        body = await request.read()
        # the headers too, as one more JSON "body": a header the gateway forwards (anthropic-beta,
        # the caller's own) carries text to the model's provider like a field does
        headers = json.dumps({k: v for k, v in request.headers.items() if k.lower() not in _PLAIN_HEADERS}).encode()
        with self.lock:
            self.bodies[(gateway, where)].append((path, body))
            self.bodies[(gateway, where)].append((path + "#headers", headers))
            failing = self.failing.get(gateway, "")
            if failing == "cloud" and where == "cloud":
                self.failing[gateway] = ""  # the first cloud call only: the fallback is answered
        if failing == where:
            return web.json_response({"error": {"message": "injected failure", "type": "server_error"}}, status=500)
        try:
            req = json.loads(body)
        except ValueError:
            return web.json_response({"error": {"message": "bad json", "type": "invalid_request_error"}}, status=400)
        if not isinstance(req, dict):
            req = {}
        if path.endswith("/chat/completions"):
            data, ctype = chat_reply(req)
        elif path.endswith("/messages/count_tokens"):
            data, ctype = b'{"input_tokens": 10}', "application/json"
        elif path.endswith("/messages"):
            data, ctype = messages_reply(req)
        elif path.endswith("/responses"):
            data, ctype = responses_reply(req)
        elif path.endswith("/completions"):
            data, ctype = completion_reply(req)
        elif path.endswith("/embeddings"):
            data, ctype = embeddings_reply(req)
        else:
            return web.json_response({"error": {"message": "no route", "type": "invalid_request_error"}}, status=404)
        return web.Response(body=data, headers={"content-type": ctype})

    def fail(self, gateway: str, route: str) -> None:
        """Answer 500 on ``route`` for this gateway: "local" until changed, "cloud" once."""
        with self.lock:
            self.failing[gateway] = route

    def take(self, gateway: str) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
        """The cloud and local bodies a gateway sent since the last take."""
        with self.lock:
            cloud = self.bodies.pop((gateway, "cloud"), [])
            local = self.bodies.pop((gateway, "local"), [])
        return cloud, local

    def close(self) -> None:
        async def stop() -> None:
            await self.runner.cleanup()
        with contextlib.suppress(Exception):  # best effort at exit
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
