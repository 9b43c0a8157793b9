"""The magics: ``%%openrouter`` and ``%openrouter`` — parse, call the session, render (thin)."""

from .._core import lazy_exports

_EXPORTS = {
    "OpenRouterMagics": ".magics",
    "load_ipython_extension": ".magics",
    "unload_ipython_extension": ".magics",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
