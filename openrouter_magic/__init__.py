"""openrouter_magic — OpenRouter as a first-class citizen of the notebook.

    %load_ext openrouter_magic
    %%openrouter -m anthropic/claude-sonnet-4.5
    Explain SSE in one paragraph.

Everything is imported lazily so that ``%load_ext openrouter_magic`` stays fast and the client can be
used without IPython, pandas or ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "APIError": "._errors",
    "AuthenticationError": "._errors",
    "BadRequestError": "._errors",
    "ChatResponse": "._types",
    "ConfigError": "._errors",
    "Done": "._types",
    "InsufficientCreditsError": "._errors",
    "ModerationError": "._errors",
    "NotFoundError": "._errors",
    "OpenRouter": "._client",
    "OpenRouterError": "._errors",
    "ProviderError": "._errors",
    "RateLimitError": "._errors",
    "ReasoningDelta": "._types",
    "StreamError": "._errors",
    "TextDelta": "._types",
    "ToolCall": "._types",
    "ToolCallDelta": "._types",
    "TransportError": "._errors",
    "Usage": "._types",
    "UsageEvent": "._types",
    "catalog": "._api",
    "compare": "._api",
    "ledger": "._api",
}

__all__ = sorted([*_LAZY, "load_ipython_extension", "unload_ipython_extension"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'openrouter_magic' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%openrouter`` and ``%openrouter`` (loading twice is harmless)."""
    from ._magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop background work of the session; the magics stay registered until restart."""
    from ._magics import unload_ipython_extension as unload

    unload(ipython)
