"""Private persons rated public, per set of fresh sentences, for several trees side by side.

    python scripts/plot_pii_rated_public.py --tree before=/tmp/base --tree after=. \\
        --out docs/img/pii_rated_public.png /tmp/f1.json /tmp/f2.json ...

Each tree scores each set with its own ``scripts/eval_pii_fresh.py`` (a subprocess that imports
that tree's ``src``); the plot shows, per set, the share of sentences naming a private person
that were rated ``public`` (the count over the total on each bar). The sets come from
``scripts/gen_pii_fresh.py``; keep them out of the repository. Needs matplotlib (plot extra).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

_RATED = re.compile(r"private person rated public:\s+(\d+)/(\d+)")


def rated_public(tree: Path, data: Path) -> tuple[int, int]:
    out = subprocess.run([sys.executable, str(tree / "scripts" / "eval_pii_fresh.py"), str(data)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    m = _RATED.search(out)
    if m is None:
        raise SystemExit(f"no 'rated public' line from {tree} on {data}")
    return int(m.group(1)), int(m.group(2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--tree", action="append", required=True, help="NAME=PATH (a tree with scripts/ and src/)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    trees = [(name, Path(path)) for name, path in (t.split("=", 1) for t in args.tree)]
    counts = {name: [rated_public(path, s) for s in args.sets] for name, path in trees}
    for name, row in counts.items():
        print(name, " ".join(f"{s.stem}:{a}/{b}" for s, (a, b) in zip(args.sets, row, strict=True)))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(args.sets), 3.6))
    width = 0.8 / len(trees)
    for k, (name, _) in enumerate(trees):
        xs = [i + (k - (len(trees) - 1) / 2) * width for i in range(len(args.sets))]
        ys = [100 * a / b for a, b in counts[name]]
        bars = ax.bar(xs, ys, width, label=name)
        for bar, (a, b) in zip(bars, counts[name], strict=True):
            ax.annotate(f"{a}/{b}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                        va="bottom", fontsize=7)  # fmt: skip
    ax.set_xticks(range(len(args.sets)), [s.stem for s in args.sets], fontsize=8)
    ax.set_ylabel("private person rated public (%)")
    ax.set_title("Fresh sentences naming a private person, rated public")
    ax.legend(fontsize=8)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
