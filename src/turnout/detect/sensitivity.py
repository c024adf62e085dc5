"""From findings to a sensitivity level: the policy, and ``assess`` over a whole request.

Every text-bearing piece of the request is scanned (:mod:`turnout.detect.walk`: content of
every part type, names, tool calls and results, tools and their schemas, response_format,
metadata, user, stop, unknown fields), after undoing common obfuscations and across message
seams (:mod:`turnout.detect.scan`). A proxy that scans only ``content`` lets a card number
through as soon as it sits anywhere else.

The caller's explicit label and detection are combined by one rule (:func:`combine`):

- a label *raises* the level freely (``CONFIDENTIAL`` on a harmless prompt stays local);
- a label *lowers* the detected level only when ``policy.allow_downgrade`` is on, and never
  below the level of a finding whose type is pinned (credentials by default: a caller saying
  "public" does not send a private key to the cloud).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from turnout.detect.normalize import decodings, grouped_span, normalize
from turnout.detect.pii import (
    API_KEY,
    CREDIT_CARD,
    DATE_TIME,
    EMAIL_ADDRESS,
    IBAN_CODE,
    IP_ADDRESS,
    PASSWORD,
    PERSON,
    PHONE_NUMBER,
    PRIVATE_KEY,
    SECRET_TYPES,
    STREET_ADDRESS,
    US_SSN,
    Detector,
    Finding,
    default_detector,
)
from turnout.detect.pii_policy import (  # names, places, dates: the "pii" helper's policy hook
    _CUES,
    DEFAULT_POLICY,
    LEVEL,
    LOOK_FOR,
    NEAR,
    NEAR_LIMIT,
    NEAR_WINDOW,
    PRIVATE_CUE,
    UNSTRUCTURED_LEVELS,
    PiiPolicy,
    has_category,
    historical_lower,
    person_frame,
    policy_answer,
)
from turnout.detect.scan import _MAX_DEPTH, scan_request
from turnout.detect.walk import TEXT, Piece, format_path, walk
from turnout.errors import BadRequestError
from turnout.types import Sensitivity

__all__ = [
    "BINARY_CONTENT",
    "BINARY_MODES",
    "DEFAULT_LEVELS",
    "SensitivityPolicy",
    "SensitivityResult",
    "assess",
    "assess_located",
    "combine",
    "message_scan_text",
]

DEFAULT_LEVELS: dict[str, Sensitivity] = {
    # credentials and financial / national identifiers: never leave the machine
    PRIVATE_KEY: Sensitivity.CONFIDENTIAL,
    PASSWORD: Sensitivity.CONFIDENTIAL,
    API_KEY: Sensitivity.CONFIDENTIAL,
    CREDIT_CARD: Sensitivity.CONFIDENTIAL,
    IBAN_CODE: Sensitivity.CONFIDENTIAL,
    US_SSN: Sensitivity.CONFIDENTIAL,
    # personal data: fine for a trusted (contracted) cloud, not for public models
    EMAIL_ADDRESS: Sensitivity.INTERNAL,
    PHONE_NUMBER: Sensitivity.INTERNAL,
    PERSON: Sensitivity.INTERNAL,
    STREET_ADDRESS: Sensitivity.INTERNAL,
    DATE_TIME: Sensitivity.INTERNAL,
    IP_ADDRESS: Sensitivity.INTERNAL,
    # places, organisations and dates not tied to a person: public alone (detect/pii_policy.py)
    **UNSTRUCTURED_LEVELS,
}

Source = Literal["given", "detected", "both"]


@dataclass(slots=True)
class SensitivityPolicy:
    """Entity type -> level, plus the rule for caller labels.

    ``levels`` overrides :data:`DEFAULT_LEVELS` per type. Types not listed: every ``SECRET_*``
    type is ``secret_level``; ``CUSTOM`` and named custom patterns (``CUSTOMER_ID``) are
    ``custom_level``; anything else unknown is ``custom_level`` too (an organisation-specific
    detector was configured for a reason). Findings scoring below ``min_score`` are ignored.
    """

    levels: dict[str, Sensitivity] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    secret_level: Sensitivity = Sensitivity.CONFIDENTIAL
    custom_level: Sensitivity = Sensitivity.CONFIDENTIAL
    allow_downgrade: bool = False
    # a caller label never lowers the level below these types' levels, even with allow_downgrade
    pinned_types: frozenset[str] = SECRET_TYPES
    min_score: float = 0.0

    def level_for(self, entity_type: str) -> Sensitivity:
        level = self.levels.get(entity_type)
        if level is not None:
            return level
        if entity_type.startswith("SECRET_") or entity_type in SECRET_TYPES:
            return self.secret_level
        return self.custom_level

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SensitivityPolicy:
        """Build from config, e.g.::

            {"levels": {"EMAIL_ADDRESS": "confidential", "PERSON": "public"},
             "custom": "confidential", "secrets": "confidential",
             "allow_downgrade": true, "pinned_types": ["PRIVATE_KEY"], "min_score": 0.5}

        Unknown keys raise ``ValueError`` (a typo must not silently weaken the policy).
        """
        data = dict(data or {})
        known = {"levels", "custom", "custom_level", "secrets", "secret_level", "allow_downgrade",
                 "pinned_types", "min_score"}  # fmt: skip
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown sensitivity policy keys: {', '.join(sorted(unknown))}")
        policy = cls()
        raw_levels = data.get("levels") or {}
        if not isinstance(raw_levels, Mapping):
            raise ValueError("sensitivity policy 'levels' must be a mapping of type -> level")
        for entity_type, level in raw_levels.items():
            policy.levels[str(entity_type).upper()] = Sensitivity.parse(level)
        custom = data.get("custom", data.get("custom_level"))
        if custom is not None:
            policy.custom_level = Sensitivity.parse(custom)
        secrets = data.get("secrets", data.get("secret_level"))
        if secrets is not None:
            policy.secret_level = Sensitivity.parse(secrets)
        if "allow_downgrade" in data:
            value = data["allow_downgrade"]
            if not isinstance(value, bool):
                raise ValueError("sensitivity policy 'allow_downgrade' must be true or false")
            policy.allow_downgrade = value
        if "pinned_types" in data:
            pinned = data["pinned_types"] or []
            if isinstance(pinned, str) or not isinstance(pinned, Iterable):
                raise ValueError("sensitivity policy 'pinned_types' must be a list of types")
            policy.pinned_types = frozenset(str(t).upper() for t in pinned)
        if "min_score" in data:
            policy.min_score = float(data["min_score"])
            if not 0.0 <= policy.min_score <= 1.0:
                raise ValueError("sensitivity policy 'min_score' must be in [0, 1]")
        return policy


@dataclass(frozen=True, slots=True)
class SensitivityResult:
    """The level a request gets, why, and where the findings are.

    ``findings`` pairs a message index with a :class:`Finding` whose offsets refer to
    :func:`message_scan_text` of that message; findings in request parameters (tools, schemas,
    metadata, unknown fields) have index -1 and offsets into the string at their path.
    ``paths`` gives each finding's path. ``detected`` is the level from findings alone.
    """

    level: Sensitivity
    findings: list[tuple[int, Finding]]
    source: Source
    detected: Sensitivity = Sensitivity.PUBLIC
    paths: list[str] = field(default_factory=list)  # where each finding is, e.g. tools[0].function.description

    @property
    def types(self) -> list[str]:
        """The distinct entity types found, sorted (safe to log: no values)."""
        return sorted({f.type for _, f in self.findings})


def message_scan_text(message: Mapping[str, Any]) -> str:
    """All the text of one message that detection looks at, as one string: the message's
    pieces (:mod:`turnout.detect.walk`) joined by their separators. Offsets of a message's
    findings in :class:`SensitivityResult` refer to this text."""
    pieces = walk([message]).pieces
    if not pieces:
        return ""
    return pieces[0].text + "".join(p.sep + p.text for p in pieces[1:])


def combine(given: Sensitivity | None, detected: Sensitivity, pinned: Sensitivity, policy: SensitivityPolicy,
            has_findings: bool) -> tuple[Sensitivity, Source]:  # fmt: skip
    """The label rule. ``pinned`` is the highest level among findings of pinned types."""
    if given is None:
        return detected, "detected"
    if given.rank > detected.rank:
        return given, "given"
    if given.rank == detected.rank:
        return given, ("both" if has_findings else "given")
    # the caller asks for less than detection found
    if not policy.allow_downgrade:
        return detected, "detected"
    if pinned.rank > given.rank:
        return pinned, "detected"  # credentials keep their level whatever the label says
    return given, "given"


BINARY_CONTENT = "BINARY_CONTENT"  # an image, audio or file the detectors cannot read
BINARY_MODES = ("allow", "local", "refuse")


def assess(
    messages: list[dict[str, Any]],
    given: Sensitivity | str | None = None,
    policy: SensitivityPolicy | None = None,
    detector: Detector | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    binary: str = "allow",
    pii_policy: PiiPolicy | None = None,
) -> SensitivityResult:
    """Scan every text-bearing piece of a request (messages and ``params``) and decide its
    sensitivity.

    ``binary`` is what a payload the detectors cannot read (an image, audio, a PDF) does:
    ``allow`` nothing, ``local`` makes the request confidential (only local models see it),
    ``refuse`` rejects the request (400).

    Each finding's type has a level (``policy``); ``pii_policy`` then lifts the request where
    types and context combine (a person with a diagnosis: confidential) and drops person
    findings that name public figures ("Who was Napoleon?") unless a private cue is present.
    """
    level, source, detected, located = assess_located(messages, given, policy, detector, params=params,
                                                      binary=binary, pii_policy=pii_policy)
    findings = [(m, Finding(kind, start, end, score)) for m, kind, start, end, score, _ in located]
    return SensitivityResult(level=level, findings=findings, source=source, detected=detected,
                             paths=[path for *_, path in located])


Located = tuple[int, str, int, int, float, str]  # (message or -1, type, start, end, score, path)


def assess_located(
    messages: list[dict[str, Any]],
    given: Sensitivity | str | None = None,
    policy: SensitivityPolicy | None = None,
    detector: Detector | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    binary: str = "allow",
    pii_policy: PiiPolicy | None = None,
) -> tuple[Sensitivity, Source, Sensitivity, list[Located]]:
    """:func:`assess` with findings as plain tuples (the routing hot path: no objects per
    finding beyond what the caller builds)."""
    policy = policy or SensitivityPolicy()
    det = detector or default_detector()
    label = Sensitivity.parse(given) if given is not None else None
    scan = scan_request(messages, params, det)
    pieces = scan.walk.pieces
    pii_policy = pii_policy or DEFAULT_POLICY
    min_score = policy.min_score
    texts = _Texts(pieces, scan.findings)
    dropped = _public_people(scan.findings, pieces, min_score, pii_policy, texts)
    categories: set[str] = set()
    if dropped and texts.has(PRIVATE_CUE):
        dropped, categories = set(), {PRIVATE_CUE}  # "my name is Napoleon": a private person after all
    located: list[Located] = []
    detected = Sensitivity.PUBLIC
    pinned = Sensitivity.PUBLIC
    offsets: list[int] | None = None
    where: dict[int, str] = {}  # piece -> its path, formatted once
    by_type: dict[str, tuple[int, Sensitivity, bool]] = {}  # type -> (rank, level, pinned)
    top = pinned_top = 0
    for k, (index, start, end, kind, score, _how) in enumerate(scan.findings):
        if score < min_score or k in dropped:
            continue
        piece = pieces[index]
        path = where.get(index)
        if path is None:
            path = where[index] = format_path(piece.path)
        if piece.message >= 0:
            if offsets is None:
                offsets = _message_offsets(pieces)
            base = offsets[index]
            located.append((piece.message, kind, base + start, base + end, score, path))
        else:
            located.append((-1, kind, start, end, score, path))
        known = by_type.get(kind)
        if known is None:
            level = policy.level_for(kind)
            known = by_type[kind] = (level.rank, level, kind in policy.pinned_types)
        if known[0] > top:
            top, detected = known[0], known[1]
        if known[2] and known[0] > pinned_top:
            pinned_top, pinned = known[0], known[1]
    if scan.walk.binary and binary != "allow":
        first, media = scan.walk.binary[0]
        if binary == "refuse":
            raise BadRequestError(
                f"{first} holds {media} content, which cannot be checked for private data, and this "
                "gateway refuses such content (detection.binary: refuse)", param=first.split(".")[0])
        located.append((-1, BINARY_CONTENT, 0, 0, 1.0, first))
        detected = pinned = Sensitivity.CONFIDENTIAL
    types = {kind for _, kind, *_ in located}
    # Key words are looked for only where they could still raise the level: a request that
    # is already confidential, or holds no type a combination needs, skips the search.
    for cat in sorted(policy_answer(LOOK_FOR, pii_policy, types | categories, detected) - categories):
        if texts.has(cat):
            categories.add(cat)
    near = policy_answer(NEAR, pii_policy, types | categories, detected)
    for cat in sorted(set(near) - categories):
        if texts.has_near(cat, scan.findings, near[cat]):
            categories.add(cat)
    combined = policy_answer(LEVEL, pii_policy, types | categories, detected)
    if combined.rank > detected.rank:
        detected = combined
    level, source = combine(label, detected, pinned, policy, bool(located))
    return level, source, detected, located


class _Texts:
    """The pieces' texts, lower-cased once, with the context categories found so far."""

    __slots__ = ("_decoded", "_findings", "_forms", "_found", "_joined", "_lows", "_plain", "_read", "pieces")

    def __init__(self, pieces: list[Piece], findings: list[Any] | None = None) -> None:
        self.pieces = pieces
        self._findings = findings or []
        self._lows: list[str] | None = None
        self._joined: str | None = None
        self._forms: str | None = None
        self._plain: bool | None = None
        self._read: set[int] | None = None
        self._decoded: dict[int, list[str]] = {}
        self._found: dict[str, bool] = {}

    def lows(self) -> list[str]:
        if self._lows is None:
            self._lows = [p.text.lower() for p in self.pieces]
        return self._lows

    def has(self, category: str) -> bool:
        """Does any piece hold a key word of ``category`` (see pii_policy.context_categories)?

        Asked of the pieces joined by newlines, one search instead of one per piece (a tool's
        name, description and schema are a dozen pieces): the same answer, because no key
        word holds a newline but a "dear" that opens a line, which a piece's start opens in
        both forms, and every key word is bounded by non-word characters, which a newline is
        (tests/detect/test_scan_cost.py holds the two forms together)."""
        got = self._found.get(category)
        if got is None:
            if self._joined is None:
                lows = self.lows()
                self._joined = lows[0] if len(lows) == 1 else "\n".join(lows)
            got = has_category(self._joined, category)
            if not got and not self.as_written():
                # the words as the scan read them: a sentence zero-width-split, full-width or
                # encoded holds its key words only in that form
                got = has_category(self.forms(), category)
            if not got and category == PRIVATE_CUE:
                # the frames only a person fills read each piece as written: a greeting opens
                # a message, a sign-off closes it, and the slot needs the name's capital
                got = any(person_frame(p.text, low) for low, p in zip(self.lows(), self.pieces, strict=True))
            self._found[category] = got
        return got

    def has_near(self, category: str, found: list[Any], kinds: frozenset[str]) -> bool:
        """Does a key word of ``category`` stand within NEAR_WINDOW characters of one of the
        first NEAR_LIMIT findings of ``kinds`` (an e-mail address, a phone number)? (The
        whole-text answer, when already known, is used only when it is no.)"""
        known_no = self._found.get(category) is False
        windows: list[tuple[int, int, int]] = []  # (piece, start, end), merged where they overlap
        left = NEAR_LIMIT
        for index, start, end, kind, *_ in found:
            if kind not in kinds:
                continue
            lo, hi = max(0, start - NEAR_WINDOW), end + NEAR_WINDOW
            if windows and windows[-1][0] == index and lo <= windows[-1][2]:
                windows[-1] = (index, windows[-1][1], max(hi, windows[-1][2]))
            else:
                windows.append((index, lo, hi))
            left -= 1
            if not left:
                break
        if known_no:  # no key word in any piece: only one cut between two messages is left to read
            return any(self._across_messages(i, lo, hi, category) for i, lo, hi in windows)
        if any(has_category((t := self.pieces[i].text[lo:hi]).lower(), category, t) for i, lo, hi in windows):
            return True
        if any(_glued_key_word(self.pieces[i].text[lo:hi], category) for i, lo, hi in windows):
            return True  # a sentence written without its spaces beside the address
        if any(self._across_messages(i, lo, hi, category) for i, lo, hi in windows):
            return True
        if self.as_written():
            return False
        # as the scan read them: a window written with zero-width or full-width characters in
        # its normalised form; a finding inside an encoded run near the words of what it holds
        for i, lo, hi in windows:
            t = self.pieces[i].text[lo:hi]
            if not t.isascii() and has_category(normalize(t)[0].lower(), category):
                return True
        decoded = {f[0] for f in found if f[3] in kinds and self._read_otherwise(f)}
        return any(has_category(t.lower(), category) for i in sorted(decoded) for t in self.decoded(i))

    def _across_messages(self, index: int, lo: int, hi: int, category: str) -> bool:
        """A window that reaches its piece's start or end, read on into a message text next to
        it (either of the two before or after it: an assistant's "go on" may sit between two
        user turns): the address in one message and the diagnosis in the next, or the
        diagnosis word cut between them (red9g: "x@y.com tested positive for" / "HIV", "I have
        breast ca" / "ncer"). Joined as written and with a space, so a cut word and a cut
        sentence both read."""
        piece = self.pieces[index]
        text = piece.text
        if not (lo == 0 or hi >= len(text)) or piece.kind != TEXT or piece.message < 0:
            return False
        texts = [k for k, p in enumerate(self.pieces) if p.kind == TEXT and p.message >= 0]
        at = texts.index(index)
        before = [self.pieces[k].text[-NEAR_WINDOW:] for k in texts[max(0, at - 2) : at]] if lo == 0 else []
        after = [self.pieces[k].text[:NEAR_WINDOW] for k in texts[at + 1 : at + 3]] if hi >= len(text) else []
        own = text[lo:hi]
        for sep in ("", " "):
            if any(has_category((b + sep + own).lower(), category) for b in before):
                return True
            if any(has_category((own + sep + a).lower(), category) for a in after):
                return True
        return False

    def as_written(self) -> bool:
        """Did the scan read every piece as written (ASCII, no finding inside an encoded run)?"""
        if self._plain is None:
            self._plain = all(p.text.isascii() for p in self.pieces) and not self._read_pieces()
        return self._plain

    def _read_pieces(self) -> set[int]:
        """The pieces with a finding read inside an encoded run."""
        if self._read is None:
            pieces = self.pieces  # (inline: as_written asks this of every request that lacks a key word)
            self._read = {f[0] for f in self._findings if f[5] == "decoded"
                          or (f[2] - f[1] >= 14 and grouped_span(pieces[f[0]].text, f[1], f[2]))}
        return self._read

    def _read_otherwise(self, f: Any) -> bool:
        """Was finding ``f`` read inside an encoded run (by the request scan, or by the pattern
        scan in base64 written in groups: see normalize.grouped_base64_at)?"""
        return f[5] == "decoded" or grouped_span(self.pieces[f[0]].text, f[1], f[2])

    def forms(self) -> str:
        """Lower-cased, the pieces' texts where the scan read them otherwise than written: the
        normalised form of a piece with non-ASCII characters, and what the encoded runs of a
        piece with a finding inside one hold (empty for plain ASCII requests)."""
        if self._forms is None:
            forms = [normalize(p.text)[0] for p in self.pieces if not p.text.isascii()]
            for i in sorted(self._read_pieces()):
                forms.extend(self.decoded(i))
            self._forms = "\n".join(forms).lower()
        return self._forms

    def decoded(self, index: int) -> list[str]:
        """What the encoded runs of piece ``index`` hold, normalised, as many levels deep as
        the scan reads them."""
        got = self._decoded.get(index)
        if got is None:
            got = []
            level = [normalize(self.pieces[index].text)[0]]
            for _depth in range(_MAX_DEPTH):
                level = [normalize(d.text)[0] for t in level for d in decodings(t, groups=True)]
                if not level:
                    break
                got.extend(level)
            self._decoded[index] = got
        return got

    def historical(self) -> bool:
        return any(historical_lower(low) for low in self.lows())


