"""A payload is read as text exactly as the privacy scan reads it (red9d): one ``data_url``
(:mod:`turnout.dataurl`) for both, so a text file whose media type is ``application/sql`` or
that is mislabelled ``application/octet-stream`` counts its text; ``tokens`` stays a leaf."""

from __future__ import annotations

import base64
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout import tokens
from turnout.dataurl import data_url

words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "budget", "tokens", "7", "é"]),
                 min_size=20, max_size=200).map(" ".join)


def added(part: dict) -> int:
    bare = tokens.count_request([{"role": "user", "content": [{"type": "text", "text": "read"}]}])
    return tokens.count_request([{"role": "user", "content": [{"type": "text", "text": "read"}, part]}]) - bare


def test_tokens_is_a_leaf_that_does_not_import_detection():
    code = "import sys, turnout.tokens; print(any(m.startswith('turnout.detect') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=30, deadline=None)
@given(text=words, media=st.sampled_from(["application/sql", "application/x-sh", "application/octet-stream",
                                          "application/x-www-form-urlencoded", "text/plain"]))
def test_a_payload_counts_the_text_the_scan_reads_in_it(text, media):
    url = f"data:{media};base64," + base64.b64encode(text.encode()).decode()
    read = data_url(url)
    assert read is not None and read[1] == text
    assert added({"type": "file", "file": {"filename": "f", "file_data": url}}) >= tokens.count_text(text)
