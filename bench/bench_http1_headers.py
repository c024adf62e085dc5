"""The parse of one OpenAI-shaped answer (its real set of 25 response headers) by
``providers/http1``'s connection, N times, no socket. Prints thread CPU an answer and the headers
kept. For instruction counts, run it twice under callgrind and take the difference:

    valgrind --tool=callgrind python bench/bench_http1_headers.py 1000
    valgrind --tool=callgrind python bench/bench_http1_headers.py 4000    # (4000 - 1000) / 3000
"""

from __future__ import annotations

import asyncio
import sys
import time

import orjson

from turnout.providers import http1

BODY = orjson.dumps({
    "id": "chatcmpl-x", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! Hope your day is great."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}})
HEADERS = [
    ("date", "Sat, 05 Dec 2026 17:00:00 GMT"), ("content-type", "application/json"),
    ("content-length", str(len(BODY))), ("connection", "keep-alive"),
    ("access-control-expose-headers", "X-Request-ID"), ("openai-organization", "user-abc123"),
    ("openai-processing-ms", "412"), ("openai-project", "proj_abc123"), ("openai-version", "2020-10-01"),
    ("x-envoy-upstream-service-time", "415"), ("x-ratelimit-limit-requests", "10000"),
    ("x-ratelimit-limit-tokens", "30000000"), ("x-ratelimit-remaining-requests", "9999"),
    ("x-ratelimit-remaining-tokens", "29999980"), ("x-ratelimit-reset-requests", "6ms"),
    ("x-ratelimit-reset-tokens", "0s"), ("x-request-id", "req_0123456789abcdef0123456789abcdef"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"), ("cf-cache-status", "DYNAMIC"),
    ("set-cookie", "__cf_bm=abc; path=/; expires=Sat, 05-Dec-26 17:30:00 GMT; domain=.api.openai.com; HttpOnly"),
    ("x-content-type-options", "nosniff"), ("set-cookie", "_cfuvid=xyz; path=/; domain=.api.openai.com; HttpOnly"),
    ("server", "cloudflare"), ("cf-ray", "8f0123456789abcd-FRA"), ("alt-svc", 'h3=":443"; ma=86400'),
]
ANSWER = b"HTTP/1.1 200 OK\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in HEADERS) + b"\r\n" + BODY


class _Sink:
    def write(self, data: bytes) -> None:
        pass

    def is_closing(self) -> bool:
        return False


async def run(n: int) -> None:
    conn = http1._Connection()
    conn.connection_made(_Sink())  # type: ignore[arg-type]
    for _ in range(200):
        waiter = conn.send(b"x", 1 << 20)
        conn.data_received(ANSWER)
    started = time.thread_time()
    for _ in range(n):
        waiter = conn.send(b"x", 1 << 20)
        conn.data_received(ANSWER)
    cpu = (time.thread_time() - started) / n * 1e6
    print(f"{n} answers: {cpu:.2f} µs thread CPU an answer; headers kept: {sorted(waiter.result().headers)}")


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
