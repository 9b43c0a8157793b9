"""A row map's counters (read by the progress display from the kernel's thread), its checks and summary.

The counters are plain numbers written on the session's loop and read elsewhere: each read may be a
moment old, never torn (one attribute at a time, under the GIL) — good enough for a progress bar.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from .._core import APIError, usd

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .rowmap_frame import MapColumns

__all__ = ["MapStats", "check_numbers", "error_text"]


def check_numbers(concurrency: Any, rpm: Any, limit: Any) -> None:
    """``ValueError`` (one line, what to give instead) for a concurrency, rpm or limit that cannot work."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number of at least 1, not {concurrency!r}")
    if rpm is not None and (isinstance(rpm, bool) or not isinstance(rpm, (int, float)) or not rpm > 0
                            or not math.isfinite(rpm)):
        raise ValueError(f"rpm (requests per minute) must be above 0, not {rpm!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a whole number of rows, at least 1, not {limit!r}")


def error_text(failure: Any) -> str:
    """``429: Rate limit exceeded`` — the status (when there is one) and the message, on one line."""
    message = " ".join(str(getattr(failure, "message", failure)).split())
    return f"{failure.status}: {message}" if isinstance(failure, APIError) else message


class MapStats:
    """Rows done/failed/cached/refused of ``total``, USD spent, timing (see the module docstring)."""

    def __init__(self, total: int, models: list[str]) -> None:
        self.total, self.models = total, models
        self.done = self.failed = self.cached = self.refused = 0
        self.spent = 0.0
        self.started = time.monotonic()
        self.ended: float | None = None
        self._latency_sum, self._latency_n = 0.0, 0

    def row_done(self, status: str, cost: float | None) -> None:
        """Count one finished row (ok, cached, error or refused)."""
        self.done += 1
        if status == "error":
            self.failed += 1
        elif status == "cached":
            self.cached += 1
        elif status == "refused":
            self.refused += 1
        self.add_cost(cost)

    def add_cost(self, cost: float | None) -> None:
        """Add a row's USD."""
        self.spent += cost or 0.0

    def latency(self, seconds: float) -> None:
        """Note one sent row's wall time."""
        self._latency_sum += seconds
        self._latency_n += 1

    def finish(self) -> None:
        """The run ended (finished, stopped or cancelled)."""
        self.ended = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the start (until the end, once ended)."""
        return (self.ended or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Rows per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate (None before the first row)."""
        return (self.total - self.done) / self.rate if self.rate > 0 else None

    @property
    def projected(self) -> float | None:
        """USD for all rows at the cost per row so far (None before the first row)."""
        return self.spent / self.done * self.total if self.done else None

    @property
    def mean_latency(self) -> float | None:
        """Mean seconds per sent row."""
        return self._latency_sum / self._latency_n if self._latency_n else None

    def summary(self) -> str:
        """``2000 rows in 7.1 s: 1990 ok, 5 cached, 3 failed, 2 refused, 0 cancelled · $0.0321 · 0.21 s per row``."""
        ok = self.done - self.failed - self.cached - self.refused
        cancelled = self.total - self.done
        latency = f" · mean latency {self.mean_latency:.2f} s" if self.mean_latency is not None else ""
        return (f"{self.total} rows in {self.elapsed:.1f} s: {ok} ok, {self.cached} cached, {self.failed} failed, "
                f"{self.refused} refused, {cancelled} cancelled · {usd(self.spent)}{latency}")

    def table(self, columns: dict[str, MapColumns]) -> pandas.DataFrame:
        """One row per model: ok, cached, failed, refused, cancelled, cost, mean latency (s)."""
        import pandas as pd

        rows = []
        for model, found in columns.items():
            count = {status: found.status.count(status) for status in ("ok", "cached", "error", "refused", "cancelled")}
            latencies = [value for value, status in zip(found.latency, found.status) if value is not None and status == "ok"]
            rows.append({"model": model, **count, "cost": sum(c for c in found.cost if c is not None),
                         "mean_latency_s": sum(latencies) / len(latencies) if latencies else float("nan")})
        return pd.DataFrame(rows).rename(columns={"error": "failed"}).set_index("model")
