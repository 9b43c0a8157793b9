"""The hard budget: worst-case estimates, allowed/refused decisions, comparisons, the streaming guard."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from openrouter_magic._accounting.budget import (
    Budget,
    _nice_ceiling,
    estimate_prompt_tokens,
    worst_case_cost,
)
from openrouter_magic._accounting.reserve import SpendBook
from openrouter_magic._catalog import catalog_row
from openrouter_magic._core import BudgetExceeded, usd
from openrouter_magic._core.errors import OpenRouterError

SONNET = {"id": "anthropic/claude-sonnet-4.5", "prompt_usd_per_m": 3.0, "completion_usd_per_m": 15.0,
          "max_completion_tokens": 64000, "context_length": 200000}
NO_MAX_OUTPUT = {**SONNET, "max_completion_tokens": None}
FREE = {"prompt_usd_per_m": 0.0, "completion_usd_per_m": 0.0, "max_completion_tokens": 8000}
ROUTER = {"prompt_usd_per_m": float("nan"), "completion_usd_per_m": float("nan"), "context_length": 2000000}
PROMPT = "hello world"  # 3 overhead + 4 per message + ceil(11 / 4) = 10 tokens
ONE_CALL = (10 * 3.0 + 100 * 15.0) / 1e6  # 0.00153 with max_tokens=100


@pytest.mark.parametrize(("messages", "tokens"), [
    ("", 7),
    ("abcd", 8),
    ("abcde", 9),
    ([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}], 3 + 4 + 2 + 4 + 1),
    ([{"role": "user", "content": [{"type": "text", "text": "abcdefgh"},
                                   {"type": "image_url", "image_url": {"url": "data:..."}}]}], 3 + 4 + 2 + 1500),
    ([{"role": "assistant", "content": None}], 7),
])
def test_prompt_tokens_are_estimated_from_the_text(messages, tokens):
    assert estimate_prompt_tokens(messages) == tokens


@pytest.mark.parametrize(("limit", "max_tokens", "prices", "spent", "allowed"), [
    (0.01, 100, SONNET, 0.0, True),            # ≈$0.00153 of $0.01
    (0.01, 1000, SONNET, 0.0, False),          # ≈$0.01503
    (0.01, 100, SONNET, 0.009, False),         # only $0.001 left
    (ONE_CALL, 100, SONNET, 0.0, True),        # exactly the budget: allowed
    (0.01, None, SONNET, 0.0, False),          # max output 64,000 tokens → ≈$0.96
    (1.00, None, SONNET, 0.0, True),
    (1.00, None, NO_MAX_OUTPUT, 0.0, False),   # falls back to the 200K context → ≈$3.00
    (0.0, None, FREE, 0.0, True),              # free models run under a zero budget
    (0.01, None, FREE, 0.02, True),            # and even past the limit: they add nothing
    (0.01, 100, None, 0.0, False),             # not in the catalog: cannot be bounded
    (100.0, 100, ROUTER, 0.0, False),          # dynamic price: cannot be bounded
])
def test_budget_decisions(limit, max_tokens, prices, spent, allowed):
    budget = Budget(limit)
    if allowed:
        assert budget.check("m/x", PROMPT, max_tokens, prices, spent) >= 0
    else:
        with pytest.raises(BudgetExceeded):
            budget.check("m/x", PROMPT, max_tokens, prices, spent)


def test_refusal_is_one_line_with_the_estimate_and_what_remains():
    with pytest.raises(BudgetExceeded) as caught:
        Budget(0.50).check("anthropic/claude-sonnet-4.5", PROMPT, None, SONNET, spent=0.12)
    message = str(caught.value)
    assert "\n" not in message and "≈$0.96" in message and "$0.38" in message and "$0.50" in message
    assert isinstance(caught.value, OpenRouterError) and caught.value.partial is None


def test_unknown_price_refusal_says_the_cost_cannot_be_bounded():
    with pytest.raises(BudgetExceeded, match="cost of vendor/new-model cannot be bounded .*not in the catalog"):
        Budget(5).check("vendor/new-model", PROMPT, 100, None, 0.0)


def test_worst_case_adds_the_per_request_price():
    priced = {**SONNET, "request_usd": 0.005}
    assert worst_case_cost(PROMPT, 100, priced) == pytest.approx(ONE_CALL + 0.005)


def test_check_many_sums_the_panes_of_a_comparison():
    panes = [("a/one", PROMPT, {"max_tokens": 100}), ("b/two", PROMPT, {"max_tokens": 100})]
    prices = {"a/one": SONNET, "b/two": SONNET}
    assert Budget(0.004).check_many(panes, prices) == pytest.approx(2 * ONE_CALL)
    Budget(0.002).check("a/one", PROMPT, 100, SONNET, 0.0)  # each pane alone fits…
    with pytest.raises(BudgetExceeded, match="the 2 models together could cost up to ≈\\$0.00306"):
        Budget(0.002).check_many(panes, prices)  # …but not both


def test_check_many_refuses_when_any_pane_is_unpriced():
    panes = [("a/one", PROMPT, {"max_tokens": 100}), ("openrouter/auto", PROMPT, {"max_tokens": 100})]
    lookup = {"a/one": SONNET, "openrouter/auto": ROUTER}.get
    with pytest.raises(BudgetExceeded, match="openrouter/auto cannot be bounded"):
        Budget(10).check_many(panes, lookup)


def test_streaming_guard_says_stop_once_spend_passes_the_budget():
    prices = {"prompt_usd_per_m": 0.0, "completion_usd_per_m": 10.0}  # 1e-5 USD per token = per 4 chars
    guard = Budget(0.002).guard("m/x", PROMPT, prices, spent=0.001)  # $0.001 left → 100 tokens → 400 chars
    decisions = [guard.add_text("x" * 30) for _ in range(14)]  # 390 chars = 98 tokens fit, 420 = 105 do not
    assert decisions == [False] * 13 + [True]
    assert guard.call_cost == pytest.approx(0.00105) and guard.exceeded
    assert "budget was reached" in guard.message() and "session ≈$0.00205" in guard.message()


def test_streaming_guard_prefers_the_billed_cost_when_usage_arrives():
    guard = Budget(0.01).guard("m/x", PROMPT, SONNET, spent=0.0)
    guard.add_text("short")
    assert guard.add_usage(0.02) is True and guard.call_cost == 0.02


def test_the_catalog_row_is_found_by_id_then_without_the_variant():
    frame = pd.DataFrame([{**SONNET}, {**FREE, "id": "meta/llama:free"}])
    assert catalog_row(frame, "anthropic/claude-sonnet-4.5")["prompt_usd_per_m"] == 3.0
    assert catalog_row(frame, "anthropic/claude-sonnet-4.5:nitro")["completion_usd_per_m"] == 15.0
    assert catalog_row(frame, "meta/llama:free")["prompt_usd_per_m"] == 0.0
    assert catalog_row(frame, "nobody/nothing") is None
    assert catalog_row({"x/y": FREE}, "x/y:online") == FREE


@pytest.mark.parametrize(("value", "text"), [
    (0.000123, "$0.000123"), (0.0042, "$0.0042"), (0.0133176, "$0.0133"), (1.234, "$1.23"), (0.5, "$0.50"),
    (0.000015, "$0.000015"), (12.5, "$12.50"), (0, "$0"), (None, "?"),
])
def test_usd_shows_three_significant_digits_and_never_an_exponent(value, text):
    assert usd(value) == text


def test_budget_must_be_a_non_negative_amount():
    with pytest.raises(ValueError):
        Budget(-1)
    assert repr(Budget(0.5)) == "Budget($0.50)"


# -- fees in the worst case ------------------------------------------------------------------------------

WEB = {"plugins": [{"id": "web"}]}


@pytest.mark.parametrize(("model", "params", "prices", "fee"), [
    ("a/b", WEB, SONNET, 0.02),                                                      # 5 results × $0.004
    ("a/b", {"plugins": [{"id": "web", "max_results": 10}]}, SONNET, 0.04),
    ("a/b", WEB, {**SONNET, "web_search_usd": 0.01}, 0.01),                          # the catalog's price wins
    ("a/b:online", {}, SONNET, 0.02),                                                # :online is the web plugin
    ("a/b", {"web_search_options": {"search_context_size": "high"}}, SONNET, 0.02),
    ("a/b", {"plugins": [{"id": "web", "enabled": False}]}, SONNET, 0.0),
    ("a/b", {"plugins": [{"id": "file-parser"}]}, SONNET, 0.0),
    ("a/b", {"tools": [{"type": "openrouter:web_search", "parameters": {"max_uses": 3}}]}, SONNET, 3 * 0.02),
    ("a/b", {"tools": [{"type": "openrouter:web_search"}]}, SONNET, 5 * 0.02),       # max_uses unset: 5
])
def test_worst_case_adds_web_search_fees(model, params, prices, fee):
    tokens = (estimate_prompt_tokens(PROMPT, params) * 3.0 + 100 * 15.0) / 1e6  # tool definitions are prompt text
    assert worst_case_cost(PROMPT, 100, prices, model=model, params=params) == pytest.approx(tokens + fee)


def test_worst_case_adds_the_per_image_price_for_images_in_the_prompt():
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "what is this?"}, image, image]}]
    priced = {**SONNET, "image_usd": 0.0048}
    tokens = estimate_prompt_tokens(messages)
    assert tokens == 3 + 4 + 4 + 2 * 1500
    assert worst_case_cost(messages, 100, priced) == pytest.approx((tokens * 3.0 + 100 * 15.0) / 1e6 + 2 * 0.0048)


def test_tool_definitions_and_a_schema_count_as_prompt_tokens():
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    assert estimate_prompt_tokens(PROMPT, {"tools": tools}) > estimate_prompt_tokens(PROMPT) + 10


def test_max_completion_tokens_in_the_request_bounds_the_answer_like_max_tokens():
    assert worst_case_cost(PROMPT, None, SONNET, params={"max_completion_tokens": 100}) == pytest.approx(ONE_CALL)


# -- reservations ----------------------------------------------------------------------------------------

def book_with(spent: float = 0.0) -> SpendBook:
    return SpendBook(lambda: spent)


def test_admit_reserves_the_worst_case_until_it_is_released():
    book = book_with()
    budget = Budget(0.004)
    first = budget.admit(book, "a/one", PROMPT, SONNET, {"max_tokens": 100})
    second = budget.admit(book, "a/one", PROMPT, SONNET, {"max_tokens": 100})
    assert book.reserved() == pytest.approx(2 * ONE_CALL) and first.amount == pytest.approx(ONE_CALL)
    with pytest.raises(BudgetExceeded):  # a third does not fit beside the two in flight…
        budget.admit(book, "a/one", PROMPT, SONNET, {"max_tokens": 100})
    second.release()
    second.release()  # releasing twice changes nothing
    assert book.reserved() == pytest.approx(ONE_CALL)
    budget.admit(book, "a/one", PROMPT, SONNET, {"max_tokens": 100})  # …and fits once one is done


def test_a_refusal_says_what_is_spent_reserved_and_left_and_what_budget_would_do():
    book = book_with(spent=0.0312)
    Budget(0.05).admit(book, "a/one", PROMPT, {**FREE, "request_usd": 0.015}, {})  # one call in flight
    with pytest.raises(BudgetExceeded) as caught:
        Budget(0.05).admit(book, "a/one", PROMPT, {**FREE, "request_usd": 0.01}, {})
    assert str(caught.value) == ("refused: a/one could cost up to ≈$0.01 — budget $0.05: $0.0312 spent, $0.015 "
                                 "reserved by calls in flight, $0.0038 left; raise it with %openrouter budget 0.10 "
                                 "(or lower --max-tokens)")


def test_status_shows_every_part_when_asked():
    assert Budget(0.5).status(0.12) == "budget $0.50: $0.12 spent, $0.38 left"
    assert Budget(0.5).status(0.12, every_part=True) == ("budget $0.50: $0.12 spent, $0 reserved by calls in "
                                                         "flight, $0.38 left")
    assert Budget(0.5).status(0.4, 0.2) .endswith("$0.20 reserved by calls in flight, $0 left")


def test_admit_many_reserves_all_panes_or_none():
    book = book_with()
    panes = [("a/one", PROMPT, {"max_tokens": 100}), ("b/two", PROMPT, {"max_tokens": 100})]
    prices = {"a/one": SONNET, "b/two": SONNET}
    with pytest.raises(BudgetExceeded, match="the 2 models together"):
        Budget(0.002).admit_many(book, panes, prices)
    assert book.reserved() == 0
    holds = Budget(0.004).admit_many(book, panes, prices)
    assert [hold.model for hold in holds] == ["a/one", "b/two"] and book.reserved() == pytest.approx(2 * ONE_CALL)


def test_a_parked_reservation_is_claimed_by_its_pane_instead_of_a_second_one():
    book = book_with()
    budget = Budget(0.002)  # room for one call only
    (hold,) = budget.admit_many(book, [("a/one", PROMPT, {"max_tokens": 100})], {"a/one": SONNET})
    book.park(("a/one", 1), hold)
    assert budget.admit(book, "a/one", PROMPT, SONNET, {"max_tokens": 100}, key=("a/one", 1)) is hold
    assert book.claim(("a/one", 1)) is None and book.in_flight() == 1


def test_a_parked_reservation_nobody_claims_lapses(monkeypatch):
    from openrouter_magic._accounting import reserve

    monkeypatch.setattr(reserve, "PARK_S", 0.05)
    book = book_with()
    book.park("pane", book.hold("a/one", 0.5))
    assert book.reserved() == 0.5
    time.sleep(0.1)
    assert book.reserved() == 0 and book.claim("pane") is None


def test_a_running_call_grows_its_reservation_while_the_budget_has_room():
    book = book_with()
    prices = {"prompt_usd_per_m": 0.0, "completion_usd_per_m": 10.0}  # 40 chars = $0.0001
    hold = book.hold("m/x", 0.0002)
    other = book.hold("m/y", 0.0005)  # another call in flight
    guard = Budget(0.001).guard("m/x", PROMPT, prices, reservation=hold)
    assert [guard.add_text("x" * 40) for _ in range(5)] == [False] * 5  # $0.0005: grown into the free room
    assert hold.amount == pytest.approx(0.0005)
    assert guard.add_text("x" * 40) is True  # $0.0006 + $0.0005 held by the other call > $0.001
    other.release()
    assert guard.exceeded is False  # room again


@pytest.mark.parametrize(("value", "nice"), [(0.0562, 0.1), (0.01, 0.01), (0.0101, 0.02), (0.96, 1.0), (3.2, 5.0),
                                             (0.00031, 0.0005)])
def test_the_suggested_budget_is_a_round_number_above_the_need(value, nice):
    assert _nice_ceiling(value) == pytest.approx(nice)
