"""Catalog columns of the 2026 schema (DESIGN §12): cache read/write prices, reasoning efforts, knowledge
cutoff, expiry, the Artificial Analysis intelligence/coding indexes, the alias target and the price of
image output tokens (``image_output_usd_per_m``, image models only).

Older snapshots lack these fields: their values are missing (NaN, None, NaT), never an error. The column
lists hold plain JSON values (dates as text), so the disk cache stores them as they are; :func:`typed_column`
turns each into its pandas type.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXTRA_COLUMNS", "EXTRA_FLOATS", "extra_values", "is_retiring", "typed_column"]

EXTRA_FLOATS = ("cache_read_usd_per_m", "cache_write_usd_per_m", "intelligence", "coding", "image_output_usd_per_m")
_DATES = ("knowledge_cutoff", "expires")
EXTRA_COLUMNS = ["cache_read_usd_per_m", "cache_write_usd_per_m", "reasoning_efforts", "knowledge_cutoff",
                 "expires", "intelligence", "coding", "alias_target", "image_output_usd_per_m"]
RETIRING_DAYS = 90


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _missing_nan(value: float) -> float | None:
    return None if value != value else value


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 and value[4] == "-" else None


def extra_values(m: dict, pricing: dict, parse_price: Any) -> tuple:
    """One model dict → its values in :data:`EXTRA_COLUMNS` order."""
    reasoning = m.get("reasoning")
    efforts = reasoning.get("supported_efforts") if isinstance(reasoning, dict) else None
    benchmarks = m.get("benchmarks")
    analysis = benchmarks.get("artificial_analysis") if isinstance(benchmarks, dict) else None
    analysis = analysis if isinstance(analysis, dict) else {}
    target = m.get("alias_target")
    slug = target.get("slug") if isinstance(target, dict) else target if isinstance(target, str) else None
    read, write = parse_price(pricing.get("input_cache_read"), 1e6), parse_price(pricing.get("input_cache_write"), 1e6)
    return (
        None if read != read else read,
        None if write != write else write,
        tuple(e for e in efforts if isinstance(e, str)) if isinstance(efforts, list) else None,
        _date(m.get("knowledge_cutoff")),
        _date(m.get("expiration_date")),
        _number(analysis.get("intelligence_index")),
        _number(analysis.get("coding_index")),
        slug if isinstance(slug, str) else None,
        _missing_nan(parse_price(pricing.get("image_output"), 1e6)),  # USD per image token (image models)
    )


def typed_column(name: str, values: list) -> Any:
    """The pandas column for an extra column's plain values."""
    import numpy as np
    import pandas as pd

    if name in EXTRA_FLOATS:
        return np.array([np.nan if v is None else v for v in values], dtype="float64")
    if name in _DATES:
        return pd.DatetimeIndex(pd.to_datetime(pd.Series(values, dtype=object), errors="coerce", utc=True))
    column = np.empty(len(values), dtype=object)  # tuples and text; None where absent
    column[:] = values
    return column


def is_retiring(row: Any, now: Any = None) -> bool:
    """True when the model's ``expires`` date is within :data:`RETIRING_DAYS` days (or past)."""
    import pandas as pd

    expires = row.get("expires") if hasattr(row, "get") else None
    if expires is None or pd.isna(expires):
        return False
    now = now or pd.Timestamp.now(tz="UTC")
    return pd.Timestamp(expires) - now <= pd.Timedelta(days=RETIRING_DAYS)
