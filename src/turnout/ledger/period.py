"""Time ranges as users type them (``turnout usage --since today|7d|30d``), as unix seconds."""

from __future__ import annotations

import re
import time
from datetime import datetime

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: float | None = None) -> float:
    """``today`` (local midnight), ``yesterday``, ``7d`` / ``12h`` / ``30m`` / ``2w`` (that long
    before now), ``YYYY-MM-DD`` (local midnight of that day), or unix seconds."""
    now = time.time() if now is None else now
    value = text.strip().lower()
    if value in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight.timestamp()
        if value == "yesterday":
            # the previous local midnight, right across a DST change too
            prev = datetime.fromtimestamp(start - 3600).replace(hour=0, minute=0, second=0)
            start = prev.timestamp()
        return start
    match = _RELATIVE.match(value)
    if match:
        return now - float(match.group(1)) * _UNIT_S[match.group(2)]
    try:
        return datetime.strptime(value, "%Y-%m-%d").timestamp()
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        raise ValueError(
            f"invalid time {text!r}: use today, yesterday, 7d, 12h, 30m, 2w, YYYY-MM-DD "
            "or unix seconds"
        ) from None
