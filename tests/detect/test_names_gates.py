"""The tagger's cheap whole-text gates (branch tag16) decide exactly what the plain
computations they replace decide."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from turnout.detect import names
from turnout.detect.pii import _shape

# texts around the one-space-in-25 limit: letters, digits and a few spaces, anywhere
_DENSE = st.text(alphabet=st.sampled_from("aZ0-/ x"), min_size=0, max_size=400)
_SPACED = st.builds(
    lambda body, spaces: "".join(c if i not in spaces else " " for i, c in enumerate(body)),
    st.text(alphabet=st.sampled_from("abcXY09+/-"), min_size=0, max_size=400),
    st.sets(st.integers(0, 399), max_size=30),
)


@settings(max_examples=400)
@given(st.one_of(_DENSE, _SPACED))
def test_prose_is_the_plain_space_count(text: str) -> None:
    shape = _shape(text)
    assert names._prose(shape) == (shape.count(b" ") * 25 >= len(shape))


def test_prose_limit_exactly() -> None:
    # 100 characters: 4 spaces is prose, 3 is not, wherever the spaces are
    for spaces in ((0, 1, 2, 3), (96, 97, 98, 99), (10, 50, 90, 99)):
        text = "".join(" " if i in spaces else "x" for i in range(100))
        assert names._prose(_shape(text))
        assert not names._prose(_shape(text.replace(" ", "x", 1)))


_WARD_TEXT = st.lists(
    st.sampled_from(["-ku", "-shi", "-cho", "-machi", "-mura", "-gu", "-si", "-gun", "-k", "-s", "-c", "-m", "-g",
                     "ku", "gu", "-", "Nerima", " ", ",", "3-14", "\u00e9", "\u4e00"]),
    max_size=12,
).map("".join)


@settings(max_examples=400)
@given(_WARD_TEXT)
def test_ward_mark_search_is_any_mark_in_text(text: str) -> None:
    assert (names._WARD_MARK.search(text) is not None) == any(mark in text for mark in names._WARD_MARKS)


def test_east_asian_addresses_still_found() -> None:
    tagger = names.NameTagger()
    for text in ("Ship it to 3-14-2 Hikarigaoka, Nerima-ku, Tokyo please.",
                 "Her office is at 45 Teheran-ro, Gangnam-gu, Seoul now."):
        assert any(kind == "STREET_ADDRESS" for kind, *_ in tagger.tag(text)), text
