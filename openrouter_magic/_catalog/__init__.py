"""The model catalog (pandas, imported lazily): payload → frame, filters, suggestions, the cache file,
the one model-price lookup and the table view."""

from .._core import exports_table, lazy_exports

_EXPORTS = exports_table("""
    .frame   filter_models parse_price suggest_models=suggest
    .prices  catalog_row
    .store   CatalogStore
    .view    badges display_frame format_context format_price
""")
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
