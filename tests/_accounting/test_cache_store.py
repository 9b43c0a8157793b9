"""The response cache file: stats, pruning, ages, damaged files, several kernels at once, no API key inside."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

from cache_helpers import assert_same, full_response
from openrouter_magic import OpenRouter
from openrouter_magic._accounting import ResponseCache
from openrouter_magic._accounting.cache import SCHEMA_VERSION, CacheWarning, parse_age
from openrouter_magic._accounting.cache_codec import cache_key
from openrouter_magic._core.types import Done, Usage

ROOT = Path(__file__).resolve().parents[2]


# -- stats and pruning ---------------------------------------------------------------------------------

def test_stats_count_entries_bytes_and_this_sessions_hits_and_dollars_saved(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = ResponseCache(path)
    cache.put("a", full_response(usage=Usage(cost=0.01)), model="m")
    cache.put("b", full_response(usage=Usage(cost=0.002)), model="m")
    cache.put("free", full_response(usage=Usage()), model="m")
    for key in ("a", "a", "b", "free", "missing"):
        cache.get(key)
    stats = cache.stats()
    assert (stats.entries, stats.hits) == (3, 4)
    assert stats.saved_usd == pytest.approx(0.022)
    assert stats.bytes >= path.stat().st_size > 0
    cache.close()
    assert tuple(ResponseCache(path).stats())[::2] == (3, 0)  # a new session starts with no hits


def test_the_file_is_made_on_first_use_under_the_magic_home_in_wal_mode(isolated_home):
    cache = ResponseCache()
    assert not (isolated_home / "cache.sqlite3").exists()
    cache.put("k", full_response(), model="m")
    conn = sqlite3.connect(isolated_home / "cache.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    cache.close()


def age_entry(path, key: str, days: float) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE answers SET created = ? WHERE key = ?", (time.time() - days * 86400, key))
    conn.commit()
    conn.close()


def test_clear_prunes_by_age_by_model_or_everything(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = ResponseCache(path)
    for key, model, served in [("old", "a/x", "a/x-1"), ("new", "a/x", "a/x-1"), ("other", "b/y", "b/y"),
                               ("routed", "openrouter/auto", "b/y"), ("last", "c/z", "c/z")]:
        cache.put(key, full_response(model=served), model=model)
    age_entry(path, "old", 8)
    assert cache.clear(older_than=parse_age("7d")) == 1
    assert cache.clear(older_than=timedelta(days=7)) == 0
    assert cache.clear(model="b/y") == 2  # the requested or the served model
    assert (cache.get("old"), cache.get("other"), cache.get("routed")) == (None, None, None)
    assert cache.get("new") is not None
    assert cache.clear() == 2
    assert cache.stats().entries == 0
    cache.close()


def test_clear_by_age_and_model_needs_both_to_match(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = ResponseCache(path)
    for key, model in [("old-a", "a"), ("old-b", "b"), ("new-a", "a")]:
        cache.put(key, full_response(), model=model)
    age_entry(path, "old-a", 2)
    age_entry(path, "old-b", 2)
    assert cache.clear(older_than=parse_age("1d"), model="a") == 1
    assert [cache.get(k) is None for k in ("old-a", "old-b", "new-a")] == [True, False, False]
    cache.close()


@pytest.mark.parametrize(("text", "want"), [("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)),
                                            ("7d", timedelta(days=7)), ("2w", timedelta(weeks=2)),
                                            ("90s", timedelta(seconds=90)), (" 1.5D ", timedelta(hours=36))])
def test_parse_age_reads_a_number_and_a_unit(text, want):
    assert parse_age(text) == want


@pytest.mark.parametrize("text", ["banana", "", "7", "d", "-1d", "7y", "1.5.2h", "7 days", None])
def test_parse_age_rejects_anything_else_with_a_one_line_hint(text):
    with pytest.raises(ValueError) as error:
        parse_age(text)
    message = str(error.value)
    assert "\n" not in message and repr(text) in message and "7d" in message


# -- a damaged file ------------------------------------------------------------------------------------

def exercise(cache: ResponseCache) -> tuple:
    return (cache.get("k"), cache.put("k", full_response(), model="m"), cache.get("k"), cache.stats().entries,
            cache.clear(model="m"))


@pytest.mark.parametrize("damage", ["garbage", "directory"])
def test_an_unusable_file_warns_once_and_the_session_goes_on_uncached(tmp_path, damage):
    path = tmp_path / "cache.sqlite3"
    if damage == "garbage":
        path.write_bytes(b"this is not a database, just some text " * 200)
    else:
        path.mkdir()
    cache = ResponseCache(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [exercise(cache) for _ in range(3)]
    assert results == [(None, False, None, 0, 0)] * 3
    assert [w.category for w in caught] == [CacheWarning]
    assert str(path) in str(caught[0].message) and cache.disabled


def test_a_file_damaged_while_open_warns_once_and_goes_on_uncached(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = ResponseCache(path)
    cache.put("k", full_response(), model="m")
    for name in ("cache.sqlite3", "cache.sqlite3-wal", "cache.sqlite3-shm"):
        if (tmp_path / name).exists():
            (tmp_path / name).write_bytes(b"\x00garbage" * 4096)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [exercise(cache) for _ in range(2)]
    assert results == [(None, False, None, 0, 0)] * 2
    assert [w.category for w in caught] == [CacheWarning]


def test_one_damaged_entry_is_a_miss_without_a_warning(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = ResponseCache(path)
    cache.put("k", full_response(), model="m")
    cache.put("ok", full_response(), model="m")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE answers SET value = '{\"format\": 1' WHERE key = 'k'")
    conn.commit()
    conn.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.get("k") is None
        assert cache.get("ok") is not None
    cache.close()


def test_a_file_from_a_newer_version_with_more_columns_is_still_used(tmp_path):
    path = tmp_path / "cache.sqlite3"
    first = ResponseCache(path)
    first.stats()  # makes the file with this version's schema
    first.close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE answers ADD COLUMN future TEXT")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 3}")
    conn.commit()
    conn.close()
    cache = ResponseCache(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.put("k", full_response(), model="m")
        assert_same(cache.get("k").response, full_response())
    cache.close()


def hold_write_lock(path) -> sqlite3.Connection:
    """Another kernel in the middle of a long write."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_write_locked_by_another_kernel_is_skipped_quietly_and_later_writes_land(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = ResponseCache(path, busy_timeout_ms=50)
    cache.put("before", full_response(), model="m")
    other = hold_write_lock(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.put("during", full_response(), model="m") is False
        assert cache.get("before") is not None  # WAL: reading goes on while another kernel writes
    other.execute("COMMIT")
    other.close()
    assert cache.put("after", full_response(), model="m") and not cache.disabled
    assert [cache.get(k) is not None for k in ("before", "during", "after")] == [True, False, True]
    cache.close()


def test_a_file_that_stays_locked_is_given_up_after_three_tries_with_one_warning(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = ResponseCache(path, busy_timeout_ms=20)
    cache.put("before", full_response(), model="m")
    other = hold_write_lock(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [cache.put(f"k{i}", full_response(), model="m") for i in range(5)] == [False] * 5
    other.execute("ROLLBACK")
    other.close()
    assert [w.category for w in caught] == [CacheWarning] and cache.disabled
    assert cache.get("before") is None  # uncached for the rest of the session


# -- several kernels, and the key ----------------------------------------------------------------------

WRITER = """
import sys, time
from openrouter_magic._accounting import ResponseCache
from openrouter_magic._core.types import ChatResponse, Usage
path, worker, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
cache = ResponseCache(path)
while time.time() < start:  # all writers begin together, on a file none of them has made yet
    time.sleep(0.001)
stored = sum(cache.put(f"w{worker}-{i}", ChatResponse(text=f"answer {worker}/{i}", model="m", finish_reason="stop",
                                                     usage=Usage(cost=0.001)), model="m") for i in range(100))
print(stored)
"""


def test_four_processes_writing_100_answers_each_at_once_lose_nothing(tmp_path):
    path = tmp_path / "home" / "cache.sqlite3"
    start = time.time() + 3.0  # time for the four interpreters to import the package
    writers = [subprocess.Popen([sys.executable, "-W", "error", "-c", WRITER, str(path), str(w), str(start)],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for w in range(4)]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    assert [(w.returncode, out.strip(), err) for w, (out, err) in zip(writers, outputs)] == [(0, "100", "")] * 4
    cache = ResponseCache(path)
    texts = [cache.get(f"w{w}-{i}").response.text for w in range(4) for i in range(100)]
    assert texts == [f"answer {w}/{i}" for w in range(4) for i in range(100)]
    assert cache.stats().entries == 400
    cache.close()


async def test_the_api_key_never_reaches_the_cache_file(isolated_home, fake, sentinel_key, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    async with OpenRouter(base_url=fake.base_url) as client:
        events = [event async for event in client.stream("Say hi", model="openai/gpt-4o-mini", temperature=0.1)]
    request = fake.chat_requests[-1]
    assert request.headers["authorization"] == f"Bearer {sentinel_key}"  # it was really sent
    response = events[-1].response if isinstance(events[-1], Done) else pytest.fail("the stream did not finish")
    cache = ResponseCache()
    key = cache_key(request.json, fake.base_url)
    assert cache.put(key, response, model=request.json["model"], extra={"request": request.json})
    assert_same(cache.get(key).response, response)
    cache.close()
    files = list(isolated_home.iterdir())
    assert isolated_home / "cache.sqlite3" in files
    for file in files:
        data = file.read_bytes()
        assert sentinel_key.encode() not in data and sentinel_key[-12:].encode() not in data, file.name
