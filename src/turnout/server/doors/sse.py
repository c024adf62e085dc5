"""Send a routed stream to the client in a door's own event format, stopping the upstream
when the client goes away. The doors' name for ``server/streaming.py``, which
``/v1/chat/completions`` uses too: one disconnect contract for every door."""

from __future__ import annotations

from turnout.server.streaming import SSE_HEADERS, EventWriter, pump

__all__ = ["SSE_HEADERS", "EventWriter", "pump"]
