"""turnout.yaml into typed config: interpolation, defaults, clear errors."""

from __future__ import annotations

import pytest

from turnout.catalog import Catalog
from turnout.config import load_config, model_info_from, parse_config
from turnout.errors import ConfigError
from turnout.starter import STARTER_CONFIG


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TURNOUT_CONFIG", raising=False)
    cfg = load_config()
    assert cfg.models is None and cfg.routing.rules is None
    assert cfg.ledger.url is None and cfg.cache.backend == "memory"  # None: the data directory
    assert cfg.cache.ttl_s == 86_400  # the founding design's 24 hours


def test_interpolation_with_defaults(monkeypatch):
    monkeypatch.setenv("MY_BASE", "http://10.0.0.5:8080/v1")
    monkeypatch.delenv("UNSET_VAR", raising=False)
    cfg = parse_config({"models": [{"name": "mine", "provider": "openai", "api_base": "${MY_BASE}",
                                    "api_key": "${UNSET_VAR:-none}", "local": True}]})
    assert cfg.models[0].api_base == "http://10.0.0.5:8080/v1"
    assert cfg.models[0].api_key == "none"


def test_missing_variable_names_it(monkeypatch):
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    with pytest.raises(ConfigError, match="NOPE_NOT_SET"):
        parse_config({"server": {"master_key": "${NOPE_NOT_SET}"}})


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"routing": {"retries": {"max_retries": -1}}}, "routing.retries.max_retries"),
        ({"modles": []}, "modles"),
        ({"models": [{"name": "a"}, {"name": "a"}]}, "listed twice"),
        ({"routing": {"rules": [{"name": "x", "when": {"complexity": "hard"}, "use": ["gpt-4"]}]}}, "complexity"),
        ({"cache": {"ttl_s": 0}}, "cache.ttl_s"),
        ({"detection": {"target_strong_share": 2}}, "target_strong_share"),
    ],
)
def test_schema_errors_name_the_field(data, needle):
    with pytest.raises(ConfigError, match=needle):
        parse_config(data, "turnout.yaml")


def test_bad_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("models: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    top = tmp_path / "list.yaml"
    top.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(top)


def test_model_entries_inherit_the_catalog_and_override_it():
    cat = Catalog()
    info = model_info_from(parse_config({"models": [{"name": "gpt-4o", "input_per_mtok": 1.0}]}).models[0], cat)
    assert info.context_window == 128_000 and info.output_per_mtok == 10.0 and info.input_per_mtok == 1.0
    custom = parse_config({"models": [{"name": "my-llama", "provider": "openai", "model": "llama-3",
                                       "api_base": "http://h/v1", "local": True, "context_window": 4096}]}).models[0]
    info = model_info_from(custom, cat)
    assert info.local and info.wire_model == "llama-3" and info.context_window == 4096
    with pytest.raises(ConfigError, match="provider"):
        model_info_from(parse_config({"models": [{"name": "mystery"}]}).models[0], cat)


def test_starter_config_parses(monkeypatch):
    import yaml

    monkeypatch.delenv("TURNOUT_MASTER_KEY", raising=False)
    cfg = parse_config(yaml.safe_load(STARTER_CONFIG))
    assert [r.name for r in cfg.routing.rules] == ["confidential-local", "simple-cheap", "long-context",
                                                   "complex-strong", "default-balanced"]
