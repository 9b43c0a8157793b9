"""No ledger row is lost silently, and the ledger never makes a call wait (DESIGN §13, §6).

Another process locks the file; a newer version wrote it; it is corrupt; its folder cannot be created; the
file system cannot do WAL; the process exits with rows still waiting. The file is always checked with a
separate sqlite3 connection.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from _magic_shell import run, shell  # noqa: F401 (fixtures)

from openrouter_magic._accounting.ledger import SCHEMA_VERSION, Ledger, LedgerWarning
from openrouter_magic._core.types import ChatResponse, Usage
from openrouter_magic._session.session import Session

ROOT = Path(__file__).resolve().parents[2]
LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
print("released", flush=True)
"""


def call(cost: float = 0.001, n: int = 0) -> ChatResponse:
    return ChatResponse(model="m/x", requested_model="m/x", generation_id=f"gen-{n}", usage=Usage(10, 20, cost=cost))


def rows_on_disk(path: Path) -> int:
    conn = sqlite3.connect(path, timeout=5)
    try:
        return conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    finally:
        conn.close()


def lock_for(path: Path, seconds: float) -> subprocess.Popen:
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert locker.stdout.readline().strip() == "locked"
    return locker


def released(locker: subprocess.Popen) -> None:
    """Wait for the locking process to end and close its pipe."""
    locker.wait(10)
    locker.stdout.close()


def recorded(caught: list) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, LedgerWarning)]


def test_a_ledger_locked_by_another_process_slows_no_call_and_gets_every_row_after(shell, isolated_home):
    path = isolated_home / "ledger.sqlite"
    earlier = Ledger(path, session_id="earlier")  # another kernel made the file (WAL) before
    earlier.record_response(call())
    earlier.close()
    locker = lock_for(path, 5.0)
    try:
        walls, footers = [], []
        for n in range(3):
            started = time.perf_counter()
            ran = run(shell, f"%%openrouter -m openai/gpt-4o-mini\nSay hello number {n}")
            walls.append(time.perf_counter() - started)
            assert ran.error is None, ran.error
            footers.append(ran.final_text())
        report = run(shell, "%openrouter cost").result.result
        assert locker.poll() is None, "the lock must still be held while the calls ran"
    finally:
        assert locker.stdout.readline().strip() == "released"
        released_at = time.monotonic()
        released(locker)
    assert max(walls) < 1.5, walls  # the lock lasts 5 s: no call waited for it
    assert "ledger: 3 rows not yet saved" in footers[-1]
    assert report.title.endswith(" over 3 calls; 3 rows not yet saved")  # and they are in the report
    while rows_on_disk(path) < 4 and time.monotonic() - released_at < 2.0:
        time.sleep(0.05)
    assert rows_on_disk(path) == 4 and time.monotonic() - released_at < 2.0
    assert Session.get(shell).ledger.pending == 0


def test_recording_never_waits_for_a_file_locked_in_rollback_mode(tmp_path):
    path = tmp_path / "ledger.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE unrelated (x)")  # no WAL: readers block too
    conn.close()
    locker = lock_for(path, 2.0)
    ledger = Ledger(path, session_id="s")
    started = time.perf_counter()
    for n in range(20):
        ledger.record_response(call(n=n))
    assert time.perf_counter() - started < 0.2 and ledger.pending == 20
    assert ledger.session_total() == pytest.approx(0.02)
    released(locker)
    assert ledger.flush(5.0) and rows_on_disk(path) == 20
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # checked and set once it could be
    conn.close()


def make_newer_database(path: Path) -> None:
    """What a newer version of the package leaves: a higher user_version, a column and a table we do not know."""
    ledger = Ledger(path, session_id="older-row")
    ledger.record_response(call(cost=0.5))
    ledger.close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE calls ADD COLUMN cache_hit INTEGER DEFAULT 0")
    conn.execute("CREATE TABLE prompts (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 4}")
    conn.commit()
    conn.close()


