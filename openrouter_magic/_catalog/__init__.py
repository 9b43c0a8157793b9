"""The model catalog (pandas, imported lazily): payload → frame, filters, suggestions, the cache file,
the one model-price lookup and the table view."""

from .._core import lazy_exports

_EXPORTS = {
    "filter_models": ".frame",
    "parse_price": ".frame",
    "suggest_models": ".frame:suggest",
    "catalog_row": ".prices",
    "CatalogStore": ".store",
    "badges": ".view",
    "display_frame": ".view",
    "format_context": ".view",
    "format_price": ".view",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
