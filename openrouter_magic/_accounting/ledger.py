"""The cost ledger: one SQLite row per call, written when the call ends.

The database lives at ``magic_home()/ledger.sqlite`` in WAL mode with a busy timeout, so several kernels can
write at once. The ledger must never make a call fail: if the file is locked or corrupt, the ledger warns
once (:class:`LedgerWarning`) and carries on in memory for the rest of the session.

    ledger = Ledger()                                   # this kernel's session id is made up here
    ledger.record_response(response, prices=prices)     # billed cost, else estimated, else unknown
    ledger.frame()                                      # this session; frame(all=True) for all history
"""

from __future__ import annotations

import math
import sqlite3
import threading
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core import magic_home, redact
from .._core import ChatResponse, Usage

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["LEDGER_COLUMNS", "Ledger", "LedgerWarning", "estimate_cost"]

LEDGER_COLUMNS = ["time", "session", "model", "provider", "generation_id", "status", "prompt_tokens",
                  "completion_tokens", "reasoning_tokens", "cost", "cost_source", "ttft_s", "elapsed_s",
                  "tokens_per_s", "error"]
EXTRA_COLUMNS = ["requested_model"]
STATUSES = ("ok", "error", "interrupted", "refused")

# Each entry moves the schema from version i to i + 1 (PRAGMA user_version). Never edit a shipped entry:
# append a new one, so that databases written by older versions upgrade in place.
MIGRATIONS: list[str] = [
    """CREATE TABLE calls (
        id INTEGER PRIMARY KEY, time TEXT NOT NULL, session TEXT, model TEXT, provider TEXT,
        generation_id TEXT, status TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER,
        reasoning_tokens INTEGER, cost REAL, cost_source TEXT, ttft_s REAL, elapsed_s REAL,
        tokens_per_s REAL, error TEXT)""",
    """ALTER TABLE calls ADD COLUMN requested_model TEXT;
       CREATE INDEX IF NOT EXISTS calls_session ON calls(session);
       CREATE INDEX IF NOT EXISTS calls_time ON calls(time)""",
]
SCHEMA_VERSION = len(MIGRATIONS)
_ALL_COLUMNS = LEDGER_COLUMNS + EXTRA_COLUMNS
_INSERT = f"INSERT INTO calls ({', '.join(_ALL_COLUMNS)}) VALUES ({', '.join('?' * len(_ALL_COLUMNS))})"


class LedgerWarning(UserWarning):
    """The ledger file could not be used; this session's ledger is kept in memory instead."""


