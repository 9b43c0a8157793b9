"""Catalog columns of the 2026 schema (DESIGN §12): cache read/write prices, reasoning efforts, knowledge
cutoff, expiry, the Artificial Analysis intelligence/coding indexes, the alias target and the price of
image output tokens (``image_output_usd_per_m``, image models only).

Older snapshots lack these fields: their values are missing (NaN, None, NaT), never an error. The row loop
of :mod:`.frame` only looks the raw fields up; :func:`check_extra` then checks them a whole column at a time,
so a model costs no extra Python call per column. The column lists hold plain JSON values (dates as text),
so the disk cache stores them as they are; :func:`typed_column` turns each into its pandas type.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["EXTRA_COLUMNS", "EXTRA_FLOATS", "check_extra", "is_retiring", "typed_column"]

EXTRA_FLOATS = ("cache_read_usd_per_m", "cache_write_usd_per_m", "intelligence", "coding", "image_output_usd_per_m")
_PRICES = ("cache_read_usd_per_m", "cache_write_usd_per_m", "image_output_usd_per_m")
_DATES = ("knowledge_cutoff", "expires")
EXTRA_COLUMNS = ["cache_read_usd_per_m", "cache_write_usd_per_m", "reasoning_efforts", "knowledge_cutoff",
                 "expires", "intelligence", "coding", "alias_target", "image_output_usd_per_m"]
RETIRING_DAYS = 90
_NAN = float("nan")


def check_extra(cols: dict[str, list], prices: Callable[[list, float], list]) -> None:
    """Raw extra values (as looked up by the row loop) → checked plain values, in place, a column at a time.

    ``prices`` is the frame's check of a price column (texts in USD per token → USD per million), so the cache
    prices follow the same rules as the others. ``reasoning_efforts`` arrive already as tuples of strings.
    """
    for name in _PRICES:
        cols[name] = prices(cols[name], 1e6)
    for name in ("intelligence", "coding"):  # a number (not a bool); anything else is missing
        cols[name] = [float(v) if type(v) is int or type(v) is float else _NAN for v in cols[name]]
    for name in _DATES:  # "YYYY-MM-DD…" → its date as text; typed_column parses them all at once
        cols[name] = [v[:10] if type(v) is str and len(v) >= 10 and v[4] == "-" else None for v in cols[name]]
    slugs = [v.get("slug") if type(v) is dict else v for v in cols["alias_target"]]  # {"slug": …} or text
    cols["alias_target"] = [v if type(v) is str else None for v in slugs]


def typed_column(name: str, values: list) -> Any:
    """The pandas column for an extra column's plain values."""
    import numpy as np

    if name in EXTRA_FLOATS:
        return np.array(values, dtype="float64")  # None → NaN
    if name in _DATES:
        return _dates(values)
    return np.fromiter(values, dtype=object, count=len(values))  # tuples and text, each one object; None where absent


def _dates(values: list) -> Any:
    """Day texts (None where missing) → a UTC datetime column.

    numpy parses each distinct day once (a catalog repeats a few dozen cutoffs; parsing 5,000 texts, or
    None → NaT, one by one costs a millisecond and more), then every row takes its day by position.
    """
    import numpy as np
    import pandas as pd

    unique = list(dict.fromkeys(values))
    try:
        parsed = np.array(unique, dtype="datetime64[D]")  # None → NaT
    except ValueError:  # a day that does not exist ("2025-02-30"): pandas makes it NaT instead of failing
        parsed = pd.to_datetime(pd.Series(unique, dtype=object), errors="coerce", format="%Y-%m-%d")
        parsed = parsed.to_numpy().astype("datetime64[D]")
    # pd.to_datetime's unit for day texts on each major (one unit, also when every value is missing)
    unit = "us" if int(pd.__version__.split(".", 1)[0]) >= 3 else "ns"
    if unit == "ns":  # a day beyond nanoseconds' range (1677-09-22 … 2262-04-11) is missing, as pandas 2 makes it
        parsed[(parsed < np.datetime64("1677-09-22")) | (parsed > np.datetime64("2262-04-11"))] = np.datetime64("NaT")
    position = {day: i for i, day in enumerate(unique)}
    days = parsed[np.fromiter(map(position.__getitem__, values), dtype=np.intp, count=len(values))]
    return pd.DatetimeIndex(days.astype(f"datetime64[{unit}]")).tz_localize("UTC")


def is_retiring(row: Any, now: Any = None) -> bool:
    """True when the model's ``expires`` date is within :data:`RETIRING_DAYS` days (or past)."""
    import pandas as pd

    expires = row.get("expires") if hasattr(row, "get") else None
    if expires is None or pd.isna(expires):
        return False
    now = now or pd.Timestamp.now(tz="UTC")
    return pd.Timestamp(expires) - now <= pd.Timedelta(days=RETIRING_DAYS)
