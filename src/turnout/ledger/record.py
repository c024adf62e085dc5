"""What the ledger stores: one ``UsageRecord`` per answered request, and its summaries.

A record travels twice: as one journal line (written on the request path, so its encoding is
a positional JSON array, about twice as fast to build and half the size of a JSON object) and
as one database row (written by the background writer). Model metadata (prices, context
window, provider) is never copied into a record: the catalog holds it once.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

CacheOutcome = Literal["hit", "semantic", "miss", "off"]
SummaryBy = Literal["model", "key", "day"]

CACHE_OUTCOMES: tuple[str, ...] = ("hit", "semantic", "miss", "off")
CACHE_HITS: tuple[str, ...] = ("hit", "semantic")
SUMMARY_BY: tuple[str, ...] = ("model", "key", "day")


@dataclass(slots=True)
class UsageRecord:
    """One answered request (also an answered error: ``status`` >= 400 and ``error`` set)."""

    request_id: str  # unique; a second record with the same id is ignored, never duplicated
    model_used: str  # the model that answered (after fallbacks), or "" if none did
    ts: float = field(default_factory=time.time)  # unix seconds, when the answer was sent
    key_id: str | None = None  # the gateway's virtual key id; None for library calls
    model_requested: str = ""  # what the caller asked for ("auto", "gpt-4o", ...)
    rule: str = ""  # the route rule that decided
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens the provider served from its prompt cache
    tokens_estimated: bool = False  # counted by turnout: the provider reported no usage
    cost_usd: float = 0.0  # what the request cost (0 for a cache hit or a local model)
    saved_usd: float = 0.0  # what a cache hit saved: the cost of the original answer
    latency_ms: float = 0.0  # request received -> answer complete
    ttft_ms: float | None = None  # time to first token, streams only
    cache: CacheOutcome = "off"
    fallbacks: int = 0  # models tried before the one that answered
    status: int = 200  # HTTP-like status of the answer
    sensitivity: str = "public"
    error: str | None = None  # short error text for failed requests
    prompt: str | None = None  # stored only when the ledger was opened with store_prompts=True
    # The decision, for the request log (/admin/v1/requests, /ui): reason, signals, rejected
    # models and why, fallback chain, attempts. Never prompt text. Stored as JSON text.
    route: dict[str, Any] | str | None = None


# Database column order; the journal line is [JOURNAL_VERSION, *the same fields].
COLUMNS: tuple[str, ...] = (
    "request_id",
    "ts",
    "key_id",
    "model_requested",
    "model_used",
    "rule",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "tokens_estimated",
    "cost_usd",
    "saved_usd",
    "latency_ms",
    "ttft_ms",
    "cache",
    "fallbacks",
    "status",
    "sensitivity",
    "error",
    "prompt",
    "route",
)

# Fields a journal line may lack: lines written before they existed (appended at the end).
_OPTIONAL_TAIL = 1

JOURNAL_VERSION = 1

_dumps = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE


def encode_line(r: UsageRecord) -> bytes:
    """The journal line for ``r``: a versioned JSON array ending in ``\\n`` (no raw newline
    can occur inside it: JSON escapes them)."""
    return _dumps(
        (
            JOURNAL_VERSION,
            r.request_id,
            r.ts,
            r.key_id,
            r.model_requested,
            r.model_used,
            r.rule,
            r.prompt_tokens,
            r.completion_tokens,
            r.cached_tokens,
            r.tokens_estimated,
            r.cost_usd,
            r.saved_usd,
            r.latency_ms,
            r.ttft_ms,
            r.cache,
            r.fallbacks,
            r.status,
            r.sensitivity,
            r.error,
            r.prompt,
            r.route,
        ),
        option=_NEWLINE,
    )


def record_fields(r: UsageRecord) -> dict[str, Any]:
    return {name: getattr(r, name) for name in COLUMNS}


def normalized(r: UsageRecord) -> UsageRecord:
    """A copy in plain JSON-able types (see ``row_of``): what ``record()`` falls back to
    when ``encode_line`` refuses a value (a Decimal, a numpy number)."""
    return UsageRecord(**dict(zip(COLUMNS, row_of(r), strict=True)))


def decode_line(line: bytes) -> UsageRecord:
    """Parse one journal line; raises ``ValueError`` on anything that is not a whole record."""
    try:
        values = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(values, list) or not values or values[0] != JOURNAL_VERSION:
        raise ValueError("not a version-1 journal record")
    # A later version may append fields: take the ones this version knows.
    if len(values) < len(COLUMNS) + 1 - _OPTIONAL_TAIL:
        raise ValueError(f"record has {len(values) - 1} fields, expected {len(COLUMNS)}")
    known = values[1 : len(COLUMNS) + 1]
    fields = dict(zip(COLUMNS[: len(known)], known, strict=True))
    if not isinstance(fields["request_id"], str) or not isinstance(fields["ts"], int | float):
        raise ValueError("record without a request_id or a timestamp")
    return UsageRecord(**fields)


def row_of(r: UsageRecord) -> tuple[Any, ...]:
    """The database row (``COLUMNS`` order), in plain types. Runs on the writer thread, off
    the request path, so it may be forgiving: a caller's enum, Decimal or numpy number, a
    None count or a NaN cost is stored as the nearest sane value rather than losing the whole
    record. Only a record without a request_id or a timestamp is refused (ValueError).

    A value already of the plain type and in range is taken as it is (the gateway's records
    are all like that); only the others go through the forgiving conversions."""
    if r.request_id is None or r.ts is None:
        raise ValueError("a usage record needs a request_id and a timestamp")
    rid, ts, key_id, error, prompt = r.request_id, r.ts, r.key_id, r.error, r.prompt
    return (
        rid if type(rid) is str else str(rid),
        ts if type(ts) is float else float(ts),
        key_id if key_id is None or type(key_id) is str else _opt_text(key_id),
        _text(r.model_requested),
        _text(r.model_used),
        _text(r.rule),
        _count(r.prompt_tokens, _INT4_MAX),
        _count(r.completion_tokens, _INT4_MAX),
        _count(r.cached_tokens, _INT4_MAX),
        bool(r.tokens_estimated),
        _amount(r.cost_usd),
        _amount(r.saved_usd),
        _amount(r.latency_ms),
        None if r.ttft_ms is None else _amount(r.ttft_ms),
        _text(r.cache),
        _count(r.fallbacks, _INT2_MAX),
        _count(r.status, _INT2_MAX),
        _text(r.sensitivity),
        error if error is None or type(error) is str else _opt_text(error),
        prompt if prompt is None or type(prompt) is str else _opt_text(prompt),
        _json_text(r.route),
    )


_INT4_MAX = 2**31 - 1
_isfinite = math.isfinite
_INT2_MAX = 2**15 - 1


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    return "" if value is None else str(getattr(value, "value", value))


def _opt_text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def route_of(value: Any) -> Any:
    """A stored ``route`` column back to the decision record (None when it is not JSON)."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


def _count(value: Any, top: int) -> int:
    if type(value) is int and 0 <= value <= top:
        return value
    return 0 if value is None else min(max(int(value), 0), top)


def _amount(value: Any) -> float:
    number = value if type(value) is float else 0.0 if value is None else float(value)
    return number if _isfinite(number) else 0.0


@dataclass(slots=True)
class SummaryRow:
    """Totals for one group (a model, a key or a local calendar day) over a time range."""

    group: str | None  # model_used, key_id (None: no key, library calls) or "YYYY-MM-DD"
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cost_usd: float
    saved_usd: float
    cache_hits: int  # cache "hit" or "semantic"
    errors: int  # status >= 400 or an error text
    avg_latency_ms: float | None
    p50_latency_ms: float | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def validate_by(by: str) -> SummaryBy:
    if by not in SUMMARY_BY:
        raise ValueError(f"invalid summary grouping {by!r}; expected one of: model, key, day")
    return by  # type: ignore[return-value]
