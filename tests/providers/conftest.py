from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from turnout.providers import transport
from turnout.providers.fake import FakeProvider

from .upstream import Upstream


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    server = await Upstream().start()
    yield server
    await server.close()


@pytest.fixture(autouse=True)
async def _close_http_session() -> AsyncIterator[None]:
    # Each test runs on its own event loop; close that loop's shared session with it.
    yield
    await transport.close_sessions()


@pytest.fixture(autouse=True)
def _reset_fake() -> Iterator[None]:
    FakeProvider.reset()
    yield
    FakeProvider.reset()


@pytest.fixture(autouse=True)
def no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys and base URLs from the developer's shell or .env must not leak into tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                 "OLLAMA_BASE_URL"):
        monkeypatch.setenv(name, "")
