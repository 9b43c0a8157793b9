"""The cost ledger: one SQLite row per call, written when the call ends — never lost, never in the way.

The database lives at ``magic_home()/ledger.sqlite`` (WAL, busy timeout), shared by every kernel and by
every version of the package (migrations only add; see :mod:`.schema`). Recording a row never waits for the
file: the row is counted at once (``session_total``, the budget) and handed to one writer thread
(:mod:`.writer`). While the file is locked or unusable, rows wait in memory (``pending``; the footer and
``%openrouter cost`` say "N rows not yet saved") and are written when it works again; a problem is told
once (:class:`LedgerWarning`). Reads include the waiting rows. Rows left are flushed on close and at exit.

    ledger = Ledger()                                   # this kernel's session id is made up here
    ledger.record_response(response, prices=prices)     # billed cost, else estimated, else unknown
    ledger.frame()                                      # this session; frame(all=True) for all history
"""

from __future__ import annotations

import sqlite3
import time
import uuid
import warnings
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._core import ChatResponse, magic_home, redact
from .estimate import estimate_cost
from .reserve import Reservation, SpendBook
from .runs import RUN_ID
from .tags import TAG
from .turns import current_turn
from .schema import ALL_COLUMNS, LEDGER_COLUMNS, MIGRATIONS, SCHEMA_VERSION, Row, session_sum
from .writer import FileStore, LedgerWarning, MemoryStore, waiting_rows

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["LEDGER_COLUMNS", "Ledger", "LedgerWarning", "MIGRATIONS", "SCHEMA_VERSION", "estimate_cost"]

STATUSES = ("ok", "error", "interrupted", "refused", "cached")
_QUICK_READ_MS = 50  # the session total at start: never worth waiting for a busy file


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def unsaved_text(count: int) -> str:
    """``1 row not yet saved`` / ``3 rows not yet saved`` (empty for 0)."""
    return f"{count} row{'s' * (count != 1)} not yet saved" if count else ""


