"""The optional deep scan: Presidio's analyzer with a spaCy NER pipeline, after the fast scan.

For deployments that want more recall on names, places, organisations and dates than the fast
detector's word lists and linear model give, and accept milliseconds per request for it
(``detection.deep: true``; ``pip install "turnout[pii-deep]"`` plus a spaCy pipeline, see
``docs/pii-deep.md``). :class:`DeepDetector` *is* a :class:`~turnout.detect.pii.Detector`: the
same ``scan(text) -> list[Finding]``, so request scanning, sensitivity, ``turnout classify``,
redaction and ``turnout eval pii`` take it unchanged.

How the two passes combine: the fast scan runs first and its findings all stay (checksummed
cards, keys, addresses and the tagger's names are as good as or better than an NER model's
guess there); a deep finding is added only where it overlaps no fast finding. The deep pass
therefore only adds recall, and a text the fast scan reads correctly reads the same.

Presidio's entity types are mapped to ours (:data:`PRESIDIO_TYPES`) so that
:mod:`turnout.detect.pii_policy` decides sensitivity exactly as for the fast detector: spaCy's
``PERSON`` -> ``PERSON``; ``GPE``, ``LOC``, ``FAC`` -> ``LOCATION``; ``ORG`` -> ``ORGANIZATION``;
``DATE``, ``TIME`` -> ``DATE`` (a date not tied to a person: public alone; only the fast
detector's cues, "born", "admitted on", make a date ``DATE_TIME``). Types with no counterpart
(``NRP``: nationalities, religions, parties) are not reported: an unknown type would count as a
custom one, confidential by default, and "French" or "Catholic" alone is not personal data.

Nothing here downloads: Presidio's own loader fetches a missing spaCy model from the internet,
so the pipeline is loaded here with ``spacy.load`` and a missing one is a clear
:class:`~turnout.errors.ConfigError`. Presidio's e-mail recognizer (which looks domains up in a
public-suffix list fetched on first use) is never registered: only the NER recognizer is.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from turnout.detect.pii import DATE, LOCATION, ORGANIZATION, PERSON, Detector, Finding
from turnout.errors import ConfigError

__all__ = [
    "DEFAULT_MODEL",
    "PRESIDIO_TYPES",
    "SPACY_LABELS",
    "DeepDetector",
    "DeepScanner",
    "deep_detector",
    "deep_scanner",
    "scan_executor",
]

DEFAULT_MODEL = "en_core_web_lg"  # what Presidio itself defaults to; the operator installs it

# spaCy NER label -> Presidio entity (Presidio's own default table, with ORG kept: Presidio
# ignores it for false positives, but an organisation alone is public here, so a false one
# costs nothing). Labels not listed (CARDINAL, MONEY, NORP, ...) are ignored.
SPACY_LABELS: dict[str, str] = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "LOCATION": "LOCATION",
    "ORG": "ORGANIZATION",
    "ORGANIZATION": "ORGANIZATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}

# Presidio entity -> our entity type (detect/pii.py). Only these are asked for and reported.
PRESIDIO_TYPES: dict[str, str] = {
    "PERSON": PERSON,
    "LOCATION": LOCATION,
    "ORGANIZATION": ORGANIZATION,
    "DATE_TIME": DATE,
}

# spaCy's default limit is 1,000,000 characters a doc, and memory grows with the doc: long
# requests are analysed in chunks cut at a line break or a space (NER looks a few words around
# each token, so a cut at whitespace loses nothing but an entity split by the cut itself).
_CHUNK = 20_000

_INSTALL_HINT = (
    'install the extra (pip install "turnout[pii-deep]") and a spaCy pipeline, e.g. '
    "python -m spacy download en_core_web_lg (see docs/pii-deep.md)"
)


class DeepScanner:
    """Presidio's ``AnalyzerEngine`` over one spaCy pipeline, reporting our entity types.

    ``nlp`` is a loaded ``spacy.Language`` (any pipeline with an ``ner`` component, or an
    ``entity_ruler``); :func:`deep_scanner` loads one by package name or path.
    """

    def __init__(self, nlp: Any, *, min_score: float = 0.0) -> None:
        try:
            from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
            from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        except ImportError as exc:  # pragma: no cover - the extra is installed where this runs
            raise ConfigError(f"detection.deep needs presidio-analyzer: {_INSTALL_HINT}") from exc

        _keep_only_ner(nlp)
        engine = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": nlp.meta.get("name") or "custom"}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=dict(SPACY_LABELS),
                labels_to_ignore=[],
                low_score_entity_names=[],
            ),
        )
        # set the pipeline ourselves instead of engine.load(): load() downloads missing models
        engine.nlp = {"en": nlp}  # type: ignore[assignment]
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.add_nlp_recognizer(nlp_engine=engine)  # the NER recognizer, nothing else
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
        self.entities = sorted(PRESIDIO_TYPES)
        self.min_score = min_score

    def findings(self, text: str) -> list[Finding]:
        """Our-typed findings of the NER pass over ``text``, sorted by start."""
        out: list[Finding] = []
        for offset, chunk in _chunks(text):
            if not chunk.strip():
                continue
            for r in self.analyzer.analyze(
                text=chunk, language="en", entities=self.entities, score_threshold=self.min_score
            ):
                kind = PRESIDIO_TYPES.get(r.entity_type)
                if kind is None:
                    continue
                start, end = _trim(chunk, r.start, r.end)
                if kind == DATE and not _DAY_MONTH_OR_YEAR.search(chunk, start, end):
                    continue  # "this morning", "69 years old", a postcode read as a year
                if kind == PERSON and not _could_be_a_name(chunk[start:end]):
                    continue  # "License", "C. Transfer": capitalised words, no name among them
                if end > start:
                    out.append(Finding(kind, offset + start, offset + end, round(float(r.score), 4)))
        out.sort(key=lambda f: (f.start, -f.end))
        return out


class DeepDetector(Detector):
    """The fast detector, then the deep scan where the fast one found nothing (module doc).

    ``executor``: where an async caller runs the scan (the gateway works out a request's routing
    signals there, ``Gateway._signals``): ~90 ms of CPU for a 1k-token prompt would otherwise
    hold the worker's event loop, and every other request on it, for that long.
    """

    def __init__(
        self,
        scanner: DeepScanner,
        custom_terms: Iterable[str] | None = None,
        custom_patterns: Mapping[str, str | re.Pattern[str]] | None = None,
        *,
        types: Iterable[str] | None = None,
        names: bool = True,
    ) -> None:
        super().__init__(custom_terms, custom_patterns, types=types, names=names)
        self.scanner = scanner
        self._deep_types: frozenset[str] | None = frozenset(types) if types is not None else None
        self.executor: Executor = scan_executor()

    def scan(self, text: str) -> list[Finding]:
        fast = super().scan(text)
        if not text or text.isspace():
            return fast
        deep = self.scanner.findings(text)
        if self._deep_types is not None:
            deep = [f for f in deep if f.type in self._deep_types]
        return merge_findings(fast, deep)


def merge_findings(fast: list[Finding], deep: Iterable[Finding]) -> list[Finding]:
    """``fast`` (sorted, non-overlapping) plus each ``deep`` finding that overlaps none of them
    nor an earlier kept deep finding; sorted by start."""
    kept = list(fast)
    starts = [f.start for f in kept]
    added = False
    for f in deep:
        i = bisect.bisect_left(starts, f.start)
        if i > 0 and kept[i - 1].end > f.start:
            continue
        if i < len(kept) and kept[i].start < f.end:
            continue
        kept.insert(i, f)
        starts.insert(i, f.start)
        added = True
    return kept if added else fast


# --------------------------------------------------------------------------------------------
# loading

_SCANNERS: dict[str, DeepScanner] = {}
_LOCK = threading.Lock()
_EXECUTOR: ThreadPoolExecutor | None = None


def scan_executor() -> ThreadPoolExecutor:
    """The process's pool for deep scans: one thread per core, so that scans cannot outnumber
    what the machine can run (further requests wait in its queue, in order). spaCy hands the
    GIL over while it runs (``bench/bench_pii_deep_gil.py``), so the event loop keeps going."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="turnout-deep")
        return _EXECUTOR


