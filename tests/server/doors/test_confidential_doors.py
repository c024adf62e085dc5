"""PRODUCT invariant 1 on every front door: a fresh secret planted in any message-borne position
of a random request, through any door, plain or streamed, never reaches a non-local model, and
the answer still comes (from the local model)."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turnout.detect.pii import luhn_valid
from turnout.providers.fake import FakeProvider

MODELS = [
    {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1.0, "output_per_mtok": 2.0},
    {"name": "fake/cloud-2", "provider": "fake", "local": False, "tier": 2},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]


def _luhn(body: str) -> str:
    """``body`` completed with its Luhn check digit."""
    return next(body + c for c in "0123456789" if luhn_valid(body + c))


cards = st.text(alphabet="0123456789", min_size=14, max_size=14).map(lambda d: _luhn("4" + d))


def _spaced(card: str) -> str:
    return " ".join(card[i:i + 4] for i in range(0, 16, 4))


def messages_body(secret: str, where: str, model: str, stream: bool) -> tuple[str, dict]:
    text = f"please note {secret} thanks"
    turns = [{"role": "user", "content": "hello"},
             {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {"q": "x"}}]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "done"},
                                          {"type": "text", "text": "go on"}]}]
    body = {"model": model, "max_tokens": 32, "stream": stream, "messages": turns}
    if where == "system":
        body["system"] = [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]
    elif where == "user":
        turns[0]["content"] = text
    elif where == "tool_result":
        turns[2]["content"][0]["content"] = [{"type": "text", "text": text}]
    elif where == "tool_input":
        turns[1]["content"][0]["input"] = {"q": text}
    elif where == "document":
        turns[2]["content"].append({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": text}})
    return "/v1/messages", body


def responses_body(secret: str, where: str, model: str, stream: bool) -> tuple[str, dict]:
    text = f"please note {secret} thanks"
    items = [{"role": "user", "content": [{"type": "input_text", "text": "hello"}]},
             {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
             {"type": "function_call_output", "call_id": "c1", "output": "done"}]
    body = {"model": model, "stream": stream, "store": False, "input": items}
    if where == "system":
        body["instructions"] = text
    elif where == "user":
        items[0]["content"][0]["text"] = text
    elif where == "tool_result":
        items[2]["output"] = text
    elif where == "tool_input":
        items[1]["arguments"] = json.dumps({"q": text})
    elif where == "document":
        items.append({"role": "developer", "content": text})
    return "/v1/responses", body


def completions_body(secret: str, where: str, model: str, stream: bool) -> tuple[str, dict]:
    return "/v1/completions", {"model": model, "stream": stream, "max_tokens": 32, "prompt": f"note {secret} please"}


DOORS = {"messages": messages_body, "responses": responses_body, "completions": completions_body}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import threading
    import time

    import uvicorn

    from turnout.config import parse_config
    from turnout.gateway import Gateway
    from turnout.server.app import TurnoutApp

    from ..conftest import free_port

    config = parse_config({"models": MODELS, "ledger": {"url": f"sqlite:///{tmp_path_factory.mktemp('l')}/l.db"},
                           "routing": {"fallbacks": ["fake/cloud-2", "fake/local"]}})
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(TurnoutApp(Gateway(config)), host="127.0.0.1", port=port,
                                        log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(card=cards, door=st.sampled_from(list(DOORS)),
       where=st.sampled_from(["system", "user", "tool_result", "tool_input", "document"]),
       model=st.sampled_from(["auto", "fake/cloud", "fake/cloud-2"]), stream=st.booleans(), spaced=st.booleans())
def test_secrets_never_reach_a_cloud_model(server, card, door, where, model, stream, spaced):
    FakeProvider.reset()
    secret = _spaced(card) if spaced else card
    path, body = DOORS[door](secret, where, model, stream)
    r = httpx.post(server + path, json=body, timeout=30)
    assert r.status_code == 200, r.text
    assert FakeProvider.calls, "nothing answered"
    for name, request in FakeProvider.calls:
        if card in json.dumps(request.messages).replace(" ", ""):
            assert name == "fake/local", f"{door}/{where}: secret sent to {name}"
    assert all(name == "fake/local" for name, _ in FakeProvider.calls)