def test_a_database_from_a_newer_version_is_read_and_appended_to(tmp_path):
    path = tmp_path / "ledger.sqlite"
    make_newer_database(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ledger = Ledger(path, session_id="now")
        ledger.record_response(call(cost=0.25, n=1))
        ledger.record_response(call(cost=0.125, n=2))
        assert ledger.flush(5.0)
        history = ledger.frame(all=True)
    assert recorded(caught) == [] and not ledger.in_memory
    assert history["session"].tolist() == ["older-row", "now", "now"]
    assert history["cost"].tolist() == [0.5, 0.25, 0.125]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 4  # left as the newer one set it
    assert conn.execute("SELECT cache_hit FROM calls WHERE session = 'now'").fetchall() == [(0,), (0,)]
    conn.close()
    assert rows_on_disk(path) == 3


def test_a_corrupt_file_gives_one_warning_and_keeps_every_row_until_it_can_be_written(isolated_home):
    isolated_home.mkdir(parents=True)
    path = isolated_home / "ledger.sqlite"
    path.write_bytes(b"this is not a database, just bytes " * 200)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ledger = Ledger()
        for n in range(3):
            ledger.record_response(call(n=n))
        assert not ledger.flush(0.5)
        for n in range(3, 10):
            ledger.record_response(call(n=n))
        frame = ledger.frame()
        unsaved = ledger.pending
    messages = recorded(caught)
    assert len(messages) == 1 and "cannot be written now" in messages[0] and "kept in memory" in messages[0]
    assert unsaved == 10 and len(frame) == 10 and ledger.session_total() == pytest.approx(0.01)
    assert not ledger.in_memory and ledger.problem
    from openrouter_magic._accounting import cost_report

    assert cost_report(ledger).title.endswith("; 10 rows not yet saved")
    path.unlink()  # someone moves the broken file away: the rows go to a fresh one
    assert ledger.flush(10.0) and rows_on_disk(path) == 10 and ledger.problem is None


def test_an_unusable_home_folder_gives_one_warning_and_the_rows_wait_for_it(isolated_home, monkeypatch):
    blocker = isolated_home.parent / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("OPENROUTER_MAGIC_HOME", str(blocker / "home"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ledger = Ledger()
        ledger.record_response(call(n=1))
        ledger.record_response(call(n=2))
        assert not ledger.flush(0.5)
        ledger.record_response(call(n=3))
        assert ledger.pending == 3
    assert len(recorded(caught)) == 1 and ledger.session_total() == pytest.approx(0.003)
    blocker.unlink()  # the folder can be made now
    assert ledger.flush(10.0) and rows_on_disk(blocker / "home" / "ledger.sqlite") == 3


def test_a_file_system_without_wal_is_said_once_and_rows_are_still_saved(tmp_path):
    path = tmp_path / "ledger.sqlite"
    # The dot-file locking VFS has no shared memory, like some network file systems: WAL is refused.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ledger = Ledger(f"file:{path}?vfs=unix-dotfile")
        for n in range(3):
            ledger.record_response(call(n=n))
        assert ledger.flush(5.0)
        ledger.record_response(call(n=4))
        assert ledger.flush(5.0)
    messages = recorded(caught)
    assert len(messages) == 1 and "cannot use WAL" in messages[0] and "journal mode delete" in messages[0]
    assert rows_on_disk(path) == 4


EXITING = """
import sqlite3, sys, threading, time
from openrouter_magic._accounting.ledger import Ledger
from openrouter_magic._core.types import ChatResponse, Usage
path = sys.argv[1]
first = Ledger(path, session_id="first")
first.record_response(ChatResponse(model="m/x", usage=Usage(1, 2, cost=0.001)))
first.close()
holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
holder.execute("BEGIN EXCLUSIVE")  # the file is busy as the script ends
ledger = Ledger(path, session_id="exiting", busy_timeout_ms=100)
for i in range(5):
    ledger.record_response(ChatResponse(model="m/x", generation_id=f"gen-{i}", usage=Usage(1, 2, cost=0.001)))
def release():
    time.sleep(0.5)
    holder.execute("ROLLBACK")
threading.Thread(target=release, daemon=True).start()
print("pending", ledger.pending, flush=True)
"""


def test_rows_still_waiting_when_python_exits_are_written_at_exit(tmp_path):
    path = tmp_path / "ledger.sqlite"
    done = subprocess.run([sys.executable, "-c", EXITING, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "pending 5"  # nothing was on disk when the script ended…
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM calls WHERE session = 'exiting'").fetchone()[0] == 5  # …all is now
    conn.close()


def test_close_writes_what_waits_and_warns_about_rows_it_could_not_save(tmp_path):
    path = tmp_path / "ledger.sqlite"
    saved = Ledger(path)
    saved.record_response(call())
    saved.close()
    assert rows_on_disk(path) == 1
    locker = lock_for(path, 3.0)
    stuck = Ledger(path, busy_timeout_ms=50)
    stuck.record_response(call(n=2))
    with pytest.warns(LedgerWarning, match="1 row not yet saved to the cost ledger"):
        stuck.close(timeout=0.3)
    released(locker)


def test_a_lock_held_for_long_is_said_once_and_the_rows_still_wait(tmp_path, monkeypatch):
    from openrouter_magic._accounting import writer

    monkeypatch.setattr(writer, "LONG_BUSY_S", 0.3)
    path = tmp_path / "ledger.sqlite"
    first = Ledger(path)
    first.record_response(call())
    first.close()
    locker = lock_for(path, 2.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ledger = Ledger(path, busy_timeout_ms=100)
        ledger.record_response(call(n=1))
        assert not ledger.flush(1.0)
        ledger.record_response(call(n=2))
    messages = recorded(caught)
    assert len(messages) == 1 and "locked by another process for over 0.3 s" in messages[0]
    released(locker)
    assert ledger.flush(5.0) and rows_on_disk(path) == 3 and ledger.problem is None


def test_a_row_recorded_after_close_is_still_written(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    ledger.record_response(call(n=1))
    ledger.close()
    ledger.record_response(call(n=2))
    assert ledger.pending == 0 and rows_on_disk(tmp_path / "ledger.sqlite") == 2
