"""The model catalog: ``GET /models`` payload → one pandas DataFrame row per model, and its filters.

Prices arrive as decimal strings in USD per token (``"0.000003"``); the frame holds USD per million
tokens (``3.0``). Dynamic prices (``"-1"``, the routers), malformed or negative values become NaN,
never a negative number. Fields missing in older schemas become missing values, never a crash.

    >>> df = models_to_frame(payload["data"])
    >>> filter_models(df, search="claude sonnet", tools=True, sort="price", limit=5)

Suggestions for unknown ids live in :mod:`._catalog_suggest`; the disk cache in :mod:`._catalog_store`;
the readable display in :mod:`._catalog_view`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._catalog_filter import SORTS, filter_models
from ._catalog_suggest import suggest

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["COLUMNS", "SORTS", "build_frame", "filter_models", "models_to_columns", "models_to_frame",
           "parse_price", "suggest"]

COLUMNS = [
    "id", "name", "author", "context_length", "max_completion_tokens", "prompt_usd_per_m",
    "completion_usd_per_m", "request_usd", "image_usd", "input_modalities", "output_modalities",
    "supported_parameters", "is_free", "is_moderated", "tokenizer", "created",
]

_STR = ("id", "name", "author", "tokenizer")
_INT = ("context_length", "max_completion_tokens")
_FLOAT = ("prompt_usd_per_m", "completion_usd_per_m", "request_usd", "image_usd")
_TUPLE = ("input_modalities", "output_modalities", "supported_parameters")
_NAN = float("nan")


def parse_price(value: Any, scale: float = 1.0) -> float:
    """A price as a float times ``scale``; NaN for dynamic (``"-1"``), negative, malformed or absent."""
    if isinstance(value, str):
        try:
            # Shifting the decimal exponent in the text keeps "0.000003" → exactly 3.0 (no 2.9999…).
            number = float(value + "e6") if scale == 1e6 else float(value) * scale
        except ValueError:
            try:
                number = float(value) * scale
            except ValueError:
                return _NAN
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value * scale
    else:
        return _NAN
    return number if number >= 0 and number != math.inf else _NAN


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return None


def _modalities(arch: dict, key: str, side: int) -> tuple[str, ...] | None:
    """``input_modalities``/``output_modalities``; older schemas only have ``"text+image->text"``."""
    found = _strings(arch.get(key))
    if found is not None:
        return found
    modality = arch.get("modality")
    if isinstance(modality, str) and "->" in modality:
        return tuple(part for part in modality.split("->")[side].split("+") if part)
    return None


def _author(model_id: str) -> str | None:
    if "/" not in model_id:
        return None
    return model_id.split("/", 1)[0].lstrip("~") or None


def _append(cols: dict[str, list], m: dict) -> None:
    """One model dict → one value in every column list (the hot loop: keep it flat)."""
    model_id = m["id"]
    pricing = m.get("pricing")
    pricing = pricing if isinstance(pricing, dict) else {}
    arch = m.get("architecture")
    arch = arch if isinstance(arch, dict) else {}
    top = m.get("top_provider")
    top = top if isinstance(top, dict) else {}
    prompt = parse_price(pricing.get("prompt"), 1e6)
    completion = parse_price(pricing.get("completion"), 1e6)
    name = m.get("name")
    cols["id"].append(model_id)
    cols["name"].append(name if isinstance(name, str) else None)
    cols["author"].append(_author(model_id))
    cols["context_length"].append(_int_or_none(m.get("context_length")))
    cols["max_completion_tokens"].append(_int_or_none(top.get("max_completion_tokens")))
    cols["prompt_usd_per_m"].append(prompt)
    cols["completion_usd_per_m"].append(completion)
    cols["request_usd"].append(parse_price(pricing.get("request")))
    cols["image_usd"].append(parse_price(pricing.get("image")))
    cols["input_modalities"].append(_modalities(arch, "input_modalities", 0))
    cols["output_modalities"].append(_modalities(arch, "output_modalities", 1))
    cols["supported_parameters"].append(_strings(m.get("supported_parameters")))
    cols["is_free"].append(model_id.endswith(":free") or (prompt == 0 and completion == 0))
    moderated = top.get("is_moderated")
    cols["is_moderated"].append(moderated if isinstance(moderated, bool) else None)
    tokenizer = arch.get("tokenizer")
    cols["tokenizer"].append(tokenizer if isinstance(tokenizer, str) else None)
    created = m.get("created")
    ok = isinstance(created, (int, float)) and not isinstance(created, bool) and created > 0
    cols["created"].append(created if ok else None)


def models_to_columns(models: Iterable[dict]) -> dict[str, list]:
    """Raw model dicts → one plain Python list per column (what the disk cache stores).

    Entries that are not objects or have no string ``id`` are skipped (they cannot be used anyway).
    """
    cols: dict[str, list] = {name: [] for name in COLUMNS}
    for m in models:
        if isinstance(m, dict) and isinstance(m.get("id"), str):
            _append(cols, m)
    return cols


def models_to_frame(models: Iterable[dict]) -> pandas.DataFrame:
    """Raw model dicts (``payload["data"]``) → the catalog DataFrame with :data:`COLUMNS` in order."""
    return build_frame(models_to_columns(models))


def build_frame(cols: dict[str, list]) -> pandas.DataFrame:
    """Column lists (as built by the conversion, or read back from the disk cache) → typed frame.

    ``created`` is given in unix seconds; the tuple columns may hold lists (JSON) or None.
    """
    import numpy as np
    import pandas as pd

    n = len(cols["id"])
    data: dict[str, Any] = {}
    for name in COLUMNS:
        values = cols[name]
        if name in _STR:
            data[name] = pd.array(values, dtype="str")
        elif name in _INT:
            data[name] = pd.array(values, dtype="Int64")
        elif name in _FLOAT:
            data[name] = np.array([_NAN if v is None else v for v in values], dtype="float64")
        elif name in _TUPLE:
            column = np.empty(n, dtype=object)
            column[:] = [tuple(v) if isinstance(v, list) else v for v in values]
            data[name] = column
        elif name == "is_free":
            data[name] = np.array(values, dtype=bool)
        elif name == "is_moderated":
            data[name] = pd.array(values, dtype="boolean")
        else:
            seconds = np.array([_NAN if v is None else v for v in values], dtype="float64")
            data[name] = pd.to_datetime(seconds, unit="s", utc=True).as_unit("s")
    return pd.DataFrame(data, columns=COLUMNS)
