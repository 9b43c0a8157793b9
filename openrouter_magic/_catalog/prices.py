"""The one model-price lookup: a model id → its catalog row (exact id, else its base without the variant)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas

__all__ = ["catalog_row"]


def catalog_row(catalog: pandas.DataFrame | Mapping[str, Any] | None, model: str) -> dict[str, Any] | None:
    """The catalog row of ``model`` as a dict (exact id, else without its ``:variant`` unless ``:free``);
    None when absent.

    ``catalog`` is the catalog DataFrame (column ``id``) or a mapping of id → row dict.
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
            return match.iloc[0].to_dict()
    return None
