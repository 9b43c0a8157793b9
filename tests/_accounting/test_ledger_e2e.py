"""Ledger + budget around real streamed calls: the client talks HTTP to the emulator on loopback."""

from __future__ import annotations

import asyncio

import pytest

from openrouter_magic import OpenRouter
from openrouter_magic._accounting.budget import Budget, worst_case_cost
from openrouter_magic._catalog import catalog_row
from openrouter_magic._core import BudgetExceeded
from openrouter_magic._catalog.frame import models_to_frame
from openrouter_magic._core.errors import StreamError
from openrouter_magic._accounting.ledger import Ledger
from openrouter_magic._session.engine import recorded_stream, run_and_record
from openrouter_magic._accounting.reports import KeyReport
from openrouter_magic._core.types import TextDelta
from openrouter_magic.testing import FakeOpenRouter


def model(model_id: str, prompt: str, completion: str, max_output: int = 4096) -> dict:
    return {"id": model_id, "name": model_id, "created": 1760000000, "context_length": 32000,
            "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"],
                             "tokenizer": "Other"},
            "pricing": {"prompt": prompt, "completion": completion},
            "top_provider": {"context_length": 32000, "max_completion_tokens": max_output, "is_moderated": False},
            "supported_parameters": ["max_tokens", "temperature", "reasoning", "include_reasoning"]}


CATALOG = [model("acme/pricey", "0.000003", "0.000015"), model("acme/free:free", "0", "0")]
PRICES = models_to_frame(CATALOG)
PRICEY = catalog_row(PRICES, "acme/pricey")
PROMPT = [{"role": "user", "content": "Explain server-sent events in one paragraph."}]


@pytest.fixture
def server():
    with FakeOpenRouter(catalog=CATALOG) as fake:
        yield fake


@pytest.fixture
async def client(server):
    async with OpenRouter(api_key="sk-or-v1-test-0123456789", base_url=server.base_url, max_retries=0) as c:
        yield c


@pytest.fixture
def ledger(isolated_home) -> Ledger:
    return Ledger()


async def test_billed_cost_in_the_ledger_equals_the_emulators_bill(server, client, ledger):
    response = await run_and_record(client, ledger, None, PROMPT, "acme/pricey", PRICEY)
    row = ledger.frame().iloc[0]
    assert (row["status"], row["cost_source"], row["generation_id"]) == ("ok", "billed", response.generation_id)
    assert row["cost"] == pytest.approx(server.cost_of(response.generation_id), rel=1e-12) and row["cost"] > 0
    assert row["completion_tokens"] == response.usage.completion_tokens and row["provider"] == response.provider


async def test_response_without_cost_gets_an_estimate_matching_catalog_prices(server, client, ledger):
    server.configure(include_cost=False)
    response = await run_and_record(client, ledger, None, PROMPT, "acme/pricey", PRICEY)
    assert response.usage.cost is None
    row = ledger.frame().iloc[0]
    assert row["cost_source"] == "estimated" == ledger.last_row["cost_source"]
    assert row["cost"] == pytest.approx(server.cost_of(response.generation_id), rel=1e-9)


async def test_a_call_over_the_budget_is_refused_and_nothing_is_sent(server, client, ledger):
    with pytest.raises(BudgetExceeded, match="refused: acme/pricey could cost up to") as caught:
        await run_and_record(client, ledger, Budget(0.01), PROMPT, "acme/pricey", PRICEY)  # 4096 tokens ≈ $0.06
    assert caught.value.partial is None and server.chat_requests == []
    assert ledger.frame()["status"].tolist() == ["refused"]


async def test_a_model_absent_from_the_catalog_is_refused_under_a_budget(server, client, ledger):
    with pytest.raises(BudgetExceeded, match="cannot be bounded"):
        await run_and_record(client, ledger, Budget(5), PROMPT, "acme/unlisted", catalog_row(PRICES, "acme/unlisted"))
    assert server.chat_requests == [] and ledger.frame()["status"].tolist() == ["refused"]


async def test_a_call_within_the_budget_goes_through_and_counts_toward_it(server, client, ledger):
    budget = Budget(0.01)
    await run_and_record(client, ledger, budget, PROMPT, "acme/pricey", PRICEY, max_tokens=50)
    assert len(server.chat_requests) == 1 and server.chat_requests[0].json["max_tokens"] == 50
    assert 0 < ledger.session_total() <= worst_case_cost(PROMPT, 50, PRICEY)


async def test_closing_the_stream_early_leaves_one_interrupted_row_with_an_estimate(server, client, ledger):
    server.configure(chunk_delay=0.01, answer_tokens=400)
    texts = []
    events = recorded_stream(client, ledger, None, PROMPT, "acme/pricey", PRICEY)
    async for event in events:
        if isinstance(event, TextDelta):
            texts.append(event.text)
            if len(texts) == 3:
                break
    await events.aclose()  # what the renderer does when the user stops
    assert server.wait_for_disconnects(1)
    frame = ledger.frame()
    assert frame["status"].tolist() == ["interrupted"] and frame["cost_source"].tolist() == ["estimated"]
    assert frame["cost"].iloc[0] > 0


