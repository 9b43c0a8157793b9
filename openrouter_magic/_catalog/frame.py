"""The model catalog: ``GET /models`` payload → one pandas DataFrame row per model, and its filters.

Prices arrive as decimal strings in USD per token (``"0.000003"``); the frame holds USD per million
tokens (``3.0``). Dynamic prices (``"-1"``, the routers), malformed or negative values become NaN,
never a negative number. Fields missing in older schemas become missing values, never a crash.
Lists (modalities, supported parameters) are tuples, so a cached frame cannot be changed in place;
``created`` is a UTC datetime; counts are nullable integers (``Int64``).

    >>> df = models_to_frame(payload["data"])
    >>> filter_models(df, search="claude sonnet", tools=True, sort="price", limit=5)

Suggestions for unknown ids live in :mod:`.suggest`; the disk cache in :mod:`.store`; the readable display
in :mod:`.view`; the one model-price lookup in :mod:`.prices`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .columns_extra import EXTRA_COLUMNS, check_extra, typed_column
from .filter import SORTS, filter_models
from .suggest import suggest

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["COLUMNS", "SORTS", "build_frame", "filter_models", "models_to_columns", "models_to_frame", "parse_price",
           "suggest"]

COLUMNS = [
    "id", "name", "author", "context_length", "max_completion_tokens", "prompt_usd_per_m",
    "completion_usd_per_m", "request_usd", "image_usd", "input_modalities", "output_modalities",
    "supported_parameters", "is_free", "is_moderated", "tokenizer", "created",
] + EXTRA_COLUMNS  # cache prices, reasoning efforts, cutoff, expiry, indexes, alias target (columns_extra.py)

_STR = ("id", "name", "author", "tokenizer")
_INT = ("context_length", "max_completion_tokens")
_FLOAT = ("prompt_usd_per_m", "completion_usd_per_m", "request_usd", "image_usd")
_TUPLE = ("input_modalities", "output_modalities", "supported_parameters")
_NAN = float("nan")
_INF = math.inf


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
    if type(value) is int:
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, (list, tuple)):
        found = tuple(value)
        try:
            "".join(found)  # proves in C that every item is a string: the common case stays cheap
        except TypeError:
            return tuple(v for v in found if isinstance(v, str))
        return found
    return None


def _modality(arch: dict, side: int) -> tuple[str, ...] | None:
    """Older schemas have no ``input_modalities``/``output_modalities``, only ``"text+image->text"``."""
    modality = arch.get("modality")
    if isinstance(modality, str) and "->" in modality:
        return tuple(part for part in modality.split("->")[side].split("+") if part)
    return None


def _author(model_id: str) -> str | None:
    author, slash, _ = model_id.partition("/")
    return (author.lstrip("~") or None) if slash else None


_EMPTY: dict = {}
_SEQUENCES = (list, tuple)


def _row(m: dict) -> tuple:
    """One model dict → its values in :data:`COLUMNS` order (the hot loop: mostly look-ups and few calls).

    Prices, counts and the extra columns stay raw here: they are checked a whole column at a time afterwards
    (:func:`_check`, ``check_extra``), which costs less than a Python call per value.
    """
    model_id = m["id"]
    pricing, arch, top = m.get("pricing"), m.get("architecture"), m.get("top_provider")
    pricing = pricing if type(pricing) is dict else _EMPTY
    arch = arch if type(arch) is dict else _EMPTY
    top = top if type(top) is dict else _EMPTY
    inputs, outputs = arch.get("input_modalities"), arch.get("output_modalities")
    name, tokenizer, moderated = m.get("name"), arch.get("tokenizer"), top.get("is_moderated")
    created, reasoning, benchmarks = m.get("created"), m.get("reasoning"), m.get("benchmarks")
    analysis = benchmarks.get("artificial_analysis") if type(benchmarks) is dict else None
    analysis = analysis if type(analysis) is dict else _EMPTY
    return (
        model_id, name if type(name) is str else None, _author(model_id),
        m.get("context_length"), top.get("max_completion_tokens"),
        pricing.get("prompt"), pricing.get("completion"), pricing.get("request"), pricing.get("image"),
        _strings(inputs) if type(inputs) in _SEQUENCES else _modality(arch, 0),
        _strings(outputs) if type(outputs) in _SEQUENCES else _modality(arch, 1),
        _strings(m.get("supported_parameters")), None,  # is_free: from the checked prices
        moderated if type(moderated) is bool else None, tokenizer if type(tokenizer) is str else None,
        created if type(created) in (int, float) and created > 0 else None,
        # EXTRA_COLUMNS:
        pricing.get("input_cache_read"), pricing.get("input_cache_write"),
        _strings(reasoning.get("supported_efforts")) if type(reasoning) is dict else None,
        m.get("knowledge_cutoff"), m.get("expiration_date"),
        analysis.get("intelligence_index"), analysis.get("coding_index"),
        m.get("alias_target"), pricing.get("image_output"),
    )


def _prices(values: list, scale: float) -> list[float]:
    """:func:`parse_price` over a column; decimal texts (the usual case) without a Python call per value."""
    if scale != 1e6:
        return [_NAN if v is None else parse_price(v, scale) for v in values]
    try:
        numbers = [float(v + "e6") if type(v) is str else _NAN if v is None else parse_price(v, scale) for v in values]
    except ValueError:  # a text with its own exponent, or malformed: the careful parser for the column
        return [parse_price(v, scale) for v in values]
    return [x if 0 <= x < _INF else _NAN for x in numbers]  # "-1" (dynamic) and negatives → NaN


def _check(cols: dict[str, list]) -> None:
    """Raw column values → checked plain values (in place), a whole column per comprehension."""
    for name in _FLOAT:
        cols[name] = _prices(cols[name], 1e6 if name.endswith("_per_m") else 1.0)
    for name in _INT:
        cols[name] = [v if type(v) is int and v >= 0 else None if v is None else _int_or_none(v) for v in cols[name]]
    cols["is_free"] = [model_id.endswith(":free") or (prompt == 0 and completion == 0) for model_id, prompt, completion
                       in zip(cols["id"], cols["prompt_usd_per_m"], cols["completion_usd_per_m"])]
    check_extra(cols, _prices)


def models_to_columns(models: Iterable[dict]) -> dict[str, list]:
    """Raw model dicts → one plain Python list per column (what the disk cache stores).

    Entries that are not objects or have no string ``id`` are skipped (they cannot be used anyway).
    One pass over the payload looks the values up; the checks then run a column at a time.
    """
    rows = [_row(m) for m in models if type(m) is dict and type(m.get("id")) is str]
    if not rows:
        return {name: [] for name in COLUMNS}
    cols = {name: list(values) for name, values in zip(COLUMNS, zip(*rows))}
    _check(cols)
    return cols


def models_to_frame(models: Iterable[dict]) -> pandas.DataFrame:
    """Raw model dicts (``payload["data"]``) → the catalog DataFrame with :data:`COLUMNS` in order."""
    return build_frame(models_to_columns(models))


def build_frame(cols: dict[str, list]) -> pandas.DataFrame:
    """Column lists (as built by the conversion, or read back from the disk cache) → typed frame.

    ``created`` is given in unix seconds; missing values are None (NaN also accepted for floats).
    """
    import numpy as np
    import pandas as pd

    data: dict[str, Any] = {}
    for name in COLUMNS:
        values = cols[name]
        if name in EXTRA_COLUMNS:
            data[name] = typed_column(name, values)
        elif name in _STR:
            data[name] = _text(values)
        elif name in _INT:
            data[name] = _masked(pd.arrays.IntegerArray, values, np.int64, 0)
        elif name in _FLOAT:
            data[name] = np.array(values, dtype="float64")  # None → NaN
        elif name in _TUPLE:  # fromiter keeps each tuple whole, as one object (and is faster than a slice)
            data[name] = np.fromiter(values, dtype=object, count=len(values))
        elif name == "is_free":
            data[name] = np.array(values, dtype=bool)
        elif name == "is_moderated":
            data[name] = _masked(pd.arrays.BooleanArray, values, bool, False)
        else:  # whole seconds since the epoch; None/NaN → NaT
            seconds = np.array(values, dtype="float64").astype("datetime64[s]")
            data[name] = pd.DatetimeIndex(seconds).tz_localize("UTC")
    return pd.DataFrame(data)


def _text(values: list) -> Any:
    """A text column whose missing values are missing, not the string "None" (pandas 2 ``str`` does that)."""
    import numpy as np
    import pandas as pd

    if int(pd.__version__.split(".", 1)[0]) >= 3:
        return pd.array(values, dtype="str")
    return np.fromiter(values, dtype=object, count=len(values))  # pandas 2's text columns are object columns


def _masked(array_type: Any, values: list, dtype: Any, fill: Any) -> Any:
    """A nullable pandas array (Int64, boolean) from a list holding None for missing values."""
    import numpy as np

    raw = np.array(values, dtype=object)
    mask = np.equal(raw, None)
    return array_type(np.where(mask, fill, raw).astype(dtype), mask)
