"""The ground floor, stdlib only: the error tree, the types of answers and stream events, settings,
the one money formatter, and the lazy re-exports the other folders' seams use. Everything above imports
these names from here."""

from .config import DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_WAIT, DEFAULT_MODEL, DEFAULT_READ_TIMEOUT, Setting, api_key_setting, base_url_setting, magic_home, mask_key, redact, referer_setting, register_secret, resolve, title_setting
from .errors import APIError, AuthenticationError, BadRequestError, BudgetExceeded, ConfigError, InsufficientCreditsError, ModerationError, NotFoundError, OpenRouterError, ProviderError, RateLimitError, StreamError, TransportError, error_for_status
from .lazy import exports_table, lazy_exports
from .jsonfile import read_json_object, write_json_object
from .money import cost_text, usd
from .version import __version__
from .types import ChatResponse, Done, Image, ReasoningDelta, StreamEvent, TextDelta, ToolCall, ToolCallDelta, Usage, UsageEvent

__all__ = [
    "exports_table",
    "read_json_object",
    "write_json_object",
    "__version__",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceeded",
    "ChatResponse",
    "ConfigError",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_WAIT",
    "DEFAULT_MODEL",
    "DEFAULT_READ_TIMEOUT",
    "Done",
    "Image",
    "InsufficientCreditsError",
    "ModerationError",
    "NotFoundError",
    "OpenRouterError",
    "ProviderError",
    "RateLimitError",
    "ReasoningDelta",
    "Setting",
    "StreamError",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "TransportError",
    "Usage",
    "UsageEvent",
    "api_key_setting",
    "base_url_setting",
    "cost_text",
    "error_for_status",
    "lazy_exports",
    "magic_home",
    "mask_key",
    "redact",
    "referer_setting",
    "register_secret",
    "resolve",
    "title_setting",
    "usd",
]
