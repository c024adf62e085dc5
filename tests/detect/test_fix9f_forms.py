"""fix9f: the forms red9f found, read as the text they hold (invariants over random inputs)."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.dataurl import printable
from turnout.detect.normalize import decodings, normalize

_words = st.lists(st.sampled_from(["note", "the", "key", "4539", "card", "é", "x", "ok", "12", "😀"]),
                  min_size=20, max_size=60).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(text=_words, width=st.sampled_from([16, 20, 64, 76]), sep=st.sampled_from(["\n", "\r\n"]))
def test_base64_wrapped_in_lines_decodes_to_the_whole_text(text: str, width: int, sep: str) -> None:
    run = base64.b64encode(text.encode()).decode()
    wrapped = sep.join(run[i:i + width] for i in range(0, len(run), width))
    lines = [run[i:i + width] for i in range(0, len(run), width)]
    # one line alone is an ordinary run; two lines are chained only when the last is a run too
    # (16+ characters before its padding): a short last line after one line is not read
    if len(lines) >= 3 or (len(lines) == 2 and len(lines[1].rstrip("=")) >= 16):
        assert any(d.start == 0 and d.end == len(wrapped) and d.text == text for d in decodings(wrapped))


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(min_size=40, max_size=400), width=st.sampled_from([64, 76]))
def test_wrapped_random_bytes_decode_to_nothing_new(raw: bytes, width: int) -> None:
    """A wrapped block is read only when the whole of it is text: random bytes (not text)
    give no decoding spanning lines."""
    run = base64.b64encode(raw).decode()
    wrapped = "\n".join(run[i:i + width] for i in range(0, len(run), width))
    if printable(raw) is None:
        assert not any(d.end - d.start > width + 2 for d in decodings(wrapped))


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("abc 123@.\u00a0\u200b\u2009\u3000"), min_size=4, max_size=40))
def test_text_with_odd_spaces_and_zero_width_characters_is_text(text: str) -> None:
    assert printable(text.encode()) == text


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("abc 12\u00a0\u200b"), min_size=4, max_size=40),
       control=st.sampled_from("\x00\x01\x07\x1b\x7f"))
def test_control_characters_are_still_not_text(text: str, control: str) -> None:
    """Odd spaces and format characters pass; a control character still makes bytes binary."""
    assert printable((text + control + text).encode()) is None


@settings(max_examples=100, deadline=None)
@given(secret=st.text(alphabet="0123456789 ", min_size=8, max_size=20))
def test_escaped_backslash_escapes_read_like_plain_ones(secret: str) -> None:
    single = "".join(f"\\u{ord(c):04x}" for c in secret)
    double = single.replace("\\", "\\\\")
    assert [d.text for d in decodings(double)] == [d.text for d in decodings(single)]


@settings(max_examples=100, deadline=None)
@given(word=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12))
def test_full_width_latin_reads_as_latin_alone_or_in_a_run(word: str) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in word)
    assert normalize(f"say {wide} now")[0] == f"say {word} now"
