"""The comparison runner against the emulator over loopback: concurrency, isolation, Stop, table, ledger, budget."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest
from _waits import until

from openrouter_magic import OpenRouter
from openrouter_magic._accounting.budget import Budget, worst_case_cost
from openrouter_magic._catalog import catalog_row
from openrouter_magic._core import BudgetExceeded
from openrouter_magic._widgets.compare.api import build_messages, compare, session_factory, validate_models
from openrouter_magic._widgets.compare.pane import FRAME_COLUMNS
from openrouter_magic._widgets.compare.run import CompareRun
from openrouter_magic._session.session import Session
from openrouter_magic.testing import FakeOpenRouter

A, B, C = "openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"
FREE = "deepseek/deepseek-chat-v3.1:free"
MODELS = [A, B, C]
PROMPT = "Explain server-sent events in one paragraph."
KEY = "sk-or-v1-compare-test-0123456789"


class Recorder:
    """A listener that remembers every update it was given."""

    def __init__(self) -> None:
        self.updates: list[tuple[int, str, int]] = []
        self.first_finish_texts: list[int] | None = None
        self.finished = 0
        self.run: CompareRun | None = None

    def pane_changed(self, index, pane) -> None:
        self.updates.append((index, pane.status, len(pane.text)))
        if pane.finished and self.first_finish_texts is None:
            self.first_finish_texts = [len(p.text) for p in self.run.panes]

    def run_finished(self, run) -> None:
        self.finished += 1


@pytest.fixture
def server():
    with FakeOpenRouter() as fake:
        yield fake


@pytest.fixture
async def client(server):
    async with OpenRouter(api_key=KEY, base_url=server.base_url, max_retries=0) as c:
        yield c


@pytest.fixture
def session(server, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    s = Session()
    yield s
    s.close()


def streams(client, **params):
    return lambda model: client.stream(PROMPT, model=model, **params)


async def run_with(models, factory, loop=None, **kwargs) -> tuple[CompareRun, Recorder]:
    recorder = Recorder()
    run = CompareRun(models, factory, listener=recorder, **kwargs)
    recorder.run = run
    run.start(loop)  # loop=session.loop(): the session's connections stay on its loop, closed with it
    await run.wait()
    return run, recorder


async def test_every_pane_shows_text_before_any_model_finishes(server, client):
    server.configure(chunk_delay=0.01, answer="word " * 60, per_model={
        A: {"first_byte_delay": 0.05}, B: {"first_byte_delay": 0.1}, C: {"first_byte_delay": 0.15}})
    run, recorder = await run_with(MODELS, streams(client), interval=0.02)
    assert all(pane.status == "ok" for pane in run.panes)
    assert recorder.first_finish_texts is not None and all(n > 0 for n in recorder.first_finish_texts)


async def test_the_models_stream_concurrently_not_one_after_another(server, client):
    server.configure(first_byte_delay=0.3, answer="x" * 40)
    started = time.perf_counter()
    run, _ = await run_with(MODELS, streams(client))
    wall = time.perf_counter() - started
    assert wall < 0.3 * len(MODELS) * 0.8 and max(p.elapsed_s for p in run.panes) >= 0.3


@pytest.mark.parametrize("status", [401, 402, 404, 429, 502])
async def test_an_http_error_shows_in_its_own_pane_and_the_others_answer(server, client, status):
    server.queue_error(status, model=B)
    run, _ = await run_with(MODELS, streams(client))
    failed, others = run.panes[1], [run.panes[0], run.panes[2]]
    assert failed.status == "error" and failed.error.startswith(f"{status}:") and failed.text == ""
    assert all(p.status == "ok" and p.text and p.error is None for p in others)


async def test_a_mid_stream_error_keeps_the_partial_text_in_its_pane(server, client):
    server.configure(per_model={C: {"mid_stream_error": {"after_chunks": 3, "code": 502, "message": "upstream died"}}})
    run, _ = await run_with(MODELS, streams(client))
    broken = run.panes[2]
    assert broken.status == "error" and "upstream died" in broken.error and len(broken.text) > 0
    assert [p.status for p in run.panes[:2]] == ["ok", "ok"]


async def test_pane_updates_are_throttled_to_about_ten_a_second(server, client):
    server.configure(chunk_delay=0.002, chunk_chars=1, answer="y" * 200)
    run, recorder = await run_with([A, B], streams(client), interval=0.1)
    longest = max(p.elapsed_s for p in run.panes)
    per_pane = [sum(1 for i, _, _ in recorder.updates if i == k) for k in range(2)]
    assert all(2 <= n <= longest / 0.1 + 3 for n in per_pane), (per_pane, longest)
    assert recorder.finished == 1


async def test_the_stop_button_cancels_every_stream_within_half_a_second_and_keeps_partial_text(server, client):
    from openrouter_magic._widgets.compare.view import CompareView

    server.configure(chunk_delay=0.02, answer="z " * 400)
    view = CompareView(MODELS)
    run = view.start(streams(client))
    await until(lambda: all(p.text for p in run.panes))
    before = server.disconnects
    view.stop_button.click()
    assert await until(lambda: all("orm-compare-interrupted" in pane.notice.value for pane in view.panes)) < 0.5
    assert await asyncio.to_thread(server.wait_for_disconnects, before + 3, 0.5)
    await view.wait()
    assert [p.status for p in run.panes] == ["interrupted"] * 3 and all(p.text for p in run.panes)


async def test_the_result_table_has_one_row_per_model_with_the_billed_costs(server, client):
    server.configure(per_model={FREE: {"answer": "Free answer."}})
    run, _ = await run_with([A, B, FREE], streams(client, max_tokens=60))
    frame = run.frame()
    assert list(frame.columns) == FRAME_COLUMNS and list(frame["model"]) == [A, B, FREE]
    for row in frame.itertuples():
        assert row.status == "ok" and row.cost == pytest.approx(server.cost_of(row.generation_id), rel=1e-12)
        assert row.completion_tokens > 0 and row.prompt_tokens > 0 and row.provider
        assert 0 <= row.ttft_s <= row.elapsed_s and row.tokens_per_s > 0 and row.text
    assert frame.loc[2, "text"] == "Free answer." and frame.loc[2, "cost"] == 0
    assert run.total_cost == pytest.approx(sum(server.cost_of(g) for g in frame["generation_id"]))


async def test_badges_mark_the_fastest_first_token_fastest_total_cheapest_and_longest(server, client):
    server.configure(chunk_delay=0.005, per_model={
        A: {"first_byte_delay": 0.0, "answer": "short"},
        B: {"first_byte_delay": 0.15, "answer": "a much longer answer " * 10},
        FREE: {"first_byte_delay": 0.3, "answer": "medium answer here"}})
    run, _ = await run_with([A, B, FREE], streams(client))
    badges = {p.model: p.badges for p in run.panes}
    assert badges == {A: ["fastest first token", "fastest total"], B: ["longest answer"], FREE: ["cheapest"]}


async def test_failed_panes_get_no_badges(server, client):
    server.queue_error(404, model=A)
    run, _ = await run_with([A, B], streams(client))
    assert run.panes[0].badges == [] and set(run.panes[1].badges) == {
        "fastest first token", "fastest total", "cheapest", "longest answer"}


async def test_each_pane_writes_its_own_ledger_row_through_the_session(server, session):
    server.queue_error(404, model=C)
    factory = session_factory(session, build_messages(PROMPT), {"max_tokens": 50})
    run, _ = await run_with(MODELS, factory, loop=session.loop())
    rows = session.ledger.frame().sort_values("model").reset_index(drop=True)
    assert sorted(rows["model"]) == sorted(MODELS)
    by_model = {r.model: r for r in rows.itertuples()}
    assert by_model[C].status == "error" and by_model[A].status == by_model[B].status == "ok"
    for pane in run.panes[:2]:
        assert by_model[pane.model].cost == pytest.approx(pane.cost) and by_model[pane.model].generation_id == pane.generation_id


async def test_stopped_panes_are_recorded_as_interrupted_in_the_ledger(server, session):
    server.configure(chunk_delay=0.02, answer="z " * 400)
    run = CompareRun([A, B], session_factory(session, build_messages(PROMPT), {}))
    run.start(session.loop())  # where a kernel runs it: stop() and wait() cross over from this loop
    await until(lambda: all(p.text for p in run.panes))
    run.stop()
    await run.wait()
    assert list(session.ledger.frame()["status"]) == ["interrupted", "interrupted"]


def test_compare_outside_a_kernel_runs_to_the_end_and_returns_the_table(server, session):
    frame = compare(PROMPT, [A, B], session=session, max_tokens=40)
    assert list(frame["status"]) == ["ok", "ok"] and all(frame["text"].str.len() > 0)
    assert sorted(r.json["model"] for r in server.chat_requests) == sorted([A, B])
    assert all(r.json["max_tokens"] == 40 and r.json["messages"][-1]["content"] == PROMPT for r in server.chat_requests)


def test_a_comparison_whose_sum_exceeds_the_budget_is_refused_before_sending(server, session):
    prices = session.run(session.catalog_frame())
    worst = [worst_case_cost(build_messages(PROMPT), 1000, catalog_row(prices, m)) for m in (A, B)]
    session.budget = Budget(max(worst) + min(worst) / 2)  # each pane alone fits, the two together do not
    with pytest.raises(BudgetExceeded, match="together"):
        compare(PROMPT, [A, B], session=session, max_tokens=1000)
    assert server.chat_requests == []
    assert list(session.ledger.frame()["status"]) == ["refused", "refused"]


@pytest.mark.parametrize("models", [[], [A], "openai/gpt-4.1-mini", [A] * 9])
def test_compare_needs_two_to_eight_models(models):
    with pytest.raises(ValueError, match="2 to 8 models"):
        validate_models(models)


def test_models_may_be_given_as_one_comma_separated_string():
    assert validate_models(f"{A}, {B} ,{C}") == MODELS


async def test_silent_panes_keep_their_clock_ticking_while_waiting_for_the_first_token(server, client):
    from openrouter_magic._widgets.compare.format import footer_text

    server.configure(first_byte_delay=0.35, answer="late")
    seen: list[str] = []
    recorder = Recorder()
    recorder.pane_changed = lambda index, pane: seen.append(footer_text(pane)) if index == 0 else None
    await CompareRun([A, B], streams(client), listener=recorder, tick=0.1).run()
    waiting = [text for text in seen if text.startswith("waiting for first token…")]
    assert len(waiting) >= 2 and waiting[-1] != waiting[0] and waiting[-1].endswith(" s")


def test_long_answers_are_resent_less_often_so_bytes_stay_linear():
    run = CompareRun([A, B], streams(None), interval=0.1)
    run.panes[1].text = "x" * 200_000
    assert run.interval_for(0) == 0.1 and run.interval_for(1) == pytest.approx(4.0)


CTRL_C_SCRIPT = """
import os, signal, sys, threading
from IPython.core.interactiveshell import InteractiveShell
from openrouter_magic._widgets.compare.api import build_messages, compare_from_magic
from openrouter_magic._session.session import Session
from openrouter_magic.testing import FakeOpenRouter

