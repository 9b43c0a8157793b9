"""The cost ledger: rows, cost sources, statuses, migrations, several writers at once (durability: test_ledger_durable)."""

from __future__ import annotations

import math
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from openrouter_magic._accounting.ledger import LEDGER_COLUMNS, MIGRATIONS, SCHEMA_VERSION, Ledger
from openrouter_magic._core.types import ChatResponse, Usage

PRICES = {"prompt_usd_per_m": 3.0, "completion_usd_per_m": 15.0}


def answer(cost: float | None = 0.00042, **changes) -> ChatResponse:
    base = ChatResponse(text="pong", model="anthropic/claude-sonnet-4.5", requested_model="anthropic/claude-sonnet-4.5",
                        provider="Anthropic", generation_id="gen-1-abc", finish_reason="stop",
                        usage=Usage(prompt_tokens=100, completion_tokens=40, reasoning_tokens=8, cost=cost),
                        ttft_s=0.25, elapsed_s=1.25)
    return base.with_(**changes)


def test_frame_has_the_design_columns_in_order_then_requested_model(isolated_home):
    ledger = Ledger()
    ledger.record_response(answer())
    frame = ledger.frame()
    assert list(frame.columns) == [*LEDGER_COLUMNS, "requested_model", "run_id", "turn_id", "tag"]
    assert LEDGER_COLUMNS[:5] == ["time", "session", "model", "provider", "generation_id"]
    row = frame.iloc[0]
    assert (row["model"], row["provider"], row["generation_id"], row["status"]) == (
        "anthropic/claude-sonnet-4.5", "Anthropic", "gen-1-abc", "ok")
    assert (row["prompt_tokens"], row["completion_tokens"], row["reasoning_tokens"]) == (100, 40, 8)
    assert row["tokens_per_s"] == pytest.approx(40 / 1.0)
    assert str(frame["time"].dt.tz) == "UTC"


def test_ledger_file_lives_under_the_magic_home(isolated_home):
    ledger = Ledger()
    ledger.record_response(answer())
    assert ledger.flush() and (isolated_home / "ledger.sqlite").is_file()


def test_billed_cost_is_taken_from_usage(isolated_home):
    row = Ledger().record_response(answer(cost=0.0133176), prices=PRICES)
    assert (row["cost"], row["cost_source"]) == (0.0133176, "billed")


def test_free_model_billed_zero_stays_a_billed_zero(isolated_home):
    row = Ledger().record_response(answer(cost=0.0))
    assert (row["cost"], row["cost_source"]) == (0.0, "billed")


def test_missing_cost_is_estimated_from_catalog_prices(isolated_home):
    row = Ledger().record_response(answer(cost=None), prices=PRICES)
    assert row["cost_source"] == "estimated"
    assert row["cost"] == pytest.approx((100 * 3.0 + 40 * 15.0) / 1e6)


def test_missing_cost_without_prices_is_unknown_and_null_never_zero(isolated_home):
    ledger = Ledger()
    row = ledger.record_response(answer(cost=None), prices=None)
    assert (row["cost"], row["cost_source"]) == (None, "unknown")
    assert math.isnan(ledger.frame()["cost"].iloc[0])


def test_dynamic_price_counts_as_unknown(isolated_home):
    dynamic = {"prompt_usd_per_m": float("nan"), "completion_usd_per_m": 15.0}
    row = Ledger().record_response(answer(cost=None), prices=dynamic)
    assert row["cost_source"] == "unknown"


@pytest.mark.parametrize("status", ["ok", "error", "interrupted"])
def test_each_status_is_recorded_as_given(isolated_home, status):
    ledger = Ledger()
    ledger.record_response(answer(), status=status, error=None if status == "ok" else "502: provider down")
    assert ledger.frame()["status"].tolist() == [status]


def test_refused_row_has_the_reason_and_no_tokens(isolated_home):
    ledger = Ledger()
    ledger.record_refused("openai/gpt-4o", "refused: could cost up to ≈$0.96")
    row = ledger.frame().iloc[0]
    assert row["status"] == "refused" and row["error"].startswith("refused: could cost")
    assert row["cost"] == 0.0 and pd.isna(row["prompt_tokens"]) and pd.isna(row["completion_tokens"])


def test_unknown_status_is_rejected(isolated_home):
    with pytest.raises(ValueError, match="status"):
        Ledger().record_response(answer(), status="done")


def test_error_text_is_redacted(isolated_home, sentinel_key):
    from openrouter_magic._core.config import register_secret

    register_secret(sentinel_key)
    row = Ledger().record_response(answer(), status="error", error=f"401 for {sentinel_key}")
    assert sentinel_key not in row["error"]


def test_session_total_and_frame_cover_this_session_and_all_covers_history(isolated_home):
    first, second = Ledger(session_id="one"), Ledger(session_id="two")
    first.record_response(answer(cost=0.001))
    first.record_response(answer(cost=None), prices=None)  # unknown adds nothing
    second.record_response(answer(cost=0.01))
    assert first.session_total() == pytest.approx(0.001)
    assert len(first.frame()) == 2 and len(first.frame(all=True)) == 3
    assert set(second.frame(all=True)["session"]) == {"one", "two"}


