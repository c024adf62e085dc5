"""``/v1/embeddings``, ``/v1/completions`` and ``/v1/models/{id}`` with the official ``openai`` SDK."""

from __future__ import annotations

import asyncio

import httpx
import numpy as np
import openai
import pytest

from turnout.providers.fake import FakeProvider

from .conftest import fixture_json

FAKES = [
    {"name": "fake/cloud", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1.0,
     "output_per_mtok": 2.0},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]


def sdk(server, key="unused"):
    return openai.OpenAI(base_url=server.base_url, api_key=key, max_retries=0)


@pytest.fixture
def fakes(serve):
    return serve({"models": FAKES})


def _ledger_by_model(server):
    ledger = server.gateway.ledger
    ledger.flush()
    return {row.group: row for row in ledger.summary(since=0, by="model")}


def test_embeddings_auto_without_keys_use_the_local_model(fakes):
    client = sdk(fakes)
    raw = client.embeddings.with_raw_response.create(model="auto", input=["the cat sat", "a dog ran", "the cat sat"])
    result = raw.parse()  # the SDK asks for base64 and decodes it itself
    assert result.model == "local/minilm-static" and raw.headers["x-turnout-model"] == "local/minilm-static"
    vectors = np.array([d.embedding for d in result.data])
    assert vectors.shape == (3, 128) and [d.index for d in result.data] == [0, 1, 2]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2]) and not np.allclose(vectors[0], vectors[1])
    assert result.usage.prompt_tokens > 0
    floats = httpx.post(f"{fakes.base_url}/embeddings", json={"model": "auto", "input": "the cat sat",
                                                              "encoding_format": "float"}).json()
    assert np.allclose(floats["data"][0]["embedding"], vectors[0], atol=1e-6)


def test_embeddings_token_arrays_and_errors(fakes):
    from turnout.tokens import _get_encoder  # the offline cl100k the gateway uses

    ids = _get_encoder().encode("the cat sat")
    r = httpx.post(f"{fakes.base_url}/embeddings", json={"model": "auto", "input": [ids], "encoding_format": "float"})
    assert r.status_code == 200 and len(r.json()["data"][0]["embedding"]) == 128
    for body, status in (({"model": "auto"}, 400), ({"model": "auto", "input": [1.5]}, 400),
                         ({"model": "nope-embed", "input": "x"}, 404),
                         ({"model": "auto", "input": "x", "dimensions": 64}, 400),
                         ({"model": "auto", "input": "x", "encoding_format": "hex"}, 400)):
        r = httpx.post(f"{fakes.base_url}/embeddings", json=body)
        assert r.status_code == status and "error" in r.json(), body


@pytest.fixture
def openai_server(serve, upstream):
    return serve({"models": [*FAKES, {"name": "text-embedding-3-small", "provider": "openai",
                                      "api_base": upstream.url + "/v1", "api_key": "sk-up"}]})


def test_embeddings_routed_to_openai_priced_and_accounted(openai_server, upstream):
    upstream.reply_json(fixture_json("openai_embeddings.json"))
    result = sdk(openai_server).embeddings.create(model="text-embedding-3-small", input=["first", "second"])
    assert upstream.last.path == "/v1/embeddings"
    assert upstream.last.body == {"model": "text-embedding-3-small", "input": ["first", "second"],
                                  "encoding_format": "float"}
    assert len(result.data) == 2 and result.data[1].embedding[0] == pytest.approx(-0.0069292834)
    assert result.usage.prompt_tokens == 8
    assert result.model_extra["turnout"]["cost_usd"] == pytest.approx(8 * 0.02 / 1e6)
    auto = sdk(openai_server).embeddings.create(model="auto", input=["public one", "public two"])
    assert auto.model == "text-embedding-3-small"  # with OpenAI set up, auto picks it for public text
    row = _ledger_by_model(openai_server)["text-embedding-3-small"]
    assert row.requests == 2 and row.prompt_tokens == 16


def test_confidential_embeddings_never_leave(openai_server, upstream):
    upstream.reply_json(fixture_json("openai_embeddings.json"))
    secret = "card 4111 1111 1111 1111"
    auto = sdk(openai_server).embeddings.create(model="auto", input=["public", secret])
    assert auto.model == "local/minilm-static"
    r = httpx.post(f"{openai_server.base_url}/embeddings", json={"model": "text-embedding-3-small", "input": [secret]})
    assert r.status_code == 503 and r.json()["error"]["code"] == "no_local_model"
    assert upstream.requests == []