def _price(prices: Any, name: str) -> float | None:
    """A finite, non-negative price from a catalog row (dict or Series); None when missing or dynamic."""
    if prices is None:
        return None
    try:
        value = prices.get(name)
    except AttributeError:
        return None
    if value is None or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def estimate_cost(usage: Usage, prices: Any, fallback_tokens: tuple[int, int] | None = None) -> float | None:
    """USD from token counts × catalog prices (USD per million); None when counts or prices are unknown.

    ``fallback_tokens`` = (prompt, completion) estimates used when the usage lacks counts (interrupted streams).
    """
    prompt_price = _price(prices, "prompt_usd_per_m")
    completion_price = _price(prices, "completion_usd_per_m")
    prompt, completion = usage.prompt_tokens, usage.completion_tokens
    if (prompt is None or completion is None) and fallback_tokens is not None:
        prompt = prompt if prompt is not None else fallback_tokens[0]
        completion = completion if completion is not None else fallback_tokens[1]
    if None in (prompt_price, completion_price, prompt, completion):
        return None
    per_request = _price(prices, "request_usd") or 0.0
    return (prompt * prompt_price + completion * completion_price) / 1e6 + per_request


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Ledger:
    """This session's view of the persistent cost ledger (see the module docstring)."""

    def __init__(self, path: str | Path | None = None, session_id: str | None = None, *,
                 busy_timeout_ms: int = 3000) -> None:
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self.path = str(path) if path is not None else str(magic_home() / "ledger.sqlite")
        self.busy_timeout_ms = busy_timeout_ms
        self.fallback_reason: str | None = None  # set once the ledger runs in memory
        self.last_row: dict[str, Any] | None = None  # the latest row this session wrote (for the footer)
        self._lock = threading.RLock()
        try:
            self._conn = self._open(self.path)
        except (sqlite3.Error, OSError) as exc:
            self._conn = self._fall_back(exc, copy_from=None)
        # Only this object writes rows of this session, so the total is kept in memory: reading it before
        # every call (the budget check) costs nothing however long the session grows.
        self._total = self._sum_session()

    @property
    def in_memory(self) -> bool:
        """True when rows are kept in memory only (":memory:" asked for, or the file failed)."""
        return self.path == ":memory:" or self.fallback_reason is not None

    def _open(self, path: str) -> sqlite3.Connection:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=self.busy_timeout_ms / 1000, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            if path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
                # NORMAL is safe with WAL (no corruption on power loss) and keeps a write well under a ms.
                conn.execute("PRAGMA synchronous = NORMAL")
            _migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _fall_back(self, exc: BaseException, copy_from: sqlite3.Connection | None) -> sqlite3.Connection:
        """Warn once, then keep this session's rows in an in-memory database."""
        self.fallback_reason = redact(str(exc)) or type(exc).__name__
        warnings.warn(f"the cost ledger at {self.path} cannot be used ({self.fallback_reason}); "
                      "this session's costs are kept in memory only", LedgerWarning, stacklevel=4)
        memory = self._open(":memory:")
        if copy_from is not None:
            try:  # keep what this session already wrote, so the session total stays right
                rows = copy_from.execute(f"SELECT {', '.join(_ALL_COLUMNS)} FROM calls WHERE session = ?",
                                         (self.session_id,)).fetchall()
                memory.executemany(_INSERT, rows)
            except sqlite3.Error:
                pass
        return memory

    def _execute(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Run one statement; on a database failure switch to memory (one warning) and run it there."""
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                if self.in_memory:
                    raise
                old, self._conn = self._conn, self._fall_back(exc, copy_from=self._conn)
                old.close()
                return self._conn.execute(sql, args).fetchall()

    def _insert(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._execute(_INSERT, tuple(row[name] for name in _ALL_COLUMNS))
            self._total += row["cost"] or 0.0
            self.last_row = row

    def _sum_session(self) -> float:
        rows = self._execute("SELECT SUM(cost) FROM calls WHERE session = ?", (self.session_id,))
        return float(rows[0][0] or 0.0)

    def record_response(self, response: ChatResponse, *, status: str = "ok", error: str | None = None,
                        prices: Any = None, fallback_tokens: tuple[int, int] | None = None) -> dict[str, Any]:
        """Write one row for a finished, failed or interrupted call and return it.

        Cost: OpenRouter's billed ``usage.cost`` ("billed"), else token counts × catalog ``prices``
        ("estimated"), else NULL ("unknown") — never a made-up 0.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        usage = response.usage
        cost, source = usage.cost, "billed"
        if cost is None:
            cost = estimate_cost(usage, prices, fallback_tokens)
            source = "estimated" if cost is not None else "unknown"
        row = {
            "time": _now(), "session": self.session_id, "model": response.model or response.requested_model,
            "provider": response.provider, "generation_id": response.generation_id, "status": status,
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "reasoning_tokens": usage.reasoning_tokens, "cost": cost, "cost_source": source,
            "ttft_s": response.ttft_s, "elapsed_s": response.elapsed_s, "tokens_per_s": response.tokens_per_s,
            "error": redact(error) if error else (redact(response.error) if response.error else None),
            "requested_model": response.requested_model or response.model,
        }
        self._insert(row)
        return row

    def record_refused(self, model: str, reason: str) -> dict[str, Any]:
        """Write the row of a call the budget refused before sending (nothing was spent)."""
        row = dict.fromkeys(_ALL_COLUMNS)
        row.update(time=_now(), session=self.session_id, model=model, requested_model=model, status="refused",
                   cost=0.0, cost_source="billed", error=redact(reason))
        self._insert(row)
        return row

    def _select(self, all: bool) -> list[tuple]:
        sql = f"SELECT {', '.join(_ALL_COLUMNS)} FROM calls"
        args: tuple = ()
        if not all:
            sql, args = sql + " WHERE session = ?", (self.session_id,)
        return self._execute(sql + " ORDER BY time, id", args)

    def frame(self, all: bool = False) -> pandas.DataFrame:
        """The rows as a DataFrame: DESIGN §3 columns, then ``requested_model`` (this session, or all history)."""
        import pandas as pd

        df = pd.DataFrame.from_records(self._select(all), columns=_ALL_COLUMNS)
        df["time"] = pd.to_datetime(df["time"], utc=True, format="ISO8601")
        for name in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
            df[name] = df[name].astype("Int64")
        for name in ("cost", "ttft_s", "elapsed_s", "tokens_per_s"):
            df[name] = df[name].astype("float64")
        return df

    def session_total(self) -> float:
        """USD spent in this session (billed + estimated; calls of unknown cost add nothing)."""
        return self._total

    def totals(self, by: str = "model", all: bool = False) -> pandas.DataFrame:
        """Calls, tokens, cost and mean tokens/s grouped ``by`` "model" or "day" (UTC)."""
        from .totals import totals

        return totals(self.frame(all=all), by=by)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def __repr__(self) -> str:
        where = "memory" if self.in_memory else self.path
        return f"<Ledger session={self.session_id} at {where}>"


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, one migration per transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another kernel may have migrated while we waited for the write lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version].split(";"):
                    conn.execute(statement)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    if version > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(f"ledger schema version {version} is newer than this package knows")
