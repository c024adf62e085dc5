"""Cases drawn from a seed, and the check that the reader sees every form."""

from __future__ import annotations

import json
import random
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redteam.planting import FORMS, KINDS, NEW_FORMS, SPLIT_FORMS, make_secret, plant
from redteam.positions import DOOR_MODELS, DOOR_WEIGHTS, DOORS, FILLER, NEW_POSITIONS, split_turns
from redteam.reader import found


@dataclass
class Case:
    id: str
    door: str
    position: str
    kind: str
    form: str
    model: str
    stream: bool
    secret: str
    fragments: list[str]
    needles: list[str]  # the unsplit secret's, for the plain control
    body: dict[str, Any]  # what the SDK is asked to send (model and stream added at call time)
    new: bool
    # drawn apart (--failures, --follow-ups), so the cases above stay those of the seed:
    failure: str = ""  # "local": the local model answers 500; "cloud": the first cloud call does
    follow_up: bool = False  # responses: the case is stored, then continued by previous_response_id
    label_public: bool = False  # the caller labels it public (header and body hint): must not lower the level
    headers: dict[str, str] = field(default_factory=dict)  # sent as HTTP headers (--headers)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def make_cases(seed: int, n: int, only_new: bool = False, failures: float = 0.0, follow_ups: float = 0.0,
               labels: float = 0.0, headers: float = 0.0) -> list[Case]:
    rng = random.Random(seed)
    extra = random.Random(seed + 1)  # failures and follow-ups: the same two draws a case whatever the rates
    label = random.Random(seed + 2)
    header = random.Random(seed + 3)
    doors = [d for d, w in DOOR_WEIGHTS.items() for _ in range(w)]
    cases: list[Case] = []
    while len(cases) < n:
        i = len(cases)
        door = rng.choice(doors)
        form = rng.choice(FORMS)
        if form in SPLIT_FORMS and door not in ("chat", "responses", "messages", "count_tokens"):
            door = rng.choice(["chat", "responses", "messages"])
        kind = rng.choice(KINDS)
        secret = make_secret(kind, rng)
        planted = plant(secret, form, rng)
        positions: dict[str, Callable[[str], Any]] = DOORS[door]  # type: ignore[assignment]
        if form in SPLIT_FORMS and len(planted.pieces) > 1:
            position, body = split_turns("messages" if door == "count_tokens" else door, form, planted.pieces)
            new = form in NEW_FORMS
        else:
            position = rng.choice(sorted(positions))
            body = positions[position](planted.pieces[0])
            if door == "chat":
                msgs, params = body
                body = {"messages": msgs, **params}
            new = form in NEW_FORMS or position in NEW_POSITIONS[door]
        if only_new and not new:
            continue
        model = rng.choice(DOOR_MODELS[door])
        stream = door not in ("embeddings", "count_tokens") and rng.random() < 0.5
        if door == "completions" and isinstance(body.get("prompt"), list):
            stream = False  # the door streams one prompt per request (a 400 otherwise)
        case = Case(f"{seed}-{i}", door, position, kind, form, model, stream, secret.text,
                    planted.fragments, secret.needles, body, new)
        fail_draw, follow_draw = extra.random(), extra.random()
        if fail_draw < failures:
            case.failure = "local" if fail_draw < failures / 2 else "cloud"
        case.follow_up = door == "responses" and follow_draw < follow_ups
        case.label_public = label.random() < labels
        if header.random() < headers and door in ("messages", "count_tokens") and len(planted.pieces) == 1:
            # the Messages doors forward the caller's anthropic-beta header to Anthropic as sent: the
            # secret there alone (header values are ASCII without line breaks: else URL-encoded)
            text = planted.pieces[0]
            if not text.isascii() or not text.isprintable():
                text = urllib.parse.quote(text, safe=" ")
            case.position, case.headers = "anthropic-beta header", {"anthropic-beta": text}
            case.body = {"messages": [{"role": "user", "content": FILLER}]}
        cases.append(case)
    return cases


def self_check() -> list[str]:
    """Every (kind, form) written into a body must be read back by the leak reader."""
    rng = random.Random(0)
    misses = []
    for kind in KINDS:
        for form in FORMS:
            secret = make_secret(kind, rng)
            planted = plant(secret, form, rng)
            body = json.dumps({"messages": [{"role": "user", "content": p} for p in planted.pieces]}).encode()
            if not found(planted.fragments, [body]):
                misses.append(f"{kind}/{form}")
    clean = json.dumps({"messages": [{"role": "user", "content": FILLER}]}).encode()
    secret = make_secret("card", rng)
    if found(secret.needles, [clean]):
        misses.append("clean body read as a leak")
    return misses
