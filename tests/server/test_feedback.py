"""POST /v1/feedback: rate an answer by its request id; bad bodies are a 400 in OpenAI's shape."""

from __future__ import annotations

import httpx
import pytest

from turnout.learn.feedback_store import open_feedback_store

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
    store = open_feedback_store(f"sqlite:///{tmp_path}/ledger.db")
    labels = store.labels()
    store.close()
    assert {(lb.request_id, lb.model, lb.score) for lb in labels} == {(rid, "fake/cloud", 1.0), (rid, "fake/cloud", 0.3)}


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


def test_cascade_outcomes_in_the_ledger_train_the_router(serve, tmp_path):
    """End to end: cascaded requests through the gateway record accepted / escalated in the
    ledger; a caller's thumbs joins them; `turnout router fit --from-ledger` learns from both."""
    import json

    import numpy as np
    import yaml
    from typer.testing import CliRunner

    from turnout.cli import app
    from turnout.learn.model import LearnedRouter

    def models(cheap_logprob: float) -> list[dict]:
        return [{"name": "fake/strong", "provider": "fake", "local": False, "tier": 3,
                 "input_per_mtok": 2.0, "output_per_mtok": 8.0},
                {"name": "fake/cheap", "provider": "fake", "local": False, "tier": 1,
                 "input_per_mtok": 0.1, "output_per_mtok": 0.4, "extra": {"logprob": cheap_logprob}}]

    def config(cheap_logprob: float) -> dict:
        return {"models": models(cheap_logprob), "ledger": {"store_prompts": True},
                "routing": {"cascade": {"enabled": True, "threshold": 0.5, "method": "logprobs"}}}

    asked = {"accepted": [f"What is the capital of country number {i}?" for i in range(3)],
             "escalated": [f"Prove the conjecture numbered {i} in full detail." for i in range(3)]}
    ids: dict[str, list[str]] = {}
    # the cheap model is sure of itself in the first run (kept), unsure in the second (escalated)
    for outcome, logprob in (("accepted", -0.01), ("escalated", -3.0)):
        server = serve(config(logprob))
        for prompt in asked[outcome]:
            r = httpx.post(f"{server.base_url}/chat/completions",
                           json={"model": "auto", "messages": [{"role": "user", "content": prompt}]})
            assert r.status_code == 200, r.text
            cascade = r.json()["turnout"]["cascade"]
            assert cascade["escalated"] is (outcome == "escalated"), cascade
            ids.setdefault(outcome, []).append(r.json()["turnout"]["request_id"])
        server.stop()
    # a caller liked the first escalated answer (the strong model's), and found the first kept
    # one wrong after all: a person overrules the cascade
    server = serve(config(-3.0))
    for body in ({"request_id": ids["escalated"][0], "thumbs": "up"},
                 {"request_id": ids["accepted"][0], "thumbs": "down", "model": "fake/cheap"}):
        assert httpx.post(f"{server.base_url}/feedback", json=body).status_code == 200
    server.stop()

    cfg = tmp_path / "turnout.yaml"
    cfg.write_text(yaml.safe_dump({"models": models(-3.0), "ledger": {"url": f"sqlite:///{tmp_path}/ledger.db"}}))
    res = CliRunner().invoke(app, ["router", "fit", "--from-ledger", "-c", str(cfg), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["prompts"] == 6
    # the cheap model: right where the cascade kept it (but one), wrong where it escalated
    assert out["mean_scores"] == {"fake/cheap": pytest.approx(2 / 6, abs=1e-4), "fake/strong": 1.0}
    assert out["strong"] == "fake/strong"
    fitted = LearnedRouter.load(tmp_path / "r")
    cheap = fitted.memory_scores[:, fitted.memory_models.index("fake/cheap")]
    assert sorted(cheap.tolist()) == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    strong = fitted.memory_scores[:, fitted.memory_models.index("fake/strong")]
    assert int(np.isnan(strong).sum()) == 5  # the top rung is never judged: only the thumbs


@pytest.mark.postgres
def test_feedback_goes_to_postgres_when_the_ledger_does(serve, tmp_path):
    """A PostgreSQL ledger: POST /v1/feedback writes the feedback table of migration m0003 in
    the same database, and `router fit --from-ledger` reads prompts and labels from there."""
    import json
    import os
    import uuid

    import yaml
    from typer.testing import CliRunner

    from turnout.cli import app

    psycopg = pytest.importorskip("psycopg")
    base = os.environ.get("TURNOUT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        psycopg.connect(base, connect_timeout=3).close()
    except Exception as exc:
        pytest.skip(f"PostgreSQL at {base} unavailable: {exc}")
    schema = f"turnout_fbsrv_{uuid.uuid4().hex[:10]}"
    url = f"{base}?table={schema}.usage"
    try:
        server = serve({"models": MODELS, "ledger": {"url": url, "store_prompts": True}})
        rids = []
        for i in range(3):
            r = httpx.post(f"{server.base_url}/chat/completions",
                           json={"model": "fake/cloud", "messages": [{"role": "user", "content": f"question {i}"}]})
            rids.append(r.json()["turnout"]["request_id"])
            ok = httpx.post(f"{server.base_url}/feedback", json={"request_id": rids[-1], "score": i / 2})
            assert ok.status_code == 200, ok.text
        server.stop()
        with psycopg.connect(base) as conn:
            rows = conn.execute(f'SELECT request_id, score FROM "{schema}"."usage_feedback" ORDER BY id').fetchall()
        assert rows == [(rid, i / 2) for i, rid in enumerate(rids)]
        cfg = tmp_path / "turnout.yaml"
        cfg.write_text(yaml.safe_dump({"models": MODELS, "ledger": {"url": url}}))
        res = CliRunner().invoke(app, ["router", "fit", "--from-ledger", "-c", str(cfg), "--out", str(tmp_path / "r")])
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["mean_scores"] == {"fake/cloud": 0.5}
        res = CliRunner().invoke(app, ["simulate", "-c", str(cfg), "--json"])  # replays from PostgreSQL too
        assert res.exit_code == 0, res.output
        sim = json.loads(res.stdout)["result"]
        assert sim["requests"] == 3 and sim["changed"] == 0 and sim["labelled"] == 3
        assert sim["not_replayed"]["confidential"] == 0
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_feedback_store_that_does_not_answer_is_a_503(serve, monkeypatch):
    from turnout.server import feedback

    def down(url):
        raise OSError("connection refused")

    server = serve({"models": MODELS})
    monkeypatch.setattr(feedback, "_store_for", down)
    answered = httpx.post(f"{server.base_url}/chat/completions",
                          json={"model": "fake/cloud", "messages": [{"role": "user", "content": "hello"}]})
    rid = answered.json()["turnout"]["request_id"]
    r = httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "thumbs": "up"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "feedback_store_unavailable"
    assert "refused" not in r.json()["error"]["message"]  # the cause goes to the server's log only


MASTER = "sk-master-feedback-1"


def test_a_key_rates_only_its_own_requests(serve, tmp_path):
    """A caller sees only what concerns it: a key's feedback on another key's request, or on an
    id no request had, is the same 404 (existence is not revealed); the master key may rate any
    answered request; a label without "model" is stored for the model that answered."""
    server = serve({"models": MODELS, "ledger": {"store_prompts": True},
                   "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/keys.db"}})
    alice, _ = server.gateway.keys.create("alice")
    bob, _ = server.gateway.keys.create("bob")

    def ask(key):
        r = httpx.post(f"{server.base_url}/chat/completions", headers={"Authorization": f"Bearer {key}"},
                       json={"model": "fake/cloud", "messages": [{"role": "user", "content": "hello"}]})
        return r.json()["turnout"]["request_id"]

    def rate(key, body):
        return httpx.post(f"{server.base_url}/feedback", headers={"Authorization": f"Bearer {key}"}, json=body)

    a_rid, b_rid = ask(alice), ask(bob)
    mine = rate(alice, {"request_id": a_rid, "thumbs": "up"})  # at once: the ledger may not have it yet
    assert mine.status_code == 200 and mine.json()["model"] == "fake/cloud"
    for rid in (b_rid, "no-such-request"):
        theirs = rate(alice, {"request_id": rid, "thumbs": "down"})
        assert theirs.status_code == 404, theirs.text
        assert theirs.json()["error"]["code"] == "request_not_found"
        assert theirs.json()["error"]["message"] == f"no request {rid!r} answered for this key"
    assert rate(MASTER, {"request_id": b_rid, "score": 0.5}).status_code == 200
    store = open_feedback_store(f"sqlite:///{tmp_path}/ledger.db")
    labels = store.labels()
    store.close()
    assert {(lb.request_id, lb.model, lb.score) for lb in labels} == {(a_rid, "fake/cloud", 1.0),
                                                                      (b_rid, "fake/cloud", 0.5)}


def test_ambiguous_or_unknown_ratings_are_400(serve):
    server = serve({"models": MODELS, "ledger": {"store_prompts": True}})
    r = httpx.post(f"{server.base_url}/chat/completions",
                   json={"model": "fake/cloud", "messages": [{"role": "user", "content": "hello"}]})
    rid = r.json()["turnout"]["request_id"]
    both = httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "thumbs": "up", "score": 0.1})
    assert both.status_code == 400 and "not both" in both.json()["error"]["message"]
    unknown = httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "score": 1, "model": "gpt-99"})
    assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "model"
    assert "not configured" in unknown.json()["error"]["message"]


