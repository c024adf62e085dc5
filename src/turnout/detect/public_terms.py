"""Names of things and places that a person finding may really be: products, brands, landmarks,
teams, organisations, software and games, cities (issue 16, the public side of the PII policy).

The name tagger (``detect/names.py``) reads a capitalised word that no list of common words
holds as a person when another stands beside it: "a Rolex Submariner", "Angkor Wat", "the
Boston Celtics", "LibreOffice Calc", "flights from Nairobi to Denver". Such names are public
knowledge, not personal data. :func:`names_a_thing` answers, for one PERSON finding, whether
the words it stands in name such a thing; ``pii_policy.PiiPolicy.is_public_person`` then drops
the finding unless a private cue is in the request ("my name is ...": see
``sensitivity.assess_located``).

The table (``data/pii/public_terms.json.gz``, ~45 KB, built by ``scripts/build_public_terms.py``)
is loaded on the first person finding that needs it, not at import. A key that could be a
person's name ("marshall", "paul smith", "tiffany", a city such as "denver") counts only with
its context: a product after it ("a Marshall amp", "Paul Smith shirts"), a model number ("the
Dell XPS 13"), a brand's words ("Is Jo Malone a luxury brand?"), or for a city, a place's slot
("flights from Nairobi to Denver", "Is Hobart safe for solo travellers?").
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from turnout.detect.names import lexicon

__all__ = ["Terms", "names_a_thing", "terms"]

_CITY = "c"  # (the kind of a key found only in the cities' list)


@dataclass(frozen=True, slots=True)
class Terms:
    """The table: key (lower case) -> kind ("b" brand, "p" product line, "l" landmark, "t" team,
    "o" organisation, "s" software or game; upper case: the key could be a person's name)."""

    # (word sets are dicts with no values: a dict of strings only is untracked by the garbage
    # collector, a set is traversed at every full collection, ~9k instructions a call here)
    kinds: dict[str, str]
    goods: dict[str, None]  # nouns of goods after a brand ("shirt", "amp")
    brand_after: dict[str, None]  # words after a brand that say so ("brand", "launched")
    heads: dict[str, None]  # words ending a landmark's name ("Mountain", "Opera House")
    cities: dict[str, None]
    # every word of a key, a city or a country: a finding none of whose covering word runs could
    # be a key is answered without building them (most person findings in prose)
    vocabulary: dict[str, None]


@lru_cache(maxsize=1)
def terms() -> Terms:
    raw = resources.files("turnout").joinpath("data/pii/public_terms.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    kinds: dict[str, str] = data["terms"]
    cities = dict.fromkeys(data["cities"])
    vocabulary = dict.fromkeys(w for names in (kinds, cities, lexicon().country) for key in names for w in key.split())
    return Terms(
        kinds=kinds,
        goods=dict.fromkeys(data["goods"]),
        brand_after=dict.fromkeys(data["brand_after"]),
        heads=dict.fromkeys(data["heads"]),
        cities=cities,
        vocabulary=vocabulary,
    )


# a word of a name or a title: letters, digits, inner apostrophes, dots, hyphens, "&" ("Marks & Spencer")
_WORD = re.compile(r"[\w'’.&:-]+")
_NGRAM = 5  # the longest key looked up, in words
_REACH = 48  # characters either side of the finding whose words may join it
# a model's number or code after a product's name: "Pixel 8", "EOS R6", "MX-5", "WH-1000XM5", "X1"
# (a digit in it; not a time, an ordinal or a decade: "3pm", "2nd", "90s")
_MODEL = re.compile(r"(?=[\w-]*\d)(?!\d+(?:am|pm|st|nd|rd|th|s|h|k|min|mins)$)[A-Za-z]{0,4}-?\d[\w-]*")
_MONTHS = ("january february march april may june july august september october november december spring summer"
           " autumn fall winter")
# a city where it stands: after the name ...
_CITY_AFTER = re.compile(
    r"(?:'s|’s)?[ ](?:(?:is[ ])?safe[ ](?:for|to|at)|(?:a|an)[ ](?:good|nice|great|safe|cheap|fun|popular|big|small)[ ]"
    r"(?:place|city|town|destination|base)|worth[ ](?:a[ ])?visit\w*|in[ ](?:" + _MONTHS.replace(" ", "|") + r")(?![\w])"
    r"|(?:population|weather|airport|time[ ]zone|downtown|city[ ]cent(?:re|er)|old[ ]town|nightlife|neighbou?rhoods)"
    r"|called[ ]that|at[ ]night|(?:is[ ])?(?:expensive|cheap|affordable|walkable|crowded|touristy)(?![\w])|to[ ]live[ ]in|to[ ]visit)",
    re.IGNORECASE,
)
# ... or before it ("pack for", "the city of")
_CITY_BEFORE = re.compile(
    r"(?<![\w])(?:pack[ ]for|fly(?:ing)?[ ]to|retire[ ](?:to|in)|hotels?[ ](?:in|near)|move[ ]to|city[ ]of|town[ ]of"
    r"|how[ ](?:safe|big|large|expensive|cheap|hot|cold|rainy|humid|crowded|far[ ]away)[ ](?:is|was)|airports?[ ]serves?"
    r"|via|(?:trip|flights?|drive|driving|train|bus|ferry|route|journey|travel(?:ling)?|fly(?:ing)?|miles|km|hours)[ ]from"
    r"[ ][\w'’.-]+(?:[ ][\w'’.-]+){0,2}[ ]to)[ ]\Z",
    re.IGNORECASE,
)
# ... or joined by "and" / "or" to a place that is no person's name: "Taipei, San Francisco and
# Houston", "Denver or Reykjavik" (not by a comma or "to": "Aurora, Tromsø" signs a letter,
# "write to Sydney" names a person)
_LIST_BEFORE = re.compile(r"([\w'’.-]+(?:[ ][\w'’.-]+){0,2})(?:[ ]and|[ ]or|,[ ]and|,[ ]or)[ ]\Z")
_LIST_AFTER = re.compile(r"(?:[ ]and|[ ]or|,[ ]and|,[ ]or)[ ]([\w'’.-]+(?:[ ][\w'’.-]+){0,2})")
_MAKES = re.compile(r"[ ](?:still[ ]|also[ ]|no[ ]longer[ ])?(?:make|makes|made|sell|sells|sold|produce|produces)[ ]"
                    r"(?:its[ ]|their[ ])?([\w'’-]+)")
_ITS = re.compile(r"[ ](?:(?:still|also|first|just)[ ])?(?:launch|launched|release|released|open|opened|make|made|sell"
                  r"|sold|close|closed)[ ]its(?![\w])")
_SPORT = re.compile(
    r"(?<![\w])(?:match(?:es)?|fixtures?|season|league|cup|titles|beat|beats|against|fans|supporters|vs\.?|versus"
    r"|goals|stadium|signing|transfer|derby|playoffs?|trophy|trophies|championships?|squad|striker|goalkeeper)(?![\w])",
    re.IGNORECASE,
)


def names_a_thing(text: str, start: int, end: int) -> bool:
    """Does the person finding at ``text[start:end]``, with the words around it, name a product,
    a brand, a landmark, a team, an organisation, a title or a city where it stands?"""
    inner = [_key(w) for w in text[start:end].split()]
    if not inner or len(inner) > _NGRAM:
        return False
    t = terms()
    vocabulary = t.vocabulary
    known = [w in vocabulary for w in inner]
    if not any(known) and inner[-1] not in t.heads:
        # most person findings: a name no key, city or place list holds, not ending in a head
        # word; only a maker's name before it could still make it a product ("Tag Heuer Carrera")
        cut = text.rfind(" ", max(0, start - 30), max(0, start - 1))
        if _key(text[cut + 1 : start].strip()) not in vocabulary:
            return False
    title = _title_before(text, start)
    if title:  # "Mr. Suzuki", "Prof. Pereira": a person, whatever else the name is (not "Dr. Martens")
        return " ".join([title, *inner]) in t.kinds
    if len(inner) == 1 and _PERSON_AFTER.match(text, end) is not None:
        return False  # ("Suzuki will send the report": a person's verb after a lone name)
    if all(known) and _covering_key(text, start, end, len(inner), t):
        return True
    # a maker and its product line inside the finding ("Hyundai Tucson", "Gibson Les Paul")
    if len(inner) > 1 and inner[0] in vocabulary and _maker_and_line(inner, t):
        return True
    # a product line after a maker's name that is no person's ("Tag Heuer Carrera", "a Nikon Zfc")
    if _MAKER_BEFORE.search(text, max(0, start - 30), start) is not None and _maker_before(text, start, t):
        return True
    # a landmark's head word ending the finding ("Sugarloaf Mountain", "Sydney Opera House")
    return _ends_in_head(inner, t)


def _covering_key(text: str, start: int, end: int, n: int, t: Terms) -> bool:
    """A key of the table made of the finding's ``n`` words and the words next to it, each of
    which could be part of one ("Marks & Spencer" around "Spencer", "new york yankees" around
    "york yankees"), that names a thing here."""
    before = [m.span() for m in _WORD.finditer(text, max(0, start - _REACH), start)][-(_NGRAM - n) :] if n < _NGRAM else []
    after = [m.span() for m in _WORD.finditer(text, end, min(len(text), end + _REACH))][: _NGRAM - n]
    vocabulary, lex = t.vocabulary, lexicon()
    left = [_key(text[a:b]) for a, b in before]
    right = [_key(text[a:b]) for a, b in after]
    while left and any(w not in vocabulary for w in left):
        left, before = left[1:], before[1:]  # (only runs of words that keys hold)
    middle = " ".join(_key(w) for w in _WORD.findall(text, start, end))
    for i in range(len(left) + 1):
        if any(w not in vocabulary for w in left[i:]):
            continue
        head = " ".join([*left[i:], middle])
        a = before[i][0] if i < len(before) else start
        for j in range(min(len(right), _NGRAM - n - (len(left) - i)) + 1):
            if j and right[j - 1] not in vocabulary:
                break
            key = " ".join([head, *right[:j]]) if j else head
            b = after[j - 1][1] if j else end
            longer = (len(left) - i) + j > 0  # (the finding is a part of the name: "Spencer" of "Marks & Spencer")
            kind = t.kinds.get(key)
            # a lone word may be a family name that no list of ours holds ("Suzuki", "Pereira"):
            # a maker's name or a city written as one plain word needs its context too
            lone = " " not in key and _plain_word(text[a:b])
            if kind is not None and (
                (kind.islower() and not (lone and kind == "b")) or longer or _in_context(text, kind.lower(), a, b, t)
            ):
                return True
            # (a city may be a key of another kind too: "Stanley" the maker and the town)
            place = key in t.cities or key in lex.country or (longer and key in lex.place)
            if place and (longer or not (lone or _name_like(key)) or _in_context(text, _CITY, a, b, t)):
                return True
    return False


_MAKER_BEFORE = re.compile(r"[\w'’.&-]+[ ]\Z")


def _maker_before(text: str, start: int, t: Terms) -> bool:
    """A maker's name that is no person's, written with its capitals, right before ``start``."""
    written = text[max(0, start - 30) : start].split()[-3:]
    words = [_key(w) for w in written]
    return any(
        t.kinds.get(" ".join(words[k:])) == "b" and not written[k].islower() and written[k][:1].isupper()
        for k in range(len(words))
    )


def _maker_and_line(inner: list[str], t: Terms) -> bool:
    """A finding of several words that opens with a maker: one that is no person's name
    ("Hyundai Tucson", "Oura Ring"), or one that could be, before a product line or a model
    ("Gibson Les Paul", "Dell XPS")."""
    for k in range(1, len(inner)):
        kind = t.kinds.get(" ".join(inner[:k]))
        if kind is None or kind.lower() != "b":
            continue
        if kind == "b":
            return True
        rest = " ".join(inner[k:])
        if t.kinds.get(rest, "").lower() == "p" or rest in t.goods or _MODEL.fullmatch(inner[k]):
            return True
    return False


# a person's verb after a lone name ("Suzuki will ...", "Pereira asked ...", "Honda and I")
_PERSON_AFTER = re.compile(
    r"(?:'s|’s)?[ ](?:will|would|said|says|asked|asks|told|tells|wants|wanted|thinks|thought|called(?![ ]that)|rang|emailed"
    r"|texted|wrote|sent|replied|agreed|mentioned|prefers|needs|needed|and[ ]I|and[ ]me|is[ ]off|is[ ]out|was[ ]late"
    r"|left|joined|lives|lived|works|worked|went|came|feels|felt|hopes|likes|loves|hates|knows)(?![\w])"
)


def _plain_word(word: str) -> bool:
    """Is ``word`` written as a name is: a capital, then lower-case letters, or all in lower case
    ("Suzuki", "pereira"; not "IKEA", "iPhone", "H&M", "7-Eleven")?"""
    word = word.removesuffix("'s").removesuffix("’s")
    return word.isalpha() and (word.istitle() or word.islower())


def _title_before(text: str, start: int) -> str:
    """The courtesy title right before ``start`` ("Mr. ", "Dr ", "Frau "), lower case, or ""."""
    before = text[max(0, start - 12) : start]
    if not before.endswith(" ") or not before.strip():
        return ""
    word = before.rstrip().rsplit(None, 1)[-1].lower()
    return word if word.rstrip(".") in lexicon().titles else ""


def _key(word: str) -> str:
    word = word.lower().replace("’", "'").rstrip(".:,")
    return word[:-2] if word.endswith("'s") else word


def _name_like(key: str) -> bool:
    lex = lexicon()
    return key in lex.first or key in lex.last


def _ends_in_head(inner: list[str], t: Terms) -> bool:
    lex = lexicon()
    if len(inner) < 2 or not (inner[-1] in t.heads or " ".join(inner[-2:]) in t.heads):
        return False
    # many heads are family names too ("Park", "Hill", "Castle", "Temple", "Arena"), and a given
    # name may be one no list holds: only after a word that is a common one and no name, or a
    # city's ("Central Park", "Sydney Opera House", "Edinburgh Castle"; not "Jisoo Park", "Anna
    # Hill", "Quorvel Castle")
    vocabulary = t.vocabulary
    return any((w in lex.common or w in vocabulary) and w not in lex.first and w not in lex.last for w in inner[:-1])


# another name joined to this one: "Harvard or Stanford", "better than Stanford", "Celtics vs Lakers"
_JOIN_BEFORE = re.compile(r"([\w'’.&-]+(?:[ ][\w'’.&-]+){0,3})(?:[ ]and|[ ]or|[ ]than|[ ]vs\.?|[ ]versus|,)[ ]\Z")
_JOIN_AFTER = re.compile(r"(?:[ ]and|[ ]or|[ ]than|[ ]vs\.?|[ ]versus|,)[ ]([\w'’.&-]+(?:[ ][\w'’.&-]+){0,3})")


def _paired_with_a_thing(text: str, a: int, b: int) -> bool:
    """Is the name at ``text[a:b]`` joined to a key of the table that is no person's name?"""
    kinds = terms().kinds
    m = _JOIN_BEFORE.search(text, max(0, a - 40), a)
    if m is not None:
        words = [_key(w) for w in m.group(1).split()]
        if any(kinds.get(" ".join(words[k:]), "").islower() for k in range(len(words))):
            return True
    m = _JOIN_AFTER.match(text, b)
    if m is not None:
        words = [_key(w) for w in m.group(1).split()]
        if any(kinds.get(" ".join(words[:k]), "").islower() for k in range(1, len(words) + 1)):
            return True
    return False


def _in_context(text: str, kind: str, a: int, b: int, t: Terms) -> bool:
    """A key that could be a person's name, at ``text[a:b]``, in a frame that makes it a thing."""
    if kind != _CITY and _paired_with_a_thing(text, a, b):
        return True  # "Is Harvard better than Stanford?", "Ferrari or Lamborghini?"
    if kind in ("b", "p"):
        after = text[b : b + 40].split(None, 3)
        if not after:
            return False
        one = after[0].rstrip(".,;:!?)").lower()
        two = " ".join(after[:2]).rstrip(".,;:!?)").lower()
        if (one in t.goods or two in t.goods or one in t.brand_after or _MODEL.fullmatch(after[0].rstrip(".,;:!?)"))
                or t.kinds.get(one, "").lower() == "p" or t.kinds.get(two, "").lower() == "p"):
            return True
        # "What year did Hugo Boss launch its first pen?": "its" is a firm's, not a person's
        if _ITS.match(text, b) is not None:
            return True
        # "Does Gucci still make pens ...?"
        m = _MAKES.match(text, b)
        if m is not None and _key(m.group(1)) in t.goods:
            return True
        # "Is Jo Malone a luxury brand?", "Vera Wang's new collection"
        return bool(re.match(r"(?:'s|’s)?[ ](?:a|an|the)[ ](?:\w+[ ]){0,2}(?:brand|label|company|maker|firm)(?![\w])",
                             text[b : b + 60], re.IGNORECASE))
    if kind in ("l", "s", "o", "t") and text[max(0, a - 4) : a].lower() == "the ":
        return True  # "the Mona Lisa", "the Taj Mahal" (a person's name seldom follows "the")
    if kind == "t":  # (a sports word near the club's name, not anywhere: "Chelsea will play ...")
        return _SPORT.search(text, max(0, a - 30), min(len(text), b + 30)) is not None
    if kind == _CITY:
        if _CITY_AFTER.match(text, b) is not None or _CITY_BEFORE.search(text, max(0, a - 60), a) is not None:
            return True
        m = _LIST_BEFORE.search(text, max(0, a - 40), a)
        if m is not None and _plain_place(m.group(1)):
            return True
        m = _LIST_AFTER.match(text, b)
        return m is not None and _plain_place(m.group(1))
    return False


def _plain_place(words: str) -> bool:
    """Do the last one to three of ``words`` name a place that is no person's name ("Nairobi",
    "San Francisco", "Japan")?"""
    t, lex = terms(), lexicon()
    parts = [_key(w) for w in words.split()]
    for k in range(len(parts)):
        for key in (" ".join(parts[k:]), " ".join(parts[: len(parts) - k])):
            if (key in t.cities or key in lex.place or key in lex.country) and not _name_like(key):
                return True
    return False