async def test_cancelling_the_task_mid_stream_leaves_one_interrupted_row(server, client, ledger):
    server.configure(chunk_delay=0.02, answer_tokens=400)
    task = asyncio.ensure_future(run_and_record(client, ledger, None, PROMPT, "acme/pricey", PRICEY))
    await asyncio.sleep(0.15)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ledger.frame()["status"].tolist() == ["interrupted"] and server.wait_for_disconnects(1)


async def test_a_mid_stream_error_leaves_one_error_row_with_its_code(server, client, ledger):
    server.configure(mid_stream_error={"after_chunks": 3, "shape": "documented", "code": 502,
                                       "message": "Provider disconnected"})
    with pytest.raises(StreamError) as caught:
        await run_and_record(client, ledger, None, PROMPT, "acme/pricey", PRICEY)
    assert caught.value.partial is not None and caught.value.partial.text
    frame = ledger.frame()
    assert frame["status"].tolist() == ["error"] and frame["error"].iloc[0].startswith("502: ")
    assert "Provider disconnected" in frame["error"].iloc[0]


async def test_an_http_error_before_streaming_leaves_one_error_row(server, client, ledger):
    server.queue_error(402)
    with pytest.raises(Exception) as caught:
        await run_and_record(client, ledger, None, PROMPT, "acme/pricey", PRICEY)
    assert getattr(caught.value, "status", None) == 402
    frame = ledger.frame()
    assert frame["status"].tolist() == ["error"] and frame["error"].iloc[0].startswith("402: ")
    # failed before any token: $0 billed (issue 17), not "unknown cost"
    assert frame["cost_source"].tolist() == ["billed"] and frame["cost"].tolist() == [0.0]


async def test_a_stream_that_overshoots_is_stopped_when_spend_reaches_the_budget(server, client, ledger):
    # Reasoning tokens are billed on top of max_tokens, so the worst case can be passed: the guard stops it.
    server.configure(chunk_delay=0.005, chunk_chars=4)
    params = {"max_tokens": 5, "reasoning": {"effort": "high"}}
    budget = Budget(worst_case_cost(PROMPT, 5, PRICEY))
    with pytest.raises(BudgetExceeded, match="budget was reached") as caught:
        await run_and_record(client, ledger, budget, PROMPT, "acme/pricey", PRICEY, **params)
    partial = caught.value.partial
    assert partial.interrupted and partial.reasoning and not partial.text
    assert server.wait_for_disconnects(1)
    row = ledger.frame().iloc[0]
    assert row["status"] == "interrupted" and "budget was reached" in row["error"]


async def test_key_report_from_the_emulator_never_shows_the_key(server, sentinel_key):
    async with OpenRouter(api_key=sentinel_key, base_url=server.base_url) as client:
        report = KeyReport(await client.key(), await client.credits())
    shown = repr(report) + report._repr_html_()
    assert sentinel_key not in shown and "SECRET" not in shown
    assert dict(report.rows())["credits purchased"] == "$25.00"


async def test_the_row_is_written_when_the_call_ends_not_while_it_streams(server, client, ledger):
    rows_seen = []
    async for event in recorded_stream(client, ledger, Budget(1.0), PROMPT, "acme/pricey", PRICEY, max_tokens=60):
        rows_seen.append(len(ledger.frame()))
    assert rows_seen[0] == 0 and rows_seen[-2] == 0  # nothing during the stream…
    assert rows_seen[-1] == 1 and len(ledger.frame()) == 1  # …one row as Done is handed over


async def test_a_call_holds_its_worst_case_while_it_streams_then_only_its_bill(server, client, ledger):
    server.configure(chunk_delay=0.005)
    held = []
    async for event in recorded_stream(client, ledger, Budget(1.0), PROMPT, "acme/pricey", PRICEY, max_tokens=50):
        if isinstance(event, TextDelta) and not held:
            held.append((ledger.book.reserved(), ledger.session_total()))
    assert held == [(pytest.approx(worst_case_cost(PROMPT, 50, PRICEY)), 0.0)]
    assert ledger.book.reserved() == 0 and server.total_billed > 0
    assert ledger.session_total() == pytest.approx(server.total_billed)


async def test_a_web_search_is_reserved_too_so_a_budget_for_the_tokens_alone_refuses_it(server, client, ledger):
    tokens_only = worst_case_cost(PROMPT, 50, PRICEY)
    budget = Budget(tokens_only + 0.01)  # room for the tokens, not for a $0.02 search
    with pytest.raises(BudgetExceeded, match="could cost up to ≈\\$0.0") as caught:
        await run_and_record(client, ledger, budget, PROMPT, "acme/pricey", PRICEY, max_tokens=50,
                             plugins=[{"id": "web"}])
    assert server.chat_requests == [] and "raise it with %openrouter budget" in str(caught.value)
    await run_and_record(client, ledger, budget, PROMPT, "acme/pricey", PRICEY, max_tokens=50)
    assert len(server.chat_requests) == 1 and ledger.frame()["status"].tolist() == ["refused", "ok"]
