"""PII and secret detection: fast, dependency-free, no neural model.

``Detector.scan(text)`` returns sorted, non-overlapping :class:`Finding` s (type, offsets,
score). A finding never holds the matched value: findings end up in logs and route reasons,
and the caller can always slice the text it owns.

What is found: e-mail, phone numbers (international and national shapes; weak shapes only next
to a phone word), payment cards (Luhn + issuer prefix; groups split by spaces, dashes, dots, and
also by ``/``, ``_``, ``|``, commas, tabs, newlines or two spaces, or glued to letters; next to
another number, "qty 2 4539 ...", "7-4539...", or as a URL path segment), IBAN
(registry length + mod-97; letters written as look-alikes of another script too), US SSN, IPv4/IPv6, dates (``DATE_TIME`` when tied to a person: a
date of birth, "admitted on 3 March"; ``DATE`` otherwise), street addresses (number + street type, street word + number, unit/box
lines, address cues, multi-line blocks), person names, places and organisations (the tagger
of :mod:`turnout.detect.names`: word lists and a small trained linear model), credentials (OpenAI, Anthropic, AWS (also in groups of four), GitHub, Slack, Google,
Stripe, JWT, PEM private keys, passwords in URLs and ``password=`` assignments, random-looking
tokens) and organisation-specific terms and patterns from config.

Design for speed (every request is scanned; the whole scan, names included, targets >= 10
MB/s on one core and < 1 ms p99 on a 1k-token prompt). In CPython's
``re`` a full-text pass led by a character class costs ~6-8 ms/MB whatever it finds, one led
by a literal ~0.5 ms/MB, and Python code per match ~1 us. So:

- the text is mapped once to a *shape* (one byte per character: digits -> ``0``, capitals ->
  ``U``, lower case -> ``l``), where the digit scan becomes literal-led;
- everything anchored on digits (cards, phones, SSN, IP, IBAN, dates, house numbers, random
  tokens, most provider keys) is driven from one list of digit clusters, and the expensive
  patterns run only on small windows around them;
- cue words and key prefixes are literal-led searches, skipped when an ``in`` check (or, for a
  literal with a rare letter, a search led by that letter: see ``_rare_led``) says the literal
  is absent; no pattern starts with a look-behind (it disables the prefix scan);
- the only class-led pass left is the name tagger's one ``findall`` of capitalised words.

Overlaps are resolved by specificity: a checksum-verified or provider-prefixed match beats a
format-only one (a Luhn-valid card beats a phone-shaped digit run; a password inside a URL
beats the e-mail-shaped ``pass@host`` around it).
"""

from __future__ import annotations

import bisect
import codecs
import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter
from typing import TYPE_CHECKING

from turnout.detect.normalize import grouped_base64_at, lookalikes_mapped, normalize

if TYPE_CHECKING:
    from turnout.detect.names import NameTagger

__all__ = [
    "ENTITY_TYPES",
    "SECRET_TYPES",
    "Detector",
    "Finding",
    "default_detector",
    "iban_valid",
    "luhn_valid",
]

# Entity type names: aligned with presidio / the evaluation data set where they overlap.
EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
CREDIT_CARD = "CREDIT_CARD"
IBAN_CODE = "IBAN_CODE"
US_SSN = "US_SSN"
IP_ADDRESS = "IP_ADDRESS"
DATE_TIME = "DATE_TIME"  # only dates of birth: other dates are not personal data
STREET_ADDRESS = "STREET_ADDRESS"
PERSON = "PERSON"
LOCATION = "LOCATION"  # a place named in text (a city, region, country); see detect/names.py
ORGANIZATION = "ORGANIZATION"  # a company or institution named in text
DATE = "DATE"  # a date or year not tied to a person (public alone; see detect/pii_policy.py)
PRIVATE_KEY = "PRIVATE_KEY"
PASSWORD = "PASSWORD"
API_KEY = "API_KEY"  # a credential found by context (``api_key = ...``, ``Bearer ...``)
CUSTOM = "CUSTOM"  # an organisation-specific term from config
SECRET_OPENAI_KEY = "SECRET_OPENAI_KEY"
SECRET_ANTHROPIC_KEY = "SECRET_ANTHROPIC_KEY"
SECRET_AWS_KEY = "SECRET_AWS_KEY"
SECRET_GITHUB_TOKEN = "SECRET_GITHUB_TOKEN"
SECRET_SLACK_TOKEN = "SECRET_SLACK_TOKEN"
SECRET_GOOGLE_API_KEY = "SECRET_GOOGLE_API_KEY"
SECRET_STRIPE_KEY = "SECRET_STRIPE_KEY"
SECRET_JWT = "SECRET_JWT"
SECRET_HIGH_ENTROPY = "SECRET_HIGH_ENTROPY"  # a random-looking token with no known prefix

SECRET_TYPES: frozenset[str] = frozenset(
    {
        SECRET_OPENAI_KEY,
        SECRET_ANTHROPIC_KEY,
        SECRET_AWS_KEY,
        SECRET_GITHUB_TOKEN,
        SECRET_SLACK_TOKEN,
        SECRET_GOOGLE_API_KEY,
        SECRET_STRIPE_KEY,
        SECRET_JWT,
        SECRET_HIGH_ENTROPY,
        API_KEY,
        PRIVATE_KEY,
        PASSWORD,
    }
)
ENTITY_TYPES: frozenset[str] = frozenset(
    {
        EMAIL_ADDRESS,
        PHONE_NUMBER,
        CREDIT_CARD,
        IBAN_CODE,
        US_SSN,
        IP_ADDRESS,
        DATE_TIME,
        STREET_ADDRESS,
        PERSON,
        LOCATION,
        ORGANIZATION,
        DATE,
        CUSTOM,
    }
    | SECRET_TYPES
)

# Who wins an overlap: the more specific (checksummed, prefixed, explicit) detector.
_PRIORITY: dict[str, int] = {
    PRIVATE_KEY: 100,
    SECRET_ANTHROPIC_KEY: 95,
    SECRET_OPENAI_KEY: 94,
    SECRET_AWS_KEY: 93,
    SECRET_GITHUB_TOKEN: 93,
    SECRET_SLACK_TOKEN: 93,
    SECRET_GOOGLE_API_KEY: 93,
    SECRET_STRIPE_KEY: 93,
    SECRET_JWT: 92,
    PASSWORD: 90,
    API_KEY: 85,
    CUSTOM: 80,  # also every named custom pattern
    EMAIL_ADDRESS: 70,
    IBAN_CODE: 68,
    CREDIT_CARD: 66,
    US_SSN: 64,
    IP_ADDRESS: 62,
    DATE_TIME: 55,
    PHONE_NUMBER: 50,
    STREET_ADDRESS: 40,
    DATE: 36,
    PERSON: 30,
    ORGANIZATION: 29,  # "Barnett, Melton and Garcia": people's names first
    LOCATION: 28,
    SECRET_HIGH_ENTROPY: 20,
}


_Put = Callable[..., None]  # put(kind, start, end, score, priority=None): collects a candidate


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected entity: its type, ``text[start:end]`` and a confidence in [0, 1].

    Holds no value on purpose, so that logging a finding never leaks what it found.
    """

    type: str
    start: int
    end: int
    score: float


# --------------------------------------------------------------------------------------------
# character classes (``re`` has no \p{Lu}; build Latin/Greek/Cyrillic ones once)


def _class_of(predicate: str, limit: int = 0x0530) -> str:
    chars = [chr(c) for c in range(limit) if getattr(chr(c), predicate)() and chr(c).isalpha()]
    # collapse consecutive code points into ranges to keep the pattern small
    parts: list[str] = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and ord(chars[j + 1]) == ord(chars[j]) + 1:
            j += 1
        lo, hi = re.escape(chars[i]), re.escape(chars[j])
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "".join(parts)


_UP = "[" + _class_of("isupper") + "]"
_LO = "[" + _class_of("islower") + "]"
# a capitalised word: "Szász", "O'Neil", "Jean-Luc", "McDonald"
_CAP = rf"{_UP}{_LO}+(?:[-'’]{_UP}?{_LO}+)*(?:{_UP}{_LO}+)?"

# --------------------------------------------------------------------------------------------
# checksums


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check of a digit string, as printed on payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# IBAN length per country (ISO 13616 registry); unknown countries accept 15..34 characters.
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: known length for the country, then mod-97 of the rearranged code."""
    code = iban.replace(" ", "").upper()
    if not (15 <= len(code) <= 34) or not code[:2].isalpha() or not code[2:4].isdigit():
        return False
    expected = _IBAN_LENGTHS.get(code[:2])
    if expected is not None and len(code) != expected:
        return False
    if not code.isalnum() or not code.isascii():
        return False
    rearranged = code[4:] + code[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _card_network_ok(d: str) -> bool:
    """Is this digit string shaped like a card of a real network (IIN prefix + length)?"""
    n = len(d)
    p2, p4 = int(d[:2]), int(d[:4])
    if d[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # Amex
        return n == 15
    if 300 <= int(d[:3]) <= 305 or p2 in (36, 38, 39) or p4 == 3095:  # Diners
        return 14 <= n <= 19
    if p2 == 35:  # JCB (3528-3589 assigned; the rest of 35 is JCB's reserve)
        return 16 <= n <= 19
    if p4 in (2131, 1800):  # old JCB
        return n == 15
    if d[0] == "6" or p2 in (50, 56, 57, 58):  # Discover, UnionPay, Maestro, RuPay
        return 12 <= n <= 19
    return False


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


# --------------------------------------------------------------------------------------------
# patterns

# Provider credentials: each with a distinctive prefix, so they are near-certain.
#  - "sk-"/"sk_" keys (OpenAI, Anthropic, Stripe) and AWS key ids: gated by a literal-led
#    search of the whole text (as cheap as ``in``), since they matter most to an LLM router;
#  - the others are random tokens that hold digits (a 36-character GitHub token has none with
#    probability < 0.2%; Slack tokens embed numeric ids; a JWT header always has digits), so
#    they are checked only on the tokens around digit clusters, which the scan visits anyway.
# AKIA/ASIA/ABIA/ACCA ids, led by the literal "IA"; also written in groups of four, a space or a
# dash apart ("AKIA IOSF ODNN 7EXA MPLE"; NBSP and narrow NBSP are spaces once normalised)
_AWS_GATE = re.compile("IA(?:[A-Z0-9]{16}|[ -][A-Z2-7]{4}[ -])")
_SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str] | None, tuple[str, ...], re.Pattern[str], float], ...] = (
    # (kind, a literal-led gate searched first, literals one of which every match holds (checked
    # when the gate found something), the pattern, score). Which is cheaper depends on the
    # literal's first character: ``re`` walks to each occurrence of it and compares from there,
    # ``in`` skips ahead in steps of the literal's length. A rare first letter ("k", "I") makes
    # the ``re`` search cheapest (bench prose, ms/MB: "k-" 0.28 against "sk-" 0.62 by ``in``;
    # "k_(?:live|test)_" 0.30 against 0.71 for two ``in``\s)
    # OpenAI, and Anthropic's "sk-ant-" (told apart by the match, below)
    (SECRET_OPENAI_KEY, re.compile("k-"), ("sk-",), re.compile(r"(?<![\w-])sk-[A-Za-z0-9_-]{20,}"), 0.95),
    (
        SECRET_AWS_KEY,
        _AWS_GATE,
        (),
        # grouped: the same separator throughout, no fifth group after the key's four, and the
        # 16 characters of a real id are base32 (A-Z, 2-7), which keeps a line of capitals with
        # a year in it out ("ASIA OPEN GOLF 2019 ..."); "ASIA", a word, only with a digit 2-7
        # among them ("ASIA TEAM WINS GOLD ONCE" is a headline); not "ACCA", which the gate's
        # "IA" does not find (its ids unbroken are read around their digits: _TOKEN_SECRETS)
        re.compile(r"(?<![A-Z0-9])(?:(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"
                   r"|(?:AKIA|ABIA|ASIA(?=[A-Z -]{0,18}[2-7]))([ -])[A-Z2-7]{4}(?:\1[A-Z2-7]{4}){3}"
                   r"(?!\1?[A-Za-z0-9]))(?![A-Z0-9])"),
        0.97,
    ),
    (
        SECRET_STRIPE_KEY,
        re.compile("k_(?:live|test)_"),
        (),
        re.compile(r"(?<![\w])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247}"),
        0.98,
    ),
)
# the gate pays on short texts only: its eleven searches of a long text cost as much as the
# passes' own gates (~5 ms/MB, a tenth of a names-off scan), and prose holds "key" or "token"
_SECRET_GATE_MAX = 1024


