"""Every error turnout raises, in one hierarchy, and the one place HTTP statuses map to it.

    TurnoutError
    ├── ConfigError                      bad turnout.yaml / arguments (not an HTTP error)
    ├── BadRequestError          400     malformed messages, bad parameter
    │   └── ContextWindowExceededError   prompt + max_tokens larger than the model's window
    ├── AuthenticationError      401     missing or wrong key (ours or the provider's)
    ├── PermissionDeniedError    403     key not allowed this model / sensitivity
    ├── NotFoundError            404     unknown model
    ├── RequestTooLargeError     413
    ├── RateLimitError           429     carries ``retry_after`` (seconds)
    │   └── BudgetExceededError          a budget is spent
    ├── ProviderError            502     the upstream answered with an error we cannot fix
    │   ├── ProviderUnavailableError 503 refused, down, 5xx, cooling down
    │   ├── TimeoutError         504
    │   └── ConfidentialityError 503     no local model can take a confidential request
    └── ModelIntegrityError              the embedded model file is missing or corrupt

Provider errors carry the provider name, the model and the raw response body, so a user can
see what the upstream really said. ``retryable`` tells the fallback layer whether the same
model may succeed on a second try.
"""

from __future__ import annotations

from typing import Any


class TurnoutError(Exception):
    status_code: int = 500
    error_type: str = "api_error"
    code: str | None = None
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        param: str | None = None,
        raw: Any = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.model = model
        self.param = param
        self.raw = raw
        if code is not None:
            self.code = code

    def to_openai(self) -> dict[str, Any]:
        """The OpenAI error body: ``{"error": {"message", "type", "param", "code"}}``."""
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


class ConfigError(TurnoutError):
    status_code = 500
    error_type = "config_error"


class BadRequestError(TurnoutError):
    status_code = 400
    error_type = "invalid_request_error"


class ContextWindowExceededError(BadRequestError):
    code = "context_length_exceeded"


class AuthenticationError(TurnoutError):
    status_code = 401
    error_type = "authentication_error"
    code = "invalid_api_key"


class PermissionDeniedError(TurnoutError):
    status_code = 403
    error_type = "permission_error"


class NotFoundError(TurnoutError):
    status_code = 404
    error_type = "invalid_request_error"
    code = "model_not_found"


class RequestTooLargeError(TurnoutError):
    status_code = 413
    error_type = "invalid_request_error"
    code = "request_too_large"


class RateLimitError(TurnoutError):
    status_code = 429
    error_type = "rate_limit_error"
    code = "rate_limit_exceeded"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class BudgetExceededError(RateLimitError):
    code = "budget_exceeded"
    retryable = False


class ProviderError(TurnoutError):
    status_code = 502
    error_type = "upstream_error"
    retryable = False


class ProviderUnavailableError(ProviderError):
    status_code = 503
    error_type = "service_unavailable"
    retryable = True


class TimeoutError(ProviderError):
    status_code = 504
    error_type = "timeout"
    retryable = True


class ConfidentialityError(ProviderError):
    """Fail closed: a confidential request and no local model able to take it."""

    status_code = 503
    error_type = "confidentiality_error"
    code = "no_local_model"
    retryable = False


class ModelIntegrityError(TurnoutError):
    error_type = "model_integrity_error"


_BY_STATUS: dict[int, type[TurnoutError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: TimeoutError,
    413: RequestTooLargeError,
    422: BadRequestError,
    429: RateLimitError,
    504: TimeoutError,
}

_CONTEXT_MARKERS = (
    "context_length_exceeded",
    "maximum context length",
    "context window",
    "prompt is too long",
    "too many tokens",
    "exceed context window",
    "context length",  # Ollama: "the input length exceeds the context length"
)


def error_from_status(
    status: int,
    message: str,
    *,
    provider: str,
    model: str | None = None,
    raw: Any = None,
    retry_after: float | None = None,
    code: str | None = None,
) -> TurnoutError:
    """Map an upstream HTTP status (and body hints) to our hierarchy. The one boundary."""
    text = f"{message} {code or ''}".lower()
    kw: dict[str, Any] = {"provider": provider, "model": model, "raw": raw}
    if status in (400, 413, 422) and any(m in text for m in _CONTEXT_MARKERS):
        return ContextWindowExceededError(message, **kw)
    if status == 429 or status == 529:  # 529 = Anthropic "overloaded"
        if status == 429 and ("quota" in text or "billing" in text or "insufficient" in text):
            return BudgetExceededError(message, retry_after=retry_after, **kw)
        if status == 529:
            return ProviderUnavailableError(message, **kw)
        return RateLimitError(message, retry_after=retry_after, **kw)
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls(message, **kw)
    if status >= 500:
        return ProviderUnavailableError(message, **kw)
    return ProviderError(f"HTTP {status}: {message}", **kw)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` seconds (the HTTP-date form is rare from LLM APIs; ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
