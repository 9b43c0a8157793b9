"""OpenRouter's own response cache, as the emulator plays it (the 2026 beta, "Response Caching" docs).

- Opt in per request with ``X-OpenRouter-Cache: true``; ``X-OpenRouter-Cache-TTL`` sets the lifetime in
  seconds (1–86400, default 300).
- The key covers the API key, the streaming mode and the request body exactly as sent (so reordering JSON
  properties is a different request, as the real service warns).
- The first request is a ``MISS``: answered and billed normally, and stored once it completed (errors and
  cut-short streams are never stored). An identical one within the TTL is a ``HIT``: the same content at
  once, a new generation id, every billable usage counter 0 and no charge.
- Every cached-mode reply carries ``X-OpenRouter-Cache-Status: HIT|MISS`` and ``X-OpenRouter-Cache-TTL``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import replace
from typing import Any, Callable

from ._payloads import Answer, new_id

__all__ = ["DEFAULT_TTL", "ServerCache"]

DEFAULT_TTL, MAX_TTL = 300, 86_400


def wanted_ttl(headers: dict[str, str]) -> int | None:
    """The TTL asked for when the request opted in to the cache (headers are lower-cased), else None."""
    if headers.get("x-openrouter-cache", "").strip().lower() not in ("true", "1"):
        return None
    try:
        ttl = int(headers.get("x-openrouter-cache-ttl", DEFAULT_TTL))
    except ValueError:
        ttl = DEFAULT_TTL
    return min(max(ttl, 1), MAX_TTL)


class ServerCache:
    """Stored answers by key, each with its expiry (monotonic seconds)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Answer, float]] = {}

    @staticmethod
    def key(token: str, raw_body: bytes) -> str:
        """The key: the API key and the body bytes as sent (the body says whether it streams)."""
        return hashlib.sha256(token.encode() + b"\n" + raw_body).hexdigest()

    def lookup(self, key: str) -> Answer | None:
        """The stored answer as a fresh, free generation (a HIT), or None (a MISS)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1] < time.monotonic():
                self._entries.pop(key, None)
                return None
            stored = entry[0]
        now = int(time.time())
        return replace(stored, gen_id=new_id("gen", now), created=now, prompt_tokens=0, completion_tokens=0,
                       reasoning_tokens=0, prompt_cost=0.0, completion_cost=0.0,
                       knobs={**stored.knobs, "first_byte_delay": 0.0, "chunk_delay": 0.0})

    def storer(self, key: str, answer: Answer, ttl: int) -> Callable[[str], None]:
        """A callback for the response's end: store ``answer`` when the response completed."""
        def store(outcome: str) -> None:
            if outcome == "done" and not _flawed(answer.knobs):
                with self._lock:
                    self._entries[key] = (answer, time.monotonic() + ttl)
        return store


def _flawed(knobs: dict[str, Any]) -> bool:
    """Answers the real cache would not keep: partial ones (a mid-stream error) and broken responses."""
    return bool(knobs.get("mid_stream_error") or knobs.get("hostile") or knobs.get("hang_after_chunks") is not None
                or knobs.get("drop_after_chunks") is not None)
