"""The one model-price lookup: a model id → its catalog row (exact id, else its base without the variant)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas

__all__ = ["catalog_row"]


def catalog_row(catalog: pandas.DataFrame | Mapping[str, Any] | None, model: str) -> dict[str, Any] | None:
    """The catalog row of ``model`` as a dict (exact id, else without its ``:variant`` unless ``:free``);
    None when absent.

    ``catalog`` is the catalog DataFrame (column ``id``) or a mapping of id → row dict. Values of a frame's
    row are plain Python: missing prices and counts (NaN, ``<NA>``) are None, numpy numbers are floats/ints.
    """
    if catalog is None or not model:
        return None
    base, _, variant = model.partition(":")
    # a :free id is never priced from its paid base model
    candidates = (model, base) if variant and variant != "free" else (model,)
    for candidate in candidates:
        if isinstance(catalog, Mapping):
            row = catalog.get(candidate)
            if row is not None:
                return dict(row)
            continue
        match = catalog[catalog["id"] == candidate]
        if len(match):
            return {name: _plain(value) for name, value in match.iloc[0].to_dict().items()}
    return None


def _plain(value: Any) -> Any:
    """None for a missing scalar (NaN, ``pd.NA``, ``NaT``); a numpy number as its Python number."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "item") and not isinstance(value, (tuple, list)):
        value = value.item()  # numpy scalars; a datetime Timestamp has no .item() worth calling
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
