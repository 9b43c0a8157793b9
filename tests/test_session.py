"""Session: the per-kernel object that magics and widgets call, driven against the emulator over loopback."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from contextlib import aclosing

import pytest

from openrouter_magic._accounting.budget import Budget
from openrouter_magic._core import BudgetExceeded
from openrouter_magic._session.conversations import Conversations, Exchange
from openrouter_magic._core.errors import AuthenticationError
from openrouter_magic._session.session import Session
from openrouter_magic._core.types import Done, TextDelta

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def session(fake, sentinel_key, monkeypatch):
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    s = Session()
    yield s
    s.close()


async def _consume(session, model=MODEL, stop_after=None, **params):
    texts = []
    async with aclosing(session.guarded_stream("Say hello", model, **params)) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                texts.append(event.text)
                if stop_after is not None and len(texts) >= stop_after:
                    break
            if isinstance(event, Done):
                return event.response
    return "".join(texts)


def test_get_returns_the_same_session_for_a_shell_and_a_plain_one_without_ipython():
    class Shell:  # any object stands for a shell: sessions are keyed by it
        pass

    shell = Shell()
    assert Session.get(shell) is Session.get(shell)
    assert Session.get(Shell()) is not Session.get(shell)
    assert Session.get() is Session.get()  # no IPython running in pytest: the plain one


def test_client_is_rebuilt_when_the_base_url_or_key_changes(session, monkeypatch, fake):
    first = session.client
    assert session.client is first
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-another-key-0000000000")
    second = session.client
    assert second is not first
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url + "/")  # same URL once normalised
    assert session.client is second


def test_default_model_prefers_the_session_then_config_then_auto(session):
    assert session.default_model == "openrouter/auto"
    session.config_values = lambda: {"default_model": "mistralai/mistral-small"}
    assert session.default_model == "mistralai/mistral-small"
    assert session.settings()["default_model"].source == "config"
    session.default_model = "openai/gpt-4o"
    assert (session.default_model, session.settings()["default_model"].source) == ("openai/gpt-4o", "session")


def test_run_outside_a_loop_reuses_one_private_loop_so_the_connection_pool_survives(session, fake):
    first = session.run(_consume(session))
    second = session.run(_consume(session))
    assert first.text and second.text == first.text  # deterministic emulator, same prompt
    assert len(fake.chat_requests) == 2


def test_run_inside_a_running_loop_applies_nest_asyncio_once(fake, sentinel_key, tmp_path):
    script = textwrap.dedent(f"""
        import asyncio, os
        os.environ.update(OPENROUTER_BASE_URL={fake.base_url!r}, OPENROUTER_API_KEY={sentinel_key!r},
                          OPENROUTER_MAGIC_HOME={str(tmp_path)!r})
        from openrouter_magic._session.session import Session

        async def inner():
            await asyncio.sleep(0.01)
            return "inner done"

        async def cell():  # like a Jupyter cell: code running inside the kernel's loop
            s = Session.get()
            first = s.run(inner())
            second = s.run(s.client.chat("hi", model="openai/gpt-4o-mini"))
            return first, bool(second.text), len(s._runner._nested)

        print(asyncio.run(cell()))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "('inner done', True, 1)", out.stderr


def test_spawn_returns_a_task_that_progresses_when_the_loop_runs(session):
    async def later():
        await asyncio.sleep(0.01)
        return 42

    task = session.spawn(later())
    assert isinstance(task, asyncio.Task) and not task.done()
    assert session.run(task) == 42


def test_a_completed_stream_writes_exactly_one_ok_row_with_the_billed_cost(session, fake):
    response = session.run(_consume(session))
    frame = session.ledger.frame()
    assert list(frame["status"]) == ["ok"]
    assert frame["cost"].iloc[0] == pytest.approx(fake.cost_of(response.generation_id))
    assert frame["cost_source"].iloc[0] == "billed"


def test_an_api_error_is_reraised_and_recorded_once_as_error(session, fake):
    fake.queue_error(401)
    with pytest.raises(AuthenticationError):
        session.run(_consume(session))
    assert list(session.ledger.frame()["status"]) == ["error"]


def test_closing_the_stream_early_records_interrupted_and_closes_the_connection(session, fake):
    fake.configure(chunk_delay=0.02, answer_tokens=400)
    partial = session.run(_consume(session, stop_after=3))
    assert isinstance(partial, str) and partial
    assert fake.wait_for_disconnects(1, timeout=2)
    assert list(session.ledger.frame()["status"]) == ["interrupted"]


