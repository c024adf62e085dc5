"""What a request sends is what its estimate counts (red9): a text file attached as a
``file`` part (a data URL, as the chat door, a Responses ``input_file`` or a Messages text
document carry it) and an assistant's ``refusal`` part are billed as input text, so they are
counted as such; a budget reserves on the estimate."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout import tokens

words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "budget", "tokens", "7", "%", "é"]),
                 min_size=50, max_size=400).map(" ".join)


@settings(max_examples=30, deadline=None)
@given(text=words, media=st.sampled_from(["text/plain", "text/markdown", "application/json", "text/csv"]))
def test_a_text_file_part_counts_its_text(text, media):
    url = f"data:{media};base64," + base64.b64encode(text.encode()).decode()
    bare = tokens.count_request([{"role": "user", "content": [{"type": "text", "text": "read this"}]}])
    with_file = tokens.count_request([{"role": "user", "content": [
        {"type": "text", "text": "read this"}, {"type": "file", "file": {"filename": "a.txt", "file_data": url}}]}])
    assert with_file - bare >= tokens.count_text(text)


@settings(max_examples=20, deadline=None)
@given(text=words)
def test_a_refusal_part_counts_its_text(text):
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "refusal", "refusal": text}]}]
    assert tokens.count_request(messages) >= tokens.count_text(text)
    assert tokens.prompt_token_bound(messages) >= tokens.count_request(messages)


def test_the_bound_stays_an_upper_bound_with_a_text_file():
    text = "gamma delta " * 500
    url = "data:text/plain;base64," + base64.b64encode(text.encode()).decode()
    messages = [{"role": "user", "content": [{"type": "file", "file": {"file_data": url}}]}]
    assert tokens.prompt_token_bound(messages) >= tokens.count_request(messages) >= tokens.count_text(text)
