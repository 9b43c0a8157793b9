"""The hard session budget: refuse calls whose worst case could exceed it, stop streams that reach it.

Prompt tokens are estimated from the text, without a tokenizer: every text part counts ``ceil(chars / 4)``
tokens, every message adds ``MESSAGE_OVERHEAD_TOKENS`` (role and separators), every image part counts a flat
``IMAGE_TOKENS``. The worst case of a call is::

    prompt_tokens × prompt price + (max_tokens, else the model's max_completion_tokens, else its
                                    context_length) × completion price [+ the per-request price]

Prices come from a catalog row (a dict or Series with ``prompt_usd_per_m``, ``completion_usd_per_m``,
``request_usd``, ``max_completion_tokens``, ``context_length``). A model absent from the catalog, or with a
dynamic price (routers such as ``openrouter/auto``), cannot be bounded and is refused while a budget is set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._core import BudgetExceeded
from .._core import usd
from .ledger import _price

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .._core import ChatResponse

__all__ = ["Budget", "BudgetExceeded", "SpendGuard", "estimate_prompt_tokens", "usd"]

MESSAGE_OVERHEAD_TOKENS = 4
REPLY_OVERHEAD_TOKENS = 3
IMAGE_TOKENS = 1500
CHARS_PER_TOKEN = 4


def _tokens_of_text(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _tokens_of_content(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return _tokens_of_text(content)
    if isinstance(content, list):
        total = 0
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                total += _tokens_of_text(str(part.get("text", "")))
            elif isinstance(part, dict) and "image" in str(part.get("type", "")):
                total += IMAGE_TOKENS
            else:  # files, audio, anything new: count its serialised size, which over-estimates
                total += _tokens_of_text(str(part))
        return total
    return _tokens_of_text(str(content))


def estimate_prompt_tokens(messages: str | list[dict[str, Any]]) -> int:
    """Prompt tokens estimated from the text (see the module docstring for the rule)."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    total = REPLY_OVERHEAD_TOKENS
    for message in messages:
        total += MESSAGE_OVERHEAD_TOKENS + _tokens_of_content(message.get("content"))
        for call in message.get("tool_calls") or ():
            total += _tokens_of_text(str(call))
    return total


