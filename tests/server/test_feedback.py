"""POST /v1/feedback: rate an answer by its request id; bad bodies are a 400 in OpenAI's shape."""

from __future__ import annotations

import httpx

from turnout.learn.feedback import FeedbackStore

MODELS = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3}]


def test_feedback_is_stored_and_bad_bodies_are_400(serve, tmp_path):
    server = serve({"models": MODELS, "ledger": {"store_prompts": True}})
    r = httpx.post(f"{server.base_url}/chat/completions",
                   json={"model": "fake/cloud", "messages": [{"role": "user", "content": "hello"}]})
    rid = r.json()["turnout"]["request_id"]
    ok = httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "thumbs": "up"})
    assert ok.status_code == 200 and ok.json()["score"] == 1.0
    ok = httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "score": 0.3, "model": "fake/cloud"})
    assert ok.status_code == 200
    for body in (b"not json", b'{"score": 1}', b'{"request_id": "x", "score": 7}', b"[]"):
        bad = httpx.post(f"{server.base_url}/feedback", content=body,
                         headers={"content-type": "application/json"})
        assert bad.status_code == 400, body
        assert bad.json()["error"]["message"]
    assert httpx.get(f"{server.base_url}/feedback").status_code == 405
    store = FeedbackStore(tmp_path / "ledger.db")
    labels = store.labels()
    store.close()
    assert {(lb.request_id, lb.model, lb.score) for lb in labels} == {(rid, None, 1.0), (rid, "fake/cloud", 0.3)}
