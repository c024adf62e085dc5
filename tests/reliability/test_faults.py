"""Faults of an upstream, through the real gateway server: every request is answered (by a
fallback when the first model fails), streams end with [DONE], internal URLs never reach
the caller, and only the model's own failures count toward its health (issue #11.2, .7, .8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import openai_model
from .faulty_upstream import FaultyUpstream

MSG = [{"role": "user", "content": "hello"}]
LIMIT = 256 * 1024  # the gateway's upstream response limit in these tests

FAULTS = ["status:500", "status:503", "429:0", "hang", "reset", "cut_before_first", "cut_after_first",
          "malformed", f"huge:{4 * LIMIT}"]


def gateway_config(primary: str, backup: str, **routing: Any) -> dict[str, Any]:
    return {
        "models": [openai_model("primary", primary, tier=3, fallbacks=["backup"]),
                   openai_model("backup", backup, tier=1)],
        "routing": {"retries": {"max_retries": 1, "backoff_s": 0, "max_backoff_s": 0},
                    "timeout_s": 0.5, **routing},
        "server": {"max_upstream_response_bytes": LIMIT},
    }


def ask(base_url: str, stream: bool, model: str = "primary", **kw: Any) -> tuple[int, str]:
    """(status, what came back): a JSON body, or the SSE text of a stream."""
    body = {"model": model, "messages": MSG, "stream": stream, **kw}
    with httpx.Client(timeout=10) as client:
        if not stream:
            r = client.post(f"{base_url}/chat/completions", json=body)
            return r.status_code, r.text
        with client.stream("POST", f"{base_url}/chat/completions", json=body) as r:
            return r.status_code, r.read().decode()


def answered(status: int, text: str, stream: bool) -> bool:
    if status != 200:
        return False
    return text.rstrip().endswith("data: [DONE]") if stream else '"content"' in text


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("fault", FAULTS)
def test_every_fault_is_answered_by_the_fallback(serve, upstream: FaultyUpstream, fault: str,  # type: ignore[no-untyped-def]
                                                 stream: bool) -> None:
    backup = FaultyUpstream().start()
    try:
        upstream.default = fault
        server = serve(gateway_config(upstream.url, backup.url))
        for _ in range(4):  # the third failure cools "primary" down: later ones skip it
            status, text = ask(server.base_url, stream)
            if fault == "cut_after_first" and stream:
                # Content already reached the caller: no fallback possible; the stream still
                # ends properly, with the error in-band, as OpenAI does.
                # (Once three such cuts cooled "primary" down, the backup answers cleanly.)
                assert status == 200 and text.rstrip().endswith("data: [DONE]"), text
                assert '"error"' in text or '"model":"backup"' in text
                continue
            assert answered(status, text, stream), (fault, status, text[:300])
            assert "127.0.0.1" not in text  # internal URLs stay in the log
        assert backup.seen and all(f == "ok" for f in backup.seen)
    finally:
        backup.stop()


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_an_upstream_4xx_goes_back_to_the_caller_and_never_cools_the_model(serve, upstream: FaultyUpstream,  # type: ignore[no-untyped-def]
                                                                          status: int) -> None:
    upstream.default = f"status:{status}"
    server = serve(gateway_config(upstream.url, upstream.url))
    for _ in range(5):
        code, text = ask(server.base_url, False)
        assert code == (400 if status == 422 else status), text  # 422: OpenAI's "invalid request", 400
        assert "error" in text and "127.0.0.1" not in text
    # No fallback for a request the upstream refused (it would be refused everywhere) ...
    assert len(upstream.seen) == 5
    # ... and the model was never taken out of service for everyone else.
    assert server.gateway.router.health.cooling_for("primary") is None
    upstream.default = "ok"
    assert ask(server.base_url, False)[0] == 200
    assert upstream.seen[-1] == "ok"


def test_5xx_and_429_do_cool_the_model(serve, upstream: FaultyUpstream) -> None:  # type: ignore[no-untyped-def]
    config = gateway_config(upstream.url, upstream.url, retries={"max_retries": 0})
    config["models"] = config["models"][:1]
    config["models"][0]["fallbacks"] = []
    server = serve(config)
    upstream.then("status:502", "429:0", "status:500")
    for expected in (503, 429, 503):
        assert ask(server.base_url, False)[0] == expected
    assert server.gateway.router.health.cooling_for("primary") is not None


def test_oversized_upstream_answer_is_a_clear_502(serve, upstream: FaultyUpstream) -> None:  # type: ignore[no-untyped-def]
    upstream.default = f"huge:{4 * LIMIT}"
    config = gateway_config(upstream.url, upstream.url)
    config["models"] = config["models"][:1]
    config["models"][0]["fallbacks"] = []
    server = serve(config)
    status, text = ask(server.base_url, False)
    assert status == 502 and "larger than the gateway's limit" in text
    # A stream's first chunks reach the caller before the limit does: the error comes in-band.
    status, text = ask(server.base_url, True)
    assert status == 200 and "larger than the gateway's limit" in text
    assert text.rstrip().endswith("data: [DONE]")


def test_unreachable_upstream_error_names_no_url(serve) -> None:  # type: ignore[no-untyped-def]
    from server.conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}/v1"
    config = gateway_config(dead, dead)
    server = serve(config)
    status, text = ask(server.base_url, False)
    assert status == 503
    assert "127.0.0.1" not in text and "http://" not in text, text
