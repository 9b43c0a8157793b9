"""The budget is hard under concurrency (DESIGN §13): calls started together never pass it together.

Real calls over loopback to the emulator: 16 ``session.ask`` and a 4-model comparison, all in one
``asyncio.gather``, against a budget that admits only some. And real threads hammering one SpendBook.
"""

from __future__ import annotations

import asyncio
import random
import threading

import pytest

from openrouter_magic._accounting.budget import Budget
from openrouter_magic._accounting.reserve import SpendBook
from openrouter_magic._core import BudgetExceeded
from openrouter_magic._session.session import Session
from openrouter_magic._widgets.compare.request import build_messages, session_factory
from openrouter_magic._widgets.compare.run import CompareRun
from openrouter_magic.testing import FakeOpenRouter

ASK_MODEL = "openai/gpt-4.1-mini"
PANES = ["anthropic/claude-haiku-4.5", "google/gemini-2.5-flash", "openai/gpt-4.1-mini", "deepseek/deepseek-chat-v3.1"]
MAX_TOKENS = 300
KEY = "sk-or-v1-budget-concurrency-0123456789"


@pytest.fixture
def server():
    # Slow enough that every call is still in flight when the last one asks to be admitted.
    with FakeOpenRouter(chunk_delay=0.01, answer_tokens=60) as fake:
        yield fake


