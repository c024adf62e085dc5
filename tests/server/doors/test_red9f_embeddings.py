"""red9f: ``POST /v1/embeddings`` scanned only ``input``. A secret in ``user`` (forwarded to the
upstream as sent) reached a cloud embedding model, with redaction on or off."""

from __future__ import annotations

import json

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import fixture_json

FAKES = [{"name": "fake/local", "provider": "fake", "local": True, "tier": 1}]
aws_keys = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16).map(lambda s: "AKIA" + s)


@pytest.fixture(params=[False, True], ids=["redact-off", "redact-on"])
def cloud_embeddings(request, serve, upstream):
    upstream.reply_json(fixture_json("openai_embeddings.json"))
    return serve({"models": [*FAKES, {"name": "text-embedding-3-small", "provider": "openai",
                                      "api_base": upstream.url + "/v1", "api_key": "sk-up"}],
                  "detection": {"redact": request.param}})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=aws_keys)
def test_a_secret_in_the_embeddings_user_field_stays_local(cloud_embeddings, upstream, key):
    client = openai.OpenAI(base_url=cloud_embeddings.base_url, api_key="unused", max_retries=0)
    try:
        client.embeddings.create(model="text-embedding-3-small", input=["the weather is mild"], user=key)
    except openai.APIStatusError as e:
        # refused, nothing sent: the gateway's confidentiality error (no local model may take it)
        assert e.status_code == 503 and e.body["type"] == "confidentiality_error", e
    assert all(key not in json.dumps(r.body) for r in upstream.requests)
