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


_LAZY = {
    "__version__": "._core.version",
    "APIError": "._core.errors",
    "AuthenticationError": "._core.errors",
    "BadRequestError": "._core.errors",
    "BudgetExceeded": "._core.errors",
    "ChatResponse": "._core.types",
    "ConfigError": "._core.errors",
    "Done": "._core.types",
    "InsufficientCreditsError": "._core.errors",
    "ModerationError": "._core.errors",
    "NotFoundError": "._core.errors",
    "OpenRouter": "._client.client",
    "OpenRouterError": "._core.errors",
    "ProviderError": "._core.errors",
    "RateLimitError": "._core.errors",
    "ReasoningDelta": "._core.types",
    "StreamError": "._core.errors",
    "TextDelta": "._core.types",
    "ToolCall": "._core.types",
    "ToolCallDelta": "._core.types",
    "TransportError": "._core.errors",
    "Usage": "._core.types",
    "UsageEvent": "._core.types",
    "catalog": "._api",
    "compare": "._api",
    "ledger": "._api",
}

__all__ = sorted([*(name for name in _LAZY if name != "__version__"), "load_ipython_extension", "unload_ipython_extension"])


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
    from ._magics.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop background work of the session; the magics stay registered until restart."""
    from ._magics.magics import unload_ipython_extension as unload

    unload(ipython)
