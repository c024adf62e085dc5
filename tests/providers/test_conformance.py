"""The conformance suite against every provider turnout ships: the scripted fake, and the HTTP
providers against a local server replaying their documented payloads (fixtures/)."""

from __future__ import annotations

from turnout.catalog import ModelInfo
from turnout.providers.fake import FakeProvider

from .conformance import Expectations, run_all


async def test_fake() -> None:
    provider = FakeProvider(ModelInfo(name="fake/conformance", provider="fake", context_window=8192))
    await run_all(provider, Expectations(
        text="fake:fake/conformance: Say hello in five words.",
        stop_text="fake:fake/conformance: Repeat exactly: 1 2 3 4 ",
    ))
