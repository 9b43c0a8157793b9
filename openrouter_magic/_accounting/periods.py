"""Budgets per UTC day or month over every kernel (DESIGN §12): ``%openrouter budget 2/day``, ``20/month``.

The limits live in ``OPENROUTER_MAGIC_HOME/budgets.json`` so every kernel that shares the home obeys them;
what was spent comes from the persistent ledger (all sessions, rows since the period began, saved or still
waiting in this process), raised to OpenRouter's own ``usage_daily``/``usage_monthly`` of the key when that
was read (``GET /key``). Each period has a :class:`SpendBook` of this process's calls in flight, so a call is
admitted only if ``spent + reserved + its worst case ≤ limit`` — as for the session budget.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._core import magic_home, read_json_object, usd, write_json_object
from .budget import Budget
from .reserve import SpendBook
from .schema import ALL_COLUMNS

__all__ = ["PERIODS", "PeriodBudget", "PeriodBudgets", "parse_period_limit"]

PERIODS = ("day", "month")
_LIMIT = re.compile(r"^\$?(\d+(?:\.\d*)?|\.\d+)\s*/\s*([a-z]+)$", re.IGNORECASE)
FILE_NAME = "budgets.json"


def parse_period_limit(text: str) -> tuple[float, str] | None:
    """``"2/day"`` → ``(2.0, "day")``; None when ``text`` has no ``/``; ValueError for a bad period or amount."""
    if "/" not in text:
        return None
    match = _LIMIT.match(text.strip())
    if not match or match.group(2).lower() not in PERIODS:
        raise ValueError(f"budget {text!r}: give USD per day or per month, e.g. 2/day or 20/month "
                         f"(periods: {', '.join(PERIODS)})")
    return float(match.group(1)), match.group(2).lower()


def period_start(period: str, now: datetime | None = None) -> datetime:
    """The UTC start of the current day or month (OpenRouter's usage_daily/monthly reset then too)."""
    now = now or datetime.now(timezone.utc)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if period == "day" else day.replace(day=1)


class PeriodBudget(Budget):
    """A hard limit in USD for one UTC day or month, over every kernel sharing the ledger."""

    def __init__(self, limit_usd: float, period: str, ledger: Any, key_usage: dict[str, float]) -> None:
        super().__init__(limit_usd)
        self.period, self._ledger, self._key_usage = period, ledger, key_usage
        self.book = SpendBook(self.spent)

    def spent(self) -> float:
        """USD spent this period: the ledger's rows of every session, or the key's usage if higher."""
        since = period_start(self.period).isoformat(timespec="microseconds")
        time_at, cost_at = ALL_COLUMNS.index("time"), ALL_COLUMNS.index("cost")
        rows = self._ledger.rows(all=True)
        local = sum(row[cost_at] or 0.0 for row in rows if str(row[time_at]) >= since)
        return max(local, self._key_usage.get(self.period, 0.0))

    def line(self) -> str:
        """``2.00 USD per day: $0.31 spent, $0.00 reserved by calls in flight, $1.69 left``."""
        spent, reserved = self.spent(), self.book.reserved()
        return f"per {self.period}: " + self.status(spent, reserved, every_part=True)


class PeriodBudgets:
    """The day and month limits of this home, with the reservations of this process's calls."""

    def __init__(self, ledger: Any, home: Path | None = None) -> None:
        self._ledger, self._home = ledger, home
        self.key_usage: dict[str, float] = {}  # from GET /key: {"day": usage_daily, "month": usage_monthly}
        self.key_read_at = float("-inf")  # time.monotonic() of the last GET /key
        self._budgets: dict[str, PeriodBudget] = {}

    @property
    def path(self) -> Path:
        """Where the limits are kept."""
        return (self._home or magic_home()) / FILE_NAME

    def limits(self) -> dict[str, float]:
        """``{"day": 2.0}`` as saved (read fresh: another kernel may have set one)."""
        data = read_json_object(self.path)
        return {k: float(v) for k, v in data.items() if k in PERIODS and isinstance(v, (int, float))}

    def set(self, period: str, limit: float | None) -> None:
        """Save (or with None remove) the limit of ``period``."""
        limits = self.limits()
        if limit is None:
            limits.pop(period, None)
        else:
            limits[period] = float(limit)
        write_json_object(self.path, limits)

    def active(self) -> list[PeriodBudget]:
        """The budgets in force now (their books kept across calls, their limits re-read)."""
        found = []
        for period, limit in self.limits().items():
            budget = self._budgets.get(period)
            if budget is None:
                budget = self._budgets[period] = PeriodBudget(limit, period, self._ledger, self.key_usage)
            budget.limit_usd = limit
            found.append(budget)
        return found

    def note_key(self, key: dict[str, Any]) -> None:
        """Take ``usage_daily``/``usage_monthly`` from a ``GET /key`` answer."""
        for period, field in (("day", "usage_daily"), ("month", "usage_monthly")):
            value = key.get(field)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.key_usage[period] = float(value)

    def __repr__(self) -> str:
        limits = self.limits()
        return "PeriodBudgets(" + ", ".join(f"{usd(v)}/{k}" for k, v in limits.items()) + ")"
