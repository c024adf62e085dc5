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


def test_fit_and_simulate_from_the_ledger(serve, tmp_path):
    import json

    import yaml
    from typer.testing import CliRunner

    from turnout.cli import app

    models = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3,
               "input_per_mtok": 2.0, "output_per_mtok": 8.0},
              {"name": "fake/cheap", "provider": "fake", "local": False, "tier": 1,
               "input_per_mtok": 0.1, "output_per_mtok": 0.4}]
    server = serve({"models": models, "ledger": {"store_prompts": True}})
    prompts = [f"Tell me a fun fact about the number {i}." for i in range(6)]
    for i, p in enumerate(prompts):
        model = "fake/cloud" if i % 2 else "fake/cheap"
        r = httpx.post(f"{server.base_url}/chat/completions",
                       json={"model": model, "messages": [{"role": "user", "content": p}]})
        rid = r.json()["turnout"]["request_id"]
        httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "thumbs": "up" if i % 3 else "down"})
    server.stop()
    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(yaml.safe_dump({"models": models, "routing": {"quality_target": 0.9},
                                   "ledger": {"url": f"sqlite:///{tmp_path}/ledger.db"}}))
    runner = CliRunner()
    res = runner.invoke(app, ["router", "fit", "--from-ledger", "-c", str(cfg), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["prompts"] == 6
    res = runner.invoke(app, ["simulate", "-c", str(cfg), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)["result"]
    assert out["requests"] == 6 and out["compared"] == 6
    assert out["labelled"] >= 1  # requests routed to the model that was rated keep their label