def deep_scanner(model: str = DEFAULT_MODEL) -> DeepScanner:
    """The scanner over the installed spaCy pipeline ``model`` (a package name or a path),
    loaded once per process (a large pipeline takes seconds and hundreds of MB)."""
    with _LOCK:
        scanner = _SCANNERS.get(model)
        if scanner is None:
            scanner = DeepScanner(_load_pipeline(model))
            _SCANNERS[model] = scanner
        return scanner


def deep_detector(
    custom_terms: Iterable[str] | None = None,
    custom_patterns: Mapping[str, str] | None = None,
    *,
    model: str = DEFAULT_MODEL,
) -> DeepDetector:
    """A :class:`DeepDetector` with the config's custom terms and patterns (``detection.deep``)."""
    return DeepDetector(deep_scanner(model), custom_terms, custom_patterns)


def _load_pipeline(model: str) -> Any:
    try:
        import spacy
        import spacy.util
    except ImportError as exc:
        raise ConfigError(f"detection.deep needs spaCy: {_INSTALL_HINT}") from exc
    try:
        import presidio_analyzer  # noqa: F401  (fail here, before a model takes seconds to load)
    except ImportError as exc:
        raise ConfigError(f"detection.deep needs presidio-analyzer: {_INSTALL_HINT}") from exc
    from pathlib import Path

    if not (spacy.util.is_package(model) or Path(model).exists()):
        raise ConfigError(f"detection.deep_model {model!r} is not an installed spaCy pipeline: {_INSTALL_HINT}")
    try:
        nlp = spacy.load(model)
    except (OSError, ValueError, ImportError) as exc:
        raise ConfigError(f"cannot load spaCy pipeline {model!r} for detection.deep: {exc}") from exc
    if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names:
        raise ConfigError(f"spaCy pipeline {model!r} has no 'ner' component: the deep scan needs one")
    return nlp


