"""Per-key limits of the emulator: requests per minute (429 with ``Retry-After`` / ``X-RateLimit-*``),
scripted errors by rate (a seeded sequence, so a run is reproducible), and requests in flight.

Knobs (``FakeOpenRouter(rpm_limit=…, rpm_window=…, error_rate=…)``):

* ``rpm_limit``: at most this many POSTs per key in any ``rpm_window`` seconds (default 60); the rest get
  OpenRouter's own-limit 429 with ``Retry-After`` (seconds) and ``X-RateLimit-Reset`` (ms since the epoch).
* ``error_rate``: ``{"status": 500, "rate": 0.05, "seed": 0}`` — each POST fails with ``status`` with that
  probability, drawn from one seeded generator in arrival order.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from typing import Any

from ._payloads import error_body

__all__ = ["Limits"]


class Limits:
    """Counters behind one lock: each key's recent POST times, the error generator, requests in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}
        self._rng: random.Random | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self.limited = 0  # 429s sent for the rpm limit

    def enter(self) -> None:
        """A request arrived (counted until its response ends)."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        """A response ended (sent, cut or dropped)."""
        with self._lock:
            self.in_flight -= 1

    def reset(self) -> None:
        """Forget windows, the peak and the error sequence."""
        with self._lock:
            self._seen.clear()
            self._rng, self.max_in_flight, self.limited = None, self.in_flight, 0

    def check(self, token: str, knobs: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """(status, body, headers) when this POST must fail now, else None (and it is counted)."""
        with self._lock:
            refused = self._over_rpm(token, knobs)
            if refused is None:
                refused = self._scripted(knobs.get("error_rate"))
            return refused

    def _over_rpm(self, token: str, knobs: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        limit = knobs.get("rpm_limit")
        if not limit:
            return None
        window, now = float(knobs.get("rpm_window") or 60.0), time.time()
        seen = self._seen.setdefault(token, deque())
        while seen and seen[0] <= now - window:
            seen.popleft()
        if len(seen) < int(limit):
            seen.append(now)
            return None
        self.limited += 1
        reset = seen[0] + window
        wait = max(1, math.ceil(reset - now))
        headers = {"Retry-After": str(wait), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": str(int(reset * 1000))}
        body = error_body(429, retry_after=wait, message="Rate limit exceeded: too many requests per minute")
        return 429, body, headers

    def _scripted(self, spec: Any) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        if not spec:
            return None
        if self._rng is None:
            self._rng = random.Random(int(spec.get("seed", 0)))
        if self._rng.random() >= float(spec.get("rate", 0)):
            return None
        status = int(spec.get("status", 500))
        return status, error_body(status), {}
