"""A text file reaches a local model that reads text (red9d red-team): Ollama dropped a `file`
part or a text `document` block from the message without a word, and the embedded llama.cpp
model refused it with a 400 ("text only"), though both read text, and a confidential file can
only go to them. A PDF is still refused by the embedded model (it cannot read one)."""

from __future__ import annotations

import base64

import pytest

from turnout.errors import BadRequestError
from turnout.providers import llamacpp
from turnout.providers.ollama import to_ollama
from turnout.types import ChatRequest

NOTES = "meeting notes: ship on Friday"
CONTENT = [
    {"type": "text", "text": "summarise"},
    {"type": "file", "file": {"filename": "n.txt", "file_data": "data:text/plain;base64," + base64.b64encode(NOTES.encode()).decode()}},
    {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "second doc"}},
    {"type": "document", "source": {"type": "base64", "media_type": "text/markdown",
                                    "data": base64.b64encode(b"# third").decode()}},
]


def test_ollama_reads_text_files_and_text_documents():
    body = to_ollama(ChatRequest("m", [{"role": "user", "content": CONTENT}]), "llama3.2", {}, stream=False)
    assert body["messages"][0]["content"] == f"summarise\n{NOTES}\nsecond doc\n# third"


def test_the_embedded_model_reads_text_files_and_refuses_a_pdf():
    (message,) = llamacpp._normalise_messages([{"role": "user", "content": CONTENT}])
    assert message["content"] == f"summarise\n{NOTES}\nsecond doc\n# third"
    pdf = {"type": "file", "file": {"file_data": "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4").decode()}}
    with pytest.raises(BadRequestError, match="text only"):
        llamacpp._normalise_messages([{"role": "user", "content": [pdf]}])
