"""The PII evaluation: metrics on a hand-made set with known counts, and the targets on the real one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from turnout.detect.pii import Detector, Finding
from turnout.evaluation.pii import (
    COMPATIBLE,
    DEFAULT_DATA,
    STRUCTURED,
    evaluate_pii,
    plot_pii,
    score_pii,
)

DATA = Path(DEFAULT_DATA)
needs_data = pytest.mark.skipif(not DATA.is_file(), reason=f"data set not found at {DATA}")


def span(t: str, s: int, e: int) -> dict[str, Any]:
    return {"entity_type": t, "start_position": s, "end_position": e, "entity_value": ""}


# text               0         1         2         3
#                    0123456789012345678901234567890123456789
SAMPLES: list[dict[str, Any]] = [
    {"full_text": "mail a@b.io or call 555 1234", "spans": [span("EMAIL_ADDRESS", 5, 11), span("PHONE_NUMBER", 20, 28)]},
    {"full_text": "Anna lives at 5 Main St, Springfield", "spans": [span("PERSON", 0, 4), span("STREET_ADDRESS", 14, 23), span("GPE", 25, 36)]},
    {"full_text": "card 4111111111111111 ok", "spans": [span("CREDIT_CARD", 5, 21)]},
    {"full_text": "nothing here", "spans": []},
    {"full_text": "nothing here either", "spans": []},
    {"full_text": "Acme Corp is big", "spans": [span("ORGANIZATION", 0, 9)]},
]  # fmt: skip
PREDICTIONS = [
    # email found (partial overlap counts); phone missed; a stray IP is a false positive
    [Finding("EMAIL_ADDRESS", 5, 9, 0.9), Finding("IP_ADDRESS", 15, 18, 0.5)],
    # person found; the address block spans street and city (GPE is compatible with an address)
    [Finding("PERSON", 0, 4, 0.7), Finding("STREET_ADDRESS", 14, 36, 0.6)],
    # card found, but typed as a phone: incompatible -> miss + false positive
    [Finding("PHONE_NUMBER", 5, 21, 0.6)],
    [],
    [Finding("PERSON", 0, 7, 0.5)],  # a false positive on a no-PII sentence
    [],  # organisations are not targeted
]


def test_score_counts() -> None:
    r = score_pii(SAMPLES, PREDICTIONS)
    t = r.types
    assert (t["EMAIL_ADDRESS"].labels, t["EMAIL_ADDRESS"].found) == (1, 1)
    assert (t["EMAIL_ADDRESS"].predicted, t["EMAIL_ADDRESS"].correct) == (1, 1)
    assert (t["PHONE_NUMBER"].labels, t["PHONE_NUMBER"].found) == (1, 0)
    assert (t["PHONE_NUMBER"].predicted, t["PHONE_NUMBER"].correct) == (1, 0)
    assert (t["CREDIT_CARD"].labels, t["CREDIT_CARD"].found, t["CREDIT_CARD"].predicted) == (1, 0, 0)
    assert (t["IP_ADDRESS"].predicted, t["IP_ADDRESS"].correct, t["IP_ADDRESS"].labels) == (1, 0, 0)
    assert (t["STREET_ADDRESS"].found, t["STREET_ADDRESS"].predicted, t["STREET_ADDRESS"].correct) == (1, 1, 1)
    assert t["GPE"].found == 1  # recalled through the address block
    assert (t["PERSON"].labels, t["PERSON"].found, t["PERSON"].predicted, t["PERSON"].correct) == (1, 1, 2, 1)
    assert t["ORGANIZATION"].recall == 0.0
    assert t["PERSON"].precision == 0.5 and t["CREDIT_CARD"].precision is None

    # sentence level: structured = sentences 0 and 2, both flagged (something was found)
    assert (r.sentence_recall_structured.total, r.sentence_recall_structured.flagged) == (2, 2)
    # targeted = 0, 1, 2 and 5 (organisations are targeted too; nothing was found in 5)
    assert (r.sentence_recall_targeted.total, r.sentence_recall_targeted.flagged) == (4, 3)
    assert (r.sentence_recall_any.total, r.sentence_recall_any.flagged) == (4, 3)
    assert (r.no_pii.total, r.no_pii.flagged) == (2, 1) and r.false_positive_rate == 0.5

    s = r.structured  # email + phone + card (+ the IP prediction) over the structured types
    assert (s.labels, s.found, s.predicted, s.correct) == (3, 1, 3, 1)


def test_report_outputs(tmp_path: Path) -> None:
    r = score_pii(SAMPLES, PREDICTIONS, data="hand-made.json", seconds=0.01)
    d = r.to_dict()
    json.dumps(d)  # serialisable
    assert d["false_positive_rate"]["rate"] == 0.5
    assert d["types"]["PERSON"]["precision"] == 0.5
    assert d["compatibility"]["STREET_ADDRESS"] == ["GPE", "STREET_ADDRESS", "ZIP_CODE"]
    text = r.to_text()
    assert "PERSON" in text and "false-positive rate" in text
    from rich.console import Console

    console = Console(record=True, width=140)
    console.print(r.to_table())
    assert "EMAIL_ADDRESS" in console.export_text()
    out = plot_pii(r, tmp_path / "pii.png")
    assert out.is_file() and out.stat().st_size > 1000


def test_compatibility_map_is_explicit() -> None:
    assert set(STRUCTURED) <= set(COMPATIBLE)
    for pred, labels in COMPATIBLE.items():
        # a type matches its own label, or a renamed one: presidio calls places GPE, and labels
        # every date DATE_TIME where turnout tells a person-tied date from any other
        assert pred in labels or pred == "STREET_ADDRESS" or (pred, labels) in {
            ("LOCATION", frozenset({"GPE", "LOCATION", "STREET_ADDRESS"})),
            ("DATE", frozenset({"DATE_TIME"})),
        }


def test_length_mismatch() -> None:
    with pytest.raises(ValueError):
        score_pii(SAMPLES, PREDICTIONS[:-1])


def test_evaluate_on_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(SAMPLES[:4]), encoding="utf-8")
    r = evaluate_pii(path, detector=Detector())
    assert r.sentences == 4
    assert r.types["EMAIL_ADDRESS"].found == 1 and r.types["CREDIT_CARD"].found == 1
    assert r.types["PHONE_NUMBER"].found == 1  # "call 555 1234": a phone word before it
    with pytest.raises(FileNotFoundError):
        evaluate_pii(tmp_path / "missing.json")


@needs_data
def test_structured_targets_on_the_full_data_set() -> None:
    r = evaluate_pii(DATA, part="all")
    assert r.sentences == 1500 and r.no_pii.total == 113
    assert r.sentence_recall_structured.rate is not None and r.sentence_recall_structured.rate >= 0.95
    for t in STRUCTURED:
        precision = r.types[t].precision
        assert precision is not None and precision >= 0.95, t
    s = r.structured
    assert s.precision is not None and s.precision >= 0.95
    assert r.no_pii.rate is not None and r.no_pii.rate <= 0.05
