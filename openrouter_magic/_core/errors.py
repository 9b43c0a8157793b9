"""The one exception hierarchy of openrouter_magic.

    OpenRouterError
     ├── ConfigError              no key, bad base URL, bad setting
     ├── TransportError           connection refused/reset, timeouts, no byte received
     ├── StreamError              the stream broke after it started (.partial holds what arrived)
     ├── BudgetExceeded           the session budget refused a call, or stopped its stream (.partial)
     └── APIError                 OpenRouter answered with an error body (.status .code .message .metadata)
          ├── BadRequestError            400 (also 413, 422)
          ├── AuthenticationError        401
          ├── InsufficientCreditsError   402
          ├── ModerationError            403
          ├── NotFoundError              404
          ├── RateLimitError             429
          └── ProviderError              408, 5xx

No message, ``str`` or ``repr`` of these ever contains the API key: constructors run every
text through :func:`openrouter_magic._core.config.redact` with the keys currently known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import redact

if TYPE_CHECKING:  # pragma: no cover
    from .types import ChatResponse

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceeded",
    "ConfigError",
    "InsufficientCreditsError",
    "ModerationError",
    "NotFoundError",
    "OpenRouterError",
    "ProviderError",
    "RateLimitError",
    "StreamError",
    "TransportError",
    "error_for_status",
]


class OpenRouterError(Exception):
    """Base of every error raised by openrouter_magic."""

    def __init__(self, message: str) -> None:
        self.message = redact(str(message))
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigError(OpenRouterError):
    """Settings are missing or invalid (for example: no API key)."""


class TransportError(OpenRouterError):
    """The HTTP exchange failed below the API: refused, reset, timed out."""


class StreamError(OpenRouterError):
    """A stream failed after it started; ``partial`` is the response so far."""

    def __init__(
        self,
        message: str,
        partial: ChatResponse | None = None,
        *,
        code: int | str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.partial = partial
        self.code = code
        self.metadata = metadata or {}


class BudgetExceeded(OpenRouterError):
    """The budget refused a call before sending (``partial`` None) or stopped its stream (``partial`` = the
    text so far)."""

    def __init__(self, message: str, partial: ChatResponse | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class APIError(OpenRouterError):
    """OpenRouter answered with an error: ``status``, ``code``, ``message``, ``metadata``."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | str | None = None,
        metadata: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code if code is not None else status
        self.metadata = metadata or {}
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, message={self.message!r})"


class BadRequestError(APIError):
    """400 (also 413 and 422): the request was invalid, e.g. an unknown model id."""


class AuthenticationError(APIError):
    """401: the key is missing, invalid or disabled."""


class InsufficientCreditsError(APIError):
    """402: the account or key has not enough credits for this request."""


class ModerationError(APIError):
    """403: the input was flagged by moderation or a guardrail."""


class NotFoundError(APIError):
    """404: no such model, endpoint, route or generation."""


class RateLimitError(APIError):
    """429: rate limited, by OpenRouter or the upstream provider."""


class ProviderError(APIError):
    """408 or 5xx: the provider or OpenRouter failed or timed out."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: ModerationError,
    404: NotFoundError,
    408: ProviderError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIError]:
    """The APIError subclass for an HTTP status (5xx → ProviderError; other → APIError)."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 500 <= status <= 599:
        return ProviderError
    return APIError
