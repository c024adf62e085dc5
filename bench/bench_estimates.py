"""Input-token estimates against what a request really sends, on a generated varied corpus.

No provider is reachable from here, so "actual" is the tiktoken (cl100k) count of the request
body turnout really serialises for an OpenAI-compatible upstream (``to_openai``): every
message, tool definition and schema as sent. The estimate is what routing and budgets use
(``tokens.count_request``); "before" is the old estimate (message text only), for contrast.

    python bench/bench_estimates.py [--n 60] [--seed 3]

Prints, per kind of request, the estimate/actual ratio (median, min, max) and the share within
+-15%. Then PDFs and audio, whose tokens no body count can give (they travel as base64): the
estimate per provider against its documented rule (Gemini 258 a page and 32 a second, OpenAI
10 a second, Anthropic/OpenAI a PDF's text plus a page image each), and what the estimate
counted for them before (0). Never asserts.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import struct
import sys
import zlib
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turnout import tokens  # noqa: E402
from turnout.providers.openai import to_openai  # noqa: E402
from turnout.types import ChatRequest, message_text  # noqa: E402

WORDS = ["order", "invoice", "customer", "shipment", "refund", "account", "balance", "ledger", "report", "quarterly", "revenue", "churn", "migration", "platform", "schedule", "deadline", "contract", "supplier", "warehouse", "inventory", "forecast", "budget", "analysis", "summary", "request", "approval", "review", "compliance", "policy", "incident", "escalation", "priority"]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng, rng.randint(6, 18)) for _ in range(sentences))


def schema(rng: random.Random, depth: int = 0) -> dict:
    props = {}
    for i in range(rng.randint(3, 8)):
        name = f"{rng.choice(WORDS)}_{i}"
        if depth < 2 and rng.random() < 0.3:
            props[name] = schema(rng, depth + 1)
        else:
            props[name] = {"type": rng.choice(["string", "integer", "number", "boolean"]),
                           "description": sentence(rng, rng.randint(4, 14))}
    return {"type": "object", "properties": props, "required": list(props)[:2],
            "description": sentence(rng, 8)}


def tools(rng: random.Random, n: int) -> list:
    return [{"type": "function", "function": {"name": f"{rng.choice(WORDS)}_{i}", "description": paragraph(rng, 2),
                                              "parameters": schema(rng)}} for i in range(n)]


def request(kind: str, rng: random.Random) -> ChatRequest:
    messages = [{"role": "user", "content": paragraph(rng, rng.randint(1, 4))}]
    params: dict = {}
    if kind == "plain chat":
        messages = [{"role": "system", "content": "You are a helpful assistant."}]
        for _ in range(rng.randint(1, 4)):
            messages += [{"role": "user", "content": paragraph(rng, rng.randint(1, 5))},
                         {"role": "assistant", "content": paragraph(rng, rng.randint(1, 5))}]
        messages.append({"role": "user", "content": paragraph(rng, 2)})
    elif kind == "long system prompt":
        messages.insert(0, {"role": "system", "content": "\n\n".join(paragraph(rng, 6) for _ in range(rng.randint(10, 40)))})
    elif kind == "tools-heavy":
        params["tools"] = tools(rng, rng.randint(10, 40))
        params["tool_choice"] = "auto"
    elif kind == "schema-heavy":
        params["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "strict": True,
                                                                           "schema": schema(rng)}}
        for _ in range(rng.randint(2, 6)):
            params["response_format"]["json_schema"]["schema"]["properties"][rng.choice(WORDS) + "_x"] = schema(rng, 1)
    elif kind == "agent loop":
        params["tools"] = tools(rng, rng.randint(3, 8))
        for i in range(rng.randint(2, 6)):
            args = json.dumps({"query": sentence(rng, 6), "limit": rng.randint(1, 50)})
            messages += [{"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{i}", "type": "function", "function": {"name": "search", "arguments": args}}]},
                {"role": "tool", "tool_call_id": f"call_{i}", "content": json.dumps({"rows": [paragraph(rng, 2)
                                                                                             for _ in range(3)]})}]
    elif kind == "text parts":
        messages = [{"role": "user", "content": [{"type": "text", "text": paragraph(rng, 3)} for _ in range(rng.randint(2, 6))]}]
    return ChatRequest("openai/x", messages, params)


def pdf(rng: random.Random, pages: int) -> str:
    """A generated PDF (FlateDecode content streams, one page of prose each) as a data URL."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for _ in range(pages):
        lines = " ".join(f"({paragraph(rng, 1)}) Tj T*" for _ in range(rng.randint(10, 30)))
        stream = zlib.compress(f"BT /F1 11 Tf 72 720 Td {lines} ET".encode())
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R >>" % len(objects))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), pages)
    raw = b"%PDF-1.4\n" + b"".join(b"%d 0 obj\n" % i + o + b"\nendobj\n" for i, o in enumerate(objects, 1))
    return "data:application/pdf;base64," + base64.b64encode(raw + b"%%EOF\n").decode()


