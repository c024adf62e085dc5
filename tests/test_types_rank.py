"""Sensitivity and Complexity ranks: the order the members are declared in (types.py)."""

from __future__ import annotations

import pickle

from turnout.types import Complexity, Sensitivity


def test_ranks_follow_declaration_order() -> None:
    assert [s.rank for s in Sensitivity] == [0, 1, 2]
    assert [c.rank for c in Complexity] == [0, 1, 2]
    assert Sensitivity.CONFIDENTIAL.rank > Sensitivity.INTERNAL.rank > Sensitivity.PUBLIC.rank
    assert Complexity.COMPLEX.rank > Complexity.MODERATE.rank > Complexity.SIMPLE.rank


def test_a_parsed_or_unpickled_member_keeps_its_rank() -> None:
    for member in (*Sensitivity, *Complexity):
        assert type(member).parse(member.value.upper()).rank == member.rank
        assert pickle.loads(pickle.dumps(member)).rank == member.rank
