"""OpenAI-compatible hosts by name, and Azure OpenAI.

LiteLLM's prefixes pick the endpoint and the key variable, so ``groq/llama-3.3-70b-versatile``
works with only ``GROQ_API_KEY`` set, as it does under LiteLLM:

    prefix         endpoint (override: api_base or <PREFIX>_API_BASE)      key variable
    gemini         generativelanguage.googleapis.com/v1beta/openai         GEMINI_API_KEY (GOOGLE_API_KEY)
    mistral        api.mistral.ai/v1                                       MISTRAL_API_KEY
    groq           api.groq.com/openai/v1                                  GROQ_API_KEY
    together_ai    api.together.xyz/v1                                     TOGETHER_API_KEY (TOGETHERAI_API_KEY)
    openrouter     openrouter.ai/api/v1                                    OPENROUTER_API_KEY
    hosted_vllm    (none: api_base or HOSTED_VLLM_API_BASE)                HOSTED_VLLM_API_KEY, optional
    lm_studio      localhost:1234/v1                                       LM_STUDIO_API_KEY, optional

Gemini is reached through Google's OpenAI-compatible endpoint: same wire format, so tools,
streaming and usage work as for OpenAI. Azure OpenAI addresses a *deployment* (the model id
here is the deployment name), takes ``api-version`` as a query parameter and the key in an
``api-key`` header. Bedrock and Vertex AI go through LiteLLM (``bedrock/...``, ``vertex_ai/...``).
"""

from __future__ import annotations

from urllib.parse import quote

from turnout.errors import AuthenticationError, ConfigError
from turnout.providers.hosts import (
    AZURE_BASE_VARS,
    AZURE_DEFAULT_API_VERSION,
    AZURE_KEY_VARS,
    PRESETS,
    first_env,
)
from turnout.providers.openai import OpenAIProvider
from turnout.settings import env


class PresetProvider(OpenAIProvider):
    """An OpenAI-compatible host with a known endpoint and key variable."""

    def _endpoint(self) -> tuple[str, dict[str, str]]:
        kind = self.info.provider
        preset = PRESETS.get(kind)
        if preset is None:
            raise ConfigError(f"no preset for provider {kind!r}")
        base = self.info.api_base or env(preset.base_var) or preset.base
        if not base:
            raise ConfigError(f"{self.name}: set {preset.base_var} or the model's api_base", model=self.name)
        key = self.info.api_key or first_env(preset.key_vars)
        headers: dict[str, str] = dict(self.info.extra.get("headers") or {})
        if key:
            headers["authorization"] = f"Bearer {key}"
        elif preset.key_required:
            raise AuthenticationError(f"no API key for {self.name}: set {preset.key_vars[0]} (environment or .env) "
                                      "or api_key for the model", provider=kind, model=self.name)
        return base.rstrip("/") + "/chat/completions", headers


class AzureOpenAIProvider(OpenAIProvider):
    """Azure OpenAI: ``{api_base}/openai/deployments/{deployment}/chat/completions?api-version=``."""

    def _endpoint(self) -> tuple[str, dict[str, str]]:
        base = self.info.api_base or first_env(AZURE_BASE_VARS)
        if not base:
            raise ConfigError(f"{self.name}: set AZURE_API_BASE or the model's api_base", model=self.name)
        key = self.info.api_key or first_env(AZURE_KEY_VARS)
        if not key:
            raise AuthenticationError(f"no Azure OpenAI key for {self.name}: set AZURE_API_KEY or api_key for the model",
                                      provider="azure", model=self.name)
        version = str(self.info.extra.get("api_version") or env("AZURE_API_VERSION") or AZURE_DEFAULT_API_VERSION)
        headers: dict[str, str] = dict(self.info.extra.get("headers") or {})
        headers["api-key"] = key
        deployment = quote(self.info.wire_model, safe="")
        url = f"{base.rstrip('/')}/openai/deployments/{deployment}/chat/completions?api-version={quote(version)}"
        return url, headers