def test_totals_by_model_sum_calls_tokens_cost_and_average_speed(isolated_home):
    ledger = Ledger()
    ledger.record_response(answer(cost=0.001))
    ledger.record_response(answer(cost=0.003, elapsed_s=2.25))
    ledger.record_response(answer(cost=None, model="x/y"), prices=None)
    table = ledger.totals(by="model")
    claude = table.loc["anthropic/claude-sonnet-4.5"]
    assert (claude["calls"], claude["tokens"], claude["cost"]) == (2, 280, pytest.approx(0.004))
    assert claude["tokens_per_s"] == pytest.approx((40.0 + 20.0) / 2)
    assert math.isnan(table.loc["x/y", "cost"]) and table.loc["x/y", "unknown_cost_calls"] == 1


def test_totals_by_day_group_on_the_utc_date(isolated_home):
    ledger = Ledger()
    ledger.record_response(answer(cost=0.001))
    table = ledger.totals(by="day")
    assert list(table.index) == [ledger.frame()["time"].dt.date.iloc[0]]
    with pytest.raises(ValueError):
        ledger.totals(by="week")


def make_version_1_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(MIGRATIONS[0])
    conn.execute("INSERT INTO calls (time, session, model, status, cost, cost_source) "
                 "VALUES ('2026-01-02T03:04:05+00:00', 'old', 'openai/gpt-4o', 'ok', 0.5, 'billed')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_an_older_schema_is_migrated_in_place_and_keeps_its_rows(tmp_path):
    path = tmp_path / "ledger.sqlite"
    make_version_1_database(path)
    ledger = Ledger(path, session_id="new")
    ledger.record_response(answer())
    assert ledger.flush()
    history = ledger.frame(all=True)
    assert history["session"].tolist() == ["old", "new"]
    assert pd.isna(history["requested_model"].iloc[0])
    assert history["requested_model"].iloc[1] == "anthropic/claude-sonnet-4.5"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6


def test_an_older_kernel_keeps_appending_to_a_migrated_database(tmp_path):
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path, session_id="new")
    ledger.record_response(answer())
    assert ledger.flush()
    older = sqlite3.connect(path)  # what version 2 of the package inserts: no row key
    older.execute("INSERT INTO calls (time, session, model, status, cost, cost_source, requested_model) "
                  "VALUES ('2030-01-01T00:00:00+00:00', 'v2', 'x/y', 'ok', 0.25, 'billed', 'x/y')")
    older.commit()
    older.close()
    history = ledger.frame(all=True)
    assert history["session"].tolist() == ["new", "v2"] and history["cost"].iloc[1] == 0.25


def test_database_is_in_wal_mode(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    ledger.record_response(answer())
    assert ledger.flush()
    assert sqlite3.connect(tmp_path / "l.sqlite").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_ledger_never_turns_into_a_memory_one_and_memory_is_only_asked_for(tmp_path):
    assert not Ledger(tmp_path / "l.sqlite").in_memory
    memory = Ledger(":memory:")
    memory.record_response(answer(cost=0.5))
    assert memory.in_memory and memory.pending == 0 and memory.session_total() == 0.5
    assert not (tmp_path / "l.sqlite").exists()  # opening a ledger creates nothing until a row is written


WRITER = """
import sys
from openrouter_magic._accounting.ledger import Ledger
from openrouter_magic._core.types import ChatResponse, Usage
path, worker = sys.argv[1], sys.argv[2]
ledger = Ledger(path, session_id=f"w{worker}")
for i in range(250):
    ledger.record_response(ChatResponse(model="m/x", generation_id=f"gen-{worker}-{i}", usage=Usage(1, 2, cost=0.001)))
ledger.close()
assert ledger.pending == 0, ledger.problem
"""


def test_four_processes_writing_250_rows_each_leave_exactly_1000_distinct_rows(tmp_path):
    path = tmp_path / "ledger.sqlite"
    root = Path(__file__).resolve().parents[2]
    workers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n)], cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(4)]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
        assert b"Warning" not in err, err.decode()
    frame = Ledger(path).frame(all=True)
    assert len(frame) == 1000
    assert frame["generation_id"].nunique() == 1000
    assert frame.groupby("session").size().to_dict() == {f"w{n}": 250 for n in range(4)}


def test_interrupted_call_without_usage_is_estimated_from_fallback_token_counts(isolated_home):
    partial = answer(cost=None, usage=Usage(), interrupted=True)
    row = Ledger().record_response(partial, status="interrupted", prices=PRICES, fallback_tokens=(20, 10))
    assert (row["status"], row["cost_source"]) == ("interrupted", "estimated")
    assert row["cost"] == pytest.approx((20 * 3.0 + 10 * 15.0) / 1e6) and row["prompt_tokens"] is None


def test_session_total_counts_rows_written_before_a_restart_with_the_same_session_id(tmp_path):
    Ledger(tmp_path / "l.sqlite", session_id="same").record_response(answer(cost=0.25))
    assert Ledger(tmp_path / "l.sqlite", session_id="same").session_total() == pytest.approx(0.25)
