"""The catalog: prices from genai-prices (offline, incl. cached-input, cache-write and tiered
prices), our facts only where it has none, current models as routing candidates and legacy ones
only when named."""

from __future__ import annotations

import pytest

from turnout.catalog import Catalog, ModelInfo, PriceTier, builtin_models, price_facts, provider_of


def test_every_cloud_model_is_priced_by_genai_prices():
    for info in builtin_models().values():
        if info.local:
            assert info.input_per_mtok == info.output_per_mtok == 0.0 and info.price_source == "local"
        else:
            assert info.price_source == "genai-prices", info.name
            assert info.input_per_mtok > 0 and info.output_per_mtok > 0, info.name


def test_prices_match_the_library_for_a_request():
    from genai_prices import Usage, calc_price

    cat = Catalog()
    for name, ref, provider in [("gpt-5", "gpt-5", "openai"), ("claude-sonnet-4-5", "claude-sonnet-4-5", "anthropic"),
                                ("gemini-2.5-pro", "gemini-2.5-pro", "google")]:
        info = cat.resolve(name)
        for prompt, cached, out in [(1_000, 0, 200), (10_000, 4_000, 500), (250_000, 50_000, 1_000)]:
            expected = calc_price(Usage(input_tokens=prompt, cache_read_tokens=cached, output_tokens=out),
                                  ref, provider_id=provider)
            assert info.cost_usd(prompt, out, cached) == pytest.approx(float(expected.total_price), rel=1e-9), (name, prompt)


def test_tiered_prices_apply_to_the_whole_prompt_above_the_threshold():
    sonnet = Catalog().resolve("claude-sonnet-4-5")
    assert sonnet.price_tiers and sonnet.price_tiers[0].start == 200_000
    below, above = sonnet.cost_usd(200_000, 0), sonnet.cost_usd(200_001, 0)
    assert above > 1.9 * below  # the cliff: every token at the higher rate


def test_cache_write_is_billed_at_its_own_price():
    info = ModelInfo("m", "anthropic", 1000, input_per_mtok=3.0, output_per_mtok=15.0, cached_input_per_mtok=0.3,
                     cache_write_per_mtok=3.75)
    assert info.cost_usd(1_000_000, 0, cached_tokens=0, cache_write_tokens=1_000_000) == pytest.approx(3.75)
    assert info.cost_usd(1_000_000, 0, cached_tokens=1_000_000) == pytest.approx(0.3)
    tiered = ModelInfo("t", "x", 10, input_per_mtok=1.0, output_per_mtok=2.0,
                       price_tiers=(PriceTier(100, 5.0, 7.0),))
    assert tiered.cost_usd(100, 1_000_000) == pytest.approx(2.0 + 100 / 1e6)
    assert tiered.cost_usd(101, 1_000_000) == pytest.approx(7.0 + 101 * 5 / 1e6)


def test_current_models_are_candidates_and_legacy_ones_are_known_by_name():
    models = builtin_models()
    for current in ("gpt-5", "gpt-5-mini", "gpt-5-nano", "claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805",
                    "claude-haiku-4-5-20251001", "gemini-2.5-pro", "gemini-2.5-flash"):
        assert not models[current].legacy, current
    for legacy in ("gpt-4", "gpt-3.5-turbo", "claude-3-sonnet-20240229", "claude-3-haiku-20240307"):
        assert models[legacy].legacy, legacy
    cat = Catalog()
    assert cat.resolve("claude-3-sonnet").name == "claude-3-sonnet-20240229"
    assert cat.resolve("claude-opus-4-5").provider == "anthropic"


def test_unknown_names_with_a_provider_prefix_are_priced_when_genai_prices_knows_them():
    info = Catalog().resolve("groq/llama-3.3-70b-versatile")
    assert info.provider == "groq" and info.price_source == "genai-prices" and info.input_per_mtok > 0
    assert info.wire_model == "llama-3.3-70b-versatile"
    assert price_facts("openai", "no-such-model-xyz") is None


def test_provider_prefixes():
    assert provider_of("gemini-2.5-flash") == "gemini"
    assert provider_of("gemini/gemini-2.5-flash") == "gemini"
    assert provider_of("azure/my-deployment") == "azure"
    assert provider_of("bedrock/anthropic.claude-3-haiku") == "litellm"
    assert provider_of("vertex_ai/gemini-2.5-pro") == "litellm"
    assert provider_of("openrouter/anthropic/claude-sonnet-4.5") == "openrouter"
    assert Catalog().resolve("bedrock/anthropic.claude-3-haiku").wire_model == "bedrock/anthropic.claude-3-haiku"


def test_config_entry_inherits_catalog_facts_through_base_model_or_upstream_id():
    from turnout.config import ModelConfig, model_info_from

    cat = Catalog()
    gpt4o = cat.resolve("gpt-4o")
    east = model_info_from(ModelConfig(name="gpt-4o@east", provider="azure", model="prod-deploy", base_model="gpt-4o",
                                       api_base="https://east.example"), cat)
    assert (east.provider, east.wire_model, east.input_per_mtok, east.context_window) == (
        "azure", "prod-deploy", gpt4o.input_per_mtok, gpt4o.context_window)
    second_key = model_info_from(ModelConfig(name="gpt-4o@key2", model="gpt-4o", api_key="sk-2"), cat)
    assert second_key.provider == "openai" and second_key.wire_model == "gpt-4o"
    assert second_key.output_per_mtok == gpt4o.output_per_mtok and second_key.api_key == "sk-2"
    from turnout.errors import ConfigError

    with pytest.raises(ConfigError, match="base_model"):
        model_info_from(ModelConfig(name="x", provider="azure", base_model="no-such-model"), cat)