def test_embeddings_budget_and_ledger(serve, tmp_path, upstream):
    server = serve({"models": [*FAKES, {"name": "text-embedding-3-small", "api_base": upstream.url + "/v1",
                                        "api_key": "sk", "provider": "openai"}],
                    "server": {"master_key": "sk-m", "keys_url": f"sqlite:///{tmp_path}/k.db"}})
    upstream.reply_json(fixture_json("openai_embeddings.json"))
    plaintext, key = server.gateway.keys.create("emb", budget_usd=1e-7)
    client = sdk(server, plaintext)
    client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    with pytest.raises(openai.RateLimitError):
        for _ in range(5):
            client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    spent = asyncio.run(server.gateway.limits.spent(key.budget_scope()))
    assert spent <= 1e-7 + 8 * 0.02 / 1e6


def test_legacy_completions(fakes):
    client = sdk(fakes)
    r = client.completions.create(model="fake/cloud", prompt="once upon a time", max_tokens=50)
    assert r.object == "text_completion" and r.choices[0].text == "fake:fake/cloud: once upon a time"
    assert r.usage.completion_tokens > 0 and r.model == "fake/cloud"
    assert FakeProvider.calls_to("fake/cloud")[-1].origin == "openai.completions"
    two = client.completions.create(model="fake/cloud", prompt=["a", "b"], max_tokens=50)
    assert [c.text for c in two.choices] == ["fake:fake/cloud: a", "fake:fake/cloud: b"]
    chunks = list(client.completions.create(model="fake/cloud", prompt="stream it", max_tokens=50, stream=True,
                                            stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "fake:fake/cloud: stream it"
    assert chunks[-1].usage.completion_tokens > 0
    short = client.completions.create(model="fake/cloud", prompt="one two three four five six seven eight nine ten "
                                      "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen")
    assert short.choices[0].finish_reason == "length"  # the legacy default of 16 tokens
    echo = client.completions.create(model="fake/cloud", prompt="p: ", echo=True, max_tokens=50)
    assert echo.choices[0].text.startswith("p: fake:")
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model="fake/cloud", prompt="x", suffix="y")


def test_models_by_id(fakes):
    client = sdk(fakes)
    assert client.models.retrieve("fake/cloud").owned_by == "fake"
    assert client.models.retrieve("auto").id == "auto"
    assert client.models.retrieve("local/minilm-static").id == "local/minilm-static"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-nothing")


def test_legacy_completions_with_prompts_routed_apart_report_every_model(fakes):
    # Each prompt of a list is routed on its own: a confidential one goes local, an ordinary one
    # may go to the cloud. The answer and its headers must not name only the first prompt's model
    # or cost (red-team: a caller read "fake/cloud" for a batch whose second prompt ran locally).
    client = sdk(fakes)
    card = "4539 5787 6362 1486"
    raw = client.completions.with_raw_response.create(
        model="auto", prompt=["Say hello in five words.", f"Charge card {card} for the order."], max_tokens=50)
    answer = raw.parse()
    routed = [t["model"] for t in answer.model_extra["turnout"]]
    assert routed[1] == "fake/local"
    assert answer.choices[1].text.startswith("fake:fake/local:")
    expected = ",".join(dict.fromkeys(routed))
    assert answer.model == expected and raw.headers["x-turnout-model"] == expected
    cost = sum(t.get("cost_usd", 0.0) for t in answer.model_extra["turnout"])
    assert float(raw.headers["x-turnout-cost-usd"]) == pytest.approx(cost, rel=1e-6, abs=1e-12)
    same = client.completions.with_raw_response.create(model="fake/cloud", prompt=["a", "b"], max_tokens=50)
    assert same.parse().model == "fake/cloud" and same.headers["x-turnout-model"] == "fake/cloud"


def test_legacy_completions_refuse_a_list_of_more_prompts_than_the_limit(fakes):
    """Each prompt is an upstream call of its own (red9g: 5,000 prompts made 5,000 calls)."""
    from turnout.server.doors.completions import MAX_PROMPTS

    client = sdk(fakes)
    before = len(FakeProvider.calls_to("fake/cloud"))
    with pytest.raises(openai.BadRequestError) as err:
        client.completions.create(model="fake/cloud", prompt=["p"] * (MAX_PROMPTS + 1), max_tokens=5)
    assert err.value.status_code == 400 and "prompt" in str(err.value)
    assert len(FakeProvider.calls_to("fake/cloud")) == before
    ok = client.completions.create(model="fake/cloud", prompt=["p"] * 3, max_tokens=5)
    assert len(ok.choices) == 3