class Ledger:
    """This session's view of the persistent cost ledger (see the module docstring)."""

    def __init__(self, path: str | Path | None = None, session_id: str | None = None, *,
                 busy_timeout_ms: int = 3000) -> None:
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self.path = str(path) if path is not None else str(magic_home() / "ledger.sqlite")
        self.busy_timeout_ms = busy_timeout_ms
        self.last_row: dict[str, Any] | None = None  # the latest row this session wrote (for the footer)
        self.book = SpendBook(self.session_total)  # reservations of calls in flight (the budget)
        self._said: set[str] = set()
        self._heard: list[tuple[str, str]] = []  # problems the writer thread met, told in the caller's thread
        self._added = 0.0  # USD recorded by this object; only it writes this session's rows
        self._base: float | None = None  # USD of this session already on disk when we started
        if self.path == ":memory:":
            self._store: FileStore | MemoryStore = MemoryStore(busy_timeout_ms)
            self._base = 0.0
        else:
            self._store = FileStore(self.path, busy_timeout_ms, self._hear, on_open=self._learn_base)
            self._base = self._quick_base()

    # -- state -------------------------------------------------------------------------------------
    @property
    def in_memory(self) -> bool:
        """True for a ``":memory:"`` ledger (the sandbox's); a file ledger never turns into one."""
        return self.path == ":memory:"

    @property
    def pending(self) -> int:
        """Rows recorded but not yet on disk (waiting for a locked or unusable file)."""
        self._tell()
        return self._store.pending

    def unsaved(self, wait: float = 0.2) -> int:
        """Rows not yet on disk after giving the writer up to ``wait`` s to catch up (less once the file is
        seen to be locked or broken): what the footer reports, without a row simply being written now."""
        deadline = time.monotonic() + wait
        while self._store.pending and not self._store.stalled and time.monotonic() < deadline:
            self._store.flush(0.02)
        return self.pending

    @property
    def problem(self) -> str | None:
        """Why rows are waiting (the file's last error), or None while it works."""
        return self._store.problem

    def session_total(self) -> float:
        """USD spent in this session (billed + estimated; calls of unknown cost add nothing), saved or not."""
        return (self._base or 0.0) + self._added

    def _quick_base(self) -> float | None:
        """This session's USD recorded before us (a restart with the same id); None if the file is busy now."""
        try:
            rows = self._merged(self.session_id, lambda session: self._store.read(session, _QUICK_READ_MS))
        except (sqlite3.Error, OSError):
            return None
        return sum(row[ALL_COLUMNS.index("cost")] or 0.0 for row in rows)

    def _learn_base(self, conn: sqlite3.Connection) -> None:
        if self._base is None:  # the quick read failed: the writer reads it once the file opens
            self._base = session_sum(conn, self.session_id)

    # -- problems, told once in the caller's thread --------------------------------------------------
    def _hear(self, kind: str, detail: str) -> None:
        self._heard.append((kind, detail))

    def _tell(self) -> None:
        while self._heard:
            try:
                kind, detail = self._heard.pop(0)
            except IndexError:  # another thread told it meanwhile
                return
            if kind in self._said:
                continue
            self._said.add(kind)
            if kind == "wal":
                message = (f"the cost ledger at {self.path} cannot use WAL on this file system (journal mode "
                           f"{detail}): rows are still saved, but kernels writing at once wait for each other")
            else:
                message = (f"the cost ledger at {self.path} cannot be written now ({detail}); rows are kept in "
                           f"memory and saved as soon as it can be ({unsaved_text(self._store.pending) or 'none'} "
                           "so far)")
            warnings.warn(message, LedgerWarning, stacklevel=3)

    # -- writing -----------------------------------------------------------------------------------
    def _insert(self, row: dict[str, Any], reservation: Reservation | None = None) -> None:
        row["run_id"] = row.get("run_id") or RUN_ID.get()  # set by a row map for its rows
        row["tag"] = row.get("tag") or TAG.get()  # %%openrouter --tag LABEL
        row["turn_id"] = row.get("turn_id") or current_turn()  # set by the tool loop for its steps
        with self.book.lock:  # the cost replaces the reservation in one step: admission never sees neither
            self._added += row["cost"] or 0.0
            if reservation is not None:
                reservation.release()
        self.last_row = row
        self._store.submit((*(row[name] for name in ALL_COLUMNS), uuid.uuid4().hex))
        self._tell()

    def record_response(self, response: ChatResponse, *, status: str = "ok", error: str | None = None,
                        prices: Any = None, fallback_tokens: tuple[int, int] | None = None,
                        reservation: Reservation | None = None) -> dict[str, Any]:
        """Record one row for a finished, failed or interrupted call and return it (never waits for the file).

        Cost: OpenRouter's billed ``usage.cost`` ("billed"), else token counts × catalog ``prices``
        ("estimated"), else NULL ("unknown") — never a made-up 0. The call's budget ``reservation`` is
        replaced by this cost.
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
        self._insert(row, reservation)
        return row

    def record_refused(self, model: str, reason: str) -> dict[str, Any]:
        """Record the row of a call the budget refused before sending (nothing was spent)."""
        row = dict.fromkeys(ALL_COLUMNS)
        row.update(time=_now(), session=self.session_id, model=model, requested_model=model, status="refused",
                   cost=0.0, cost_source="billed", error=redact(reason))
        self._insert(row)
        return row

    # -- reading -----------------------------------------------------------------------------------
    def rows(self, all: bool = False) -> list[Row]:
        """Rows (``ALL_COLUMNS``) on disk and still waiting, oldest first; this session or ``all``."""
        try:
            rows = self._merged(None if all else self.session_id, self._store.read)
        except (sqlite3.Error, OSError) as exc:
            self._hear("unavailable", f"cannot read it: {redact(str(exc)) or type(exc).__name__}")
            rows = self._merged(None if all else self.session_id, lambda session: [])
        self._tell()
        return [row[:-1] for row in rows]

    def _merged(self, session: str | None, read: Callable[[str | None], list[Row]]) -> list[Row]:
        """Rows on disk (``read``) plus those still waiting in this process (ours or another ledger's)."""
        waiting = self._store.pending_rows() if self.in_memory else waiting_rows(self.path)
        waiting = [row for row in waiting if session is None or row[1] == session]  # taken before the disk:
        saved = read(session)  # a row written meanwhile is then in both, never in neither
        if not waiting:
            return saved
        on_disk = {row[-1] for row in saved}
        return sorted(saved + [row for row in waiting if row[-1] not in on_disk], key=lambda row: row[0])

    def frame(self, all: bool = False) -> pandas.DataFrame:
        """The rows as a DataFrame: DESIGN §3 columns, then ``requested_model`` (this session, or all history)."""
        import pandas as pd

        df = pd.DataFrame.from_records(self.rows(all), columns=ALL_COLUMNS)
        df["time"] = pd.to_datetime(df["time"], utc=True, format="ISO8601")
        for name in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
            df[name] = df[name].astype("Int64")
        for name in ("cost", "ttft_s", "elapsed_s", "tokens_per_s"):
            df[name] = df[name].astype("float64")
        return df

    def totals(self, by: str = "model", all: bool = False) -> pandas.DataFrame:
        """Calls, tokens, cost and mean tokens/s grouped ``by`` "model" or "day" (UTC)."""
        from .totals import totals

        return totals(self.frame(all=all), by=by)

    # -- the end -----------------------------------------------------------------------------------
    def flush(self, timeout: float | None = 5.0) -> bool:
        """Wait (at most ``timeout`` s) until every row is on disk; True when none is left waiting."""
        done = self._store.flush(timeout)
        self._tell()
        return done

    def close(self, timeout: float | None = 5.0) -> None:
        """Write what is waiting (at most ``timeout`` s), then close; warns if rows could not be saved."""
        left = self._store.close(timeout)
        self._tell()
        if left:
            warnings.warn(f"{unsaved_text(left)} to the cost ledger at {self.path} ({self.problem or 'busy'}): "
                          "they are lost when this process ends", LedgerWarning, stacklevel=2)

    def __repr__(self) -> str:
        where = "memory" if self.in_memory else self.path
        waiting = f" ({unsaved_text(self._store.pending)})" if self._store.pending else ""
        return f"<Ledger session={self.session_id} at {where}{waiting}>"

