"""The hard budget: worst-case estimates, allowed/refused decisions, comparisons, the streaming guard."""

from __future__ import annotations

import pandas as pd
import pytest

from openrouter_magic._accounting.budget import (
    Budget,
    estimate_prompt_tokens,
    worst_case_cost,
)
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


def test_streaming_guard_says_stop_once_spend_reaches_the_budget():
    prices = {"prompt_usd_per_m": 0.0, "completion_usd_per_m": 10.0}  # 1e-5 USD per token = per 4 chars
    guard = Budget(0.002).guard("m/x", PROMPT, prices, spent=0.001)  # $0.001 left → 100 tokens → 400 chars
    decisions = [guard.add_text("x" * 40) for _ in range(10)]
    assert decisions == [False] * 9 + [True]
    assert guard.call_cost == pytest.approx(0.001) and guard.exceeded
    assert "budget was reached" in guard.message()


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