with FakeOpenRouter(chunk_delay=0.02, answer="slow " * 300) as fake:
    os.environ.update(OPENROUTER_API_KEY="sk-or-v1-ctrl-c-test-000000", OPENROUTER_BASE_URL=fake.base_url)
    shell = InteractiveShell.instance()
    threading.Timer(0.6, os.kill, (os.getpid(), signal.SIGINT)).start()
    compare_from_magic(Session(shell), build_messages("hi"), sys.argv[1:], {}, output_name="cmp", shell=shell)
    print("STATUSES", list(shell.user_ns["cmp"]["status"]), fake.wait_for_disconnects(2, 2.0))
"""


def test_ctrl_c_in_terminal_ipython_stops_every_pane_and_still_prints_the_partial_answers(tmp_path):
    done = subprocess.run([sys.executable, "-c", CTRL_C_SCRIPT, A, B], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "OPENROUTER_MAGIC_HOME": str(tmp_path)})
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.count("[stopped — partial answer]") == 2 and out.count("slow") > 10
    assert "STATUSES ['interrupted', 'interrupted'] True" in out


async def test_a_pane_the_budget_refuses_is_marked_refused_and_nothing_is_sent(server, session):
    session.budget = Budget(0.0000001)
    run, _ = await run_with([A, B], session_factory(session, build_messages(PROMPT), {"max_tokens": 500}),
                            loop=session.loop())  # the catalog (for prices) is fetched on the session's loop
    assert [p.status for p in run.panes] == ["refused", "refused"] and all("budget" in p.error for p in run.panes)
    assert server.chat_requests == [] and list(session.ledger.frame()["status"]) == ["refused", "refused"]
