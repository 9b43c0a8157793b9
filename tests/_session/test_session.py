"""Session: the per-kernel object that magics and widgets call, driven against the emulator over loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
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


def test_run_inside_a_running_loop_waits_on_the_private_loop_and_patches_nothing(fake, sentinel_key, tmp_path):
    script = textwrap.dedent(f"""
        import asyncio, os, sys, threading
        os.environ.update(OPENROUTER_BASE_URL={fake.base_url!r}, OPENROUTER_API_KEY={sentinel_key!r},
                          OPENROUTER_MAGIC_HOME={str(tmp_path)!r})
        before = (asyncio.Task, asyncio.Future, asyncio.run, asyncio.BaseEventLoop.run_until_complete)
        from openrouter_magic._session.session import Session

        async def inner():
            await asyncio.sleep(0.01)
            return threading.current_thread().name

        async def cell():  # like a Jupyter cell: code running inside the kernel's loop
            s = Session.get()
            first = s.run(inner())
            second = s.run(s.client.chat("hi", model="openai/gpt-4o-mini"))
            s.close()
            return first, bool(second.text)

        print(asyncio.run(cell()))
        after = (asyncio.Task, asyncio.Future, asyncio.run, asyncio.BaseEventLoop.run_until_complete)
        print(after == before, sorted(m for m in sys.modules if "nest_asyncio" in m))
    """)
    out = subprocess.run([sys.executable, "-W", "error::ResourceWarning", "-c", script], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.splitlines() == ["('openrouter-magic-loop', True)", "True []"], out.stderr
    assert "Warning" not in out.stderr, out.stderr


def test_spawn_returns_a_job_that_runs_by_itself_and_can_be_awaited_from_any_loop(session):
    ran = threading.Event()

    async def later():
        ran.set()
        await asyncio.sleep(0.01)
        return 42

    job = session.spawn(later())
    assert ran.wait(2)  # nobody waits for it: the private loop runs on its own thread
    assert asyncio.run(_awaited(job)) == 42 and session.run(job) == 42 and job.done()


async def _awaited(job):
    return await job


def test_cancelling_a_spawned_stream_stops_it_within_half_a_second(session, fake):
    fake.configure(chunk_delay=0.05, answer_tokens=2000)
    job = session.spawn(_consume(session))
    time.sleep(0.3)
    started = time.perf_counter()
    job.cancel()
    assert job.wait(0.5) and job.cancelled() and time.perf_counter() - started < 0.5
    assert fake.wait_for_disconnects(1, timeout=2)
    assert list(session.ledger.frame()["status"]) == ["interrupted"]


def test_ctrl_c_while_waiting_cancels_the_call_on_the_private_loop_within_half_a_second(session, fake):
    fake.configure(chunk_delay=0.05, answer_tokens=2000)
    threading.Timer(0.4, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        session.run(_consume(session))
    assert time.perf_counter() - started < 0.4 + 0.5
    assert fake.wait_for_disconnects(1, timeout=2)
    assert list(session.ledger.frame()["status"]) == ["interrupted"]
    assert session.run(_consume(session, stop_after=1))  # the loop is still there for the next call


def test_renderer_calls_are_replayed_on_the_waiting_thread_through_a_relay(session, fake):
    from openrouter_magic._session.relay import Relay

    fake.configure(first_byte_delay=0.15, answer_tokens=40)
    calls = []

    class Recorder:
        refresh_interval = 0.05

        def __getattr__(self, name):
            return lambda *args: calls.append((name, threading.current_thread().name, args))

    relay = Relay(Recorder())
    response = session.run(session.ask("Say hello", MODEL, relay), relay=relay)
    assert response.text and {thread for _, thread, _ in calls} == {threading.current_thread().name}
    names = [name for name, _, _ in calls]
    assert names[0] == "start" and "tick" in names  # ticked while waiting
    # every piece arrives once, in order (pieces that queued up meanwhile are joined into one call)
    assert "".join(args[0] for name, _, args in calls if name == "text") == response.text
    assert 1 <= names.count("text") <= 40


def test_text_pieces_are_joined_but_never_move_past_another_call():
    from openrouter_magic._session.relay import Relay

    calls = []

    class Recorder:
        def __getattr__(self, name):
            if name == "refresh_interval":
                raise AttributeError(name)
            return lambda *args: calls.append((name, *args))

    relay = Relay(Recorder())
    worker = threading.Thread(target=lambda: [relay.text("a"), relay.text("b"), relay.reasoning("r"),
                                              relay.text("c"), relay.text("d")])
    worker.start()
    worker.join()
    relay.pump()
    assert calls == [("text", "ab"), ("reasoning", "r"), ("text", "cd")]


async def _current_thread() -> threading.Thread:
    return threading.current_thread()


def test_close_closes_the_connections_the_loop_and_its_thread_and_a_new_call_starts_afresh(session):
    session.run(_consume(session))
    loop, pools = session.loop(), list(session.client._http.values())
    thread = session.run(_current_thread())  # this session's loop thread (other tests' may still be alive)
    session.close()
    assert loop.is_closed() and not thread.is_alive() and pools and all(p.is_closed for p in pools)
    assert session.run(_consume(session)).text and session.loop() is not loop


def test_aclose_from_another_loop_hands_the_close_to_the_loop_that_opened_the_connections(session):
    session.run(_consume(session))
    client = session.client
    pools = list(client._http.values())
    asyncio.run(client.aclose())  # this thread's loop never opened a connection: the private loop closes its own
    deadline = time.monotonic() + 2
    while not all(p.is_closed for p in pools) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pools and all(p.is_closed for p in pools) and not client._http


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
