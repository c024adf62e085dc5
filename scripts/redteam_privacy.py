"""Red-team of issue 9's promise: confidential data never reaches a non-local model.

    python scripts/redteam_privacy.py --src src --seed 7 --cases 2000 [--json OUT] [--strict]
    python scripts/redteam_privacy.py --src /other/tree/src --only-new --cases 500
    python scripts/redteam_privacy.py --src src --failures 0.4 --follow-ups 0.5 --labels 0.5
    python scripts/redteam_privacy.py --src src --bad-input-only

What it does, all on 127.0.0.1 (the pieces live in scripts/redteam/):

1. a logging fake upstream (``upstream.py``: aiohttp, in this process) that speaks OpenAI chat
   completions, Responses, legacy completions and embeddings and Anthropic Messages and
   count_tokens, as JSON or SSE, and records every body it receives. Each gateway gets its own
   path prefix (``/off/``, ``/on/``), and under it ``cloud/`` for the cloud models and ``local/``
   for the one local model (an OpenAI-compatible entry with ``local: true``), so every body is
   told apart by gateway and by cloud or local;
2. two real ``turnout serve`` processes from ``--src`` (``drive.py``; ``PYTHONPATH=SRC``):
   detection.redact off and on, cache off, cloud models gpt-4o-mini (chat), gpt-4.1-mini
   (native Responses), claude-haiku-4-5 (native Messages), text-embedding-3-small, all pointed
   at the logger, with fallbacks between the chat models. A clean request must reach a cloud
   model on every door and model first (else the set-up, not the scan, keeps secrets away);
3. cases drawn from ``--seed`` (``cases.py``): a fresh random secret (card, IBAN, AWS key id,
   private key, an e-mail with a diagnosis, a private person's name with a diagnosis), written
   in one of 40 forms (``planting.py``: zero-width, full-width, NBSP, look-alikes, URL / base64 /
   hex / gzip / escapes and stacks of them, splits over two or three messages or parts...) at
   one of ~100 positions (``positions.py``: message content and parts of every type, tools and
   schemas, metadata, user, stop, tool_choice, prediction, audio transcripts, image URL query
   strings, ids, unknown fields...), sent through one front door (chat, responses, messages,
   count_tokens, completions incl. a list of prompts, embeddings) with the real ``openai`` /
   ``anthropic`` SDKs, streaming at random; each case runs on both gateways. Apart from the
   seed's draws: ``--failures`` (the local model, or the first cloud call, answers 500),
   ``--follow-ups`` (a stored Responses turn continued by ``previous_response_id``), ``--labels``
   (the caller labels the request public);
4. a leak (``reader.py``): every fragment of the secret is in what reached a cloud model, read
   plain, normalised (NFKC, format characters dropped, look-alikes mapped) or decoded (URL,
   base64, hex, gzip, UTF-16, HTML references, ``\\u`` escapes, JSON inside strings; nested).
   Before the run every (kind, form) is checked to be read back from a body (a form the reader
   cannot see would hide leaks). Each leak's cause, from two plain controls on the redaction-off
   gateway: ``vocabulary`` (the secret written plainly in a user message leaks too),
   ``position`` (written plainly at the same position it leaks, in a user message it does not),
   else ``form``.

Prints a progress line, tables by form, position, door and kind (``*`` marks the forms and
positions added in red9g; ``report.py``), each leak's case id and cause, the answers that were
not 200, and a bad-input probe of the doors (``badinput.py``: malformed bodies, deep nesting,
huge fields; any 5xx but the documented 503 ``confidentiality_error`` is a finding). Exit status
1 on a leak or a bad-input finding only with ``--strict``. Processes started here are stopped on
exit, on Ctrl-C and on SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from redteam.badinput import probe_bad_input
from redteam.cases import make_cases, self_check
from redteam.drive import Gateway, controls, plain_controls, run_gateway
from redteam.report import report
from redteam.upstream import Upstream


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True, help="the source tree to serve (its src/ directory: PYTHONPATH)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--json", help="write every case and its results here")
    ap.add_argument("--strict", action="store_true", help="exit 1 on a leak or a bad-input finding")
    ap.add_argument("--only-new", action="store_true", help="only cases with a form or position added in red9g")
    ap.add_argument("--failures", type=float, default=0.0,
                    help="share of cases where the upstream answers 500: half on the local model, half on the first cloud call")
    ap.add_argument("--follow-ups", type=float, default=0.0,
                    help="share of Responses cases stored, then continued with previous_response_id and no secret")
    ap.add_argument("--labels", type=float, default=0.0,
                    help="share of cases the caller labels public (X-Turnout-Sensitivity and the body hint)")
    ap.add_argument("--headers", type=float, default=0.0,
                    help="share of Messages / count_tokens cases whose secret rides in the anthropic-beta header alone")
    ap.add_argument("--no-bad-input", action="store_true")
    ap.add_argument("--bad-input-only", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (configs, gateway logs)")
    args = ap.parse_args()

    misses = self_check()
    if misses:
        print("the leak reader cannot read: " + ", ".join(misses), file=sys.stderr)
        return 2
    src = Path(args.src).resolve()
    workdir = Path(tempfile.mkdtemp(prefix="redteam-privacy-"))
    upstream = Upstream()
    gateways = [Gateway(src, "off", False, upstream.port, workdir), Gateway(src, "on", True, upstream.port, workdir)]

    def stop(*_: Any) -> None:
        for gw in gateways:
            gw.stop()
        upstream.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (`&`)
    try:
        for gw in gateways:
            gw.wait()
        print(f"src {src}; gateways off :{gateways[0].port}, on :{gateways[1].port}; upstream :{upstream.port}; work {workdir}")
        broken = [line for gw in gateways for line in controls(gw, upstream)]
        if broken:
            print("controls failed (a clean request must reach a cloud model):\n  " + "\n  ".join(broken), file=sys.stderr)
            return 2
        cases = [] if args.bad_input_only else make_cases(args.seed, args.cases, args.only_new, args.failures, args.follow_ups, args.labels,
                                                          args.headers)
        done = Counter[str]()
        lock = threading.Lock()
        started = time.monotonic()

        def progress() -> None:
            with lock:
                done["n"] += 1
                n = done["n"]
                if n % 100 == 0 or n == 2 * len(cases):
                    leaks = sum(1 for c in cases for r in c.results.values() if r.get("leak"))
                    print(f"  {n}/{2 * len(cases)} calls, {leaks} leaks, {time.monotonic() - started:.0f} s", flush=True)
        threads = [threading.Thread(target=run_gateway, args=(gw, upstream, cases, progress), daemon=True) for gw in gateways]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        plain_controls(gateways[0], upstream, cases)
        bad: list[dict[str, Any]] = []
        if not args.no_bad_input:
            for gw in gateways:
                bad += probe_bad_input(gw)
        n_leaks, n_findings = report(cases, [g.name for g in gateways], bad)
        if args.json:
            Path(args.json).write_text(json.dumps({"seed": args.seed, "src": str(src), "cases": [asdict(c) for c in cases],
                                                   "bad_input": bad}, indent=1, default=str))
        return 1 if args.strict and (n_leaks or n_findings) else 0
    except KeyboardInterrupt:
        return 130
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
