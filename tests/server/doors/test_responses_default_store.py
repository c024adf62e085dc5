"""A gateway with no ledger URL in its config (the default: $TURNOUT_LEDGER_URL or the data
directory's SQLite file) stores Responses conversations beside that default ledger (red9d: every
/v1/responses request was a 500 after the model had answered, default_store_url(None))."""

from __future__ import annotations

import httpx


def test_a_response_is_stored_beside_the_default_ledger(serve):
    server = serve({"models": [{"name": "fake/local", "provider": "fake", "local": True}],
                    "detection": {"complexity": False}, "ledger": {"url": None}})
    r = httpx.post(f"{server.base_url}/responses", json={"model": "fake/local", "input": "hi"})
    assert r.status_code == 200, r.text
    again = httpx.get(f"{server.base_url}/responses/{r.json()['id']}")
    assert again.status_code == 200 and again.json()["output"] == r.json()["output"]
