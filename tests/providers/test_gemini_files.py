"""A file sent to a Gemini model reaches it (red9d red-team: the chat door's `file` parts, the
Responses door's `input_file` and the Messages door's `document` blocks were dropped from the
generateContent body without a word, so Gemini answered about a PDF it never saw)."""

from __future__ import annotations

import base64

from turnout.providers.gemini import to_gemini
from turnout.types import ChatRequest

PDF = base64.b64encode(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").decode()
TEXT = base64.b64encode(b"the notes").decode()


def parts_of(content):
    body = to_gemini(ChatRequest("gemini-2.5-flash", [{"role": "user", "content": content}]))
    return body["contents"][0]["parts"]


def test_a_pdf_file_part_is_inline_data():
    parts = parts_of([{"type": "text", "text": "summarise"},
                      {"type": "file", "file": {"filename": "a.pdf", "file_data": f"data:application/pdf;base64,{PDF}"}}])
    assert parts == [{"text": "summarise"}, {"inlineData": {"mimeType": "application/pdf", "data": PDF}}]


def test_a_text_file_part_and_a_percent_encoded_one_are_inline_data():
    parts = parts_of([{"type": "file", "file": {"file_data": f"data:text/plain;base64,{TEXT}"}},
                      {"type": "file", "file": {"file_data": "data:text/csv,a%2Cb"}}])
    assert parts == [{"inlineData": {"mimeType": "text/plain", "data": TEXT}},
                     {"inlineData": {"mimeType": "text/csv", "data": base64.b64encode(b"a,b").decode()}}]


def test_anthropic_document_blocks_are_inline_data_or_text():
    parts = parts_of([{"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}},
                      {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain notes"}}])
    assert parts == [{"inlineData": {"mimeType": "application/pdf", "data": PDF}}, {"text": "plain notes"}]