def _may_hold_secret(low: str) -> bool:
    """An exact gate for ``Detector._scan_secrets`` but its AWS ids: each of its passes needs
    one of these literals in the lower-cased text ("sk-" for OpenAI / Anthropic keys, the
    Stripe prefixes, a PEM header, "://" for URL passwords and Slack webhooks, the key names
    of assignments, "bearer"); eleven ``in`` tests cost a fifth of the passes' own gates and
    calls (tests/detect/test_scan_cost.py holds the gate to the passes)."""
    return ("sk-" in low or "k_live_" in low or "k_test_" in low or "-----begin" in low or "://" in low
            or "pass" in low or "pwd" in low or "secret" in low or "token" in low or "key" in low
            or "bearer" in low)


# matched at the start of a token found around a digit cluster
_TOKEN_SECRETS: tuple[tuple[str, re.Pattern[str], float], ...] = (
    (SECRET_GITHUB_TOKEN, re.compile(r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![\w])"), 0.99),
    (SECRET_SLACK_TOKEN, re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,250}"), 0.97),
    (SECRET_GOOGLE_API_KEY, re.compile(r"AIza[0-9A-Za-z_-]{35}(?![\w-])"), 0.97),
    (SECRET_AWS_KEY, re.compile(r"(?:ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"), 0.97),
    (SECRET_JWT, re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), 0.95),
)
_TOKEN_SECRET_START = re.compile(r"gh[pousr]_|github_pat_|xox[abposr]-|AIza|ABIA|ACCA|eyJ")
_SCHEME_SEP = re.compile("://")
_SLACK_WEBHOOK = re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}")
# its words a space or a "+" apart: form encoding writes spaces as "+" ("-----BEGIN+PRIVATE+KEY-----"),
# and in an opaque field (an id) nothing else reads the key
_PEM = re.compile(
    r"-----BEGIN[ +](?:[A-Z0-9]+[ +])*PRIVATE[ +]KEY(?:[ +]BLOCK)?-----"
    r"(?:.*?-----END[ +](?:[A-Z0-9]+[ +])*PRIVATE[ +]KEY(?:[ +]BLOCK)?-----|.*)",  # unterminated: to the end
    re.DOTALL,
)

# scheme://user:password@host -> only the password is the secret
_URL_PASSWORD = re.compile(r"://[^\s:/@?#\[\]]+:([^\s@/?#]+)@[^\s@]")

_PLACEHOLDER_VALUE = re.compile(
    r"""(?ix)^(?:
        [*x•.#?_-]+ | <.*> | \$.* | \{.*\}? | %.* | \[.*\]? | \(.*
        | str | string | int | number | bool | boolean | any | none | null | nil | undefined
        | optional.* | true | false | required | secretstr | bytes | unknown | is | are | was
        | must | should | will | the | your | my | a | an | not | here | empty | redacted
        | masked | hidden | placeholder | example | dummy | changeme_?later
        | [A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\(?.* # attribute access: os.environ
        | [A-Za-z_][A-Za-z0-9_]*\(.*                                 # a call: getenv(...)
    )$"""
)
_PASSWORD_KEYS = ("pass", "pwd")

_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?![\w]|\.\d)"
)
_VERSION_CUE = re.compile(r"(?i)(?:\bv|version|ver\.?|release|build|rev|firmware|python|node|java)[ \t:=]*$")

_CARD = re.compile(r"(?<![\w.,/+-])\d(?:[ .-]?\d){11,18}(?![\w]|[.,/-]\d)")
# Groupings a card is printed in when dots separate it ("4539.1488.0343.6467"): a dot is also a
# decimal point and a version separator, so a dotted run counts only in a card's own grouping.
_DOTTED_CARD_GROUPS = ((4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4))
# A card's groups split by a character that is no card separator elsewhere ("4539/5787/6362/1486",
# tab- or newline-separated columns, "4539_5787_...", two spaces): the same separator throughout,
# in a card's own grouping, Luhn-valid and of a real network (no card word rescues an unknown
# issuer here: these separators also split lists of numbers). Matched at a cluster's start only.
_CARD_SPLIT = re.compile(r"(\d{4})([/_|,\t\n]|  )(\d{4,6})\2(\d{3,5})(?:\2(\d{4}))?(?:\2(\d{3}))?(?!\d|[.,/|_-]\d)")
# A card in its printed grouping ("4539 5787 6362 1486", "3782-822463-10005") glued to a word
# on either side ("card_4539 5787 ...", "ref4539-5787-..."), which _CARD's boundaries refuse.
_CARD_GROUPED = re.compile(r"(\d{4})([ -])(\d{4,6})\2(\d{4,5})(?:\2(\d{4}))?(?:\2(\d{3}))?")
_CARD_SPLIT_SEPS = frozenset("/_|,\t\n ")  # what may follow a card's first group in that form
_CELL_SEPS = frozenset(",;|\t")  # what separates the cells of a row (CSV, TSV, a pipe table)
_CARD_CUE = re.compile(r"(?i)\b(?:card|cc|visa|mastercard|amex|credit|debit|maestro|jcb|discover)\b")
_IBAN = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![\w])")
_SSN = re.compile(r"(?<![\w./-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|[./-]\d)")
_SSN_CONTEXT = re.compile(
    r"(?i)\b(?:ssn|social[ \t]+security(?:[ \t]+(?:number|no\.?|#))?)\b[^\d\n]{0,20}(\d{3}[- ]?\d{2}[- ]?\d{4})(?![\w])"
)

_PHONE = re.compile(
    # A phone's first character is a "+", "(" or digit, and the pattern opens by consuming it:
    # a pattern led by a character class lets ``re`` skip to the candidates in a tight loop,
    # where one led by a look-ahead or look-behind runs a full match attempt at every position
    # (~400 instructions each; a phone window's search 16.3k -> ~9k). The look-behinds then
    # look one character further back, and the first character picks the branch that the
    # readable form (optional country code, "(0)" trunk and "(area)" groups, then digits; in
    # tests/detect/test_prefilters.py) would take from it, in the same order, so the matches
    # are the same (a property test holds the two to each other).
    r"[+(\d](?<![\w+@/.-][\s\S])(?<!\d,[\s\S])"  # not inside a word, an ID or "1,234,567"
    r"(?:(?<=\+)\d{1,3}[ .-]?(?:\(0\)[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}"  # country code
    r"|(?<=\()(?:0\)[ .-]?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}|\d{1,5}\)[ .-]?\d{1,12})"  # (0) trunk, (area)
    r"|(?<=\d)\d{0,11})"
    r"(?:[ .-]\d{1,8}){0,5}"  # digit groups
    r"(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,5})?"
    r"(?![\w@]|[.,/-]\d|:\d)"
)
_PHONE_STRONG = re.compile(
    r"""(?x)^(?:
        \+\d.*                                       # international
      | 00\d.*                                       # international dial-out prefix
      | .*\(0\).*
      | (?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?:[ ]?(?:x|ext\.?)[ ]?\d+)?  # NANP
      | \(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,4}       # (area) local
    )$"""
)
_PHONE_CUE = re.compile(
    r"(?i)\b(?:phone|telephone|tel|mobile|mob|cell|cellphone|fax|desk|office|call|called|calling|"
    r"ring|text|sms|whatsapp|contact|reach|dial|number|nr|messages?|answering|voicemail|"
    r"hotline|landline|ext|extension|handy|t[eé]l[eé]fono|telefon)\b"
)
_NOT_PHONE_CUE = re.compile(
    r"(?i)\b(?:order|invoice|account|card|ref|reference|ticket|case|tracking|serial|policy|"
    r"id|iban|ssn|zip|postal|postcode|licen[cs]e|passport|isbn|version|total|amount|price|"
    r"sum|balance|route|flight|room|page|line[ \t]+\d)\b"
)
_DATE_SHAPE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$")

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+{_MONTHS},?[ \t]+\d{{4}}"
    rf"|{_MONTHS}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}}"
    r"|(?:19|20)\d{2})(?![\w])"
)
_DOB = re.compile(
    r"(?i)(?:\bborn\b|\bbirth|\bd\.?o\.?b\b\.?|\bgeb(?:oren|urtsdatum|\.)|\bn[ée]e?\b)"
    rf"[^\n.?!\d]{{0,40}}?({_DATE})"
)

# any date (see Detector._date): numeric with a plausible day and month, "3 March [2020]",
# "March 3[, 2020]", or a year after a word that introduces one ("in 1992", "since 2004")
_DATE_NUMERIC = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?![\d.]\d)"
    r"|(\d{1,2})([-/.])(\d{1,2})\6(\d{4}|\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?![\d.]\d)"
)
_DATE_DAY_MONTH = re.compile(rf"\d{{1,2}}(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+{_MONTHS}(?![a-z])(?:,?[ \t]+\d{{4}})?")
_MONTH_BEFORE = re.compile(rf"(?<![a-z]){_MONTHS}[ \t]+\Z")
# every word ``_MONTHS`` matches (tests/detect/test_prefilters.py holds the two together), and
# the last three characters of each, with and without its dot: a text before a number that does
# not end (spaces aside) in one of these cannot end in a month, so ``_MONTH_BEFORE`` is not
# searched (a set look-up against a ~1 us search, before ~40% of the digit clusters of prose)
_MONTH_SPELLINGS = (
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
    "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
    "december",
)  # fmt: skip
_MONTH_TAILS = frozenset({w[-3:] for w in _MONTH_SPELLINGS} | {(w + ".")[-3:] for w in _MONTH_SPELLINGS})
_DAY_YEAR = re.compile(r"\d{1,2}(?:st|nd|rd|th)?(?:,?[ \t]+\d{4})?(?!\d)")
_YEAR_CUE = re.compile(r"(?:\bin|since|from|until|till|by|of|year|during|founded|established|born|circa|c\.|early|late|mid|spring|summer|autumn|fall|winter|around)[ \t]+\Z")
# words that tie a date to a person: a birth, a hospital stay, a visit, an appointment
_PERSON_DATE_CUE = re.compile(
    r"born|birth|\bdob\b|admitted|discharged|died|death|deceased|passed away|diagnos|surgery|"
    r"operated|treated|appointment|visit|seen on|married|wedding|hired|fired|arrested|"
    r"employed|start(?:s|ed)? on|enrolled|vaccinat|prescribed"
)


def _plausible_date(m: re.Match[str]) -> bool:
    if m.group(1) is not None:
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
        return 1800 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31
    a, b, y = int(m.group(5)), int(m.group(7)), m.group(8)
    if len(y) == 4 and not 1800 <= int(y) <= 2100:
        return False
    if len(y) == 2 and m.group(6) == ".":
        return False  # "1.2.10": a version more often than a date
    return 1 <= min(a, b) <= 12 and 1 <= max(a, b) <= 31


