"""The endpoints and key variables of the OpenAI-compatible hosts turnout knows by prefix, and
whether one can be called here. No heavy imports: routing asks this for every model at start.
The adapters are in ``providers/presets.py``."""

from __future__ import annotations

from dataclasses import dataclass

from turnout.settings import env


@dataclass(frozen=True, slots=True)
class Preset:
    base: str | None
    key_vars: tuple[str, ...]
    base_var: str
    key_required: bool = True


PRESETS: dict[str, Preset] = {
    "gemini": Preset("https://generativelanguage.googleapis.com/v1beta/openai", ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
                     "GEMINI_API_BASE"),
    "mistral": Preset("https://api.mistral.ai/v1", ("MISTRAL_API_KEY",), "MISTRAL_API_BASE"),
    "groq": Preset("https://api.groq.com/openai/v1", ("GROQ_API_KEY",), "GROQ_API_BASE"),
    "together_ai": Preset("https://api.together.xyz/v1", ("TOGETHER_API_KEY", "TOGETHERAI_API_KEY"),
                          "TOGETHER_API_BASE"),
    "openrouter": Preset("https://openrouter.ai/api/v1", ("OPENROUTER_API_KEY",), "OPENROUTER_API_BASE"),
    "hosted_vllm": Preset(None, ("HOSTED_VLLM_API_KEY",), "HOSTED_VLLM_API_BASE", key_required=False),
    "lm_studio": Preset("http://localhost:1234/v1", ("LM_STUDIO_API_KEY",), "LM_STUDIO_API_BASE", key_required=False),
}

AZURE_DEFAULT_API_VERSION = "2024-10-21"
AZURE_BASE_VARS = ("AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT")
AZURE_KEY_VARS = ("AZURE_API_KEY", "AZURE_OPENAI_API_KEY")


def first_env(names: tuple[str, ...]) -> str | None:
    for name in names:
        value = env(name)
        if value:
            return value
    return None


def preset_available(kind: str, api_base: str | None, api_key: str | None) -> tuple[bool, str | None]:
    """Whether a preset model can be called here (cheap: environment only)."""
    if kind == "gemini_native":
        if api_key or first_env(("GEMINI_API_KEY", "GOOGLE_API_KEY")):
            return True, None
        return False, "GEMINI_API_KEY is not set"
    if kind == "azure":
        if not (api_base or first_env(AZURE_BASE_VARS)):
            return False, "AZURE_API_BASE is not set (or give the model an api_base)"
        if not (api_key or first_env(AZURE_KEY_VARS)):
            return False, "AZURE_API_KEY is not set"
        return True, None
    preset = PRESETS[kind]
    if not (api_base or env(preset.base_var) or preset.base):
        return False, f"{preset.base_var} is not set (or give the model an api_base)"
    if preset.key_required and not (api_key or first_env(preset.key_vars)):
        return False, f"{preset.key_vars[0]} is not set"
    return True, None
