"""Tables by form, position, door and kind; leaks; answers; bad-input findings."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from redteam.cases import Case
from redteam.planting import NEW_FORMS
from redteam.positions import NEW_POSITIONS


def table(cases: list[Case], key: Callable[[Case], str], title: str, gateways: list[str]) -> str:
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        r = rows[key(c)]
        r["cases"] += 1
        for g in gateways:
            res = c.results.get(g, {})
            r[f"leak {g}"] += bool(res.get("leak"))
            r[f"plain {g}"] += bool(res.get("plain_too"))
            r[f"pos {g}"] += res.get("cause") == "position"
            r[f"cloud {g}"] += res.get("cloud_bodies", 0) > 0
    cols = (["cases"] + [f"leak {g}" for g in gateways] + [f"plain {g}" for g in gateways]
            + [f"pos {g}" for g in gateways] + [f"cloud {g}" for g in gateways])
    width = max([len(title)] + [len(k) for k in rows]) + 1
    lines = [f"{title:<{width}}" + "".join(f"{c:>11}" for c in cols)]
    for k in sorted(rows, key=lambda k: (-sum(rows[k][f'leak {g}'] for g in gateways), k)):
        lines.append(f"{k:<{width}}" + "".join(f"{rows[k][c]:>11}" for c in cols))
    total = Counter[str]()
    for r in rows.values():
        total.update(r)
    lines.append(f"{'total':<{width}}" + "".join(f"{total[c]:>11}" for c in cols))
    return "\n".join(lines)


def report(cases: list[Case], gateways: list[str], bad: list[dict[str, Any]]) -> tuple[int, int]:
    star = lambda c, name: name + (" *" if c.new and (name in NEW_FORMS or name in NEW_POSITIONS.get(c.door, ())) else "")  # noqa: E731
    print()
    print(table(cases, lambda c: c.form + (" *" if c.form in NEW_FORMS else ""), "form", gateways))
    print()
    print(table(cases, lambda c: f"{c.door}: {star(c, c.position)}", "door: position", gateways))
    print()
    print(table(cases, lambda c: c.door, "door", gateways))
    print()
    print(table(cases, lambda c: c.kind, "kind", gateways))
    if any(c.failure for c in cases):
        print()
        print(table(cases, lambda c: c.failure or "none", "injected failure", gateways))
    if any(c.label_public for c in cases):
        print()
        print(table(cases, lambda c: "labelled public" if c.label_public else "no label", "caller's label", gateways))
    if any(c.follow_up for c in cases):
        print()
        print(table([c for c in cases if c.door == "responses"], lambda c: "follow-up" if c.follow_up else "one turn",
                    "responses: turns", gateways))
    leaks = [(c, g) for c in cases for g in gateways if c.results.get(g, {}).get("leak")]
    print("\nleak: every fragment of the secret reached a cloud model. Of those, by cause (the plain "
          "controls, redaction off): plain = the secret written plainly in a user message leaks too "
          "(vocabulary or policy); pos = written plainly at the same position it leaks, in a user message "
          "it does not (the position is read less well); the rest = the form. cloud: the case reached a "
          "cloud model at all")
    causes: Counter[str] = Counter(f"{c.results[g].get('cause', '?')} {g}" for c, g in leaks)
    print("leaks by cause: " + ", ".join(f"{k}: {v}" for k, v in sorted(causes.items())))
    print(f"\nleaks ({len(leaks)}; case id, gateway, door, position, form, kind, model, stream, cause):")
    for c, g in leaks:
        extras = ((f" fail-{c.failure}" if c.failure else "") + (" follow-up" if c.follow_up else "")
                  + (" labelled-public" if c.label_public else ""))
        print(f"  {c.id} {g} {c.door} {c.position} {c.form} {c.kind} {c.model} {'stream' if c.stream else 'json'}"
              f"{extras} {c.results[g].get('cause', '?')}")
    statuses: Counter[str] = Counter()
    for c in cases:
        for g in gateways:
            res = c.results.get(g, {})
            if res.get("status") != 200:
                statuses[f"{g} {c.door} {res.get('status')} {res.get('code', '')}"] += 1
    print("\nanswers other than 200 (gateway, door, status, X-Turnout-Error-Code): count")
    for k, v in sorted(statuses.items()):
        print(f"  {k}: {v}")
    odd = [(c, g) for c in cases for g in gateways
           if (c.results.get(g, {}).get("status", 200) >= 500 or c.results.get(g, {}).get("status") == -1)
           and c.results[g].get("code") != "no_local_model" and "injected failure" not in c.results[g].get("error", "")]
    for c, g in odd[:20]:
        print(f"  5xx/transport: {c.id} {g} {c.door} {c.position} {c.form}: {c.results[g].get('error')}")
    findings = [b for b in bad if b["finding"]]
    if bad:
        print(f"\nbad input: {len(bad)} probes, {len(findings)} findings (5xx other than 503 confidentiality_error, "
              "a dropped connection, or a gateway that died)")
        by: Counter[str] = Counter(f"{b['status']} {b['type'] or b['code']}" for b in bad)
        print("  statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(by.items())))
        for b in findings:
            print(f"  FINDING {b['gateway']} {b['input']}: {b['status']} {b['type']} {b['code']}")
    return len(leaks), len(findings)
