"""The starter config (`turnout init`) shows the defaults: a value it writes out is the one the
config would take without it, so an operator who keeps the file gets the calibrated behaviour."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from turnout.config import TurnoutConfig
from turnout.starter import STARTER_CONFIG


def _pairs(written: Any, default: Any, path: str) -> list[tuple[str, Any, Any]]:
    if isinstance(written, dict) and isinstance(default, BaseModel):
        out = []
        for name, value in written.items():
            if name in type(default).model_fields:
                out += _pairs(value, getattr(default, name), f"{path}.{name}")
        return out
    if isinstance(written, dict | list) or isinstance(default, BaseModel):
        return []  # lists of models and examples are illustrations, not defaults
    return [(path, written, default)]


def test_every_scalar_the_starter_writes_is_the_default() -> None:
    written = yaml.safe_load(STARTER_CONFIG)
    default = TurnoutConfig()
    pairs = _pairs({k: v for k, v in written.items() if k in TurnoutConfig.model_fields}, default, "")
    assert pairs, "nothing compared"
    mismatched = [(path, w, d) for path, w, d in pairs
                  if w is not None and d is not None and w != (d.value if hasattr(d, "value") else d)]
    assert mismatched == []
