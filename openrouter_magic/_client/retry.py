"""When to retry and how long to wait: pure decisions, no I/O.

Retried: 408, 429, 500, 502, 503, 524, 529 and connection failures before any byte arrived. Never
retried: every other status (400, 401, 402, 403, 404, 413, 422…). The wait is exponential with jitter,
or what the server asked for (``Retry-After`` in seconds or as an HTTP date, or the 2026 body field
``error.metadata.retry_after_seconds``), bounded by a total budget.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = ["RETRY_STATUSES", "RetryBudget", "retry_after_from"]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 524, 529})
_JITTER = random.Random()  # shared by every RetryBudget: jitter needs no generator of its own


def _parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After: 3`` or ``Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`` → seconds (≥ 0)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf: ignore
        return None
    return max(0.0, seconds)


def retry_after_from(headers: Any, body: Any = None, now: float | None = None) -> float | None:
    """The server's requested wait: ``retry-after-ms``, ``Retry-After``, ``X-RateLimit-Reset``, or
    ``metadata.retry_after_seconds``."""
    millis = headers.get("retry-after-ms") if headers is not None else None
    if millis:
        parsed = _parse_retry_after(millis, now)
        if parsed is not None and not _is_date(millis):
            return parsed / 1000.0
    parsed = _parse_retry_after(headers.get("retry-after") if headers is not None else None, now)
    if parsed is not None:
        return parsed
    parsed = _rate_limit_reset(headers.get("x-ratelimit-reset") if headers is not None else None, now)
    if parsed is not None:
        return parsed
    error = body.get("error") if isinstance(body, dict) else None
    metadata = error.get("metadata") if isinstance(error, dict) else None
    seconds = metadata.get("retry_after_seconds") if isinstance(metadata, dict) else None
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds >= 0:
        return float(seconds)
    return None


def _rate_limit_reset(value: str | None, now: float | None) -> float | None:
    """``X-RateLimit-Reset`` (OpenRouter's own limits: ms since the epoch; seconds or a delta tolerated) → seconds."""
    try:
        reset = float(value) if value else None
    except ValueError:
        return None
    if reset is None or reset != reset or reset < 0:
        return None
    now = time.time() if now is None else now
    if reset > 1e11:  # milliseconds since the epoch
        return max(0.0, reset / 1000.0 - now)
    return max(0.0, reset - now) if reset > 1e9 else reset


def _is_date(value: str) -> bool:
    return any(c.isalpha() for c in value)


@dataclass
class RetryBudget:
    """Counts attempts and waiting time for one logical request."""

    max_retries: int = 3
    max_wait: float = 30.0
    base_delay: float = 0.5
    max_delay: float = 8.0
    retries: int = 0
    waited: float = 0.0
    rng: random.Random = field(default_factory=lambda: _JITTER, repr=False)  # seeding one per call costs ~60 µs

    def next_delay(self, retry_after: float | None = None) -> float | None:
        """Seconds to wait before the next attempt, or None when it is time to give up."""
        if self.retries >= self.max_retries:
            return None
        remaining = self.max_wait - self.waited
        if retry_after is not None:
            if retry_after > remaining:
                return None  # the server said "not before then": retrying earlier would only fail again
            delay = retry_after
        else:
            backoff = min(self.max_delay, self.base_delay * (2**self.retries))
            delay = min(remaining, backoff * (0.5 + self.rng.random() / 2))  # jitter: ½…1 of the backoff
            if delay <= 0 and remaining <= 0:
                return None
        self.retries += 1
        self.waited += delay
        return delay
