"""Bad input on the doors: malformed bodies, deep nesting, huge fields."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from typing import Any

from redteam.drive import Gateway
from redteam.planting import b64


def _deep(depth: int, leaf: Any = "x") -> Any:
    v: Any = leaf
    for _ in range(depth):
        v = {"a": v}
    return v


def _deep_list(depth: int) -> Any:
    v: Any = "x"
    for _ in range(depth):
        v = [v]
    return v


def bad_inputs() -> list[tuple[str, str, bytes, dict[str, str]]]:
    """(label, path, body, headers): malformed bodies, deep nesting, huge fields on each door."""
    j = {"content-type": "application/json"}
    cases: list[tuple[str, str, bytes, dict[str, str]]] = []
    doors = {"chat": ("/v1/chat/completions", lambda extra: {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], **extra}),
             "responses": ("/v1/responses", lambda extra: {"model": "gpt-4.1-mini", "input": "hi", **extra}),
             "messages": ("/v1/messages", lambda extra: {"model": "claude-haiku-4-5-20251001", "max_tokens": 16,
                                                         "messages": [{"role": "user", "content": "hi"}], **extra}),
             "completions": ("/v1/completions", lambda extra: {"model": "gpt-4o-mini", "prompt": "hi", **extra}),
             "embeddings": ("/v1/embeddings", lambda extra: {"model": "text-embedding-3-small", "input": "hi", **extra}),
             "count_tokens": ("/v1/messages/count_tokens", lambda extra: {"model": "claude-haiku-4-5-20251001",
                                                                          "messages": [{"role": "user", "content": "hi"}], **extra})}
    for door, (path, make) in doors.items():
        def add(label: str, body: bytes, headers: dict[str, str] = j, door: str = door, path: str = path) -> None:
            cases.append((f"{door}: {label}", path, body, headers))
        add("empty body", b"")
        add("not JSON", b"{model: gpt")
        add("truncated JSON", json.dumps(make({}))[:-3].encode())
        add("top-level array", b"[1, 2]")
        add("top-level string", b'"hi"')
        add("invalid UTF-8", json.dumps(make({})).encode().replace(b"hi", b"h\xff\xfe"))
        add("lone surrogate", json.dumps(make({"x_note": "a\ud800b"})).encode())
        add("NaN and Infinity", json.dumps(make({"temperature": float("nan"), "top_p": float("inf")})).encode())
        add("1e400", json.dumps(make({})).encode()[:-1] + b', "x_num": 1e400}')
        add("huge int", json.dumps(make({"max_tokens": 10 ** 40, "x_big": 10 ** 400})).encode())
        add("NUL in text", json.dumps(make({"x_note": "a\x00b"})).encode())
        add("duplicate keys", json.dumps(make({})).encode()[:-1] + b', "model": 5}')
        add("model wrong type", json.dumps(make({"model": ["a"]})).encode())
        add("stream wrong type", json.dumps(make({"stream": "yes"})).encode())
        add("deep dict 200", json.dumps(make({"x_deep": _deep(200)})).encode())
        add("deep dict 5000", _deep_json(5000, make))
        add("deep list 100000", _deep_list_json(100_000, make))
        add("metadata deep 900", json.dumps(make({"metadata": _deep(900)})).encode())
        add("3 MB unknown field", json.dumps(make({"x_note": "a" * 3_000_000})).encode())
        add("3 MB base64 field", json.dumps(make({"x_note": b64(os.urandom(2_200_000))})).encode())
        add("5 MB body", json.dumps(make({"x_note": "a" * 5_000_000})).encode())
        add("100k keys", json.dumps(make({"x_wide": {f"k{i}": i for i in range(100_000)}})).encode())
        add("wrong content-type", json.dumps(make({})).encode(), {"content-type": "text/plain"})
        add("gzip content-encoding", gzip.compress(json.dumps(make({})).encode()), {**j, "content-encoding": "gzip"})
        if door in ("chat", "messages"):
            add("messages not a list", json.dumps(make({"messages": "hi"})).encode())
            add("message not an object", json.dumps(make({"messages": [5]})).encode())
            add("content a number", json.dumps(make({"messages": [{"role": "user", "content": 5}]})).encode())
            add("content parts nested 500", json.dumps(make({"messages": [{"role": "user", "content": _deep_list(500)}]})).encode())
            add("role unknown", json.dumps(make({"messages": [{"role": "wizard", "content": "hi"}]})).encode())
            add("no messages", json.dumps(make({"messages": []})).encode())
            add("30k messages", json.dumps(make({"messages": [{"role": "user", "content": "hi"}] * 30_000})).encode())
            add("tools a string", json.dumps(make({"tools": "x"})).encode())
            add("tool arguments deep JSON", json.dumps(make({"messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function", "function": {
                    "name": "f", "arguments": "[" * 50_000 + "]" * 50_000}}]},
                {"role": "tool", "tool_call_id": "c", "content": "ok"}]})).encode())
            add("tool arguments deep JSON object", json.dumps(make({"messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function", "function": {
                    "name": "f", "arguments": '{"a":' * 2000 + "1" + "}" * 2000}}]},
                {"role": "tool", "tool_call_id": "c", "content": "ok"}]})).encode())
            add("image part deep JSON", json.dumps(make({"messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": _deep(900)}]}]})).encode())
        if door == "responses":
            add("function_call arguments deep JSON", json.dumps(make({"input": [
                {"role": "user", "content": "hi"},
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": '{"a":' * 2000 + "1" + "}" * 2000},
                {"type": "function_call_output", "call_id": "c", "output": "ok"}]})).encode())
            add("input a number", json.dumps(make({"input": 5})).encode())
            add("input items deep", json.dumps(make({"input": [{"role": "user", "content": _deep_list(500)}]})).encode())
            add("previous_response_id unknown", json.dumps(make({"previous_response_id": "resp_nope"})).encode())
            add("text.format wrong", json.dumps(make({"text": {"format": 5}})).encode())
        if door == "completions":
            add("prompt list of ints", json.dumps(make({"prompt": [[1, 2, 3], [4, 5]]})).encode())
            add("prompt 5000 items", json.dumps(make({"prompt": ["hi"] * 5000})).encode())
            add("prompt nested list", json.dumps(make({"prompt": [[["x"]]]})).encode())
        if door == "embeddings":
            add("input 3000 items", json.dumps(make({"input": ["hi"] * 3000})).encode())
            add("input token ids out of range", json.dumps(make({"input": [[10 ** 12, -5]]})).encode())
            add("input nested lists", json.dumps(make({"input": [[["x"]]]})).encode())
    return cases


def _deep_json(depth: int, make: Callable[[dict[str, Any]], dict[str, Any]]) -> bytes:
    head = json.dumps(make({"x_deep": "@@"})).encode()
    return head.replace(b'"@@"', b'{"a":' * depth + b'"x"' + b"}" * depth)


def _deep_list_json(depth: int, make: Callable[[dict[str, Any]], dict[str, Any]]) -> bytes:
    head = json.dumps(make({"x_deep": "@@"})).encode()
    return head.replace(b'"@@"', b"[" * depth + b"]" * depth)


def probe_bad_input(gw: Gateway) -> list[dict[str, Any]]:
    import httpx

    out = []
    with httpx.Client(timeout=60) as client:
        for label, path, body, headers in bad_inputs():
            try:
                r = client.post(gw.url + path, content=body, headers=headers)
                status, code = r.status_code, r.headers.get("x-turnout-error-code", "")
                etype = ""
                try:
                    err = r.json().get("error")
                    etype = err.get("type", "") if isinstance(err, dict) else ""
                except ValueError:
                    pass
            except httpx.HTTPError as exc:
                status, code, etype = -1, type(exc).__name__, ""
            finding = (status >= 500 and not (status == 503 and etype == "confidentiality_error")) or status < 0 or not gw.alive()
            out.append({"gateway": gw.name, "input": label, "status": status, "code": code, "type": etype, "finding": finding})
    return out
