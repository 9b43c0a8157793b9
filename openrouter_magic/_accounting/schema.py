"""The ledger's SQLite file: columns, additive migrations, opening (WAL, busy timeout).

Migrations only ever add (a table, a column, an index), so every version of the package can share one
database: an older version's rows simply lack the newer columns, and a database written by a *newer*
version is read and appended to as it is — the extra columns stay empty in our rows (the newer version
must give its columns defaults, which the additive rule guarantees).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite3
from pathlib import Path
from typing import Any

__all__ = ["ALL_COLUMNS", "INSERT", "LEDGER_COLUMNS", "MIGRATIONS", "SCHEMA_VERSION", "connect", "migrate",
           "Row", "select_rows", "use_wal"]

LEDGER_COLUMNS = ["time", "session", "model", "provider", "generation_id", "status", "prompt_tokens",
                  "completion_tokens", "reasoning_tokens", "cost", "cost_source", "ttft_s", "elapsed_s",
                  "tokens_per_s", "error"]
EXTRA_COLUMNS = ["requested_model", "run_id", "turn_id", "tag"]  # run_id: the row map run; turn_id: the tool
# loop turn; tag: --tag LABEL
ALL_COLUMNS = LEDGER_COLUMNS + EXTRA_COLUMNS
# Not shown in frames: a unique id per row, so that a write retried after an unclear failure never
# doubles a row, and so that reads can merge rows still waiting in memory with those on disk.
ROW_KEY = "row_key"

# Each entry moves the schema from version i to i + 1 (PRAGMA user_version). Never edit a shipped entry:
# append a new one that only adds, so that databases written by older versions upgrade in place.
MIGRATIONS: list[str] = [
    """CREATE TABLE calls (
        id INTEGER PRIMARY KEY, time TEXT NOT NULL, session TEXT, model TEXT, provider TEXT,
        generation_id TEXT, status TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER,
        reasoning_tokens INTEGER, cost REAL, cost_source TEXT, ttft_s REAL, elapsed_s REAL,
        tokens_per_s REAL, error TEXT)""",
    """ALTER TABLE calls ADD COLUMN requested_model TEXT;
       CREATE INDEX IF NOT EXISTS calls_session ON calls(session);
       CREATE INDEX IF NOT EXISTS calls_time ON calls(time)""",
    """ALTER TABLE calls ADD COLUMN row_key TEXT;
       CREATE UNIQUE INDEX IF NOT EXISTS calls_row_key ON calls(row_key)""",
    """ALTER TABLE calls ADD COLUMN run_id TEXT""",
    """ALTER TABLE calls ADD COLUMN turn_id TEXT""",
    """ALTER TABLE calls ADD COLUMN tag TEXT""",
]
SCHEMA_VERSION = len(MIGRATIONS)
# What migrations added, for a newer database that (against the rule) lacks one of them.
_ADDED = {"requested_model": "TEXT", ROW_KEY: "TEXT", "run_id": "TEXT", "turn_id": "TEXT", "tag": "TEXT"}
_INDEXES = ["CREATE INDEX IF NOT EXISTS calls_session ON calls(session)",
            "CREATE INDEX IF NOT EXISTS calls_time ON calls(time)",
            "CREATE UNIQUE INDEX IF NOT EXISTS calls_row_key ON calls(row_key)"]
_WRITTEN = [*ALL_COLUMNS, ROW_KEY]
Row = tuple[Any, ...]  # values in ``ALL_COLUMNS`` order, then the row key
INSERT = f"INSERT OR IGNORE INTO calls ({', '.join(_WRITTEN)}) VALUES ({', '.join('?' * len(_WRITTEN))})"


def _is_uri(path: str) -> bool:
    return path.startswith("file:")


def connect(path: str, busy_timeout_ms: int) -> sqlite3.Connection:
    """A connection in autocommit mode with the busy timeout set (a ``file:`` URI is accepted)."""
    if path != ":memory:" and not _is_uri(path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False,
                           uri=_is_uri(path))
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    except BaseException:
        conn.close()
        raise
    return conn


def use_wal(conn: sqlite3.Connection) -> str:
    """Ask for WAL (several kernels write at once without blocking readers); return the journal mode we got."""
    mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
    if mode == "wal":
        # NORMAL is safe with WAL (no corruption on power loss) and keeps a write well under a ms.
        conn.execute("PRAGMA synchronous = NORMAL")
    return mode


def apply_migrations(conn: sqlite3.Connection, migrations: Sequence[str], target: int) -> int:
    """Run ``migrations[v]`` for each version v below ``target``, one transaction each; the version reached.

    Shared by the ledger and the response cache: a newer file (version above ``target``) is left as it is.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < target:
        with _immediate(conn):
            # Another kernel may have migrated while we waited for the write lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < target:
                for statement in migrations[version].split(";"):
                    conn.execute(statement)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
    return int(version)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION, one migration per transaction; a newer schema is kept as it is."""
    if apply_migrations(conn, MIGRATIONS, SCHEMA_VERSION) > SCHEMA_VERSION:
        _complete_newer(conn)


def _complete_newer(conn: sqlite3.Connection) -> None:
    """A newer version's database: read and append to it; add only what we need and it lacks."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(calls)")}
    missing = [name for name in _ADDED if name not in present]
    if not missing and present:
        return
    with _immediate(conn):
        if not present:  # no calls table at all: create ours (every migration only adds)
            for statement in ";".join(MIGRATIONS).split(";"):
                conn.execute(statement)
            return
        for name in missing:
            conn.execute(f"ALTER TABLE calls ADD COLUMN {name} {_ADDED[name]}")
        for statement in _INDEXES:
            conn.execute(statement)


class _immediate:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any error)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:  # the connection is broken: the caller drops it
                pass


def write_rows(conn: sqlite3.Connection, rows: list[Row]) -> None:
    """Insert rows (``ALL_COLUMNS`` + row key) in one transaction; a row already there is not doubled."""
    with _immediate(conn):
        conn.executemany(INSERT, rows)


def select_rows(conn: sqlite3.Connection, session: str | None) -> list[Row]:
    """Rows (``ALL_COLUMNS`` + row key) of one session, or all of them, oldest first.

    A file no writer has migrated yet (an older version's) lacks newer columns: they read as NULL. The
    columns and the rows are read in one transaction, so a migration in between cannot mix them up.
    """
    conn.execute("BEGIN")
    try:
        present = {row[1] for row in conn.execute("PRAGMA table_info(calls)")}
        if not present:
            return []
        picked = [name if name in present else f"NULL AS {name}" for name in _WRITTEN]
        sql = f"SELECT {', '.join(picked)} FROM calls"
        args: tuple[str, ...] = ()
        if session is not None:
            sql, args = sql + " WHERE session = ?", (session,)
        return conn.execute(sql + " ORDER BY time, id", args).fetchall()
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def session_sum(conn: sqlite3.Connection, session: str) -> float:
    """USD of one session's rows on disk."""
    return float(conn.execute("SELECT SUM(cost) FROM calls WHERE session = ?", (session,)).fetchone()[0] or 0.0)
