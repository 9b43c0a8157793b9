"""The magics: ``%%openrouter`` and ``%openrouter`` — parse, call the session, render (thin)."""

from .._core import exports_table, lazy_exports

_EXPORTS = exports_table("""
    .magics  OpenRouterMagics load_ipython_extension unload_ipython_extension
""")
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
