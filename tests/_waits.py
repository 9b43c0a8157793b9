"""Polling waits for async tests (no fixed sleeps)."""

from __future__ import annotations

import asyncio
import time


async def until(condition, timeout: float = 5.0) -> float:
    """Wait (polling the loop) until ``condition()`` holds; returns the seconds it took, fails on timeout."""
    started = time.perf_counter()
    while not condition():
        assert time.perf_counter() - started < timeout, "condition not reached in time"
        await asyncio.sleep(0.005)
    return time.perf_counter() - started
