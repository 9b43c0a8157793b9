"""The response cache's SQLite file: opening it (WAL, busy timeout, additive migrations) and tidying it.

Several kernels open, migrate and write the same file at once; SQLite's own locking serialises the writes,
the busy timeout makes a writer wait for another instead of failing.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from .schema import apply_migrations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "file_size", "is_busy", "open_cache_file", "shrink"]

log = logging.getLogger(__name__)

# Each entry moves the schema from version i to i + 1 (PRAGMA user_version). Never edit a shipped entry:
# append one, so older files upgrade in place and older packages can still use newer files (additive only).
MIGRATIONS: list[str] = [
    """CREATE TABLE answers (
        key TEXT PRIMARY KEY, model TEXT, served_model TEXT, created REAL NOT NULL,
        cost REAL, cost_source TEXT, value TEXT NOT NULL);
       CREATE INDEX answers_created ON answers(created);
       CREATE INDEX answers_model ON answers(model)""",
]
SCHEMA_VERSION = len(MIGRATIONS)
_BUSY = ("locked", "busy")  # words of SQLite's transient errors: skip the one operation, keep the cache


def open_cache_file(path: str, busy_timeout_ms: int) -> sqlite3.Connection:
    """Open (creating) the file in WAL mode and bring its schema up to date."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            # A file system that refuses WAL (some network mounts) keeps the rollback journal: slower, still safe.
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a put stays well under a millisecond
            _migrate(conn)
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            # Kernels opening a new file at the same moment race for the switch to WAL, and SQLite answers
            # "locked" at once instead of waiting: try again until the busy timeout is spent.
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
        except BaseException:
            conn.close()
            raise


def is_busy(exc: sqlite3.Error) -> bool:
    """SQLite's transient "database is locked/busy" errors (another kernel is writing)."""
    return isinstance(exc, sqlite3.OperationalError) and any(word in str(exc).lower() for word in _BUSY)


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION (the ledger's migration runner); a newer file is used as it is."""
    apply_migrations(conn, MIGRATIONS, SCHEMA_VERSION)


def shrink(conn: sqlite3.Connection) -> None:
    """Give the space of deleted entries back to the disk (best effort: another kernel may be reading)."""
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:
        log.debug("response cache not shrunk: %s", exc)


def file_size(path: str) -> int:
    """The size of a file in bytes, 0 when it does not exist."""
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
