"""The response cache (DESIGN §8): a request seen before is answered from disk, at no cost.

An SQLite file ``magic_home()/cache.sqlite3`` (WAL, busy timeout: several kernels may read and write it at
once) maps :func:`cache_key` of a request body to everything needed to render its answer again.

    cache = ResponseCache()
    key = cache_key(body, base_url)
    hit = cache.get(key)                    # CachedAnswer (response, first-run cost and time) or None
    if hit is None:
        response = ...                      # the real call
        cache.put(key, response, model=body["model"])
    cache.stats()                           # CacheStats(entries, bytes, hits, saved_usd)
    cache.clear(older_than=parse_age("7d"), model=None)

Only complete answers are stored: ``put`` refuses (returns False) an interrupted, failed or empty answer, or
one whose ``status`` is not "ok". The cache must never make a call fail: when the file is unusable (corrupt,
unreadable) it warns once (:class:`CacheWarning`) and the session goes on uncached (``get`` → None,
``put`` → False). The API key is never stored: the key is a hash of the body, and bodies never hold it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .._core import ChatResponse, magic_home, redact
from .cache_codec import CachedImage, as_image, cache_key, decode, encode
from .cache_file import SCHEMA_VERSION, file_size, is_busy, open_cache_file, shrink

__all__ = ["SCHEMA_VERSION", "CacheStats", "CacheWarning", "CachedAnswer", "CachedImage", "ResponseCache", "cache_key",
           "parse_age", "refusal"]

log = logging.getLogger(__name__)

_MAX_BUSY_STREAK = 3
T = TypeVar("T")
_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.IGNORECASE)
_AGE_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class CacheWarning(UserWarning):
    """The response cache file could not be used; this session goes on without the cache."""


class CacheStats(NamedTuple):
    """What ``%openrouter cache`` shows: entries and bytes on disk, hits and USD saved this session."""

    entries: int
    bytes: int
    hits: int
    saved_usd: float


@dataclass(frozen=True)
class CachedAnswer:
    """A cache hit: the answer as first received, what that first run cost, and when it ran (UTC)."""

    response: ChatResponse
    cost: float | None
    cost_source: str
    first_run: datetime
    model: str | None = None
    images: tuple[CachedImage, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def parse_age(text: str) -> timedelta:
    """``"30m"``, ``"12h"``, ``"7d"``, ``"2w"`` (also ``s``) → a timedelta; ValueError on anything else."""
    match = _AGE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"cannot read the age {text!r}: give a number and a unit (s, m, h, d, w), like 12h or 7d")
    return timedelta(**{_AGE_UNITS[match.group(2).lower()]: float(match.group(1))})


def refusal(response: ChatResponse, status: str = "ok", images: tuple[CachedImage, ...] = ()) -> str | None:
    """Why an answer must not be cached (None when it may be): only complete, successful answers are kept."""
    if status != "ok":
        return f"status {status!r}"
    if response.interrupted:
        return "interrupted"
    if response.error:
        return "failed"
    if "error" in {(response.finish_reason or "").lower(), (response.native_finish_reason or "").lower()}:
        return "finish reason 'error'"
    if not (response.text or response.reasoning or response.tool_calls or images or response.finish_reason):
        return "empty"
    return None


class ResponseCache:
    """This session's handle on the response cache file (see the module docstring)."""

    # Reachable through the folder's one exported name: ``ResponseCache.key(body, base_url)``.
    key = staticmethod(cache_key)
    parse_age = staticmethod(parse_age)

    def __init__(self, path: str | Path | None = None, *, busy_timeout_ms: int = 5000) -> None:
        self.path = str(path) if path is not None else str(magic_home() / "cache.sqlite3")
        self.busy_timeout_ms = busy_timeout_ms
        self.hits = 0
        self.saved_usd = 0.0
        self.disabled_reason: str | None = None  # set (with one warning) once the file proved unusable
        self._conn: sqlite3.Connection | None = None
        self._busy_streak = 0
        self._lock = threading.RLock()

    @property
    def disabled(self) -> bool:
        """True once the file could not be used: calls go on uncached for the rest of the session."""
        return self.disabled_reason is not None

    def _connection(self) -> sqlite3.Connection | None:
        """The open connection, opened on first use (so a session that never caches makes no file)."""
        if self._conn is None and not self.disabled:
            self._conn = open_cache_file(self.path, self.busy_timeout_ms)
        return self._conn

    def _disable(self, exc: BaseException) -> None:
        self.disabled_reason = redact(str(exc)) or type(exc).__name__
        warnings.warn(f"the response cache at {self.path} cannot be used ({self.disabled_reason}); "
                      "answers are not cached in this session", CacheWarning, stacklevel=4)
        self.close()

    def _run(self, work: Callable[[sqlite3.Connection], T], default: T) -> T:
        """``work(connection)``; on a busy file skip this one operation, on any other failure disable the cache."""
        with self._lock:
            try:
                conn = self._connection()
                result = default if conn is None else work(conn)
                self._busy_streak = 0
                return result
            except sqlite3.OperationalError as exc:
                # Another kernel held the lock longer than the busy timeout: skip this one operation. A file
                # that stays locked (a file system without working locks) would slow every call: give up on it.
                self._busy_streak += 1
                if is_busy(exc) and self._busy_streak < _MAX_BUSY_STREAK:
                    log.debug("response cache busy, operation skipped: %s", exc)
                    return default
                self._disable(exc)
            except (sqlite3.Error, OSError) as exc:
                self._disable(exc)
            return default

    def get(self, key: str) -> CachedAnswer | None:
        """The cached answer for ``key`` (counted as a hit), or None."""
        row = self._run(lambda conn: conn.execute(
            "SELECT value, cost, cost_source, created, model FROM answers WHERE key = ?", (key,)).fetchone(), None)
        if row is None:
            return None
        try:
            response, images, extra = decode(row[0])
        except ValueError as exc:  # one damaged entry is a miss; the next put replaces it
            log.debug("response cache entry %s unreadable: %s", key, exc)
            return None
        with self._lock:
            self.hits += 1
            self.saved_usd += row[1] or 0.0
        return CachedAnswer(response, row[1], row[2] or "unknown", datetime.fromtimestamp(row[3], timezone.utc),
                            row[4], images, extra)

    def put(self, key: str, response: ChatResponse, *, model: str | None, status: str = "ok",
            images: Iterable[Any] = (), extra: Mapping[str, Any] | None = None,
            cost: float | None = None, cost_source: str | None = None) -> bool:
        """Store a complete answer under ``key``; False when refused (see :func:`refusal`) or not written.

        ``model`` is the requested model (``clear(model=…)`` matches it or the served one). ``cost`` defaults
        to the billed ``usage.cost``; pass an estimate with ``cost_source="estimated"``. A later put for the
        same key replaces the entry (the newest paid answer is the one worth replaying).
        """
        images = tuple(map(as_image, images))
        reason = refusal(response, status, images)
        if reason is not None:
            log.debug("response cache: not storing a %s answer", reason)
            return False
        if cost is None:
            cost = response.usage.cost
        if cost_source is None:
            cost_source = "billed" if cost is not None else "unknown"
        row = (key, model or response.requested_model or response.model, response.model, time.time(), cost,
               cost_source, encode(response, images=images, extra=extra))
        return self._run(lambda conn: bool(conn.execute(
            "INSERT OR REPLACE INTO answers (key, model, served_model, created, cost, cost_source, value) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", row).rowcount), False)

    def stats(self) -> CacheStats:
        """Entries and bytes on disk (file + write-ahead log), hits and USD saved by this session."""
        entries = self._run(lambda conn: conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0], 0)
        size = 0 if self.disabled else sum(file_size(self.path + suffix) for suffix in ("", "-wal"))
        return CacheStats(entries, size, self.hits, self.saved_usd)

    def clear(self, older_than: timedelta | None = None, model: str | None = None) -> int:
        """Delete entries older than ``older_than`` and/or of ``model`` (all when both are None); the count."""
        where: list[str] = []
        args: list[Any] = []
        if older_than is not None:
            where.append("created < ?")
            args.append(time.time() - older_than.total_seconds())
        if model is not None:
            where.append("(model = ? OR served_model = ?)")
            args += [model, model]
        sql = "DELETE FROM answers" + (" WHERE " + " AND ".join(where) if where else "")
        deleted = self._run(lambda conn: conn.execute(sql, args).rowcount, 0)
        if deleted:
            self._run(shrink, None)
        return deleted

    def close(self) -> None:
        """Close the file (a later call opens it again, unless the cache is disabled)."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    def __repr__(self) -> str:
        state = f"disabled: {self.disabled_reason}" if self.disabled else self.path
        return f"<ResponseCache {state} hits={self.hits}>"
