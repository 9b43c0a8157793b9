"""Where ledger rows go: one writer thread per file, rows waiting in memory until they are on disk.

The caller never waits for the database: :meth:`FileStore.submit` appends the row to ``pending`` and wakes
the writer thread, which inserts everything pending in one transaction. While the file is locked (another
kernel inside a long write) the writer keeps retrying, SQLite's ``busy_timeout`` doing the waiting; while
it cannot be used at all (corrupt, read-only, a missing directory) the rows stay pending, the problem is
reported once, and the writer tries again now and then. A row leaves ``pending`` only once committed.
The thread ends after ``IDLE_S`` without work and starts again with the next row; ``flush`` (also run at
exit) writes in the calling thread when no writer thread is running.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from pathlib import Path

from .._core import redact
from .schema import Row, connect, migrate, select_rows, use_wal, write_rows

__all__ = ["FileStore", "LedgerWarning", "MemoryStore", "waiting_rows"]

IDLE_S = 5.0  # a writer thread with nothing to do for this long ends
BUSY_RETRY_S = 0.02  # after SQLite's own busy wait, before trying again
RETRY_S = (0.25, 0.5, 1.0, 2.0, 5.0)  # waits between attempts at a file that cannot be used
LONG_BUSY_S = 30.0  # locked for this long: say so (rows are still kept)
READ_TIMEOUT_MS = 1000
EXIT_FLUSH_S = 5.0
SLOW_WRITE_S = 0.05  # a write under way for longer is waiting for another process's lock

Report = Callable[[str, str], None]  # (kind, message): "unavailable" | "wal"


class LedgerWarning(UserWarning):
    """The ledger file cannot be written now (rows wait in memory), or cannot use WAL."""


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc).lower() for w in ("locked", "busy"))


def _why(exc: BaseException) -> str:
    return redact(str(exc)) or type(exc).__name__


class MemoryStore:
    """Rows in an in-memory database (``":memory:"``, the sandbox): written at once, nothing pending."""

    def __init__(self, busy_timeout_ms: int = 0) -> None:
        self._lock = threading.Lock()
        self._conn = connect(":memory:", busy_timeout_ms)
        migrate(self._conn)

    pending = 0
    problem: str | None = None
    stalled = False

    def pending_rows(self) -> list[Row]:
        """Nothing waits in memory here."""
        return []

    def submit(self, row: Row) -> None:
        """Insert the row now."""
        with self._lock:
            write_rows(self._conn, [row])

    def read(self, session: str | None, timeout_ms: int = 0) -> list[Row]:
        """Rows of one session (or all); nothing to wait for in memory."""
        with self._lock:
            return select_rows(self._conn, session)

    def flush(self, timeout: float | None = None) -> bool:
        """Always flushed."""
        return True

    def close(self, timeout: float | None = None) -> int:
        """Close the database; returns 0 (no row is left unsaved)."""
        with self._lock:
            self._conn.close()
        return 0


class FileStore:
    """Rows of one SQLite file, written by one thread; see the module docstring."""

    def __init__(self, path: str, busy_timeout_ms: int, report: Report,
                 on_open: Callable[[sqlite3.Connection], None] | None = None) -> None:
        self.path, self.busy_timeout_ms = path, busy_timeout_ms
        self.problem: str | None = None  # why rows are waiting (None while the file works)
        self._report, self._on_open = report, on_open
        self._cond = threading.Condition()
        self._pending: list[Row] = []
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._busy_since: float | None = None
        self._stuck = False  # the last attempt failed (locked or broken)
        self._attempt_since: float | None = None
        self._failures = 0
        with _LIVE_LOCK:
            _LIVE.add(self)

    @property
    def pending(self) -> int:
        """Rows not yet on disk."""
        return len(self._pending)

    @property
    def stalled(self) -> bool:
        """True when rows will wait a while: the last write failed, or the one under way waits for a lock."""
        since = self._attempt_since
        return self._stuck or (since is not None and time.monotonic() - since > SLOW_WRITE_S)

    def pending_rows(self) -> list[Row]:
        """A copy of the rows not yet on disk."""
        with self._cond:
            return list(self._pending)

    def submit(self, row: Row) -> None:
        """Queue one row and make sure a writer thread will write it; never waits for the database."""
        with self._cond:
            self._pending.append(row)
            self._cond.notify_all()
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name="openrouter-ledger-writer", daemon=True)
                try:
                    self._thread.start()
                except RuntimeError:  # the interpreter is shutting down: no new thread
                    self._thread = None
            alone = self._thread is None
        if alone:  # closed, or at exit: nobody else will write it, so write it here
            self.flush(EXIT_FLUSH_S)

    # -- the writer thread ---------------------------------------------------------------------
    def _run(self) -> None:
        conn, wait = None, 0.0
        try:
            while True:
                batch = self._next_batch(wait)
                if batch is None:
                    return
                conn, wait = self._attempt(conn, batch)
        finally:
            if conn is not None:
                conn.close()

    def _next_batch(self, wait: float) -> list[Row] | None:
        """Everything pending, after ``wait`` (a back-off); None when the thread should end."""
        with self._cond:
            if wait and not self._stopped:
                self._cond.wait(wait)
            while not self._pending and not self._stopped:
                if not self._cond.wait(IDLE_S) and not self._pending:
                    break
            if self._stopped or not self._pending:
                self._thread = None
                return None
            return list(self._pending)

    def _attempt(self, conn: sqlite3.Connection | None, batch: list[Row]) -> tuple[sqlite3.Connection | None, float]:
        """Try to write ``batch``; return the connection to keep and how long to wait before the next try."""
        self._attempt_since = time.monotonic()
        try:
            conn = conn or self._open()
            write_rows(conn, batch)
        except (sqlite3.Error, OSError) as exc:
            return self._failed(conn, exc)
        finally:
            self._attempt_since = None
        written = {id(row) for row in batch}
        with self._cond:  # by identity: a flush in another thread may have written some of them too
            self._pending = [row for row in self._pending if id(row) not in written]
            self.problem, self._busy_since, self._failures, self._stuck = None, None, 0, False
            self._cond.notify_all()
        return conn, 0.0

    def _failed(self, conn: sqlite3.Connection | None, exc: BaseException) -> tuple[sqlite3.Connection | None, float]:
        self._stuck = True
        if _busy(exc):  # another kernel holds the lock: SQLite has waited busy_timeout already; go again
            self._busy_since = self._busy_since or time.monotonic()
            if time.monotonic() - self._busy_since >= LONG_BUSY_S and self.problem is None:
                self._problem(f"locked by another process for over {LONG_BUSY_S:g} s")
            return conn, BUSY_RETRY_S
        if conn is not None:
            conn.close()
        self._problem(_why(exc))
        self._failures += 1
        return None, RETRY_S[min(self._failures - 1, len(RETRY_S) - 1)]

    def _problem(self, why: str) -> None:
        if self.problem is None:  # report the change, not every retry
            self._report("unavailable", why)
        self.problem = why

    def _open(self) -> sqlite3.Connection:
        conn = connect(self.path, self.busy_timeout_ms)
        try:
            mode = use_wal(conn)
            if mode != "wal":
                self._report("wal", mode)
            migrate(conn)
            if self._on_open is not None:
                self._on_open(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    # -- the caller's side -----------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every pending row is on disk (at most ``timeout`` s); True when none is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()  # a writer waiting out a back-off tries again now
            while self._pending and self._thread is not None:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        if self._pending:  # no writer thread (at exit, or stopped): write here
            self._write_here(deadline)
        return not self._pending

    def _write_here(self, deadline: float | None) -> None:
        conn = None
        try:
            while self._pending and (deadline is None or time.monotonic() < deadline):
                conn, wait = self._attempt(conn, self.pending_rows())
                if self._pending and wait:
                    time.sleep(min(wait, max(0.0, (deadline or float("inf")) - time.monotonic())))
        finally:
            if conn is not None:
                conn.close()

    def read(self, session: str | None, timeout_ms: int = READ_TIMEOUT_MS) -> list[Row]:
        """Rows on disk of one session (or all); [] when the file does not exist yet. Raises sqlite3.Error.

        A connection of its own each time (reads are rare, opening costs well under a millisecond): no
        connection is left open for the garbage collector.
        """
        if not self.path.startswith("file:") and not Path(self.path).is_file():
            return []  # reading never creates the file
        conn = connect(self.path, timeout_ms)
        try:
            return select_rows(conn, session)
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # the writer has not created it yet
                return []
            raise
        finally:
            conn.close()

    def close(self, timeout: float | None = EXIT_FLUSH_S) -> int:
        """Flush (at most ``timeout`` s), then stop the writer; returns how many rows could not be saved."""
        self.flush(timeout)
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)
        with _LIVE_LOCK:
            _LIVE.discard(self)
        return len(self._pending)


_LIVE: weakref.WeakSet[FileStore] = weakref.WeakSet()  # every open store, for reads and the exit flush
_LIVE_LOCK = threading.Lock()


def _live() -> list[FileStore]:
    with _LIVE_LOCK:
        return list(_LIVE)


def waiting_rows(path: str) -> list[Row]:
    """Rows still waiting to be written to ``path`` by any ledger of this process."""
    return [row for store in _live() if store.path == path for row in store.pending_rows()]


@atexit.register
def _flush_at_exit() -> None:
    """Rows still pending when Python exits are written now (each store waits at most EXIT_FLUSH_S)."""
    for store in _live():
        left = store.close(EXIT_FLUSH_S)
        if left:
            warnings.warn(f"{left} cost ledger row{'s' * (left != 1)} could not be saved to {store.path} before "
                          f"exit ({store.problem or 'locked'})", LedgerWarning, stacklevel=1)