@pytest.fixture
def session(server, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    s = Session()
    s.run(s.catalog_result())  # prices in memory: admission needs no network
    yield s
    s.close()


def worst(session: Session, model: str, messages) -> float:
    return Budget(1e9).worst_case(model, messages, session.known_prices(model), {"max_tokens": MAX_TOKENS})


async def comparison(session: Session, messages) -> CompareRun | BudgetExceeded:
    """What the playground does: admit all panes at once, then stream them."""
    params = {"max_tokens": MAX_TOKENS}
    try:
        await session.check_budget_async([(model, messages, params) for model in PANES])
    except BudgetExceeded as refused:
        return refused
    return await CompareRun(PANES, session_factory(session, messages, params)).run()


async def everything_at_once(session: Session, prompts: list[str], messages) -> list:
    asks = [session.ask(prompt, ASK_MODEL, max_tokens=MAX_TOKENS) for prompt in prompts]
    return await asyncio.gather(comparison(session, messages), *asks, return_exceptions=True)


def test_sixteen_asks_and_a_comparison_started_together_stay_within_the_budget(session, server):
    prompts = [f"Question number {i:02d}: explain SSE." for i in range(16)]
    messages = build_messages("Compare: explain server-sent events.")
    ask_worst = worst(session, ASK_MODEL, prompts[0])
    panes_worst = sum(worst(session, model, messages) for model in PANES)
    budget = Budget(panes_worst + 5.5 * ask_worst)  # the comparison and five asks fit, not more
    session.budget = budget

    compared, *asked = session.run(everything_at_once(session, prompts, messages))

    answered = [result for result in asked if not isinstance(result, BaseException)]
    refused = [result for result in asked if isinstance(result, BudgetExceeded)]
    assert isinstance(compared, CompareRun) and [p.status for p in compared.panes] == ["ok"] * 4
    assert len(answered) == 5 and len(refused) == 11
    # Refused calls sent nothing: the emulator saw exactly the admitted ones.
    assert len(server.chat_requests) == 5 + 4
    assert sum(1 for r in server.chat_requests if r.json["model"] == ASK_MODEL) == 5 + 1  # one pane is that model
    assert server.total_billed <= budget.limit_usd
    assert session.ledger.session_total() == pytest.approx(server.total_billed, rel=1e-9)
    for refusal in refused:  # one line that says what remains and how to raise it
        message = str(refusal)
        assert "\n" not in message and message.startswith(f"refused: {ASK_MODEL} could cost up to ≈")
        assert "reserved by calls in flight" in message and " left; raise it with %openrouter budget " in message
    statuses = session.ledger.frame()["status"].value_counts().to_dict()
    assert statuses == {"ok": 9, "refused": 11}
    assert session.ledger.book.reserved() == 0 and session.ledger.book.in_flight() == 0


def test_a_comparison_that_does_not_fit_beside_calls_in_flight_is_refused_whole(session, server):
    prompts = [f"Question number {i:02d}: explain SSE." for i in range(16)]
    messages = build_messages("Compare: explain server-sent events.")
    ask_worst = worst(session, ASK_MODEL, prompts[0])
    session.budget = budget = Budget(16 * ask_worst)  # the asks fill it; the comparison comes after them

    async def asks_first() -> list:
        asks = [asyncio.ensure_future(session.ask(prompt, ASK_MODEL, max_tokens=MAX_TOKENS)) for prompt in prompts]
        await asyncio.sleep(0)  # every ask has reserved its worst case by now
        compared = await comparison(session, messages)
        return [compared, *await asyncio.gather(*asks, return_exceptions=True)]

    compared, *asked = session.run(asks_first())

    assert isinstance(compared, BudgetExceeded) and "the 4 models together could cost up to" in str(compared)
    assert "reserved by calls in flight" in str(compared)
    assert [type(result).__name__ for result in asked] == ["ChatResponse"] * 16
    assert {r.json["model"] for r in server.chat_requests} == {ASK_MODEL} and len(server.chat_requests) == 16
    assert server.total_billed <= budget.limit_usd
    assert session.ledger.frame()["status"].value_counts().to_dict() == {"ok": 16, "refused": 4}


def test_a_call_that_ends_gives_back_what_it_did_not_spend(session, server):
    prompt = "Question number 00: explain SSE."
    ask_worst = worst(session, ASK_MODEL, prompt)
    session.budget = Budget(1.5 * ask_worst)  # one at a time fits
    for i in range(3):  # one after the other: each reservation is replaced by a smaller billed cost
        session.run(session.ask(f"Question number {i:02d}: explain SSE.", ASK_MODEL, max_tokens=MAX_TOKENS))
    assert len(server.chat_requests) == 3 and session.ledger.book.reserved() == 0
    assert session.ledger.session_total() == pytest.approx(server.total_billed)
    assert server.total_billed < 1.5 * ask_worst


def test_an_http_error_releases_the_reservation(session, server):
    session.budget = Budget(1.0)
    server.queue_error(402)  # not retried
    with pytest.raises(Exception):
        session.run(session.ask("hi", ASK_MODEL, max_tokens=MAX_TOKENS))
    assert session.ledger.book.reserved() == 0 and session.ledger.frame()["status"].tolist() == ["error"]


def test_threads_admitting_at_once_never_reserve_more_than_the_budget():
    book = SpendBook(lambda: 0.0)
    budget = Budget(1.0)
    prices = {"prompt_usd_per_m": 0.0, "completion_usd_per_m": 1000.0}  # 100 tokens = $0.10
    start, peak, admitted = threading.Barrier(8), [0.0], [0]
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(300):
            try:
                hold = budget.admit(book, "m/x", "", prices, {"max_tokens": rng.choice([50, 100, 150])})
            except BudgetExceeded:
                continue
            with lock:
                peak[0] = max(peak[0], book.reserved())
                admitted[0] += 1
            if rng.random() < 0.7:
                hold.release()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted[0] > 20 and peak[0] <= budget.limit_usd + 1e-12
    assert book.reserved() <= budget.limit_usd


def test_the_budget_command_shows_spent_reserved_and_left(server, sentinel_key, monkeypatch):
    from _magic_shell import close_shell, make_shell, run

    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    shell = make_shell()
    try:
        assert run(shell, "%openrouter budget 0.50").cap.stdout.startswith("budget: $0.50")
        assert run(shell, "%openrouter budget").cap.stdout.strip() == (
            "budget $0.50: $0 spent, $0 reserved by calls in flight, $0.50 left")
        session = Session.get(shell)
        run(shell, "%%openrouter -m openai/gpt-4.1-mini --max-tokens 100\nhello")
        spent = session.ledger.session_total()
        messages = build_messages("compare")
        held = session.check_budget([(model, messages, {"max_tokens": 100}) for model in PANES[:2]])  # parked
        shown = run(shell, "%openrouter budget").cap.stdout.strip()
        assert shown == Budget(0.5).status(spent, held, every_part=True) and spent > 0 and held > 0
    finally:
        close_shell(shell)


def test_calls_from_several_threads_share_one_budget(session, server):
    prompts = [f"Question number {i:02d}: explain SSE." for i in range(8)]
    session.budget = budget = Budget(3.5 * worst(session, ASK_MODEL, prompts[0]))
    server.configure(first_byte_delay=1.0)  # the admitted calls are surely still in flight as the others come
    results: list = [None] * len(prompts)
    start = threading.Barrier(len(prompts))

    def ask(index: int) -> None:
        start.wait()
        try:
            results[index] = session.run(session.ask(prompts[index], ASK_MODEL, max_tokens=MAX_TOKENS))
        except BudgetExceeded as refused:
            results[index] = refused

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(prompts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    refused = [result for result in results if isinstance(result, BudgetExceeded)]
    assert len(refused) == 5 and len(server.chat_requests) == 3  # every call was in flight when the rest came
    assert server.total_billed <= budget.limit_usd and session.ledger.book.reserved() == 0