# A word glued from several: a run of 16+ ASCII letters (longer than nearly every English word),
# standing as a word of prose stands (not inside an address, a URL, an identifier or a hashtag),
# with no camelCase hump ("getPatientRecord" is code). Found in a window by a literal search of
# the letters' run in a byte table, so a window without one costs an encode and a translate.
_LETTERS = bytes(ord("a") if 65 <= i <= 90 or 97 <= i <= 122 else ord(" ") for i in range(256))
_GLUED_NEEDLE = b"a" * 16
_GLUED_BEFORE = frozenset(" \t\r\n\"'([{,;:")
_GLUED_AFTER = frozenset(" \t\r\n\"')]},;:!?.")
_CAMEL_HUMP = re.compile(r"[a-z][A-Z][a-z]")
_KEY_WORD_MAX = 24  # no key word is longer; nor a common word around one that is looked at


def _glued_key_word(text: str, category: str) -> bool:
    """Does a word glued from several in ``text`` hold a key word of ``category``
    ("wasdiagnosedwithHIVandtakes...": an e-mail's sentence with every space removed)?

    A key word inside such a word counts unless a longer common English word holds it there and
    is no key word itself: "hiv" in "archive", "hospital" in "hospitality", "illness" in
    "stillness", "aids" in "raids" are read as those words (the name tagger's lexicon); "diagnos"
    inside "diagnosed" is a key word either way."""
    flat = text.encode("latin-1", "replace").translate(_LETTERS)
    pos = flat.find(_GLUED_NEEDLE)
    while pos >= 0:
        end = flat.find(b" ", pos)
        end = len(flat) if end < 0 else end
        word = text[pos:end]
        before = text[pos - 1] if pos else " "
        after = text[end] if end < len(text) else " "
        if (before in _GLUED_BEFORE and after in _GLUED_AFTER and not (after == "." and text[end + 1 : end + 2].isalnum())
                and _CAMEL_HUMP.search(word) is None and _holds_key_word(word.lower(), category)):
            return True
        pos = flat.find(_GLUED_NEEDLE, end)
    return False


