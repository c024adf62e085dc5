"""CPU of ``tokens.prompt_token_bound`` (run on every routed request) in several trees, side by side.

    python bench/bench_token_bound.py --tree s0=/tmp/s0/src --tree this=src [--calls 20000] [--rounds 3]

Each round runs every tree in a fresh process (alternating), timing ``--calls`` calls with the
process clock on a five-message request with parts (text + image, a tool call and its result)
and on one plain message. Prints microseconds per call. Never asserts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

MESSAGES = [{"role": "system", "content": "You are helpful. " * 20},
            {"role": "user", "content": [{"type": "text", "text": "look at this " * 30},
                                         {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{\"a\": 1}"}}]},
            {"role": "tool", "tool_call_id": "c", "content": "result " * 40},
            {"role": "user", "content": "and now? " * 10}]
PLAIN = [{"role": "user", "content": "hello " * 200}]


def measure(src: str, calls: int) -> None:
    sys.path.insert(0, src)
    from turnout import tokens

    out = []
    for messages in (MESSAGES, PLAIN):
        start = time.process_time()
        for _ in range(calls):
            tokens.prompt_token_bound(messages)
        out.append(f"{(time.process_time() - start) / calls * 1e6:.2f}")
    print(" ".join(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", required=False, help="LABEL=SRC (repeatable)")
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure, args.calls)
        return
    trees = [t.split("=", 1) for t in args.tree or ["this=src"]]
    print(f"{'round':<6} {'tree':<10} {'parts (us)':>11} {'plain (us)':>11}")
    for r in range(args.rounds):
        for label, src in trees:
            got = subprocess.run([sys.executable, __file__, "--measure", src, "--calls", str(args.calls)],
                                 capture_output=True, text=True, check=True).stdout.split()
            print(f"{r + 1:<6} {label:<10} {got[0]:>11} {got[1]:>11}")


if __name__ == "__main__":
    main()
