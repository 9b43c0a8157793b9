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


# Each name comes from its folder's seam on first use. Not through _core.lazy: importing the package alone
# (``openrouter_magic.testing``, the emulator, does) must load no other module of it.
_LAZY = {
    "__version__": "._core",
    "APIError": "._core",
    "AuthenticationError": "._core",
    "BadRequestError": "._core",
    "BudgetExceeded": "._core",
    "ChatResponse": "._core",
    "ConfigError": "._core",
    "Done": "._core",
    "InsufficientCreditsError": "._core",
    "ModerationError": "._core",
    "NotFoundError": "._core",
    "OpenRouter": "._client",
    "OpenRouterError": "._core",
    "ProviderError": "._core",
    "RateLimitError": "._core",
    "ReasoningDelta": "._core",
    "StreamError": "._core",
    "TextDelta": "._core",
    "ToolCall": "._core",
    "ToolCallDelta": "._core",
    "TransportError": "._core",
    "Usage": "._core",
    "UsageEvent": "._core",
    "ask": "._session",
    "catalog": "._api",
    "compare": "._api",
    "ledger": "._api",
    "map_rows": "._session",
    "embed": "._session",
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
    from ._magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop background work of the session; the magics stay registered until restart."""
    from ._magics import unload_ipython_extension as unload

    unload(ipython)
