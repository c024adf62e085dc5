"""The caller's own body, kept for a provider that speaks the caller's wire format.

A front door that accepts another provider's format (Anthropic's Messages API, say) translates
the body into the neutral ``ChatRequest`` and also keeps the body as it came, wrapped in a
``NativeBody``. A provider of the same format may then forward it with only the model changed,
so nothing is lost in translation (thinking signatures, cache breakpoints, beta fields).

The wrapper remembers the exact ``messages`` list the door built. Anything on the way that
rewrites the messages (redaction, retrieval passages, a cascade's self-check) builds a new
list, so ``usable_for`` turns false and the provider translates the rewritten request instead:
the original body can never carry text past a step that changed it.
"""

from __future__ import annotations

from typing import Any


class NativeBody(dict[str, Any]):
    """A request body as the caller sent it, plus the caller's protocol headers."""

    __slots__ = ("headers", "messages")

    def __init__(self, body: dict[str, Any], messages: list[dict[str, Any]],
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(body)
        self.messages = messages  # the translated list this body stands for (identity matters)
        self.headers = headers or {}


def native_body(request: Any, origin: str) -> NativeBody | None:
    """The caller's body when it may be forwarded as is for ``request``, else None."""
    raw = getattr(request, "raw_body", None)
    if (isinstance(raw, NativeBody) and getattr(request, "origin", None) == origin
            and raw.messages is request.messages):
        return raw
    return None


def protocol_headers(request: Any) -> dict[str, str]:
    """Protocol headers the caller sent (e.g. ``anthropic-beta``), even on a translated path."""
    raw = getattr(request, "raw_body", None)
    return raw.headers if isinstance(raw, NativeBody) else {}