# Street addresses.  Three general shapes, then multi-line blocks are grown from them:
#   1. number + name + street-type word ("1668 Glyn St", "90 Whitchurch Road")
#   2. a street word inside or before the name + number ("Villacher Strasse 89", "Rua do
#      Arenque 1634", "Koskikatu 25", "Via Roma 12")
#   3. unit/box designators ("Apt. 864", "Suite 501", "PSC 6293, Box 8158", "APO AP 04336")
_STREET_TYPES = (
    r"(?:Street|St|Str|Avenue|Ave|Av|Road|Rd|Drive|Dr|Lane|Ln|Boulevard|Blvd|Way|Court|Ct|Place|Pl|"
    r"Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Crescent|Cres|Close|Gardens|"
    r"Grove|Row|Mews|Alley|Trail|Trl|Crossing|Walk|Hill|Heights|Park|Parks|Pass|Bridge|Route|"
    r"Path|Plaza|Point|Pike|Loop|Run|Green|Hollow|Ridge|View|Vista|Expressway|Freeway|Turnpike|"
    r"Wharf|Quay|Esplanade|Promenade|Forges|Coves|Courts|Gateway|Extensions|Fort|Track|Ranch|"
    # British and Indian ones: "2 Station Approach", "14 Mill Rise", "229 Anna Salai", "8 Tilak Marg"
    r"Approach|Rise|Parade|Vale|Wynd|Salai|Marg)"
)
_ADDR_EN = re.compile(
    rf"(?<![\w.,-])\d{{1,5}}[A-Za-z]?(?:[ \t]+\d{{1,5}})?(?:[ \t]+(?:{_CAP}|[NSEW]\.?|\d{{1,3}}(?:st|nd|rd|th))){{1,4}}"
    rf"[ \t]+{_STREET_TYPES}\b\.?"
)
# the same typed in lower case ("lives on 17 rosemary lane", "ship to: ..., 42 larchmont avenue, ..."):
# full street words only (not "way", "walk", "park", "hill", "st": "a 5 minute walk", "2 way st"),
# one or two words of a name that are no function or unit words ("5 miles down the road"), and
# only where an address stands: after a line's start, a comma, "at", "on", "to"; up to a comma,
# the line's or the sentence's end, or " in" (see _lower_en_before)
_LOWER_STREET_TYPES = ("street", "avenue", "road", "lane", "drive", "terrace", "boulevard", "crescent",
                       "parkway", "close", "grove", "gardens", "mews")  # fmt: skip
_ADDR_EN_LOWER = re.compile(
    r"\d{1,5}[a-z]?[ \t]+(?!(?:the|a|an|of|to|in|on|at|and|or|for|by|more|other|new|old|big|small|long|short"
    r"|minutes?|mins?|hours?|days?|weeks?|months?|years?|miles?|km|meters?|metres?|feet|foot|yards?|blocks?"
    r"|lanes?|roads?|streets?|times?|ways?)(?![\w'’-]))"
    r"[a-zà-öø-ÿ][\w'’-]*(?:[ \t]+[a-zà-öø-ÿ][\w'’-]*)?[ \t]+(?:" + "|".join(_LOWER_STREET_TYPES) + r")"
    r"(?=[ \t]*(?:[,;\n]|\.(?:\s|$)|$)|[ \t]+in[ \t])"
)
# the span an address cue introduces: must start with a number or a capitalised word and hold a
# house number; stops at the end of the line or sentence
_ADDR_AFTER_CUE = re.compile(
    rf"(?:the[ \t]+corner[ \t]+of[ \t]+)?(?:\d{{1,5}}[A-Za-z]?[ \t,]+)?(?:[\w.'’-]+[ \t]+){{0,5}}?\d{{1,5}}\b\.?"
    rf"(?:[ \t]+(?:and|&)[ \t]+(?:{_CAP}[ \t]*){{1,3}}{_CAP})?"
)
# a street corner: "the corner of Elm Street and 5th Avenue", "the corner of Kuusiku 7 and Alexander
# Flat" (the second street's name may lack a street word)
_CORNER = re.compile(
    rf"(?i:the[ \t]+)?corner[ \t]+of[ \t]+(?:\d{{1,5}}[ \t]+)?(?:[\w.'’/-]+[ \t]+){{0,5}}?[\w.'’-]+"
    rf"[ \t]+(?:and|&)[ \t]+(?:\d{{1,5}}[ \t]+)?(?:{_CAP}|[a-zà-ÿ]{{2,}}\.?)(?:[ \t]+(?:{_CAP}|\d{{1,5}})){{0,3}}"
)
# lines that continue an address block: a unit, a city, "City, ST 12345", "Country 12345"
_ADDR_CONT_LINE = re.compile(
    rf"^[ \t>?]*(?:(?:Apt|Suite|Unit|Ste|Flat)\.?[ \t]+\d{{1,5}}|(?:{_UP}[\w'’.()-]*|\d{{4,6}}|,)(?:[ \t,]+[\w'’.()-]+){{0,5}})[ \t.]*$"
)
# the tail of an address after its street: units; up to three ", Place" parts, then a state
# ("OH", "- PR") and a postcode: US, Brazilian ("42345-710"), British ("LS6 7QX"), Canadian
# ("K1P 4X5"), Indian ("560034"); or a postcode before the city (", 72422 Nantes")
_POSTCODE = r"(?:\d{5}-\d{3}|\d{4,6}|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)(?![\w-])"
_TAIL_PART = rf",[ \t]+(?:{_CAP}|{_UP}{{2,}}(?![\w]))(?:[ \t]+(?:{_CAP}|{_UP}{{2,}}(?![\w])))*"
_ADDR_TAIL = re.compile(
    rf"(?:,?[ \t]+(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?[ \t]+#?\d{{1,5}}[A-Za-z]?))+"
    # several ", Place" parts only when a state or a postcode closes them (", Anna Lee called"
    # after an address is a person, not a part of it)
    rf"|(?:{_TAIL_PART}){{1,3}}(?:(?:[ \t]+[-–][ \t]+|,?[ \t]+){_UP}{{2}}(?![\w])(?:,?[ \t]+{_POSTCODE})?|,?[ \t]+{_POSTCODE})"
    rf"|{_TAIL_PART}(?:,?[ \t]+{_UP}{{2}})?(?:[ \t]+\d{{4,6}})?"
    rf"|,[ \t]+\d{{4,5}}(?:[ \t]+{_UP}{{2}})?[ \t]+{_CAP}(?:[ \t]+{_CAP})?"
)

# capitalised words that are never a person here (products, days, languages); the name
# tagger (detect/names.py) skips them
_NOT_NAMES_TEXT = """
    the a an this that these those it its i you he she we they me him her us them my your his our
    their what which who whom whose when where why how yes no not hi hello hey dear thanks thank
    please sorry ok okay monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december today tomorrow yesterday
    mr mrs ms dr prof sir madam god jesus christ bot user assistant system customer client team
    support manager admin director ceo cto cfo president king queen prince princess street road
    avenue apt suite unit box north south east west new old great big small united states kingdom
    america american english french german spanish italian chinese japanese russian european
    company inc ltd llc corp corporation bank university college school hospital church
    hotel airport station office department ministry city county state country province
    python java javascript typescript rust go ruby julia scala kotlin swift linux windows mac
    macos ios android docker kubernetes google microsoft apple amazon openai anthropic meta
    claude gpt chatgpt gemini llama mistral copilot siri alexa cortana not also just here there
    alaska nebraska geneva moldova heidelberg liechtenstein sons brothers bros partners group
    associates holdings co
    """
_WORDS_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())

# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# fast-path patterns: no leading look-behind (it disables the engine's prefix scan), so each
# full-text pass skips ordinary prose in C; boundaries are checked in Python on the few hits.

# clusters of digits ("4454 7945 1139 0933", "+41 (0)96 471", "10.0.0.1", "12:30")
# A scan led by a character class costs the engine ~6-8 ms/MB whatever it finds; one led by
# a literal costs ~0.5. So the digit and "Given I. Surname" scans run over a *shape* of the
# text: one byte per character (offsets unchanged), digits -> "0", capitals -> "U",
# lower-case letters -> "l" ("x" kept for phone extensions), so both become literal-led.
_SHAPE_TABLE = bytes(
    ord("0") if 48 <= b <= 57
    else ord("U") if chr(b).isupper()
    else ord("l") if chr(b).islower() and b != ord("x")
    else b
    for b in range(256)
)  # fmt: skip
_SHAPE_ERRORS = "turnout-pii-shape"