def wav(seconds: float, rate: int = 24_000) -> str:
    data = b"\x00" * (int(seconds * rate) * 2)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    raw = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data"
    return base64.b64encode(raw + struct.pack("<I", len(data)) + data).decode()


def media_table(rng: random.Random, n: int) -> None:
    print()
    print(f"{'part':<22} {'provider':<10} {'estimate (median)':>18} {'documented rule':>16} {'before':>7}")
    base = [{"role": "user", "content": [{"type": "text", "text": "Summarise this."}]}]
    bare = {p: tokens.count_request(base, provider=p) for p in ("gemini", "openai", "anthropic", None)}
    for label, make, rule in (
        ("PDF, 1-12 pages", lambda: (k := rng.randint(1, 12), {"type": "file", "file": {"file_data": pdf(rng, k)}}),
         {"gemini": lambda k: 258 * k}),
        ("WAV audio, 1-60 s", lambda: (k := rng.randint(1, 60), {"type": "input_audio", "input_audio": {
            "data": wav(k), "format": "wav"}}), {"gemini": lambda k: 32 * k, "openai": lambda k: 10 * k}),
    ):
        rows: dict = {p: ([], []) for p in ("gemini", "openai", "anthropic", None)}
        for _ in range(n):
            k, part = make()
            messages = [{"role": "user", "content": [base[0]["content"][0], part]}]
            for p, (est, doc) in rows.items():
                est.append(tokens.count_request(messages, provider=p) - bare[p])
                if p in rule:
                    doc.append(rule[p](k))
        for p, (est, doc) in rows.items():
            documented = f"{statistics.median(doc):.0f}" if doc else ("text+pages" if "PDF" in label else "none: max")
            print(f"{label:<22} {p or 'any':<10} {statistics.median(est):>18.0f} {documented:>16} {0:>7}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=60, help="requests per kind")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    kinds = ["plain chat", "long system prompt", "tools-heavy", "schema-heavy", "agent loop", "text parts"]
    print(f"{'kind':<20} {'actual tok (median)':>20} {'estimate/actual median [min, max]':>36} {'within 15%':>11} "
          f"{'before: median':>15}")
    all_ok = 0
    total = 0
    for kind in kinds:
        ratios, before, actuals = [], [], []
        for _ in range(args.n):
            req = request(kind, rng)
            body = to_openai(req, "gpt-4o", "http://127.0.0.1/v1/chat/completions", stream=False)
            actual = tokens.count_text(orjson.dumps(body).decode())  # as the transport sends it
            estimate = tokens.count_request(req.messages, req.params)
            old = 3 + sum(3 + tokens.count_text(message_text(m)) for m in req.messages)  # main before issue 9
            ratios.append(estimate / actual)
            before.append(old / actual)
            actuals.append(actual)
        ok = sum(0.85 <= r <= 1.15 for r in ratios)
        all_ok += ok
        total += len(ratios)
        print(f"{kind:<20} {statistics.median(actuals):>20.0f} {statistics.median(ratios):>14.3f} "
              f"[{min(ratios):.3f}, {max(ratios):.3f}]{'':>6} {ok / len(ratios):>10.0%} {statistics.median(before):>15.3f}")
    print(f"all: {all_ok}/{total} within +-15% ({all_ok / total:.1%})")
    media_table(rng, max(5, args.n // 4))


if __name__ == "__main__":
    main()
