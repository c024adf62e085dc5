"""How the complexity scorer labels short everyday questions, on DC-Router's *training* split
(data/routing/llmrouter/train.jsonl; the test split and MMLU's held-out subjects are not read).

"Easy": the small models (7-9B) answer it (mean score >= 0.8). "Needs strong": the small ones
fail (mean <= 0.2) and the large ones (49-70B) mostly pass (mean >= 0.5). For prompts of at most
``--max-words`` words, prints the share of each group scored SIMPLE / MODERATE / COMPLEX at the
default thresholds: a change to the prior should move easy items to SIMPLE without moving the
items that need the strong model.

    python scripts/check_simple_prompts.py [--data ../shared/data/routing/llmrouter] [--max-words 12]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from turnout.detect.complexity import ComplexityScorer

SMALL = ("codegemma-7b", "gemma-2-9b-it", "llama-3.1-8b-instruct", "mistral-7b-instruct-v0.3", "qwen2.5-7b-instruct",
         "llama3-chatqa-1.5-8b")
LARGE = ("llama-3.1-nemotron-51b-instruct", "llama-3.3-nemotron-super-49b-v1", "llama3-chatqa-1.5-70b")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "routing" / "llmrouter"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--max-words", type=int, default=12)
    args = ap.parse_args()
    scorer = ComplexityScorer.load()
    groups: dict[str, list[str]] = {"easy": [], "needs strong": []}
    for line in (args.data / "train.jsonl").open():
        row = json.loads(line)
        if len(row["prompt"].split()) > args.max_words:
            continue
        small = sum(row["scores"][m] for m in SMALL) / len(SMALL)
        large = sum(row["scores"][m] for m in LARGE) / len(LARGE)
        if small >= 0.8:
            groups["easy"].append(row["prompt"])
        elif small <= 0.2 and large >= 0.5:
            groups["needs strong"].append(row["prompt"])
    for name, prompts in groups.items():
        levels = Counter(scorer.classify(p)[0].value for p in prompts)
        shares = "  ".join(f"{lv} {levels[lv] / len(prompts):.1%}" for lv in ("simple", "moderate", "complex"))
        print(f"{name:<13} n={len(prompts):<5} {shares}")


if __name__ == "__main__":
    main()
