"""How fast a row map sends: at most N requests at once, at most ``rpm`` starts a minute, adaptive on 429.

    gate = RateGate(concurrency=16, rpm=600)
    response = await send_with_retries(gate, lambda: client.chat(messages, model=model), max_retries=3)

The gate is a concurrency limit that moves: a 429 halves it and pauses every start until the server's
``Retry-After`` / ``X-RateLimit-Reset`` (the client parses both into ``retry_after``), then each run of
successes as long as the limit raises it by one, back up to the ceiling. ``rpm`` spaces starts evenly
(60/rpm s apart), so no minute window ever holds more than ``rpm`` starts, retries included. Rows are
retried here, not in the client (its ``max_retries`` is 0 for rows), so that every 429 reaches the gate:
a 429 is retried until ``max_rate_limited`` of them, 408/5xx and dropped connections ``max_retries`` times
with exponential back-off and jitter — a row fails only after its retries.
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .._core import APIError, RateLimitError, TransportError

__all__ = ["RateGate", "row_clients", "send_with_retries"]

T = TypeVar("T")
RETRIED = frozenset({408, 500, 502, 503, 524, 529})
_DEFAULT_429_WAIT = 1.0
CONNECTIONS_PER_POOL = 8


def row_clients(client: Any, concurrency: int) -> list[Any]:
    """Copies of the session's client without their own retries (rows retry through the gate), each with
    its own connection pool of at most ``CONNECTIONS_PER_POOL`` connections in use at once.

    Why several pools: httpcore scans every connection of a pool on each request it queues or finishes, so
    one pool of 64 connections spends more CPU than the requests themselves; pools of 8 keep that scan short
    (and every connection alive between requests). Close them with ``aclose`` when the run ends.
    """
    shared_tls = None
    if client._transport is None:  # one TLS context for every pool (loading the CA file costs ~20 ms each)
        import httpx

        shared_tls = httpx.create_ssl_context()
    clones = []
    for _ in range(max(1, -(-concurrency // CONNECTIONS_PER_POOL))):
        clone = copy.copy(client)  # shallow: the same key, base URL, headers and timeouts
        clone.max_retries = 0
        clone._http = weakref.WeakKeyDictionary()  # a pool of its own, made on first use
        if shared_tls is not None:
            clone._transport = httpx.AsyncHTTPTransport(verify=shared_tls)
        clones.append(clone)
    return clones


class RateGate:
    """The moving concurrency limit, the rpm spacing and the 429 pause (one loop only)."""

    def __init__(self, concurrency: int, rpm: float | None = None, *, clock: Callable[[], float] = time.monotonic):
        self.ceiling = self.limit = int(concurrency)
        self.rpm, self.clock = rpm, clock
        self.active = 0
        self.rate_limited = 0  # 429s seen
        self.lowest = self.limit
        self._streak = 0
        self._next_start = 0.0
        self._paused_until = 0.0
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def acquire(self) -> None:
        """Wait for a free slot under the current limit, then for this start's turn (pause, rpm)."""
        changed = self._condition()
        async with changed:
            await changed.wait_for(lambda: self.active < self.limit)
            self.active += 1
        try:
            await self._turn()
        except BaseException:
            await self.release()
            raise

    async def _turn(self) -> None:
        while True:
            now = self.clock()
            wait = self._paused_until - now
            if wait <= 0 and self.rpm:
                start = max(now, self._next_start)  # reserve the slot before sleeping: no await in between
                self._next_start = start + 60.0 / self.rpm
                wait = start - now
                if wait > 0:
                    await asyncio.sleep(wait)
                if self._paused_until <= self.clock():
                    return
                continue
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def release(self, *, ok: bool = False, rate_limited: float | None = None) -> None:
        """Free the slot; ``ok`` counts towards raising the limit, ``rate_limited`` (seconds) lowers it."""
        changed = self._condition()
        async with changed:
            self.active -= 1
            if rate_limited is not None:
                self.rate_limited += 1
                self._streak = 0
                self.limit = max(1, self.limit // 2)
                self.lowest = min(self.lowest, self.limit)
                self._paused_until = max(self._paused_until, self.clock() + rate_limited)
            elif ok and self.limit < self.ceiling:
                self._streak += 1
                if self._streak >= self.limit:
                    self.limit, self._streak = self.limit + 1, 0
            changed.notify_all()


def _backoff(attempt: int, base: float = 0.25, cap: float = 8.0) -> float:
    return min(cap, base * 2**attempt) * (0.5 + random.random() / 2)  # jitter: ½…1 of the step


def _retryable(error: BaseException) -> bool:
    return isinstance(error, TransportError) or (isinstance(error, APIError) and error.status in RETRIED)


async def send_with_retries(gate: RateGate, send: Callable[[], Awaitable[T]], *, max_retries: int = 3,
                            max_rate_limited: int = 10) -> T:
    """``send()`` through the gate; 429s and transient failures are retried (see the module docstring)."""
    failures = limited = 0
    while True:
        await gate.acquire()
        try:
            result = await send()
        except RateLimitError as error:
            limited += 1
            await gate.release(rate_limited=error.retry_after if error.retry_after is not None else _DEFAULT_429_WAIT)
            if limited > max_rate_limited:
                raise
            continue
        except BaseException as error:
            await gate.release()
            if not _retryable(error) or failures >= max_retries:
                raise
            failures += 1
            await asyncio.sleep(_backoff(failures))
            continue
        await gate.release(ok=True)
        return result
