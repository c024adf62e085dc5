"""``/v1/messages/count_tokens`` asks Anthropic only what the Messages door itself would send
it (red9): with redaction on, a request holding PII goes to Claude rewritten, so its raw body
must not go to Anthropic's count endpoint either (it did: count_tokens forwarded the caller's
body around the outbound guard); it is counted here instead."""

from __future__ import annotations

import json

import anthropic


def sdk(server):
    return anthropic.Anthropic(base_url=server.base_url.removesuffix("/v1"), api_key="unused", max_retries=0)


def test_count_tokens_never_sends_what_redaction_would_take_out(serve, upstream):
    server = serve({"models": [{"name": "claude-sonnet-4-5-20250929", "api_base": upstream.url, "api_key": "k"}],
                    "detection": {"redact": True}})
    upstream.reply_json({"input_tokens": 4321})
    count = sdk(server).messages.count_tokens(
        model="claude-sonnet-4-5-20250929", messages=[{"role": "user", "content": "mail jane.doe@example.com about it"}])
    assert count.input_tokens > 0
    assert all("jane.doe@example.com" not in json.dumps(r.body) for r in upstream.requests)


def test_count_tokens_still_asks_anthropic_for_a_clean_request(serve, upstream):
    server = serve({"models": [{"name": "claude-sonnet-4-5-20250929", "api_base": upstream.url, "api_key": "k"}],
                    "detection": {"redact": True}})
    upstream.reply_json({"input_tokens": 4321})
    count = sdk(server).messages.count_tokens(model="claude-sonnet-4-5-20250929",
                                              messages=[{"role": "user", "content": "how long is a piece of string"}])
    assert count.input_tokens == 4321