def _keep_only_ner(nlp: Any) -> None:
    """Disable every component the entity recogniser does not need (tagger, parser,
    lemmatizer: a third of the time on the small English pipeline, more on larger ones).
    A shared ``tok2vec`` / ``transformer`` stays when ``ner`` listens to it."""
    keep = {"ner", "entity_ruler", "span_ruler"}
    for name, pipe in nlp.pipeline:
        listeners: Collection[str] = getattr(pipe, "listening_components", ()) or ()
        if "ner" in listeners:
            keep.add(name)
    for name in list(nlp.pipe_names):
        if name not in keep:
            nlp.disable_pipe(name)


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    if len(text) <= _CHUNK:
        yield 0, text
        return
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + _CHUNK)
        if end < len(text):
            cut = text.rfind("\n", pos + _CHUNK // 2, end)
            if cut < 0:
                cut = text.rfind(" ", pos + _CHUNK // 2, end)
            if cut > pos:
                end = cut + 1
        yield pos, text[pos:end]
        pos = end


# A date worth reporting names a day, a month or a year. spaCy's DATE also covers ages ("69
# years old"), durations ("a few months ago"), parts of a day and bare numbers (postcodes),
# which are neither dates nor personal data (chosen on the dev part of the data set).
_DAY_MONTH_OR_YEAR = re.compile(
    r"(?i)(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march"
    r"|april|june|july|august|september|october|november|december|mon|tue|tues|wed|thu|thur|thurs"
    r"|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?![a-z])"
    r"|(?<!\d)(?:1[6-9]|20)\d\d(?!\d)"
    r"|(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)"
)

_WORD = re.compile(r"[^\W\d_]{2,}(?:['’-][^\W\d_]+)*")
# letters, joined by spaces, dots, apostrophes and hyphens: what a written name is made of
_NAME_SHAPE = re.compile(r"[^\W\d_]+\.?(?:(?:[ .'’-]|[ ]-[ ])*[^\W\d_]+\.?)*")


def _could_be_a_name(text: str) -> bool:
    """Is the span shaped like a name, and does it hold a known given or family name or a word
    that is neither common English nor an acronym? A small NER model reads many capitalised
    words as people ("Library", "Cover Texts", a quiz's "C. Transfer", "JSON", code around an
    identifier, "metadata"), which would make ordinary prose ``internal``; the fast tagger's
    word lists (detect/names.py) tell those apart. Initials prove nothing either way."""
    if not _NAME_SHAPE.fullmatch(text) or (text.islower()):
        return False  # not letters and separators; or all lower case ("metadata"), where NER guesses
    from turnout.detect.names import lexicon

    lex = lexicon()
    for word in _WORD.findall(text):
        w = word.lower()
        if w in lex.first or w in lex.last or (w not in lex.common and not word.isupper()):
            return True
    return False


_EDGE = " \t\r\n,;:!?\"'()[]{}“”‘’"  # not ".": "St.", "Jr." and initials end with one


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """An NER span without surrounding punctuation or spaces (spaCy's tokens can keep them)."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end
