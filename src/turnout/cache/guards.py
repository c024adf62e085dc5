"""Guards against the semantic cache's classic false hits.

An embedding says "What is the capital of France?" and "... of Spain?" are 95% alike, and it
is right: they differ in one word. That one word is the question. So before a semantic hit is
served, both prompts must agree exactly on the parts that carry the answer:

- numbers and arithmetic operators, in order ("17+25" is not "17+26" nor "17-25");
- units, in order ("5 miles to km" is not "5 km to miles"), and dates (months, weekdays,
  today/tomorrow);
- named entities: capitalised words inside a sentence, acronyms, and a small gazetteer of
  countries, cities, languages and technologies so that lower-case "france" counts too;
- negations ("is X safe" vs "is X not safe");
- code identifiers (snake_case, camelCase, dotted.names, ``backticks``, calls()) and quoted text;
- the content words: if one prompt is the other with one or two content words swapped, added
  or removed ("reset my password" vs "reset my router", "boiling" vs "freezing"), or the same
  words in another order ("string to integer" vs "integer to string"), it is a different
  question, whatever the embedding says.

All of it errs on the side of a miss: a missed hit costs one model call, a false hit serves a
wrong answer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["PromptSignature", "compatible", "signature"]


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40",
    "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
    "hundred": "100", "thousand": "1000", "million": "1e6", "billion": "1e9", "trillion": "1e12",
    "dozen": "12", "half": "0.5", "twice": "x2", "double": "x2", "triple": "x3",
}
_OPERATOR_WORDS = {
    "plus": "+", "minus": "-", "times": "*", "multiplied": "*", "divided": "/", "over": "/",
    "squared": "^2", "cubed": "^3", "power": "^", "root": "sqrt", "modulo": "%", "mod": "%",
}
_NEGATIONS = _wordset(
    "not no never none nobody nothing nowhere neither nor without cannot cant dont doesnt didnt "
    "isnt arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt mustnt neednt "
    "shant aint lacks lacking except"
)
_UNITS = {
    **dict.fromkeys(["km", "kms", "kilometer", "kilometers", "kilometre", "kilometres"], "km"),
    **dict.fromkeys(["mi", "mile", "miles"], "mile"),
    **dict.fromkeys(["m", "meter", "meters", "metre", "metres"], "m"),
    **dict.fromkeys(["cm", "centimeter", "centimeters", "centimetre", "centimetres"], "cm"),
    **dict.fromkeys(["mm", "millimeter", "millimeters", "millimetre", "millimetres"], "mm"),
    **dict.fromkeys(["inch", "inches"], "inch"),
    **dict.fromkeys(["ft", "foot", "feet"], "ft"),
    **dict.fromkeys(["yard", "yards", "yd"], "yd"),
    **dict.fromkeys(["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"], "kg"),
    **dict.fromkeys(["g", "gram", "grams", "gramme", "grammes"], "g"),
    **dict.fromkeys(["mg", "milligram", "milligrams"], "mg"),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds"], "lb"),
    **dict.fromkeys(["oz", "ounce", "ounces"], "oz"),
    **dict.fromkeys(["ton", "tons", "tonne", "tonnes"], "t"),
    **dict.fromkeys(["l", "liter", "liters", "litre", "litres"], "l"),
    **dict.fromkeys(["ml", "milliliter", "milliliters", "millilitre", "millilitres"], "ml"),
    **dict.fromkeys(["gallon", "gallons", "gal"], "gal"),
    **dict.fromkeys(["cup", "cups"], "cup"),
    **dict.fromkeys(["tablespoon", "tablespoons", "tbsp"], "tbsp"),
    **dict.fromkeys(["teaspoon", "teaspoons", "tsp"], "tsp"),
    **dict.fromkeys(["c", "celsius", "centigrade", "°c"], "C"),
    **dict.fromkeys(["f", "fahrenheit", "°f"], "F"),
    **dict.fromkeys(["k", "kelvin"], "K"),
    **dict.fromkeys(["$", "usd", "dollar", "dollars"], "USD"),
    **dict.fromkeys(["€", "eur", "euro", "euros"], "EUR"),
    **dict.fromkeys(["£", "gbp", "sterling"], "GBP"),
    **dict.fromkeys(["¥", "yen", "jpy"], "JPY"),
    **dict.fromkeys(["%", "percent", "percentage"], "%"),
    **dict.fromkeys(["byte", "bytes"], "B"),
    **dict.fromkeys(["kb", "kilobyte", "kilobytes"], "KB"),
    **dict.fromkeys(["mb", "megabyte", "megabytes"], "MB"),
    **dict.fromkeys(["gb", "gigabyte", "gigabytes"], "GB"),
    **dict.fromkeys(["tb", "terabyte", "terabytes"], "TB"),
    **dict.fromkeys(["ms", "millisecond", "milliseconds"], "ms"),
    **dict.fromkeys(["s", "sec", "secs", "seconds"], "s"),
    **dict.fromkeys(["min", "mins", "minute", "minutes"], "min"),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], "h"),
    **dict.fromkeys(["day", "days"], "day"),
    **dict.fromkeys(["week", "weeks"], "week"),
    **dict.fromkeys(["month", "months"], "month"),
    **dict.fromkeys(["year", "years", "yr", "yrs"], "year"),
    **dict.fromkeys(["mph"], "mph"),
    **dict.fromkeys(["kph", "kmh", "km/h"], "km/h"),
    **dict.fromkeys(["watt", "watts", "w"], "W"),
    **dict.fromkeys(["kw", "kilowatt", "kilowatts"], "kW"),
    **dict.fromkeys(["kwh"], "kWh"),
    **dict.fromkeys(["volt", "volts", "v"], "V"),
    **dict.fromkeys(["calorie", "calories", "kcal"], "kcal"),
}
# one-letter and ambiguous units count only right after a number ("5 m", "30 s", "20 C")
_UNITS_AFTER_NUMBER_ONLY = frozenset(
    {"m", "g", "l", "c", "f", "k", "s", "h", "w", "v", "min", "mi", "gal", "cup", "cups", "second"}
)
_MONTHS = {
    "january": "jan", "jan": "jan", "february": "feb", "feb": "feb", "march": "mar",
    "april": "apr", "apr": "apr", "may": "may", "june": "jun", "jun": "jun", "july": "jul",
    "jul": "jul", "august": "aug", "aug": "aug", "september": "sep", "sept": "sep",
    "sep": "sep", "october": "oct", "oct": "oct", "november": "nov", "nov": "nov",
    "december": "dec", "dec": "dec",
}
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "jan", "jun", "jul", "oct", "dec", "sep", "aug", "apr", "nov", "feb"})
_DAYS = _wordset(
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight "
    "weekend weekday morning afternoon evening night"
)
# Lower-case entity names: so "capital of france" vs "capital of spain" is caught without
# capitals. Not exhaustive; capitalised names are caught without it.
_GAZETTEER = _wordset(
    """
    afghanistan albania algeria argentina armenia australia austria azerbaijan bangladesh belarus
    belgium bolivia bosnia brazil bulgaria cambodia cameroon canada chile china colombia croatia
    cuba cyprus czechia denmark ecuador egypt england estonia ethiopia finland france georgia
    germany ghana greece guatemala haiti honduras hungary iceland india indonesia iran iraq
    ireland israel italy jamaica japan jordan kazakhstan kenya korea kosovo kuwait laos latvia
    lebanon libya lithuania luxembourg madagascar malaysia mali malta mexico moldova monaco
    mongolia montenegro morocco mozambique myanmar nepal netherlands holland nicaragua niger
    nigeria norway pakistan panama paraguay peru philippines poland portugal qatar romania russia
    rwanda scotland senegal serbia singapore slovakia slovenia somalia spain sudan sweden
    switzerland syria taiwan tanzania thailand tunisia turkey uganda ukraine uruguay usa
    uzbekistan venezuela vietnam wales yemen zambia zimbabwe america africa asia europe
    antarctica oceania
    london paris berlin madrid rome lisbon dublin amsterdam brussels vienna prague warsaw
    budapest athens stockholm oslo copenhagen helsinki moscow kyiv kiev istanbul ankara cairo
    lagos nairobi johannesburg delhi mumbai bangalore beijing shanghai tokyo osaka seoul
    bangkok jakarta manila sydney melbourne auckland toronto vancouver montreal ottawa chicago
    boston seattle houston dallas miami atlanta denver phoenix washington california texas
    florida york angeles francisco dubai riyadh tehran karachi lima bogota santiago
    english french german spanish italian portuguese dutch russian chinese mandarin cantonese
    japanese korean arabic hindi urdu bengali turkish greek polish swedish norwegian danish
    finnish czech hungarian romanian ukrainian hebrew persian thai vietnamese indonesian swahili
    latin esperanto
    python java javascript typescript kotlin scala ruby php perl haskell rust golang c++ c#
    csharp fortran cobol matlab julia lua elixir erlang clojure dart bash powershell sql nosql
    html css json yaml xml graphql linux windows macos ios android ubuntu debian fedora
    docker kubernetes react angular vue svelte django flask fastapi rails spring node nodejs
    numpy pandas pytorch tensorflow postgres postgresql mysql sqlite mongodb redis kafka
    git github gitlab aws azure gcp excel chrome firefox safari iphone ipad
    mercury venus earth mars jupiter saturn uranus neptune pluto
    """
)
# Words that carry no answer-changing content: left out of the content-word comparison.
_STOPWORDS = _wordset(
    """
    a an the and or but if then else so of to in on at by for from with about into onto over
    under as is are was were be been being am do does did doing done have has had having
    i me my mine we us our you your yours he him his she her it its they them their this that
    these those there here what which who whom whose when where why how whether
    can could would should will shall may might must need needs want wants wanted like
    please pls kindly help me tell show give explain describe let know understand
    some any all each every much many more most very really just also too quite
    way ways steps step thing things something anything get got go going make
    s t d ll m re ve im id ive youre whats hows whats thats theres
    exactly actually brief briefly
    question answer hi hello hey thanks thank ok okay sure
    """
)
# Synonyms that a paraphrase may swap (one canonical word each).
_SYNONYMS = {
    "highest": "tallest", "largest": "biggest", "large": "big", "huge": "big", "small": "little",
    "tiny": "little", "fast": "quick", "rapid": "quick", "fix": "repair", "mend": "repair",
    "purchase": "buy", "begin": "start", "commence": "start", "film": "movie", "automobile": "car",
    "display": "show", "error": "bug", "mistake": "bug", "remove": "delete", "erase": "delete",
    "author": "write", "writer": "write", "wrote": "write", "written": "write", "writes": "write",
    "modify": "change", "alter": "change", "update": "change", "edit": "change",
    "create": "make", "build": "make", "construct": "make", "utilize": "use", "utilise": "use",
    "employ": "use", "obtain": "get", "acquire": "get", "receive": "get", "discover": "find",
    "locate": "find", "summarise": "summarize", "summary": "summarize", "recap": "summarize",
    "colour": "color", "centre": "center", "favourite": "favorite", "optimise": "optimize",
    "parcel": "package", "cost": "price", "costs": "price", "prices": "price",
    "mean": "meaning", "means": "meaning", "definition": "meaning", "define": "meaning",
    "causes": "cause", "caused": "cause", "reasons": "cause", "reason": "cause",
}

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?\d[\d,]*(?:\.\d+)?")
_OPERATOR = re.compile(r"(?<=[\d)\s])([+\-*/^×÷=<>%])(?=\s*[\d(])")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9&\-]*(?:['’]s)?\b")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,}\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"“(]\s*)$")
_IDENTIFIERS = [
    re.compile(r"`([^`]+)`"),
    re.compile(r"\b[A-Za-z_][A-Za-z0-9]*_[A-Za-z0-9_]+\b"),  # snake_case
    re.compile(r"\b[a-z]+[A-Z][A-Za-z0-9]*\b"),  # camelCase
    re.compile(r"\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b"),  # PascalCase with inner capitals
    re.compile(r"\b[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+\b"),  # dotted.name, file.ext
    re.compile(r"\b[A-Za-z_][\w]*\(\)"),  # call()
    re.compile(r"(?<!\w)--?[a-z][\w\-]*"),  # --flags
    re.compile(r"(?<!\w)(?:/[\w.\-]+){2,}"),  # /unix/paths
]
_QUOTED = re.compile(r"\"([^\"]{1,200})\"|“([^”]{1,200})”|(?<![A-Za-z0-9])'([^']{1,200})'(?![A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class PromptSignature:
    """The answer-carrying parts of a prompt; two prompts may share an answer only if equal."""

    numbers: tuple[str, ...]
    operators: tuple[str, ...]
    units: tuple[str, ...]
    dates: frozenset[str]
    entities: frozenset[str]
    negations: int
    identifiers: frozenset[str]
    quoted: frozenset[str]
    words: tuple[str, ...]  # every word, stemmed, synonyms unified, in order

    def to_list(self) -> list[object]:
        return [list(self.numbers), list(self.operators), list(self.units), sorted(self.dates),
                sorted(self.entities), self.negations, sorted(self.identifiers), sorted(self.quoted),
                list(self.words)]

    @classmethod
    def from_list(cls, data: list[Any]) -> PromptSignature:
        n, o, u, d, e, neg, ids, q, w = data
        return cls(tuple(n), tuple(o), tuple(u), frozenset(d), frozenset(e), int(neg),
                   frozenset(ids), frozenset(q), tuple(w))


def _normalise_number(text: str) -> str:
    text = text.lstrip("+")
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        text = text.replace(",", "")
    text = text.rstrip(",")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return text


def _stem(word: str) -> str:
    if word in _STOPWORDS:
        return word
    word = _SYNONYMS.get(word, word)
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return _SYNONYMS.get(word, word)


def signature(text: str) -> PromptSignature:
    lowered = text.lower()
    words = _WORD.findall(lowered)
    plain = [w.replace("'", "").replace("’", "") for w in words]

    numbers = [_normalise_number(m) for m in _NUMBER.findall(text)]
    numbers += [_NUMBER_WORDS[w] for w in plain if w in _NUMBER_WORDS]
    operators = [_OPERATOR_WORDS[w] for w in plain if w in _OPERATOR_WORDS]
    operators += _OPERATOR.findall(text)

    units: list[str] = []
    tokens = re.findall(r"[a-z°$€£¥%/]+|\d[\d,.]*", lowered)
    for i, token in enumerate(tokens):
        unit = _UNITS.get(token)
        if unit is None:
            continue
        if token in _UNITS_AFTER_NUMBER_ONLY and not (i > 0 and tokens[i - 1][0].isdigit()):
            continue
        units.append(unit)
    units += [_UNITS[c] for c in re.findall(r"[$€£¥%]", text)]

    dates = {w for w in plain if w in _DAYS}
    for i, word in enumerate(plain):
        month = _MONTHS.get(word)
        if month is None:
            continue
        if word in _AMBIGUOUS_MONTHS:  # "may", "march": months only next to a number or as a Name
            near_number = any(p.isdigit() for p in plain[max(0, i - 1) : i + 2])
            named = any(
                _SENTENCE_START.search(text, 0, m.start()) is None
                for m in re.finditer(r"\b" + word.capitalize() + r"\b", text)
            )
            if not (near_number or named):
                continue
        dates.add(month)

    entities = {w for w in plain if w in _GAZETTEER}
    for match in _CAPITALISED.finditer(text):
        word = re.sub(r"['’]s$", "", match.group(0)).lower()
        if word == "i" or word in _MONTHS or word in _DAYS:
            continue
        at_start = _SENTENCE_START.search(text, 0, match.start()) is not None
        if at_start and word not in _GAZETTEER:
            continue  # "What", "Explain": capitalised because they start a sentence
        entities.add(word)
    entities.update(m.lower() for m in _ACRONYM.findall(text))

    negations = sum(1 for w in plain if w in _NEGATIONS or (w.endswith("nt") and w[:-2] in _NEGATION_STEMS))

    identifiers: set[str] = set()
    for pattern in _IDENTIFIERS:
        for match in pattern.finditer(text):
            value = match.group(1) if pattern.groups else match.group(0)
            if not re.fullmatch(r"[\d.]+", value):
                identifiers.add(value)
    quoted = {next(g for g in m.groups() if g is not None).strip().lower() for m in _QUOTED.finditer(text)}

    return PromptSignature(
        numbers=tuple(numbers),
        operators=tuple(operators),
        units=tuple(units),
        dates=frozenset(dates),
        entities=frozenset(entities),
        negations=negations,
        identifiers=frozenset(identifiers),
        quoted=frozenset(quoted),
        words=tuple(_stem(w) for w in plain),
    )


_NEGATION_STEMS = frozenset({"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "could",
                             "would", "should", "must", "need", "ca", "wo", "sha", "ai"})


def compatible(a: PromptSignature, b: PromptSignature) -> tuple[bool, str | None]:
    """Whether a stored answer for ``a`` may answer ``b``; if not, which guard said no."""
    if a.numbers != b.numbers:
        return False, "numbers"
    if sorted(a.operators) != sorted(b.operators):
        return False, "operators"
    if a.units != b.units:
        return False, "units"
    if a.dates != b.dates:
        return False, "dates"
    if a.entities != b.entities:
        return False, "entities"
    if a.negations != b.negations:
        return False, "negation"
    if a.identifiers != b.identifiers:
        return False, "identifiers"
    if a.quoted != b.quoted:
        return False, "quoted"
    if a.words != b.words:
        if sorted(a.words) == sorted(b.words):  # the same words in another order: "dog bites man"
            return False, "word order"
        if _small_content_edit(a.words, b.words):
            return False, "swapped words"
    return True, None


def _small_content_edit(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same sentence with one or two words swapped, added or removed, one of them a
    content word ("reset my password" / "reset my router"); rewording ("how do I" / "how can
    I") changes only stop words and passes."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    changed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed += a[i1:i2] + b[j1:j2]
            if max(i2 - i1, j2 - j1) > 2:
                return False
    edits = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return 0 < edits <= 2 and any(w not in _STOPWORDS for w in changed)
