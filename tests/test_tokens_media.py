"""PDFs and audio in the input estimate (red9d).

- A PDF is billed per each provider's documented rule: Gemini 258 tokens a page; Anthropic and
  OpenAI its extracted text plus an image of each page; with no provider, the largest.
- Audio (``input_audio``): Gemini 32 tokens a second, OpenAI 10 (one per 100 ms); the duration
  read from a WAV header, else from the byte size at the format's usual bit rate.
- The byte bound stays an upper bound of the count for every provider.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turnout import tokens

words = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "budget", "tokens", "7"]),
                 min_size=20, max_size=200).map(" ".join)


def file_part(url: str) -> dict:
    return {"type": "file", "file": {"filename": "f", "file_data": url}}


def added(part: dict, provider: str | None = None) -> int:
    bare = tokens.count_request([{"role": "user", "content": [{"type": "text", "text": "read"}]}], provider=provider)
    with_part = tokens.count_request([{"role": "user", "content": [{"type": "text", "text": "read"}, part]}],
                                     provider=provider)
    return with_part - bare


# -- PDFs --------------------------------------------------------------------------------------


def pdf(pages: list[str], *, compress: bool = True) -> bytes:
    """A minimal valid PDF: one page per text, each drawn with Tj."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        extra = b""
        if compress:
            stream, extra = zlib.compress(stream), b" /Filter /FlateDecode"
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), extra) + stream + b"\nendstream")
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>" % content)
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = b"%PDF-1.4\n"
    for i, body in enumerate(objects, 1):
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf_url(pages: list[str], compress: bool = True) -> str:
    return "data:application/pdf;base64," + base64.b64encode(pdf(pages, compress=compress)).decode()


@settings(max_examples=20, deadline=None)
@given(texts=st.lists(words, min_size=1, max_size=6), compress=st.booleans())
def test_a_pdf_is_billed_by_each_providers_rule(texts, compress):
    part = file_part(pdf_url(texts, compress))
    n = len(texts)
    text_tokens = sum(tokens.count_text(t) for t in texts)
    gemini = added(part, "gemini")
    assert n * 258 <= gemini <= n * 258 + 20
    anthropic = added(part, "anthropic")
    assert anthropic >= text_tokens + n * tokens.image_tokens(1212, 1568, "high", "anthropic")
    openai = added(part, "openai")
    assert openai >= text_tokens + n * tokens.image_tokens(1212, 1568, "high", "openai")
    assert added(part) >= max(gemini, anthropic, openai)


def test_an_anthropic_document_block_counts_like_a_file_part():
    data = base64.b64encode(pdf(["one page of text"])).decode()
    block = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": data}}
    assert added(block, "anthropic") == added(file_part(pdf_url(["one page of text"])), "anthropic")


# -- audio -------------------------------------------------------------------------------------


def wav(seconds: float, rate: int = 16_000, channels: int = 1, bits: int = 16) -> bytes:
    frames = int(seconds * rate)
    data = b"\x00" * (frames * channels * bits // 8)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", len(data)) + data)


def audio_part(raw: bytes, fmt: str) -> dict:
    return {"type": "input_audio", "input_audio": {"data": base64.b64encode(raw).decode(), "format": fmt}}


def cost(part: dict, provider: str | None = None) -> int:
    """What ``part`` adds beyond the framing of one more part (a silent clip adds only that)."""
    return added(part, provider) - added(audio_part(wav(0.0), "wav"), provider)


@pytest.mark.parametrize(("seconds", "rate", "channels"), [(1.0, 16_000, 1), (2.5, 24_000, 1), (3.0, 44_100, 2)])
def test_wav_audio_is_billed_by_its_duration(seconds, rate, channels):
    part = audio_part(wav(seconds, rate, channels), "wav")
    assert cost(part, "gemini") == math.ceil(seconds * 32)
    assert cost(part, "openai") == math.ceil(seconds * 10)
    assert cost(part) == math.ceil(seconds * 32)


def test_compressed_audio_is_billed_from_its_size_at_the_usual_bit_rate():
    part = audio_part(b"\xff\xfb\x90\x00" + b"\x00" * 15_996 * 4, "mp3")  # 64 KB at 128 kbit/s: 4 s
    assert cost(part, "gemini") == 4 * 32


@pytest.mark.parametrize("provider", [None, "openai", "anthropic", "gemini"])
def test_the_bound_stays_an_upper_bound_with_pdfs_and_audio(provider):
    messages = [{"role": "user", "content": [
        {"type": "text", "text": "listen and read"}, audio_part(wav(2.0), "wav"),
        file_part(pdf_url(["alpha beta gamma " * 40, "delta " * 100]))]}]
    assert tokens.prompt_token_bound(messages) >= tokens.count_request(messages, provider=provider)
