"""Money as users read it: ``$0.000123``, ``≈$0.0042`` (estimated), ``?`` (unknown)."""

from __future__ import annotations

import math

__all__ = ["cost_text", "usd"]


def usd(value: float | None) -> str:
    """``$0.000123``, ``$0.0042``, ``$1.23``: three significant digits for cents and below, never exponents."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    if value == 0:
        return "$0"
    sign, value = ("-" if value < 0 else ""), abs(value)
    decimals = max(2, 2 - math.floor(math.log10(value)))
    text = f"{value:.{decimals}f}"
    if "." in text:  # 0.00420 → 0.0042 but keep cents: 1.50 stays 1.50
        head, tail = text.split(".")
        tail = tail.rstrip("0").ljust(2, "0")
        text = f"{head}.{tail}"
    return f"{sign}${text}"


def cost_text(cost: float | None, source: str = "billed") -> str:
    """A call's cost: billed ``$0.000123``, estimated from catalog prices ``≈$0.000123``, unknown ``?``."""
    if cost is None or source == "unknown":
        return "?"
    return ("≈" if source == "estimated" else "") + usd(cost)
