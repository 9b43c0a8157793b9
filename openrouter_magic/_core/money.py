"""The one USD formatter: ``$0.000123``, ``$0.0042``, ``$1.23``, ``$1,234.50``; ``?`` when unknown.

Every amount shown to people goes through :func:`usd` — a call's cost, a session total, a budget, a key's
credits, a comparison pane, a catalog price per million tokens — so the same number always reads the
same. Callers choose only what differs: the text for an unknown amount, for zero, and a floor under
which an amount reads ``<$floor``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["cost_text", "usd"]


def _amount(value: Any) -> float | None:
    """``value`` as a finite float; None for None, NaN, infinities, booleans and anything not a number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def usd(value: Any, *, unknown: str = "?", zero: str = "$0", floor: float | None = None) -> str:
    """Three significant digits for cents and below, cents above, thousands grouped, never an exponent.

    ``usd(0.000123)`` → ``$0.000123``; ``usd(1234.5)`` → ``$1,234.50``; ``usd(None)`` → ``?`` (``unknown``);
    ``usd(0)`` → ``$0`` (``zero``); ``usd(0.00004, floor=0.0001)`` → ``<$0.0001``.
    """
    amount = _amount(value)
    if amount is None:
        return unknown
    if amount == 0:
        return zero
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if floor is not None and amount < floor:
        return f"{sign}<{usd(floor)}"
    decimals = max(2, 2 - math.floor(math.log10(amount)))
    text = f"{amount:,.{decimals}f}"
    if "." in text:  # 0.00420 → 0.0042 but keep cents: 1.50 stays 1.50
        head, tail = text.split(".")
        text = f"{head}.{tail.rstrip('0').ljust(2, '0')}"
    return f"{sign}${text}"


def cost_text(cost: float | None, source: str = "billed", session_total: float | None = None) -> str:
    """A call's cost: billed ``$0.000123``, estimated from catalog prices ``≈$0.000123``, unknown ``?``;
    with ``session_total``, then `` · session $0.0042``."""
    text = "?" if cost is None or source == "unknown" else ("≈" if source == "estimated" else "") + usd(cost)
    return text if session_total is None else f"{text} · session {usd(session_total)}"