def _shape_errors(exc: UnicodeError) -> tuple[str, int]:
    """Encode characters beyond Latin-1 by their case, one byte each (keeps offsets)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    run = exc.object[exc.start : exc.end]
    return "".join("U" if c.isupper() else "l" if c.islower() else "?" for c in run), exc.end


codecs.register_error(_SHAPE_ERRORS, _shape_errors)


def _shape(text: str) -> bytes:
    return text.encode("latin-1", _SHAPE_ERRORS).translate(_SHAPE_TABLE)


# clusters of digits ("4454 7945 1139 0933", "+41 (0)96 471", "10.0.0.1", "12:30"), in the shape
_NUM = re.compile(rb"0(?:[0 .:/()+x-]*0)?")


def _rare_led(literal: str, k: int) -> re.Pattern[str]:
    """A search for ``literal`` led by its character ``k`` (a rare one), the characters before it
    checked by a look-behind: a match starts ``k`` characters after the literal does.

    ``re`` walks to each occurrence of a pattern's first character with a tight loop, while
    ``in`` / ``str.find`` skip ahead in steps with a branch per step that a CPU mispredicts
    about half the time on prose: led by a rare letter, the walk takes a third to a half of
    the time of ``in`` (bench prose, ms/MB: "né" 0.27 against 0.84, "live" 0.38 against 0.84,
    "token" 0.35 against 0.64), though it runs more instructions."""
    return re.compile(re.escape(literal[k]) + "(?<=" + re.escape(literal[: k + 1]) + ")" + re.escape(literal[k + 1 :]))


# the key names of ``key = value`` credentials, searched in the lower-cased text
_ASSIGN_KEYS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (
        lit,
        re.compile(
            lit + r"""[\w.-]{0,24}["']?[ \t]*(?:=|:=|=>|:)[ \t]*(["'`]?)([^\s"'`,;&<>]{3,256})"""
        ),
    )
    for lit in ("pass", "pwd", "secret", "token", "key")
)
# keys whose matches are tried only where a search led by a rarer letter finds the key (the
# pattern's own search walks to every "t" / "s": 3.3 ms/MB for "token" against 0.35); the
# others search fastest as they are ("pass", "key": many hits; "pwd": a rare first letter)
_KEY_FINDERS: dict[str, tuple[re.Pattern[str], int]] = {"token": (_rare_led("token", 2), 2),
                                                        "secret": (_rare_led("secret", 3), 3)}
_KEY_WORDS = ("api", "access", "secret", "private", "auth", "client", "signing", "encryption")
_BEARER_LIT = re.compile(r"bearer[ \t]+([a-z0-9._~+/-]{20,}=*)")
_KEY_NAME = re.compile(r"[\w.-]*$")
_TOKEN_AROUND_RIGHT = re.compile(r"[A-Za-z0-9+/_=-]*")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_=-")  # its class
# the local part of an e-mail address, matched backwards from the "@" (on the reversed 64
# characters before it): r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}\Z" searched forwards would try
# each of the 64 starts; the reversed match is one greedy try and finds the same, leftmost one
_EMAIL_LOCAL_REV = re.compile(r"[A-Za-z0-9._%+-]{0,63}[A-Za-z0-9]")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])")
_IPV6_WIN = re.compile(r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{2,38}(?:%\w+)?")
_DOB_CUE = re.compile(r"born|birth|dob|d\.o\.b|geb|né")
_DOB_CUE_LITERALS = ("born", "birth", "dob", "d.o.b", "geb", "né")  # the alternatives of _DOB_CUE
# a search for each, led by its rarest character ("b", "é", the "." of "d.o.b")
_DOB_CUE_FINDERS = tuple(_rare_led(lit, k) for lit, k in zip(_DOB_CUE_LITERALS, (0, 0, 2, 3, 0, 1), strict=True))
_DOB_WINDOWS_FIRST = 4  # windowed cue searches before the text is asked once for any cue
# what may follow a day's digits in "3 March", "3rd of March" (in any case: ``_date`` lowers it)
_DAY_FOLLOWERS = frozenset("snrtSNRT \t")
_ORDINALS = frozenset({"st", "nd", "rd", "th"})
_MONTH_INITIALS = "jfmasond"  # of every month, and of "of" ("3rd of March")


def _month_may_follow(low: str, e: int) -> bool:
    """Could ``_DATE_DAY_MONTH`` match a day ending at ``e``? Only if an optional ordinal, then
    blanks, then "of" or a month's first letter follow (an exact gate for the ~1 us match)."""
    j = e + 2 if low[e : e + 2] in _ORDINALS else e
    return (low[j : j + 1] == " " or low[j : j + 1] == "\t") and low[j : j + 24].lstrip(" \t")[:1] in _MONTH_INITIALS


_NOT_BEFORE_DATE = frozenset("+#$€£/.:-")  # "#12", "$2024", "v1.2": a number, not a date
_JOINERS = frozenset("+/_=-")  # characters inside tokens: a digit next to one is part of a token
_UNIT_ENDINGS = frozenset({"apt", "ite", "nit", "lat", "oor", "box", "ste", "psc", "apo", "fpo", "dpo", "cmr", "oom"})
# address: a number after a street name ("Villacher Strasse 89", "Rua do Arenque 1634"); checked
# on the few words before a number in Python, which is cheaper than a regex searched backwards
_PARTICLES_TEXT = "da das de del della di do dos du des la le van von der den y e i"
_PARTICLES = frozenset(_PARTICLES_TEXT.split())
_STREET_SUFFIXES = (
    "strasse", "straße", "gasse", "weg", "vej", "vegur", "veien", "gata", "gatan", "gade", "katu",
    "tie", "utca", "laan", "straat", "plein", "platz", "allee", "steig", "damm", "ufer", "tér",
    "út", "ulica", "ulice", "náměstí", "terrasse", "vägen", "väg", "stræde", "torget", "torg",
    "kuja", "polku", "sokak", "caddesi", "cesta", "vænget", "straede", "stien", "braut", "stræti",
    "vegen", "gränd", "gracht", "kade", "dreef", "singel", "steeg", "markt", "allé", "sokağı",
    "bulvarı", "stig", "bakken", "vangen",
)  # fmt: skip
_STREET_WORDS = frozenset(
    {"u.", "ul.", "út", "útja", "tér", "utca", "kapu", "sor", "körút", "st", "st.", "str.", "ave", "rd",
     "gate", "gata", "gatan", "gade", "vej", "vei", "veien", "weg", "straße", "strasse", "katu", "tie",
     "pr.", "g."}  # Lithuanian, after the name: "Gedimino pr. 21" (prospektas), "Vilniaus g. 5" (gatvė)
)  # fmt: skip
# street-word endings that no English word has, so a street's name written in lower case counts
# too ("lindenstraße 3", "bahnhofweg 19", "kiviojankatu 14"; not "tie", "markt", "damm": "auntie 3")
_LOWER_STREET_SUFFIXES = (
    "strasse", "straße", "gasse", "weg", "vej", "veien", "gatan", "gata", "gade", "katu", "straat",
    "platz", "allee", "ulica", "utca", "vägen", "stræde", "gracht", "straede", "laan",
)  # fmt: skip
_STREET_PREFIXES = frozenset(
    {
        "rua", "calle", "carrer", "avenida", "av.", "rue", "via", "viale", "vicolo", "strada",
        "piazza", "largo", "corso", "praça", "travessa", "ul.", "ulica", "plac", "aleja", "al.",
        "boulevard", "bd.", "chemin", "route", "rambla", "paseo", "camino", "plaza", "calzada",
        "estrada", "avinguda", "ruta", "rúa", "avenue", "allée", "place", "avda.", "avda", "c/", "av",
        "bd", "blvd", "blvd.", "calea", "rruga", "bulevar", "bulevardul", "sokak",
        "am", "im", "zum", "zur",  # German: "Am Mühlbach 214", "Zur Linde 3"
        "jalan", "jln", "jln.", "jl.", "lorong",  # Malay, Indonesian: "Jalan Merdeka 11", "Jl. Sudirman 5"
    }
)  # fmt: skip
# street prefixes that are no English word, so they count written in lower case too ("36 rue
# de pologne", "rue du centre 320"); "via", "route", "place", "avenue" do not
_LOWER_STREET_PREFIXES = frozenset(
    {"rue", "calle", "carrer", "avenida", "avda.", "avda", "rua", "rúa", "strada", "ulica", "ul.",
     "travessa", "praça", "avinguda", "viale", "vicolo", "piazza", "allée", "chemin", "calzada", "calea",
     "rruga", "bulevar", "c/", "jalan", "jln", "jln.", "jl.", "lorong"}
)  # fmt: skip
_LOWER_PREFIX_NEAR = re.compile(
    r"(?:^|[ \t\n,])(?:" + "|".join(re.escape(p) for p in sorted(_LOWER_STREET_PREFIXES, key=len, reverse=True))
    + r")[ \t]"
)
_ADDRESS_END = re.compile(r"\d{1,5}[a-z]?[ \t]*(?:[,;\n]|\.(?:\s|$)|$)")  # a house number that ends the street
# "via" (an English word too) starts a street in lower case only where an address stands: after a
# line's start, a comma or "at", with one or two words of a name before the number
_LOWER_VIA = re.compile(r"(?:^|\n|,[ \t]|(?<![\w])at[ \t])via[ \t]+[a-zà-öø-ÿ][\w'’-]*(?:[ \t]+[a-zà-öø-ÿ][\w'’-]*)?[ \t]+\Z")
# a house number, then a street prefix and the street's name: "36 rue de pologne", "69 Av Sidi
# Lakhmi", "770 26 rue des lieutemants Thomazo", "12 Calle del Sol 4"
_ADDR_PREFIXED = re.compile(
    r"\d{1,5}[A-Za-z]?(?:[ \t]+\d{1,5})?,?[ \t]+(?:"
    r"(?i:" + "|".join(re.escape(p) for p in sorted(_LOWER_STREET_PREFIXES, key=len, reverse=True)) + r")"
    + r"(?:[ \t]+[^\W\d_][\w'’-]*){1,4}"
    r"|avenue(?=[ \t]+d(?:e|u|es)[ \t])(?:[ \t]+[^\W\d_][\w'’-]*){1,4}"  # "33 avenue de Provence"
    # "22 boulevard Carnot", "236 avenue Jean-Jaurès", "4 quai Voltaire": French, in lower case
    rf"|(?:boulevard|avenue|quai|impasse|cours|allée|chemin)(?=[ \t]+{_UP})(?:[ \t]+(?:{_CAP}|d['’]{_CAP}|(?:{_PARTICLES_TEXT.replace(' ', '|')})(?![\w]))){{1,4}}"
    r"|(?:Avenue|Avenida|Av\.?|Via|Viale|Route|Place|Plaza|Boulevard|Bd\.?|Blvd\.?)"
    rf"(?:[ \t]+(?:{_CAP}|(?:{_PARTICLES_TEXT.replace(' ', '|')})(?![\w])|d['’]{_CAP})){{1,4}}"
    r")(?:[ \t]+\d{1,5}[A-Za-z]?(?![\w]))?(?![\w'’-])"
)
# the first two letters (lower-cased) of every street word ``_ADDR_PREFIXED`` takes after a number
_PREFIXED_WORDS = ("avenue", "boulevard", "quai", "impasse", "cours", "allée", "chemin", "avenida", "av", "via",
                   "viale", "route", "place", "plaza", "bd", "blvd")  # fmt: skip
_PREFIX_STARTS = frozenset(w[:2] for w in (*_LOWER_STREET_PREFIXES, *_PREFIXED_WORDS))
_UNIT_BEFORE = re.compile(
    r"(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Floor|Fl)\.?[ \t]+#?"
    r"|(?:PSC|CMR|Unit)[ \t]+\d{3,5},?[ \t]+Box[ \t]+"
    r"|(?:P\.?O\.?|Post[ \t]+Office)[ \t]+Box[ \t]+"
    r"|(?:PSC|CMR|Unit)[ \t]+"
    r"|(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+)\Z"
)
# the same in lower case, for text typed without capitals ("psc 5420, box 2708", "apt. 169"); not
# "unit", "flat", "room", "floor", which are ordinary words before a number
_UNIT_BEFORE_LOWER = re.compile(
    r"(?:(?:apt|apartment|suite|ste)\.?[ \t]+#?"
    r"|(?:psc|cmr)[ \t]+\d{3,5},?[ \t]+box[ \t]+"
    r"|(?:p\.?o\.?|post[ \t]+office)[ \t]+box[ \t]+"
    r"|(?:psc|cmr)[ \t]+"
    r"|(?:apo|fpo|dpo)[ \t]+(?:aa|ae|ap)[ \t]+)\Z"
)
_UNIT_LOWER_ENDINGS = frozenset({"apt", "pt.", "ite", "ste", "te.", "box", "psc", "cmr", "aa", "ae", "ap"})
# a house number, one to three capitalised words and a number: "641 Dašická 688", "0547 Bygget 91"
# (a unit word after the number is a unit line: "815 Suite 979" belongs to "Apt. 815")
# (not after a year: "2019 Toyota 4Runner" is no address; not a plural before the number: "104
# Tigers 98" is a score)
_ADDR_NUM_NAME_NUM = re.compile(
    r"\d{3,5}[ \t]+(?!(?:Apt|Apartment|Suite|Ste|Unit|Flat|Room|Floor|Fl|Box|PSC|CMR)\b)"
    rf"{_CAP}(?:[ \t]+{_CAP}){{0,2}}(?<!s)[ \t]+\d{{1,4}}[A-Za-z]?(?![\w]|[.,:/-]\d)"
)
_UNIT_AT = re.compile(
    r"(?:(?:PSC|CMR|Unit)[ \t]+\d{3,5},?[ \t]+Box[ \t]+\d{3,5}(?:\s*(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5})?"
    r"|(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}"
    r"|[A-Za-z. \t#]*\d{1,6}[A-Za-z]?)"
)
_UNIT_AT_LOWER = re.compile(_UNIT_AT.pattern, re.IGNORECASE)
# lower-case address cues, each led by a literal so the engine's prefix scan finds them fast
# (literal, its gate: the literal searched by its rarest letter, or None for an ``in``, the cue)
_ADDR_CUES: tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str]], ...] = tuple(
    (lit, gate, re.compile(lit + rest + r"[ \t]*\n?[ \t]*"))
    for lit, gate, rest in (
        ("address", None, r"(?:es)?(?:[ \t]+is)?[ \t]*[:-]?"),
        ("live", _rare_led("live", 2), r"[sd]?[ \t]+(?:at|in|on)\b"),
    )
)


def _glued(before: str, after: str) -> bool:
    """Whether a digit cluster is glued to a word: a letter or "_" on either side."""
    return before.isalpha() or after.isalpha() or before == "_" or after == "_"


class Detector:
    r"""Scans text for PII and secrets.

    ``custom_terms`` are organisation-specific words (project code names, customer names) found
    case-insensitively as whole words; ``custom_patterns`` maps a type name to a regex, e.g.
    ``{"CUSTOMER_ID": r"CUST-\d{6}"}`` (run as given over the whole text: keep them anchored on
    a literal for speed). ``types``, when given, limits the reported types.
    """

    def __init__(
        self,
        custom_terms: Iterable[str] | None = None,
        custom_patterns: Mapping[str, str | re.Pattern[str]] | None = None,
        *,
        types: Iterable[str] | None = None,
        names: bool = True,
    ) -> None:
        terms = sorted({t.strip() for t in custom_terms or () if t and t.strip()}, key=len, reverse=True)
        self._terms: re.Pattern[str] | None = None
        self._term_literals: tuple[str, ...] = tuple(t.lower() for t in terms)
        if terms:
            alternation = "|".join(re.escape(t) for t in terms)
            self._terms = re.compile(rf"(?<![\w])(?:{alternation})(?![\w])", re.IGNORECASE)
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for name, pattern in (custom_patterns or {}).items():
            if not name or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
                raise ValueError(f"invalid custom pattern name {name!r}: use letters, digits, _")
            compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
            if compiled.fullmatch("") is not None:
                raise ValueError(f"custom pattern {name!r} matches the empty string")
            self._patterns.append((name.upper(), compiled))
        self._types = frozenset(types) if types is not None else None
        self._names = names
        self._tagger: NameTagger | None = None
        if names:
            from turnout.detect.names import default_tagger

            self._tagger = default_tagger()  # loads its word lists and weights (~40 ms)

    # ----------------------------------------------------------------------------------------

    def scan(self, text: str) -> list[Finding]:
        """All findings in ``text``: sorted by start, non-overlapping, most specific kept."""
        if not text:
            return []
        cands: list[tuple[int, int, int, str, float]] = []  # (priority, start, end, type, score)
        add = cands.append

        def put(kind: str, start: int, end: int, score: float, priority: int | None = None) -> None:
            if end > start:
                add((_PRIORITY.get(kind, 80) if priority is None else priority, start, end, kind, score))

        low = text.lower()
        if len(low) != len(text):  # a few characters lower-case to two; keep offsets exact
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)

        if self._terms is not None and any(t in low for t in self._term_literals):
            for m in self._terms.finditer(text):
                put(CUSTOM, m.start(), m.end(), 0.99)
        for name, pattern in self._patterns:
            for m in pattern.finditer(text):
                put(name, m.start(), m.end(), 0.99, 80)

        self._scan_secrets(text, low, put)
        if "@" in text:
            self._scan_emails(text, put)
        shape = _shape(text)
        if b"0" in shape:
            self._scan_clusters(text, low, shape, put)
        if "corner of" in low:
            for m in _CORNER.finditer(text):
                put(STREET_ADDRESS, m.start(), m.end(), 0.7)
        if self._tagger is not None:
            # person names, places and organisations: the tagger (detect/names.py)
            for kind, start, end, score in self._tagger.tag(text, shape):
                put(kind, start, end, score)

        result = _resolve(cands)
        if self._types is not None:
            result = [f for f in result if f.type in self._types]
        return result

    # ----------------------------------------------------------------------------------------

    def _scan_secrets(self, text: str, low: str, put: _Put) -> None:
        if len(low) <= _SECRET_GATE_MAX and not _may_hold_secret(low) and _AWS_GATE.search(text) is None:
            return  # (a short prompt's usual case: ~8k instructions instead of ~42k)
        for kind, gate, literals, pattern, score in _SECRET_PATTERNS:
            if (gate is None or gate.search(text)) and (not literals or any(lit in text for lit in literals)):
                for m in pattern.finditer(text):
                    if kind == SECRET_OPENAI_KEY and m.group().startswith("sk-ant-"):
                        put(SECRET_ANTHROPIC_KEY, m.start(), m.end(), 0.99)
                    else:
                        put(kind, m.start(), m.end(), score)
        if "-----BEGIN" in text:
            for m in _PEM.finditer(text):
                put(PRIVATE_KEY, m.start(), m.end(), 0.99)
        scheme = _SCHEME_SEP.search(text)  # ":" is rare: ``re`` finds it in half the time of ``in``
        if scheme is not None:
            if "hooks.slack.com" in text:
                for m in _SLACK_WEBHOOK.finditer(text):
                    put(SECRET_SLACK_TOKEN, m.start(), m.end(), 0.97)
            for m in _URL_PASSWORD.finditer(text, scheme.start()):
                value = m.group(1)
                if not _PLACEHOLDER_VALUE.match(value):
                    put(PASSWORD, m.start(1), m.end(1), 0.9)
        for lit, pattern in _ASSIGN_KEYS:
            finder = _KEY_FINDERS.get(lit)
            matches = pattern.finditer(low) if finder is None else _matches_at(pattern, *finder, low)
            self._assignments(text, low, lit, matches, put)
        for m in _BEARER_LIT.finditer(low):  # ("b" is rare: cheaper than an ``in`` first)
            put(API_KEY, m.start(1), m.end(1), 0.85)

    def _assignments(self, text: str, low: str, lit: str, matches: Iterable[re.Match[str]], put: _Put) -> None:
        for m in matches:
            key = _KEY_NAME.search(low, max(0, m.start() - 24), m.start())
            keyname = (key.group() if key else "") + lit
            if lit == "key" and keyname != "key" and not any(k in keyname for k in _KEY_WORDS):
                continue  # "primary_key: id", "monkey: 3"
            start, end = m.start(2), m.end(2)
            value = text[start:end]  # the original case
            quote = m.group(1)
            if quote and value.endswith(quote):
                value = value[: -len(quote)]
                end -= len(quote)
            if not value or _PLACEHOLDER_VALUE.match(value):
                continue
            if lit in ("pass", "pwd") or "pass" in keyname:
                put(PASSWORD, start, end, 0.85)
            elif _looks_like_credential(value):
                put(API_KEY, start, end, 0.8)

    def _scan_emails(self, text: str, put: _Put) -> None:
        at = text.find("@")
        while at >= 0:
            local = _EMAIL_LOCAL_REV.match(text[max(0, at - 64) : at][::-1])
            if local is not None:
                s = at - local.end()
                prev = text[s - 1] if s else " "
                dom = _EMAIL_DOMAIN.match(text, at + 1)
                if dom is not None and not (prev.isalnum() or prev in "._%+-"):
                    put(EMAIL_ADDRESS, s, dom.end(), 0.95)
            at = text.find("@", at + 1)

    def _scan_clusters(self, text: str, low: str, shape: bytes, put: _Put) -> None:
        """Everything anchored on digits, in one pass over the digit clusters.

        Long clusters open a small window for the card/SSN/IP/phone patterns; clusters glued
        to letters may sit inside a random token; short ones may be house numbers or a day;
        clusters after a cue word may be a date of birth. There is about one cluster per 250
        characters of prose, so this loop's body (a few regex calls per cluster) is what this
        part of the scan costs.
        """
        n = len(text)
        windows: list[list[int]] = []
        ipv6: list[list[int]] = []
        addr: list[tuple[int, int, float]] = []
        token_end = -1
        groups_end = -1  # where the last base64 groups read end
        dob_from = -1
        rev: str | None = None
        date = self._date
        # the date-of-birth cue is looked for in the 60 characters before a cluster of 4+
        # digits only (~600 a MB of prose): six ``in`` gates over the whole text cost ~5x more.
        # A text with many such clusters (a list of phone numbers) is asked once, at the fourth,
        # whether it holds a cue at all (the six ``in``\s over a 4 KB prompt cost ~4 searches)
        dob_cue = _DOB_CUE.search
        dob_left = _DOB_WINDOWS_FIRST
        lower_types: bool | None = None  # does the text hold a street type in lower case (asked once)
        for m in _NUM.finditer(shape):
            s, e = m.span()
            size = e - s
            before = text[s - 1] if s else " "
            after = text[e] if e < n else " "
            # dates first (their order among themselves decides the score of a tie)
            if size >= 4 and s > dob_from and dob_left:
                if dob_left == 1:  # -1: a cue somewhere, search every window; 0: none anywhere
                    dob_left = -1 if any(cue.search(low) for cue in _DOB_CUE_FINDERS) else 0
                elif dob_left > 1:
                    dob_left -= 1
                if dob_left and dob_cue(low, max(0, s - 60), s):
                    # a date of birth: a cue ("born", "DOB") shortly before a date or a year (the
                    # year closes "12 March 1990", so four characters are enough to look)
                    for dm in _DOB.finditer(text, max(0, s - 60), min(n, e + 12)):
                        put(DATE_TIME, dm.start(1), dm.end(1), 0.85)
                        dob_from = dm.end(1)
            if size <= 19 and s >= dob_from and not (before.isalnum() or before in _NOT_BEFORE_DATE):
                # ``_date``'s own gates, so that the ~85% of clusters that cannot start a date
                # skip the call: a separator for a numeric date, a year's four digits starting
                # with 1 or 2, or a day's one or two followed (after an ordinal and blanks) by a
                # month's first letter or "of", or a month's last letters before
                w = text[s + 1 : s + 5]
                if "-" in w or "/" in w or "." in w:
                    date(text, low, s, e, put)
                elif size == 4:
                    if text[s] == "1" or text[s] == "2":
                        date(text, low, s, e, put)
                elif size <= 2 and (
                    (after in _DAY_FOLLOWERS and _month_may_follow(low, e))
                    or (
                        s >= 3
                        and (before == " " or before == "\t")
                        and low[max(0, s - 12) : s].rstrip(" \t")[-3:] in _MONTH_TAILS
                    )
                ):
                    date(text, low, s, e, put)
            if size >= 7:
                ws, we = max(0, s - 5), min(n, e + 12)
                if windows and ws <= windows[-1][1]:
                    windows[-1][1] = we
                else:
                    windows.append([ws, we])
            if (
                size >= 13 and (_glued(before, after) or text[s + 4] in _CARD_SPLIT_SEPS
                                or before in _CELL_SEPS or after in _CELL_SEPS)
            ) or (size == 4 and after in _CARD_SPLIT_SEPS and text[e + 1 : e + 2].isdigit()):
                # a card in a form the window patterns do not read: glued to letters
                # ("card4539578763621486exp"), or its groups split by "/", "_", "|", ",", a tab,
                # a newline or two spaces (a card's first group is four digits)
                self._loose_card(text, s, e, before, after, put)
            if size >= 14 and (
                before == "/" or (not text[s:e].isdigit() and (
                    before in _CELL_SEPS or after in _CELL_SEPS or shape.count(48, s, e) >= 15))
            ):
                # a card inside a cluster that is no card: after another number ("qty 2 4539
                # 5787 ...", "7-4539...", a CSV cell "1,4539 5787 ...,3"), or a URL's path
                # segment ("/pay/4539578763621486"), which _CARD's boundaries refuse
                _card_in_cluster(text, s, e, before, after, put)
            if after == ":" or before == ":" or (size > 2 and text.find(":", s, e) >= 0):
                ws, we = max(0, s - 40), min(n, e + 40)
                if ipv6 and ws <= ipv6[-1][1]:
                    ipv6[-1][1] = we
                else:
                    ipv6.append([ws, we])
            if before.isalpha() or after.isalpha() or before in _JOINERS or after in _JOINERS:
                # an IBAN's two check digits follow its two country letters, which start a word
                # (``str.isalnum`` and "_" are what ``\w`` takes)
                if (
                    s >= 2
                    and text[s + 1 : s + 2].isdigit()
                    and text[s - 2 : s].isalpha()
                    and text[s - 2 : s].isascii()
                    and (s == 2 or not (text[s - 3].isalnum() or text[s - 3] == "_"))
                ):
                    im = _IBAN.match(text, s - 2)  # "GB82 WEST ...": country letters, check digits
                    if not (im and self._iban(im.group(), im.start(), put)) and not text[s:s + 48].isascii():
                        # letters of the code written as look-alikes of another script, which
                        # normalize leaves alone outside a word ("NL38 АТРН 2461 ..."): read
                        # mapped (one for one, so the offsets hold), the checksum deciding
                        window = lookalikes_mapped(text[s - 2 : s + 48])
                        im = _IBAN.match(window)
                        if im:
                            self._iban(im.group(), s - 2, put)
                if s >= token_end:
                    # random-looking tokens hold digits: grow the token around this cluster (a
                    # neighbour outside the token's characters stops it without a regex call:
                    # "+1 415 555 0134" is a joiner alone before its digits and nothing after)
                    if e < n and text[e] in _TOKEN_CHARS:
                        right = _TOKEN_AROUND_RIGHT.match(text, e)
                        te = right.end() if right else e
                    else:
                        te = e
                    if before not in _TOKEN_CHARS:
                        ts = s
                    elif s < 2 or text[s - 2] not in _TOKEN_CHARS:
                        ts = s - 1
                    else:
                        # grow leftwards by matching forwards in the reversed text
                        if rev is None:
                            rev = text[::-1]
                        left = _TOKEN_AROUND_RIGHT.match(rev, n - s, n - max(0, s - 256))
                        ts = s - (left.end() - left.start()) if left else s
                    token_end = te
                    if (
                        (te - ts == 4 or te - ts == 8)
                        and ts >= groups_end
                        and text[te : te + 1] in _GROUP_ENDS
                        and (not ts or text[ts - 1] in _GROUP_SEPS)
                        and not text[ts].isdigit()  # ("10th", "50th"; base64 of text starts no group with one)
                        and _beside_a_group(text, ts, te)
                    ):
                        # base64 written in groups of four or eight apart ("cGxl YXNl ..."): most of
                        # its groups hold a digit, so this loop finds them at no extra pass
                        groups_end = self._base64_groups(text, ts, te, put)
                    # each start of a token secret holds a letter other than "x" ("U" or "l"
                    # in the shape), which a run of digits and separators does not
                    if te - ts >= 14 and (b"l" in shape[ts:te] or b"U" in shape[ts:te]):
                        start = _TOKEN_SECRET_START.search(text, ts, te)
                        if start is not None and not text[start.start() - 1 : start.start()].isalnum():
                            for kind, pattern, score in _TOKEN_SECRETS:
                                sm = pattern.match(text, start.start())
                                if sm:
                                    put(kind, sm.start(), sm.end(), score)
                                    token_end = max(token_end, sm.end())
                                    break
                    if 24 <= te - ts <= 256 and _is_random_token(text[ts:te]):
                        put(SECRET_HIGH_ENTROPY, ts, te, 0.6)
                continue
            if size > 11:
                continue
            # street addresses: "1668 Glyn St", "Villacher Strasse 89", "Apt. 864"
            if (after == " " or after == "\t") and e + 1 < n:
                nxt = text[e + 1]
                if nxt.isupper() or nxt.isdigit():
                    am = _ADDR_EN.match(text, s)
                    if am:
                        addr.append((am.start(), am.end(), 0.7))
                        continue
                if nxt.isalpha() or nxt.isdigit():
                    # the street prefix starts right after the blank unless a second number
                    # comes first: its first two letters are one of a prefix word's (~80% of the
                    # ~1 us matches skipped)
                    am = _ADDR_PREFIXED.match(text, s) if nxt.isdigit() or low[e + 1 : e + 3] in _PREFIX_STARTS else None
                    if (am is None and nxt.islower() and size <= 5 and (before == "\n" or before == " ")
                            and _lower_en_before(low, s)):
                        if lower_types is None:
                            lower_types = any(t in low for t in _LOWER_STREET_TYPES)
                        if lower_types:
                            am = _ADDR_EN_LOWER.match(low, s)
                    if am is None and nxt.isupper() and size >= 3 and not (
                        size == 4 and text[s] in "12" and text[s:e].isdigit() and 1800 <= int(text[s:e]) <= 2099
                    ):
                        am = _ADDR_NUM_NAME_NUM.match(text, s)
                    if am:
                        addr.append((am.start(), am.end(), 0.6))
                        continue
            if s >= 2 and (before == " " or before == "\t" or before == "#"):
                prev = text[s - 2]
                if prev.isalpha() or prev in ".#":
                    unit = None
                    if prev.isupper() or prev in ".#" or low[s - 4 : s - 1] in _UNIT_ENDINGS:
                        unit = _UNIT_BEFORE.search(text, max(0, s - 24), s)
                    if unit is None and low[s - 4 : s - 1] in _UNIT_LOWER_ENDINGS:
                        unit = _UNIT_BEFORE_LOWER.search(low, max(0, s - 24), s)
                        if unit:
                            um = _UNIT_AT_LOWER.match(low, unit.start())
                            if um:
                                addr.append((um.start(), um.end(), 0.6))
                                continue
                    elif unit:
                        um = _UNIT_AT.match(text, unit.start())
                        if um:
                            addr.append((um.start(), um.end(), 0.6))
                            continue
                    street = _street_before(text, s)
                    if street is not None:
                        hm = _HOUSE_NUMBER.match(text, s)
                        end = hm.end() if hm else e
                        if end >= n or not text[end].isalnum():
                            addr.append((street, end, 0.6))
        for ws, we in windows:
            self._scan_window(text, low, shape, ws, we, put)
        for ws, we in ipv6:
            for im6 in _IPV6_WIN.finditer(text, ws, we):
                self._ipv6(text, im6, put)
        self._addresses(text, low, addr, put)

    def _base64_groups(self, text: str, start: int, end: int, put: _Put) -> int:
        """Read the block of base64 groups ``text[start:end]`` is one of: what it holds, scanned,
        is found on the whole block (as the request scan does for an encoded run). Returns
        where the block's groups end."""
        got, groups_end = grouped_base64_at(text, start, end)
        if got is not None:
            for f in self.scan(normalize(got.text)[0]):
                put(f.type, got.start, got.end, f.score)
        return groups_end

    @staticmethod
    def _loose_card(text: str, s: int, e: int, before: str, after: str, put: _Put) -> None:
        """A card glued to letters or split by an uncommon separator, or a cell of a CSV row,
        starting at ``s``."""
        if before.isdigit():
            return
        if (before in _CELL_SEPS or after in _CELL_SEPS) and e - s in (15, 16, 19) and text[s:e].isdigit():
            # a card as a cell of a row ("1,4539578763621486,3"): _CARD leaves a run next to a
            # comma alone (a list, thousands), but 15-19 plain digits are no thousands group;
            # a dot or a dash beside it still reads as a longer number ("1.4539...", "7-4539...")
            if before in ".+-/" or (after in "./-" and text[e + 1 : e + 2].isdigit()):
                return
            digits = text[s:e]
            if len(set(digits)) >= 2 and luhn_valid(digits) and _card_network_ok(digits):
                put(CREDIT_CARD, s, e, 0.9)
            return
        if 13 <= e - s <= 23 and _glued(before, after):
            digits = text[s:e]
            if not digits.isdigit():
                # glued to a word but grouped as printed: "card_4539 5787 6362 1486", "u4539-5787-..."
                m = _CARD_GROUPED.fullmatch(digits)
                if m is None:
                    return
                groups = [g for g in m.group(1, 3, 4, 5, 6) if g is not None]
                if tuple(map(len, groups)) not in _DOTTED_CARD_GROUPS:
                    return
                digits = "".join(groups)
            # 16 digits (Visa, Mastercard, Discover, JCB), 15 (Amex), 19: a letter and 12-14
            # digits is an ID more often ("license U62928788557186" is Luhn-valid and starts
            # like UnionPay)
            if len(digits) not in (15, 16, 19):
                return
            # the side that is no letter reads as _CARD's boundaries do ("x4539...1486.5" is a
            # decimal), except "_", which glues words ("card_4539...", "4539..._exp")
            if not before.isalpha() and before in ".,/+-":
                return
            if not after.isalpha() and after in ".,/-" and text[e + 1 : e + 2].isdigit():
                return
            end = e
        else:
            # the separator follows the first group of four (a cluster of 13+ can hold only "/"
            # or "  ": the others end a cluster)
            if text[s + 4 : s + 5] not in _CARD_SPLIT_SEPS:
                return
            m = _CARD_SPLIT.match(text, s)
            if m is None:
                return
            sep = m.group(2)
            end = m.end()
            if before in ".,/+-" and text[s - 2 : s - 1].isdigit():
                return  # "1.4539/..." or "7,4539,5787,...": a longer number or list
            if text.startswith(sep, end) and text[end + len(sep) : end + len(sep) + 1].isdigit():
                return  # the card's groups continue a list of numbers
            if s > len(sep) and text[s - len(sep) : s] == sep and text[s - len(sep) - 1].isdigit():
                return
            groups = [g for g in m.group(1, 3, 4, 5, 6) if g is not None]
            if tuple(map(len, groups)) not in _DOTTED_CARD_GROUPS:
                return
            digits = "".join(groups)
        if len(set(digits)) >= 2 and luhn_valid(digits) and _card_network_ok(digits):
            put(CREDIT_CARD, s, end, 0.9)

    def _date(self, text: str, low: str, s: int, e: int, put: _Put) -> None:
        """Any date: ``DATE_TIME`` when tied to a person ("admitted on 3 March"), else ``DATE``.

        A date alone is not personal data ("the treaty of 1648"), so ``DATE`` is public in the
        default policy; the person-tied one is what the founding design calls confidential
        next to a name.
        """
        before = text[s - 1] if s else " "  # not alphanumeric nor in _NOT_BEFORE_DATE (the caller's gate)
        span: tuple[int, int] | None = None
        # cheap exact gates before each pattern (most digit clusters in prose are no date):
        # a numeric date has its separator within the next four characters; "3 March" has a
        # space or an ordinal ("3rd") right after the digits; "March 3" a space before them
        w = text[s + 1 : s + 5]
        m = _DATE_NUMERIC.match(text, s) if ("-" in w or "/" in w or "." in w) else None
        if m is not None and _plausible_date(m):
            span = m.span()
        elif e - s <= 2:
            after = low[e : e + 1]
            m = _DATE_DAY_MONTH.match(low, s) if after and after in "snrt \t" else None
            if m is not None:
                span = m.span()
            elif s >= 3 and before in " \t" and low[max(0, s - 12) : s].rstrip(" \t")[-3:] in _MONTH_TAILS:
                mb = _MONTH_BEFORE.search(low, max(0, s - 12), s)
                if mb is not None:
                    m2 = _DAY_YEAR.match(text, s)
                    span = (mb.start(), m2.end() if m2 else e)
        elif e - s == 4 and text[s] in "12" and text[s:e].isdigit() and 1800 <= int(text[s:e]) <= 2099:
            if e < len(text) and (text[e].isalnum() or text[e] in "%$€£"):
                return
            if _YEAR_CUE.search(low, max(0, s - 12), s):
                span = (s, e)
        if span is None:
            return
        tied = _PERSON_DATE_CUE.search(low, max(0, span[0] - 50), span[0]) is not None
        put(DATE_TIME if tied else DATE, span[0], span[1], 0.8 if tied else 0.6)

    def _iban(self, code: str, start: int, put: _Put) -> bool:
        """Put an IBAN for ``code`` (an ``_IBAN`` match at ``start``) if it is one; whether it was."""
        s = code.rstrip()
        if iban_valid(s):
            put(IBAN_CODE, start, start + len(s), 0.98)
            return True
        # the match may run into a following word: retry at the country's registered length
        want = _IBAN_LENGTHS.get(s[:2].upper())
        if want and len(s.replace(" ", "")) > want:
            count = 0
            for i, ch in enumerate(s):
                count += ch != " "
                if count == want:
                    if iban_valid(s[: i + 1]) and not s[i + 1 : i + 2].isalnum():
                        put(IBAN_CODE, start, start + i + 1, 0.98)
                        return True
                    break
        return False

    def _ipv6(self, text: str, m: re.Match[str], put: _Put) -> None:
        s, e = m.span()
        if s and (text[s - 1].isalnum() or text[s - 1] in ":."):
            return
        if e < len(text) and (text[e].isalnum() or text[e] == ":"):
            return
        core = m.group().split("%", 1)[0]
        groups = [g for g in core.split(":") if g]
        if len(groups) < 3 or not any(c.isdigit() for c in core):
            return  # "cafe::add", "::1", "12:30:45" are not addresses worth flagging
        try:
            ipaddress.IPv6Address(core)
        except ValueError:
            return
        put(IP_ADDRESS, s, e, 0.9)

    def _scan_window(self, text: str, low: str, shape: bytes, ws: int, we: int, put: _Put) -> None:
        """Long digit runs: cards, SSNs, IPv4, phones (run on a small window only)."""
        # Exact gates on the window's shape skip the patterns that cannot match here (each
        # costs ~1.5 us even when it finds nothing): a card holds 12+ digits, an SSN the shape
        # "000-00-0000" or "000 00 0000", an IPv4 address three dots. A \d digit is "0" in
        # the shape, or "?" beyond Latin-1 ("٣"), so "?" opens every gate.
        win = shape[ws:we]
        other_digits = win.count(b"?")
        cards = _CARD.finditer(text, ws, we) if win.count(b"0") + other_digits >= 12 else ()
        ssn_shape = other_digits or b"000-00-0000" in win or b"000 00 0000" in win
        ssns = _SSN.finditer(text, ws, we) if ssn_shape else ()
        ips = _IPV4.finditer(text, ws, we) if win.count(b".") >= 3 else ()
        for m in cards:
            s = m.group()
            seps = {c for c in s if not c.isdigit()}
            if len(seps) > 1:
                continue
            if seps == {"."}:
                if tuple(map(len, s.split("."))) not in _DOTTED_CARD_GROUPS:
                    continue
                digits = s.replace(".", "")
            else:
                digits = s.replace(" ", "").replace("-", "")
            if len(set(digits)) < 2 or not luhn_valid(digits):
                continue
            if _card_network_ok(digits):
                put(CREDIT_CARD, m.start(), m.end(), 0.95)
            elif _CARD_CUE.search(low, max(0, m.start() - 40), m.start()):
                put(CREDIT_CARD, m.start(), m.end(), 0.7)  # unknown issuer, but called a card
        for m in ssns:
            area, group, serial = int(m.group(1)), int(m.group(3)), int(m.group(4))
            if area in (0, 666) or area >= 900 or group == 0 or serial == 0:
                continue
            put(US_SSN, m.start(), m.end(), 0.85)
        context = low[max(0, ws - 40) : ws + 5]
        if "ss" in context or "social" in context:
            for m in _SSN_CONTEXT.finditer(text, max(0, ws - 40), we):
                put(US_SSN, m.start(1), m.end(1), 0.9)
        for m in ips:
            if m.group().startswith(("0.", "127.", "255.")):
                continue
            if _VERSION_CUE.search(low, max(0, m.start() - 12), m.start()):
                continue  # "version 10.0.19041.1"
            put(IP_ADDRESS, m.start(), m.end(), 0.85)
        if win.count(b"0") + other_digits >= 7:  # a phone holds 7+ digits, all in the window
            self._phones(text, low, shape, ws, we, put)

    def _phones(self, text: str, low: str, shape: bytes, ws: int, we: int, put: _Put) -> None:
        for m in _PHONE.finditer(text, ws, we):
            s = m.group()
            # a match's digits are its "0"s in the shape, and its "?"s (a \d beyond Latin-1):
            # the rest of a match is ASCII ("+", "(", ")", separators, "x"/"ext"); counting
            # bytes costs a tenth of ``sum(map(str.isdigit, s))``
            sm = shape[m.start() : m.end()]
            ndigits = sm.count(48) + sm.count(63)  # b"0", b"?"
            if not 7 <= ndigits <= 15 or _DATE_SHAPE.match(s):
                continue
            if "." in s and s.replace(".", "", 1).isdigit():
                continue  # a decimal number
            if ndigits >= 8 and _PHONE_STRONG.match(s):
                put(PHONE_NUMBER, m.start(), m.end(), 0.8)
                continue
            # a weak shape ("467 3395", "9498777106") counts only next to a phone word
            before = low[max(0, m.start() - 45) : m.start()]
            after = low[m.end() : m.end() + 20]
            if (_PHONE_CUE.search(before) or _PHONE_CUE.search(after)) and not _NOT_PHONE_CUE.search(
                before[-25:]
            ):
                # below STREET_ADDRESS: "17031 2202 Rissik St" near "office" is an address
                put(PHONE_NUMBER, m.start(), m.end(), 0.6, 35)

    def _addresses(self, text: str, low: str, spans: list[tuple[int, int, float]], put: _Put) -> None:
        for lit, gate, cue in _ADDR_CUES:
            if (lit not in low) if gate is None else (gate.search(low) is None):
                continue
            for m in cue.finditer(low):
                after = _ADDR_AFTER_CUE.match(text, m.end())
                if (
                    after
                    and after.end() - after.start() <= 80
                    and "\n" not in after.group()
                    and any(c.isalpha() for c in after.group())
                ):
                    spans.append((after.start(), after.end(), 0.5))
        if not spans:
            return
        # merge touching fragments, then grow each block over the lines that continue it
        spans.sort()
        merged: list[list[float]] = []
        for s, e, sc in spans:
            if merged and s <= merged[-1][1] + 2 and "\n" not in text[int(merged[-1][1]) : s]:
                merged[-1][1] = max(merged[-1][1], e)
                merged[-1][2] = max(merged[-1][2], sc)
            else:
                merged.append([s, e, sc])
        for s_, e_, sc in merged:
            s = _extend_address_up(text, _extend_address_back(text, int(s_)))
            e = _extend_address_forward(text, int(e_))
            put(STREET_ADDRESS, s, e, sc)
            if self._tagger is not None:
                who = _addressee(text, s)
                if who is not None:
                    put(PERSON, who[0], who[1], 0.55)


_GROUP_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_GROUP_SEPS = frozenset(" \t\n\r")
_GROUP_ENDS = _GROUP_SEPS | {""}  # what follows a group: a blank, a line break or the end


def _beside_a_group(text: str, start: int, end: int) -> bool:
    """Is the token ``text[start:end]`` (4 or 8 characters) next to another of its width, one
    blank or line break apart: a group of base64 written apart, not a word ("utf8", "ipv4")?"""
    width = end - start
    k = end + (2 if text[end : end + 2] == "\r\n" else 1)
    if text[end : end + 1] in _GROUP_SEPS and _GROUP_CHARS.issuperset(after := text[k : k + width]) and (
        len(after) == width and text[k + width : k + width + 1] in ("", " ", "\t", "\n", "\r", "=")
    ):
        return True
    k = start - (2 if text[start - 2 : start] == "\r\n" else 1)
    return (start > 0 and text[start - 1] in _GROUP_SEPS and k >= width and _GROUP_CHARS.issuperset(text[k - width : k])
            and (k == width or text[k - width - 1] in _GROUP_SEPS))


_DIGIT_GROUP = re.compile(r"[0-9]+")
_INNER_SEPS = frozenset(" -/")  # what may stand between a card and the number beside it


def _card_in_cluster(text: str, s: int, e: int, before: str, after: str, put: _Put) -> None:
    """A card among the digit groups of the cluster ``text[s:e]``: a run of groups in a card's
    own grouping ("4539 5787 6362 1486", one separator throughout) or one group of 15, 16 or
    19 digits, Luhn-valid and of a real network, standing apart from the groups beside it.

    Apart means: a space, a dash or (a plain run in a URL path) a slash between it and its
    neighbour; never a dot ("0.4539...", "1.2.4539...": a decimal or a version). A grouped card
    whose neighbour is one more four-digit group in the same separator is a row of four-digit
    numbers, not a card beside a number; its first sixteen digits are _CARD's to read, as they
    always were. A slash beside the run takes a card's 15 or 16 digits, not 19 (a status id).
    At the cluster's edges, the same characters _CARD refuses before a card ("+", "-", ".")
    are refused here, but a comma (a CSV cell) and a slash (a URL path) are not.
    """
    groups = [m.span() for m in _DIGIT_GROUP.finditer(text, s, e)]
    seps = [text[a[1]:b[0]] for a, b in pairwise(groups)]
    comma_after = after == "," and text[e + 1 : e + 2].isdigit()  # "...1486,3": _CARD refuses
    last_group = len(groups) - 1
    for k in range(len(groups)):
        for j in range(k, min(k + 5, len(groups))):
            if j > k and (seps[j - 1] != seps[k] or seps[k] not in (" ", "-", ".")):
                break  # one separator throughout a card's groups
            lengths = tuple(b - a for a, b in groups[k : j + 1])
            if (lengths[0] not in (15, 16, 19)) if j == k else (lengths not in _DOTTED_CARD_GROUPS):
                continue
            if k == 0 and j == last_group and not (before in ",/" or comma_after):
                continue  # the whole cluster: _CARD's (or _loose_card's, glued to a word) to read
            own = seps[k] if j > k else ""
            left = (before, 0) if k == 0 else (seps[k - 1], groups[k - 1][1] - groups[k - 1][0])
            right = (after, 0) if j == last_group else (seps[j], groups[j + 1][1] - groups[j + 1][0])
            if not (_card_side(left, own, lengths, k == 0, True)
                    and _card_side(right, own, lengths, j == last_group, False)):
                continue
            digits = "".join(text[a:b] for a, b in groups[k : j + 1])
            if len(set(digits)) >= 2 and luhn_valid(digits) and _card_network_ok(digits):
                put(CREDIT_CARD, groups[k][0], groups[j][1], 0.95)  # as _CARD scores the same card


def _card_side(side: tuple[str, int], own: str, lengths: tuple[int, ...], edge: bool, left: bool) -> bool:
    """May a card (groups of ``lengths`` joined by ``own``, "" for one plain run) stand next to
    ``side``: (the separator before / after it, the neighbour group's length) inside the
    cluster, or (the character beyond the cluster, 0) at its ``edge``?"""
    sep, neighbour = side
    if sep == "/":
        return not own and lengths[0] in (15, 16)  # a URL path segment
    if edge:  # glued to a word (_loose_card's), or "0.4539...", "+4539..." (a phone), "-4539..."
        return not (sep.isalnum() or sep == "_" or (left and sep in ".+-"))
    if sep not in _INNER_SEPS:
        return False  # a dot (a decimal, a version), a colon, brackets, two spaces
    return not (own and sep == own and neighbour == 4)  # one more group of a row of four-digit numbers


def _matches_at(pattern: re.Pattern[str], finder: re.Pattern[str], k: int, text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern every match of which starts with a literal that
    cannot overlap itself: the same matches, tried only where ``finder`` (``_rare_led(literal,
    k)``) finds the literal."""
    end = 0
    for f in finder.finditer(text):
        p = f.start() - k
        if p >= end:
            m = pattern.match(text, p)
            if m is not None:
                yield m
                end = m.end()


_HOUSE_NUMBER = re.compile(r"\d{1,5}[A-Za-z]?(?:/\d{1,4})?\.?")


def _street_before(text: str, pos: int) -> int | None:
    """Where a street name ends right before ``pos`` (a house number) starts, else None."""
    # fast reject: the word right before the number must be capitalised or a street word
    lo = max(0, pos - 40)
    sp = max(text.rfind(" ", lo, pos - 1), text.rfind("\n", lo, pos - 1), text.rfind("\t", lo, pos - 1))
    last_word = text[sp + 1 : pos - 1]
    lower_prefix = lower_via = False
    lower_suffix = bool(last_word) and not last_word[0].isupper() and _lower_street_word(last_word)
    if not last_word or not (last_word[0].isupper() or lower_suffix or last_word.lower() in _STREET_WORDS):
        near = text[lo:pos].lower()
        # a prefix ``_LOWER_PREFIX_NEAR`` finds stands alone between blanks or a comma, so it is
        # one of the window's words: a set test (~0.5 us) skips the search (~4 us) without one
        near_words = near.replace(",", " ").split()
        if last_word and "via" in near_words and _LOWER_VIA.search(near) is not None and _ADDRESS_END.match(text, pos):
            lower_via = True  # "ship to: ..., via garibaldi 12, graz"
        elif not last_word or _LOWER_STREET_PREFIXES.isdisjoint(near_words) or (
            _LOWER_PREFIX_NEAR.search(near) is None
        ):
            return None
        lower_prefix = True  # "rue du centre 320"
    seg_start = max(0, pos - 60)
    seg = text[seg_start:pos]
    nl = seg.rfind("\n")
    if nl >= 0:
        seg_start += nl + 1
        seg = seg[nl + 1 :]
    words = seg.split()
    if not words:
        return None
    last = words[-1]
    lw = last.lower()
    k = 0  # how many words form the street name
    if (last[:1].isupper() and len(last) > 3 and lw.rstrip(".").endswith(_STREET_SUFFIXES)) or (
        lower_suffix and last == last_word
    ):
        k = 1
        if (
            len(words) >= 2
            and words[-2][:1].isupper()
            and words[-2][-1] != ","  # "Radcliffe, Prinsengracht 19": a name before the street
            and words[-2].lower() not in _WORDS_NOT_NAMES
        ):
            k = 2  # "Villacher Strasse", "Brucker Bundesstrasse"
    elif lw in _STREET_WORDS and len(words) >= 2 and words[-2][:1].isupper() and words[-2][-1] != ",":
        # "Király u.", "Csabai kapu"; not a name before a comma ("Dantry, Gedimino pr. 21")
        k = 2 if len(words) < 3 or not words[-3][:1].isupper() or words[-3][-1] == "," else 3
    else:
        for i in range(2, min(5, len(words)) + 1):
            w = words[-i]
            wl = w.lower()
            if wl in _STREET_PREFIXES and (
                w[:1].isupper() or w.endswith(".") or wl in _LOWER_STREET_PREFIXES or (lower_via and wl == "via")
            ):
                between = words[-i + 1 :]
                if all(x[:1].isupper() or x.lower() in _PARTICLES or (lower_prefix and x.isalpha()) for x in between):
                    k = i
                break
            if not (w[:1].isupper() or wl in _PARTICLES or (lower_prefix and w.isalpha())):
                break
    if not k:
        return None
    # find the start of the k-th word from the end
    idx = len(seg)
    for w in reversed(words[-k:]):
        idx = seg.rfind(w, 0, idx)
    return seg_start + idx


# The addressee of a street address: the line right above a postal block that opens the text or
# follows a label line ("Dorj\n42 Larchmont Avenue\nAarhus", "Ship to:\nA. Lin\n..."), or the words
# between "to"/"for" and the address ("ship to: haoyu guo, hauptgasse 31", "send the card to s. lin
# at rue haute 140"). The name tagger misses names no list holds there; the address's shape says a
# person is named. One to four name-like words, none a word of a firm, a building or a role.
_ADDRESSEE_WORD = r"[^\W\d_][\w'’.-]*"
_ADDRESSEE_INLINE = re.compile(
    r"(?:^|(?<=[\s(]))(?:[Tt]o:?|TO:?|[Ff]or)[ \t]+(" + _ADDRESSEE_WORD + r"(?:[ \t]+" + _ADDRESSEE_WORD + r"){0,3})"
    r"(?:,[ \t]+|[ \t]+at[ \t]+)\Z"
)
_ADDRESSEE_LINE = re.compile(_ADDRESSEE_WORD + r"(?:[ \t]+" + _ADDRESSEE_WORD + r"){0,3}")
_NOT_ADDRESSEES_TEXT = """office offices hotel museum bank university college school hospital clinic inc inc. ltd ltd. llc gmbh
    company co co. corp corp. store shop restaurant cafe café church station airport centre center house palace
    tower building library park department dept dept. team hq headquarters reception attn attn: warehouse
    embassy council city town hall court the a an our my your their us me them you it this that address home
    work billing shipping delivery invoice customer client sender recipient post mail box apartment apt
    flat suite unit floor"""
_NOT_ADDRESSEES = frozenset(_NOT_ADDRESSEES_TEXT.split())


_SENDING = re.compile(r"(?i:send|sent|ship|deliver|mail|post|forward|address|invoice|statement|parcel|package"
                      r"|letter|card|delivery|bill|refund|cheque|check)")


def _addressee(text: str, start: int) -> tuple[int, int] | None:
    """Where the addressee of the street address starting at ``start`` is written, else None."""
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip(" \t"):
        if line_start == 0:
            return None
        prev_start = text.rfind("\n", 0, line_start - 1) + 1
        line = text[prev_start : line_start - 1]
        core = line.strip(" \t")
        above = text[text.rfind("\n", 0, max(prev_start - 1, 0)) + 1 : max(prev_start - 1, 0)].strip(" \t")
        if prev_start and above and not above.endswith(":"):
            return None  # the line is inside prose or a list, not the head of a block
        m = _ADDRESSEE_LINE.fullmatch(core) if 2 <= len(core) <= 40 else None
        if m is None:
            return None
        begin = prev_start + line.index(core)
        span = (begin, begin + len(core))
    else:
        m = _ADDRESSEE_INLINE.search(text, max(0, start - 60), start)
        if m is None or _SENDING.search(text, max(0, m.start() - 40), m.start() + 4) is None:
            return None  # ("directions to Harrods, 87 Brompton Road": a shop, not an addressee)
        span = m.span(1)
    words = text[span[0] : span[1]].lower().split()
    if any(w in _NOT_ADDRESSEES or w.rstrip(".,") in _WORDS_NOT_NAMES for w in words):
        return None
    return span


def _lower_en_before(low: str, pos: int) -> bool:
    """Does a lower-case English address (``_ADDR_EN_LOWER``) stand where one starts: the text's or a
    line's start, after a comma, "at", "on" or "to"?"""
    if pos == 0:
        return True
    b = low[max(0, pos - 4) : pos]
    return b[-1:] == "\n" or b.endswith((", ", " at ", " on ", " to ")) or (pos < 4 and b in ("at ", "on ", "to "))


def _lower_street_word(word: str) -> bool:
    """A one-word street name in lower case with a street ending no English word has
    ("lindenstraße", "bahnhofweg"): at least three letters before the ending."""
    if not word.endswith(_LOWER_STREET_SUFFIXES) or not word.isalpha() or not word.islower():
        return False  # (one C call for most words)
    return any(word.endswith(x) and len(word) >= len(x) + 3 for x in _LOWER_STREET_SUFFIXES)


def _looks_like_credential(value: str) -> bool:
    """A value assigned to ``token``/``api_key``: long and not a plain number or word."""
    if len(value) < 8 or value.isdigit():
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return (has_digit and has_alpha) or len(value) >= 16


def _is_random_token(s: str) -> bool:
    """Does this look like a generated secret rather than an identifier, path or hash?"""
    if s.count("/") >= 2 or s.startswith(("http", "www")):
        return False  # a path or URL piece
    core = s.rstrip("=")
    if re.fullmatch(r"[0-9a-f]+|[0-9A-F]+", core) and len(core) in (32, 40, 64):
        return False  # md5 / sha1 / sha256 digests and git object ids: public identifiers
    if re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", s):
        return False  # UUIDs name things, they do not unlock them
    has_digit = any(c.isdigit() for c in core)
    has_upper = any(c.isupper() for c in core)
    has_lower = any(c.islower() for c in core)
    if not (has_digit and has_lower and (has_upper or len(core) >= 32)):
        return False
    # random strings switch character class often; identifiers like snake_case_name2 do not
    # separators do not count: snake_case_v2 and kebab-case-2 are identifiers, not noise
    classes = ["d" if c.isdigit() else "u" if c.isupper() else "l" for c in core if c.isalnum()]
    switches = sum(a != b for a, b in pairwise(classes))
    if switches < len(classes) * 0.3:
        return False
    return _entropy(core) >= 3.7


def _extend_address_back(text: str, start: int) -> int:
    """Take a leading house number that Faker-style and some European formats put first."""
    m = re.search(r"(?<![\w.,-])\d{1,5}[ \t]+$", text[max(0, start - 8) : start])
    if m:
        return max(0, start - 8) + m.start()
    return start


def _extend_address_up(text: str, start: int) -> int:
    """In a multi-line block, take the street line above a unit line ("20789 Allika 46")."""
    line_start = text.rfind("\n", 0, start) + 1
    if not line_start or text[line_start:start].strip(" \t>?"):
        return start  # the span does not begin its line
    prev_start = text.rfind("\n", 0, line_start - 1) + 1
    prev = text[prev_start : line_start - 1]
    core = prev.strip(" \t>?")
    if not core or len(core) > 50 or ":" in core or "@" in core or _PHONE_LINE.search(core):
        return start
    if _STREET_LINE.match(core):
        return prev_start + prev.index(core)
    return start


# a whole line that reads as a street line: "20789 Allika 46", "0138 Brisas 6802", "Ringvej 144"
_STREET_LINE = re.compile(
    rf"(?:\d{{1,5}}[ \t]+)?{_CAP}(?:[ \t]+(?:{_CAP}|[a-zà-ÿ]{{2,}})){{0,3}}[ \t]+\d{{1,5}}[A-Za-z]?\.?$"
)


def _extend_address_forward(text: str, end: int) -> int:
    """Grow an address over its tail (", City, ST 12345") and over continuation lines."""
    tail = _ADDR_TAIL.match(text, end)
    if tail and tail.end() - end <= 60:
        end = tail.end()
    lines = 0
    while lines < 5 and end < len(text) and text[end] == "\n":
        nl = text.find("\n", end + 1)
        line_end = len(text) if nl < 0 else nl
        line = text[end + 1 : line_end]
        if not line.strip() and lines and text[line_end : line_end + 1] == "\n":
            # one blank line, then "Country 12345": the postcode line of the same block
            nl2 = text.find("\n", line_end + 1)
            nxt = text[line_end + 1 : len(text) if nl2 < 0 else nl2]
            if _COUNTRY_ZIP_LINE.match(nxt):
                stripped = nxt.rstrip(" \t.?!")
                end = line_end + 1 + len(stripped)
            break
        if not line.strip() or len(line) > 50 or ":" in line or "@" in line or "//" in line:
            break
        if not _ADDR_CONT_LINE.match(line) or _PHONE_LINE.search(line):
            break
        stripped = line.rstrip(" \t.?!")
        end = end + 1 + len(stripped)
        lines += 1
    return end


_COUNTRY_ZIP_LINE = re.compile(rf"^[ \t>]*{_CAP}(?:[ \t]+{_CAP}){{0,2}}[ \t]+\d{{4,6}}[ \t.]*$")
_PHONE_LINE = re.compile(r"\d[\d .()-]{6,}\d|(?i:\b(?:office|fax|mobile|phone|desk)\b)")


def _resolve(cands: list[tuple[int, int, int, str, float]]) -> list[Finding]:
    """Keep the most specific candidate where spans overlap; return findings sorted by start."""
    if not cands:
        return []
    # Usually no two candidates overlap (an e-mail and a phone number per paragraph): then
    # every one is kept and only the order by start is left to do.
    cands.sort(key=itemgetter(1))
    if all(a[2] <= b[1] for a, b in pairwise(cands)):
        return [Finding(kind, start, end, score) for _prio, start, end, kind, score in cands]
    cands.sort(key=lambda c: (-c[0], -(c[2] - c[1]), c[1]))
    kept: list[tuple[int, int, str, float]] = []
    starts: list[int] = []

    for _prio, start, end, kind, score in cands:
        i = bisect.bisect_left(starts, start)
        # overlap with the kept span before or at i?
        if i > 0 and kept[i - 1][1] > start:
            continue
        if i < len(kept) and kept[i][0] < end:
            continue
        kept.insert(i, (start, end, kind, score))
        starts.insert(i, start)
    return [Finding(kind, start, end, score) for start, end, kind, score in kept]


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The shared detector with no custom terms (built once: compiling takes ~50 ms)."""
    return Detector()
