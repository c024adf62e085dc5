"""Scan a whole request for PII and secrets: every piece, normalised, decoded and across seams.

``scan_request`` is what sensitivity and redaction both build on. Three detector passes, each
one ``Detector.scan`` call whatever the number of pieces:

1. the pieces (:mod:`turnout.detect.walk`), each in its normalised form
   (:func:`turnout.detect.normalize.normalize`), joined by their separators;
2. what encoded runs in them hold (URL-encoding, base64, hex, escapes, text ``data:`` URLs; two
   levels deep), a finding there covering the whole encoded run;
3. the seams: the last and first ``SEAM`` characters of consecutive text pieces of the
   messages joined with nothing between them, so a card split over two messages (or four, or
   over a message's parts) reads whole; only findings that cross a seam are kept from this
   pass. Request parameters are not joined to the messages nor to each other (a ``user`` id
   after the last message is no half of a card).

Findings are reported per piece with offsets into the piece's original text (the caller's
characters, zero-width spaces and all), so redaction replaces exactly what was written.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from turnout.detect.normalize import Decoded, OffsetMap, decodings, normalize
from turnout.detect.pii import (
    DATE,
    DATE_TIME,
    LOCATION,
    ORGANIZATION,
    PERSON,
    SECRET_HIGH_ENTROPY,
    STREET_ADDRESS,
    Detector,
)
from turnout.detect.walk import OPAQUE, TEXT, Piece, Walk, walk

__all__ = ["SEAM", "PieceFinding", "RequestScan", "scan_request"]

SEAM = 64  # characters taken from each side of a seam: longer than any card, key prefix or SSN
# encodings decoded inside decoded text: a file's base64 holding a URL-encoded note whose "%20"
# were encoded again is three levels below the piece (a red-team form); each level runs only
# when the one above decoded something, so plain text pays nothing for the depth
_MAX_DEPTH = 4


class PieceFinding(NamedTuple):
    """A finding on ``walk.pieces[piece].text[start:end]`` (original characters)."""

    piece: int
    start: int
    end: int
    type: str
    score: float
    how: str = "plain"  # "plain" | "decoded" | "seam"


@dataclass(slots=True)
class RequestScan:
    walk: Walk
    findings: list[PieceFinding]

    def by_piece(self) -> dict[int, list[PieceFinding]]:
        out: dict[int, list[PieceFinding]] = {}
        for f in self.findings:
            out.setdefault(f.piece, []).append(f)
        return out


class _Layout:
    """Where each piece's normalised text sits in a joined scan text."""

    __slots__ = ("ends", "maps", "pieces", "starts", "text")

    def __init__(self, pieces: list[Piece]) -> None:
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        maps: list[OffsetMap | None] = []
        pos = 0
        for p in pieces:
            text = p.text
            omap = None
            if not text.isascii():
                text, omap = normalize(text)
            if parts:
                parts.append(p.sep)
                pos += len(p.sep)
            parts.append(text)
            starts.append(pos)
            pos += len(text)
            ends.append(pos)
            maps.append(omap)
        self.starts, self.ends, self.maps = starts, ends, maps
        self.pieces = range(len(pieces))  # slot i holds piece i
        self.text = parts[0] if len(parts) == 1 else "".join(parts)

    def locate(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(slot, local start, local end) for every slot the span overlaps (normalised)."""
        out = []
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        while i < len(self.starts) and self.starts[i] < end:
            s, e = max(start, self.starts[i]), min(end, self.ends[i])
            if s < e:
                out.append((i, s - self.starts[i], e - self.starts[i]))
            i += 1
        return out

    def original(self, slot: int, start: int, end: int) -> tuple[int, int]:
        omap = self.maps[slot]
        if omap is None:
            return start, end
        return omap.start(start), omap.end(end)


def scan_request(messages: Any, params: Mapping[str, Any] | None, detector: Detector,
                 *, walked: Walk | None = None) -> RequestScan:
    """Every finding in a request (see the module doc)."""
    w = walked if walked is not None else walk(messages, params)
    pieces = w.pieces
    if not pieces:
        return RequestScan(w, [])
    layout = _Layout(pieces)
    found: set[PieceFinding] = set()

    # 1. the pieces themselves
    starts, ends, slot_pieces, maps = layout.starts, layout.ends, layout.pieces, layout.maps
    plain: list[PieceFinding] = []
    decoded: list[Decoded] | None = None
    for f in detector.scan(layout.text):
        if f.type == SECRET_HIGH_ENTROPY:
            # base64 / hex of readable text is an encoding, not a random secret: what it holds
            # is scanned in pass 2 (an attached text file was otherwise "a secret")
            decoded = decodings(layout.text) if decoded is None else decoded
            if any(d.start <= f.start and f.end <= d.end and d.how != "url" for d in decoded):
                continue
        i = bisect.bisect_right(starts, f.start) - 1
        if i >= 0 and f.end <= ends[i]:  # within one piece: the usual case
            index = slot_pieces[i]
            if f.type == SECRET_HIGH_ENTROPY and pieces[index].kind == OPAQUE:
                continue  # ids and signatures are random by design
            s, e = f.start - starts[i], f.end - starts[i]
            omap = maps[i]
            if omap is not None:
                s, e = omap.start(s), omap.end(e)
            plain.append(PieceFinding(index, s, e, f.type, f.score))
            continue
        for slot, s, e in layout.locate(f.start, f.end):
            index = slot_pieces[slot]
            if pieces[index].kind == OPAQUE and f.type == SECRET_HIGH_ENTROPY:
                continue
            os_, oe = layout.original(slot, s, e)
            found.add(PieceFinding(index, os_, oe, f.type, f.score))

    # 2. what encoded runs hold
    derived: list[tuple[int, int, int, str]] = []  # (piece, orig start, orig end, decoded text)
    for d in decodings(layout.text) if decoded is None else decoded:
        for slot, s, e in layout.locate(d.start, d.end):
            os_, oe = layout.original(slot, s, e)
            derived.append((layout.pieces[slot], os_, oe, d.text))
    if derived:
        _scan_derived(derived, detector, found)

    # 3. the seams between consecutive text pieces of the messages: a card split over messages
    # or parts. Not into the params (listed after the messages: ``user``, ``stop``, tools): a
    # field glued to the last message is no split secret, and scanning that seam was a second
    # detector pass on most requests
    text_slots = [i for i, p in enumerate(pieces) if p.kind == TEXT and p.message >= 0] if len(pieces) > 1 else []
    if len(text_slots) > 1:
        seams: list[list[PieceFinding]] = []
        pairs = list(itertools.pairwise(text_slots))
        turns = _turn_pairs(messages, pieces, text_slots, set(pairs))
        _scan_seams(layout, pairs, sorted(turns), detector, seams)
        if seams and turns:
            # across turns only what a pattern makes (a card, a key): a name or an address does
            # not run from one user turn over the assistant's reply into the next
            seams = [parts for parts in seams if parts[0].type not in _WORDS
                     or not any((x.piece, y.piece) in turns for x, y in itertools.pairwise(parts))]
        if seams:
            _keep_unexplained(seams, plain, found)
    if not found:
        return RequestScan(w, plain)  # already in order: pieces and offsets both ascend
    found.update(plain)
    return RequestScan(w, sorted(found))


def _scan_derived(derived: list[tuple[int, int, int, str]], detector: Detector, found: set[PieceFinding]) -> None:
    level = derived
    for _depth in range(_MAX_DEPTH):
        texts = [normalize(text)[0] for _, _, _, text in level]
        joined_starts = []
        pos = 0
        for t in texts:
            joined_starts.append(pos)
            pos += len(t) + 2
        joined = "\n\n".join(texts)
        for f in detector.scan(joined):
            k = bisect.bisect_right(joined_starts, f.start) - 1
            piece, s, e, _ = level[k]
            found.add(PieceFinding(piece, s, e, f.type, f.score, "decoded"))
        deeper: list[tuple[int, int, int, str]] = []
        for (piece, s, e, _), t in zip(level, texts, strict=True):
            deeper.extend((piece, s, e, d.text) for d in decodings(t))
        if not deeper:
            return
        level = deeper


_JOINS = frozenset("-_+/=@")
_WORDS = frozenset({PERSON, LOCATION, STREET_ADDRESS, ORGANIZATION, DATE, DATE_TIME})  # the tagger's and cue rules' kinds


def _keep_unexplained(seams: list[list[PieceFinding]], plain: list[PieceFinding], found: set[PieceFinding]) -> None:
    """Keep a finding across a seam only if none of its parts overlaps a finding of the piece
    itself (of the same kind): an e-mail ending one message glued to the next message's first
    word is the e-mail already found, not a new secret; a card split in two has neither half
    found as a card."""
    by_piece: dict[int, list[tuple[int, int, str]]] = {}
    for f in plain:
        by_piece.setdefault(f.piece, []).append((f.start, f.end, f.type))
    for parts in seams:
        # a pattern-made finding (a card, an IBAN) is explained only by one of its own kind:
        # half a card read as a phone number ("0000 0002") does not explain the card the two
        # halves make; a name, place or address across a seam by any finding of the piece
        loose = parts[0].type in _WORDS
        explained = any(s < f.end and f.start < e and (loose or t == f.type)
                        for f in parts for s, e, t in by_piece.get(f.piece, ()))
        if not explained:
            found.update(parts)


def _joinable(text: str, left: int, left_start: int, right: int, right_end: int) -> bool:
    """Could a secret run across this seam? Only if the text on both sides ends / starts
    (spaces aside) with a letter, digit or a character that lives inside tokens ("sk-",
    "a@"); a sentence ending in "." next to one starting with "From" cannot hide one."""
    while left >= left_start and text[left] in " \t":
        left -= 1
    while right < right_end and text[right] in " \t":
        right += 1
    if left < left_start or right >= right_end:
        return False
    a, b = text[left], text[right]
    return (a.isalnum() or a in _JOINS) and (b.isalnum() or b in _JOINS)


def _turn_pairs(messages: Any, pieces: list[Piece], text_slots: list[int],
                adjacent: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Seams from one message's content to the next content of the same role, when something
    lies between them: a card typed over two user turns with an assistant's "go on" between
    (the Messages API cannot send two user turns in a row), or a ``name`` walked after the
    first message's content."""
    out: set[tuple[int, int]] = set()
    if not isinstance(messages, list):
        return out
    last: dict[Any, int] = {}  # role -> the slot of its last content piece so far
    for slot in text_slots:
        piece = pieces[slot]
        if len(piece.path) < 3 or piece.path[2] != "content" or not 0 <= piece.message < len(messages):
            continue
        message = messages[piece.message]
        role = message.get("role") if isinstance(message, dict) else None
        before = last.get(role)
        if before is not None and (before, slot) not in adjacent and pieces[before].message != piece.message:
            out.add((before, slot))
        last[role] = slot
    return out


def _scan_seams(layout: _Layout, pairs: list[tuple[int, int]], turns: list[tuple[int, int]], detector: Detector,
                out: list[list[PieceFinding]]) -> None:
    # Concatenate the text pieces of each pair with nothing between them (virtually), and take
    # a window of SEAM characters around every boundary; windows of consecutive pairs that touch
    # are merged, so pieces shorter than a window chain into one (a card split over four
    # messages reads whole). ``turns`` (same-role contents apart) are windows of their own.
    text = layout.text
    segs: list[tuple[int, int, int]] = []  # (slot, start in layout.text, end) of each window part
    windows: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    for a, b in pairs:
        if not _joinable(text, layout.ends[a] - 1, layout.starts[a], layout.starts[b], layout.ends[b]):
            continue
        a_start = max(layout.starts[a], layout.ends[a] - SEAM)
        b_end = min(layout.ends[b], layout.starts[b] + SEAM)
        left = (a, a_start, layout.ends[a])
        right = (b, layout.starts[b], b_end)
        if current and current[-1][0] == a and layout.ends[a] - layout.starts[a] <= 2 * SEAM:
            # a short piece between two seams: the whole of it joins both in one window
            current[-1] = (a, layout.starts[a], layout.ends[a])
            current.append(right)
        else:
            if current:
                windows.append(current)
            current = [left, right]
    if current:
        windows.append(current)
    for a, b in turns:
        if _joinable(text, layout.ends[a] - 1, layout.starts[a], layout.starts[b], layout.ends[b]):
            windows.append([(a, max(layout.starts[a], layout.ends[a] - SEAM), layout.ends[a]),
                            (b, layout.starts[b], min(layout.ends[b], layout.starts[b] + SEAM))])
    # one seam text: windows separated by a blank line; remember where each part sits
    parts: list[str] = []
    seam_starts: list[int] = []
    boundaries: list[int] = []  # seam-text offsets where one piece ends and the next starts
    pos = 0
    for window in windows:
        if parts:
            parts.append("\n\n")
            pos += 2
        for k, (slot, s, e) in enumerate(window):
            if k:
                boundaries.append(pos)
            segs.append((slot, s, e))
            seam_starts.append(pos)
            parts.append(text[s:e])
            pos += e - s
    if not parts:
        return
    seam_text = "".join(parts)
    for f in detector.scan(seam_text):
        if f.type == SECRET_HIGH_ENTROPY:
            continue  # two random-looking neighbours glued together look random: no evidence of a split
        k = bisect.bisect_right(boundaries, f.start)
        if k >= len(boundaries) or boundaries[k] >= f.end:
            continue  # within one piece: pass 1 saw it
        hits: list[PieceFinding] = []
        i = max(0, bisect.bisect_right(seam_starts, f.start) - 1)
        while i < len(segs) and seam_starts[i] < f.end:
            slot, s, e = segs[i]
            lo = max(f.start, seam_starts[i]) - seam_starts[i] + s
            hi = min(f.end, seam_starts[i] + (e - s)) - seam_starts[i] + s
            if lo < hi:
                ls, le = lo - layout.starts[slot], hi - layout.starts[slot]
                os_, oe = layout.original(slot, ls, le)
                hits.append(PieceFinding(layout.pieces[slot], os_, oe, f.type, f.score, "seam"))
            i += 1
        out.append(hits)