@lru_cache(maxsize=8)
def _inner_key_words(category: str) -> re.Pattern[str] | None:
    """The category's key words found anywhere, not only as whole words: every place one starts
    (a look-ahead, so each start is tried; pii_policy's alternation, its word bounds left off)."""
    words = _CUES.get(category)
    return None if words is None else re.compile(r"(?=(" + words + r"))", re.VERBOSE)


def _holds_key_word(word: str, category: str) -> bool:
    """A key word of ``category`` at a place in the glued ``word`` where no longer common word
    that is no key word holds it (see _glued_key_word)."""
    from turnout.detect.names import lexicon  # (loaded by the tagger already when names are on)

    pattern = _inner_key_words(category)
    if pattern is None:
        return False
    common = lexicon().common
    n = len(word)
    for m in pattern.finditer(word):
        i, j = m.span(1)
        if not any(
            word[a:b] in common and not has_category(word[a:b], category)
            for a in range(max(0, j - _KEY_WORD_MAX), i + 1)
            for b in range(max(j, a + 1), min(n, a + _KEY_WORD_MAX) + 1)
            if (a, b) != (i, j)
        ):
            return True
    return False


def _public_people(
    found: list[Any], pieces: list[Piece], min_score: float, pii_policy: PiiPolicy, texts: _Texts
) -> set[int]:
    """Indices of person findings that name public figures (before the private-cue check)."""
    persons = [k for k, f in enumerate(found) if f.type == PERSON and f.score >= min_score]
    if not persons:
        return set()
    famous = {
        k for k in persons if pii_policy.is_public_person(pieces[found[k].piece].text, found[k].start, found[k].end)
    }
    if len(famous) < len(persons) and pii_policy.historical_context and texts.historical():
        famous.update(persons)  # a text about history names historical figures
    return famous


def _message_offsets(pieces: list[Piece]) -> list[int]:
    """For each piece of a message, where it starts in :func:`message_scan_text`."""
    out: list[int] = []
    current, pos = -2, 0
    for p in pieces:
        if p.message != current:
            current, pos = p.message, 0
        else:
            pos += len(p.sep)
        out.append(pos)
        pos += len(p.text)
    return out