def test_cancelling_a_spawned_stream_stops_it_within_half_a_second(session, fake):
    fake.configure(chunk_delay=0.05, answer_tokens=2000)
    task = session.spawn(_consume(session))
    session.run(asyncio.sleep(0.3))
    started = time.perf_counter()
    task.cancel()
    session.run(asyncio.wait([task]))
    assert time.perf_counter() - started < 0.5 and task.cancelled()
    assert fake.wait_for_disconnects(1, timeout=2)
    assert list(session.ledger.frame()["status"]) == ["interrupted"]


def test_a_budget_refuses_before_sending_and_records_a_refused_row(session, fake):
    session.budget = Budget(0.000001)
    with pytest.raises(BudgetExceeded, match="refused"):
        session.run(_consume(session, max_tokens=1000))
    assert fake.chat_requests == []
    assert list(session.ledger.frame()["status"]) == ["refused"]


def test_check_budget_sums_the_requests_of_a_comparison(session, fake):
    one = [(MODEL, "hi", {"max_tokens": 1000})]
    worst = session.run(session.check_budget_async(one)) if session.budget else None
    assert worst is None  # no budget: nothing to check
    session.budget = Budget(1.0)
    single = session.run(session.check_budget_async(one))
    session.budget = Budget(single * 1.5)
    session.check_budget(one)  # one fits
    with pytest.raises(BudgetExceeded):
        session.check_budget(one * 2)  # two together do not
    assert fake.chat_requests == []


def test_use_sets_the_default_and_warns_about_ids_missing_from_the_catalog(session):
    assert session.use(MODEL) is None and session.default_model == MODEL
    warning = session.use("openai/gpt-4o-mni")
    assert "not in the catalog" in warning and "openai/gpt-4o-mini" in warning
    assert session.default_model == "openai/gpt-4o-mni"  # new and private models must still work


def test_use_rejects_something_that_is_not_a_model_id_with_suggestions(session):
    with pytest.raises(ValueError, match="did you mean .*openai/gpt-4o"):
        session.use("gpt4o")


def test_sandbox_needs_no_key_and_off_restores_the_real_settings(fake, monkeypatch):
    session = Session()
    try:
        assert not session.settings()["api_key"].value
        url = session.sandbox_on()
        assert session.settings()["base_url"].value == url.rstrip("/")
        assert session.settings()["api_key"].source == "sandbox"
        response = session.run(_consume(session))
        assert response.text and list(session.ledger.frame()["status"]) == ["ok"]
        assert session.sandbox_off() is True
        assert session.settings()["base_url"].source == "default" and not session.settings()["api_key"].value
        assert len(session.ledger.frame()) == 0  # sandbox costs never mix into the real ledger
    finally:
        session.close()


def test_catalog_frame_is_the_emulator_catalog_and_feeds_price_lookups(session):
    frame = session.run(session.catalog_frame())
    assert MODEL in set(frame["id"])
    assert session.known_prices(MODEL)["prompt_usd_per_m"] > 0


def test_rerunning_a_cell_replaces_its_exchange_and_sends_only_what_came_before():
    chats = Conversations()
    for key, answer in (("a", "one"), ("b", "two"), ("a", "ONE")):
        chats.record("default", Exchange(key, {"role": "user", "content": f"q{key}"}, answer))
    assert [turn.answer for turn in chats.exchanges()] == ["ONE", "two"]
    assert chats.context("default", "b") == [{"role": "user", "content": "qa"},
                                             {"role": "assistant", "content": "ONE"}]
    assert chats.context("default", "a") == []
    assert chats.reset() == ["default"] and chats.exchanges() == []


@pytest.fixture
def plain_session(fake, sentinel_key, monkeypatch):
    """The session ``Session.get()`` returns without IPython, fresh for this test."""
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    monkeypatch.setattr(Session, "_plain", None)
    yield Session.get()
    Session.get().close()


def test_the_python_api_works_without_ipython(plain_session, fake):
    from openrouter_magic import catalog, compare, ledger

    frame = catalog()
    assert MODEL in set(frame["id"]) and "prompt_usd_per_m" in frame.columns
    table = compare("Name a color.", [MODEL, "openai/gpt-4o"], max_tokens=20)
    assert set(table["model"]) == {MODEL, "openai/gpt-4o"}
    assert {r.json["max_tokens"] for r in fake.chat_requests} == {20}
    rows = ledger()
    assert list(rows["status"]) == ["ok", "ok"] and len(ledger(all=True)) == 2


def test_ask_streams_into_a_renderer_and_returns_the_response(session):
    from openrouter_magic._render.select import make_renderer

    collected = []
    renderer = make_renderer("text", kind="null")
    renderer.text = collected.append
    response = session.run(session.ask("Say hello", MODEL, renderer))
    assert response.text == "".join(collected) and response.text
    assert list(session.ledger.frame()["status"]) == ["ok"]