def _int_or_none(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number > 0 else None


def worst_case_cost(messages: Any, max_tokens: int | None, prices: Any) -> float | None:
    """The most this call can cost in USD; None when it cannot be bounded (unknown prices or length)."""
    prompt_price = _price(prices, "prompt_usd_per_m")
    completion_price = _price(prices, "completion_usd_per_m")
    if prompt_price is None or completion_price is None:
        return None
    completion = _int_or_none(max_tokens) or _int_or_none(prices.get("max_completion_tokens")) \
        or _int_or_none(prices.get("context_length"))
    if completion is None:
        return None
    prompt = estimate_prompt_tokens(messages)
    return (prompt * prompt_price + completion * completion_price) / 1e6 + (_price(prices, "request_usd") or 0.0)


PriceLookup = Callable[[str], Any] | Mapping[str, Any]


class Budget:
    """A hard limit in USD for this session's spend."""

    def __init__(self, limit_usd: float) -> None:
        limit_usd = float(limit_usd)
        if not math.isfinite(limit_usd) or limit_usd < 0:
            raise ValueError(f"a budget is a non-negative number of USD, not {limit_usd!r}")
        self.limit_usd = limit_usd

    def remaining(self, spent: float) -> float:
        """USD left after ``spent``."""
        return self.limit_usd - spent

    def check(self, model: str, messages: Any, max_tokens: int | None = None, prices: Any = None,
              spent: float = 0.0) -> float:
        """Return the call's worst-case cost, or raise :class:`BudgetExceeded` (one line: estimate and remainder)."""
        worst = worst_case_cost(messages, max_tokens, prices)
        if worst is None:
            raise BudgetExceeded(self._unbounded(model, prices))
        left = self.remaining(spent)
        if worst > 0 and worst > left:  # a free call can never add spend, even past the limit
            raise BudgetExceeded(f"refused: {model} could cost up to ≈{usd(worst)} but only {usd(max(left, 0))} "
                                 f"of the {usd(self.limit_usd)} budget remains (lower --max-tokens, or "
                                 f"%openrouter budget off)")
        return worst

    def check_many(self, requests: Iterable[tuple[str, Any, Mapping[str, Any] | None]], prices: PriceLookup,
                   spent: float = 0.0) -> float:
        """Check a comparison: the worst cases of all panes ``(model, messages, params)`` are summed."""
        lookup = prices.get if isinstance(prices, Mapping) else prices
        total, models = 0.0, []
        for model, messages, params in requests:
            model_row = lookup(model)
            worst = worst_case_cost(messages, (params or {}).get("max_tokens"), model_row)
            if worst is None:
                raise BudgetExceeded(self._unbounded(model, model_row))
            total, models = total + worst, [*models, model]
        left = self.remaining(spent)
        if total > 0 and total > left:
            raise BudgetExceeded(f"refused: the {len(models)} models together could cost up to ≈{usd(total)} but "
                                 f"only {usd(max(left, 0))} of the {usd(self.limit_usd)} budget remains")
        return total

    def _unbounded(self, model: str, prices: Any) -> str:
        if prices is None:
            why = "its price is not in the catalog"
        elif _price(prices, "prompt_usd_per_m") is None or _price(prices, "completion_usd_per_m") is None:
            why = "its price is dynamic or unknown"
        else:
            why = "neither --max-tokens nor its maximum output length is known"
        return (f"refused: the cost of {model} cannot be bounded ({why}) while a budget of "
                f"{usd(self.limit_usd)} is set; pick a priced model or run %openrouter budget off")

    def guard(self, model: str, messages: Any, prices: Any, spent: float) -> SpendGuard:
        """A running guard for one stream, started from what the session has ``spent`` so far."""
        return SpendGuard(self, model, estimate_prompt_tokens(messages), prices, spent)

    def __repr__(self) -> str:
        return f"Budget({usd(self.limit_usd)})"


class SpendGuard:
    """Tracks a stream's estimated spend (prompt + streamed characters × completion price) against the budget."""

    def __init__(self, budget: Budget, model: str, prompt_tokens: int, prices: Any, spent: float) -> None:
        self.budget, self.model, self.spent_before = budget, model, spent
        self.prompt_tokens = prompt_tokens
        self.prompt_price = _price(prices, "prompt_usd_per_m") or 0.0
        self.completion_price = _price(prices, "completion_usd_per_m") or 0.0
        self.request_price = _price(prices, "request_usd") or 0.0
        self.chars = 0
        self.billed: float | None = None  # OpenRouter's cost, once a usage chunk says it

    def add_text(self, text: str) -> bool:
        """Count streamed text (answer or reasoning); True when spend has reached the budget."""
        self.chars += len(text)
        return self.exceeded

    def add_usage(self, cost: float | None) -> bool:
        """Use OpenRouter's own cost when the stream reports it; True when spend has reached the budget."""
        if cost is not None:
            self.billed = cost
        return self.exceeded

    @property
    def call_cost(self) -> float:
        """This call's spend so far in USD (billed when known, else estimated)."""
        if self.billed is not None:
            return self.billed
        completion = math.ceil(self.chars / CHARS_PER_TOKEN)
        return (self.prompt_tokens * self.prompt_price + completion * self.completion_price) / 1e6 \
            + self.request_price

    @property
    def exceeded(self) -> bool:
        """True once the session's spend including this call reaches the limit."""
        limit, cost = self.budget.limit_usd, self.call_cost
        if limit == 0:  # a zero budget still lets free models run to the end
            return cost > 0
        return self.spent_before + cost >= limit

    def message(self) -> str:
        """The one-line note shown under a stream stopped by the budget."""
        return (f"stopped: the {usd(self.budget.limit_usd)} budget was reached "
                f"(this call ≈{usd(self.call_cost)}, session ≈{usd(self.spent_before + self.call_cost)})")
