"""Every front door answers with the X-Request-Id its ledger row has, so a caller can send
feedback (or look the request up) by the header it got, whatever door it came in by."""

from __future__ import annotations

import httpx
import pytest

MODELS = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1.0,
           "output_per_mtok": 2.0}]
USER = [{"role": "user", "content": "name three colours"}]
DOORS = {
    "chat": ("/chat/completions", {"model": "fake/cloud", "messages": USER}),
    "messages": ("/messages", {"model": "fake/cloud", "max_tokens": 50, "messages": USER}),
    "responses": ("/responses", {"model": "fake/cloud", "input": "name three colours"}),
    "completions": ("/completions", {"model": "fake/cloud", "prompt": "name three colours"}),
}


@pytest.fixture
def server(serve):
    return serve({"models": MODELS})


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize("stream", [False, True])
def test_the_answer_header_is_the_ledger_id(server, door, stream):
    path, body = DOORS[door]
    r = httpx.post(f"{server.base_url}{path}", json={**body, "stream": stream})
    assert r.status_code == 200, r.text
    rid = r.headers["x-request-id"]
    rated = httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "thumbs": "up"})
    assert rated.status_code == 200, rated.text


def test_a_caller_id_is_echoed_and_the_ledger_keeps_its_own(server):
    path, body = DOORS["messages"]
    r = httpx.post(f"{server.base_url}{path}", json=body, headers={"x-request-id": "trace-7"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "trace-7"
    unknown = httpx.post(f"{server.base_url}/feedback", json={"request_id": "trace-7", "thumbs": "up"})
    assert unknown.status_code == 404


def test_an_embeddings_row_has_the_answer_header_id(server):
    from turnout.ledger.queries import LedgerQueries

    r = httpx.post(f"{server.base_url}/embeddings", json={"model": "auto", "input": "the cat sat"})
    assert r.status_code == 200, r.text
    server.gateway.ledger.flush()
    row = LedgerQueries(server.gateway.ledger).request(r.headers["x-request-id"])
    assert row is not None and row["status"] == 200