def test_fit_from_the_ledger_leaves_out_models_the_config_no_longer_has(serve, tmp_path):
    import json

    import yaml
    from typer.testing import CliRunner

    from turnout.cli import app

    models = [{"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3},
              {"name": "fake/old", "provider": "fake", "local": False, "tier": 1}]
    server = serve({"models": models, "ledger": {"store_prompts": True}})
    for i in range(3):
        r = httpx.post(f"{server.base_url}/chat/completions",
                       json={"model": "fake/cloud", "messages": [{"role": "user", "content": f"question {i}"}]})
        rid = r.json()["turnout"]["request_id"]
        assert httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "thumbs": "up"}).status_code == 200
        assert httpx.post(f"{server.base_url}/feedback",
                          json={"request_id": rid, "thumbs": "down", "model": "fake/old"}).status_code == 200
    server.stop()
    cfg = tmp_path / "turnout.yaml"  # fake/old was removed from the deployment since
    cfg.write_text(yaml.safe_dump({"models": models[:1], "ledger": {"url": f"sqlite:///{tmp_path}/ledger.db"}}))
    res = CliRunner().invoke(app, ["router", "fit", "--from-ledger", "-c", str(cfg), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["mean_scores"] == {"fake/cloud": 1.0}
    assert "left out 3 labels of models not in the config: fake/old" in res.stderr


def test_feedback_on_a_memory_ledger_checks_the_request_too(serve):
    server = serve({"models": MODELS, "ledger": {"url": "memory://"}})
    r = httpx.post(f"{server.base_url}/chat/completions",
                   json={"model": "fake/cloud", "messages": [{"role": "user", "content": "hello"}]})
    rid = r.json()["turnout"]["request_id"]
    assert httpx.post(f"{server.base_url}/feedback", json={"request_id": rid, "score": 0.7}).status_code == 200
    assert httpx.post(f"{server.base_url}/feedback", json={"request_id": "nope", "score": 0.7}).status_code == 404


def test_feedback_without_a_ledger_is_a_400(serve):
    server = serve({"models": MODELS, "ledger": {"enabled": False}})
    r = httpx.post(f"{server.base_url}/feedback", json={"request_id": "any", "thumbs": "up"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "feedback_unsupported"


def test_a_ledger_that_does_not_answer_the_lookup_is_a_503(serve, monkeypatch):
    from turnout.server import feedback

    def down(app, ledger):
        raise OSError("connection refused")

    server = serve({"models": MODELS})
    monkeypatch.setattr(feedback, "_reader", down)
    r = httpx.post(f"{server.base_url}/feedback", json={"request_id": "r1", "thumbs": "up"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "feedback_store_unavailable"
