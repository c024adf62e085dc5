"""The server process's collector settings (server/run.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from turnout.server import run


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_server_collector_freezes_start_up_and_collects_young_objects_rarely(restored_collector: None) -> None:
    gc.set_threshold(700, 10, 10)
    run.tune_collector()
    assert gc.get_freeze_count() > 0  # start-up objects out of every collection
    # Young collections rare enough that a request meets one less than once in a thousand at
    # c=1 (docs/benchmarks.md, serve17e): the ledger's queued records die before promotion.
    assert gc.get_threshold()[0] == run.YOUNG_COLLECTION_THRESHOLD >= 5_000
    assert gc.get_threshold()[1:] == (10, 10)


def test_young_collections_still_reclaim_cycles(restored_collector: None) -> None:
    run.tune_collector()

    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None

    before = gc.get_count()[0]
    for _ in range(run.YOUNG_COLLECTION_THRESHOLD + 100):
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the collector frees it
    del a, b
    assert gc.get_count()[0] < before + run.YOUNG_COLLECTION_THRESHOLD  # a collection ran
