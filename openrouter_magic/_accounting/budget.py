"""The hard session budget: reserve each call's worst case before sending, stop streams that pass it.

Admission (:meth:`Budget.admit`) computes the call's worst case (see :mod:`.estimate`) and, under the
session's :class:`~.reserve.SpendBook` lock, refuses it unless ``spent + reserved + worst ≤ limit``; an
admitted call holds a reservation until its ledger row replaces it with the real cost. So N calls started
at once — compare panes, concurrent ``await``\\ s, row maps, other threads — can never together pass the
budget. A model absent from the catalog, or with a dynamic price (routers such as ``openrouter/auto``),
cannot be bounded and is refused while a budget is set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from .._core import BudgetExceeded, usd
from .estimate import CHARS_PER_TOKEN, _price, estimate_prompt_tokens, worst_case_cost
from .reserve import Reservation, SpendBook

__all__ = ["Budget", "BudgetExceeded", "SpendGuard", "estimate_prompt_tokens", "usd", "worst_case_cost"]


ROUNDING_USD = 1e-12  # float sums of many reservations may overshoot an exact fit by this much
PriceLookup = Callable[[str], Any] | Mapping[str, Any]
Request = tuple[str, Any, Mapping[str, Any] | None]  # (model, messages, params)


def _nice_ceiling(value: float) -> float:
    """The next budget worth typing at or above ``value``: 1, 2 or 5 × a power of ten."""
    if value <= 0:
        return 0.01
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value * (1 - 1e-9))


class Budget:
    """A hard limit in USD for this session's spend."""

    def __init__(self, limit_usd: float) -> None:
        limit_usd = float(limit_usd)
        if not math.isfinite(limit_usd) or limit_usd < 0:
            raise ValueError(f"a budget is a non-negative number of USD, not {limit_usd!r}")
        self.limit_usd = limit_usd

    def remaining(self, spent: float, reserved: float = 0.0) -> float:
        """USD left after ``spent`` and ``reserved``."""
        return self.limit_usd - spent - reserved

    def status(self, spent: float, reserved: float = 0.0, *, every_part: bool = False) -> str:
        """``budget $0.05: $0.0312 spent, $0.015 reserved by calls in flight, $0.0038 left`` (nothing reserved:
        that part is left out unless ``every_part``)."""
        parts = [f"{usd(spent)} spent"]
        if reserved > 0 or every_part:
            parts.append(f"{usd(reserved)} reserved by calls in flight")
        parts.append(f"{usd(max(self.remaining(spent, reserved), 0.0))} left")
        return f"budget {usd(self.limit_usd)}: {', '.join(parts)}"

    def worst_case(self, model: str, messages: Any, prices: Any, params: Mapping[str, Any] | None = None) -> float:
        """The call's worst case in USD; raises :class:`BudgetExceeded` when it cannot be bounded."""
        worst = worst_case_cost(messages, None, prices, model=model, params=params)
        if worst is None:
            raise BudgetExceeded(self._unbounded(model, prices))
        return worst

    def check(self, model: str, messages: Any, max_tokens: int | None = None, prices: Any = None,
              spent: float = 0.0, *, reserved: float = 0.0, params: Mapping[str, Any] | None = None) -> float:
        """Return the call's worst-case cost, or raise :class:`BudgetExceeded` (one line: estimate and what remains).

        A pure check: nothing is reserved (see :meth:`admit`).
        """
        params = {**(params or {}), **({"max_tokens": max_tokens} if max_tokens else {})}
        worst = self.worst_case(model, messages, prices, params)
        self._check_room(model, worst, spent, reserved)
        return worst

    def check_many(self, requests: Iterable[Request], prices: PriceLookup, spent: float = 0.0, *,
                   reserved: float = 0.0) -> float:
        """Check a comparison: the worst cases of all panes ``(model, messages, params)`` are summed."""
        worsts = self._worst_cases(requests, prices)
        total = sum(worst for _, worst in worsts)
        self._check_room(f"the {len(worsts)} models together", total, spent, reserved)
        return total

    def admit(self, book: SpendBook, model: str, messages: Any, prices: Any,
              params: Mapping[str, Any] | None = None, *, key: Hashable | None = None) -> Reservation:
        """Reserve the call's worst case atomically, or raise :class:`BudgetExceeded` (nothing reserved).

        ``key`` claims a reservation parked by :meth:`admit_many` (a comparison pane) when it covers the call.
        """
        worst = self.worst_case(model, messages, prices, params)
        with book.lock:
            parked = book.claim(key) if key is not None else None
            if parked is not None and parked.amount >= worst:
                return parked
            if parked is not None:
                parked.release()
            self._check_room(model, worst, book.spent(), book.reserved())
            return book.hold(model, worst)

    def admit_many(self, book: SpendBook, requests: Iterable[Request], prices: PriceLookup, *,
                   replace: Iterable[Hashable] = ()) -> list[Reservation]:
        """Reserve every pane of a comparison at once (all or none); raises :class:`BudgetExceeded`.

        What is parked under the ``replace`` keys (this comparison, admitted before) is released first.
        """
        worsts = self._worst_cases(requests, prices)
        total = sum(worst for _, worst in worsts)
        with book.lock:
            for key in set(replace):
                book.unpark(key)
            self._check_room(f"the {len(worsts)} models together", total, book.spent(), book.reserved())
            return [book.hold(model, worst) for model, worst in worsts]

    def _worst_cases(self, requests: Iterable[Request], prices: PriceLookup) -> list[tuple[str, float]]:
        lookup = prices.get if isinstance(prices, Mapping) else prices
        return [(model, self.worst_case(model, messages, lookup(model), params)) for model, messages, params in requests]

    def _check_room(self, what: str, worst: float, spent: float, reserved: float) -> None:
        # A free call never adds spend, even past the limit; sums of reservations may be a rounding off.
        if worst > 0 and worst > self.remaining(spent, reserved) + ROUNDING_USD:
            raise BudgetExceeded(
                f"refused: {what} could cost up to ≈{usd(worst)} — {self.status(spent, reserved)}; raise it with "
                f"%openrouter budget {usd(_nice_ceiling(spent + reserved + worst))[1:]} (or lower --max-tokens)")

    def _unbounded(self, model: str, prices: Any) -> str:
        if prices is None:
            why = "its price is not in the catalog"
        elif _price(prices, "prompt_usd_per_m") is None or _price(prices, "completion_usd_per_m") is None:
            why = "its price is dynamic or unknown"
        else:
            why = "neither --max-tokens nor its maximum output length is known"
        return (f"refused: the cost of {model} cannot be bounded ({why}) while a budget of "
                f"{usd(self.limit_usd)} is set; pick a priced model or run %openrouter budget off")

    def guard(self, model: str, messages: Any, prices: Any, spent: float = 0.0,
              reservation: Reservation | None = None) -> SpendGuard:
        """A running guard for one stream; without ``reservation`` it may spend what is left after ``spent``."""
        if reservation is None:
            reservation = SpendBook(lambda: spent).hold(model, 0.0)
        return SpendGuard(self, model, estimate_prompt_tokens(messages), prices, reservation)

    def __repr__(self) -> str:
        return f"Budget({usd(self.limit_usd)})"


class SpendGuard:
    """A stream's estimated spend (prompt + streamed characters × completion price) against its reservation.

    Passing the reservation (reasoning tokens are billed on top of ``max_tokens``) is allowed while the
    budget has unreserved room: the reservation grows; once it cannot, the stream is stopped.
    """

    def __init__(self, budget: Budget, model: str, prompt_tokens: int, prices: Any, reservation: Reservation) -> None:
        self.budget, self.model, self.reservation = budget, model, reservation
        self.prompt_tokens = prompt_tokens
        self.prompt_price = _price(prices, "prompt_usd_per_m") or 0.0
        self.completion_price = _price(prices, "completion_usd_per_m") or 0.0
        self.request_price = _price(prices, "request_usd") or 0.0
        self.chars = 0
        self.billed: float | None = None  # OpenRouter's cost, once a usage chunk says it

    def add_text(self, text: str) -> bool:
        """Count streamed text (answer or reasoning); True when spend has passed what the budget allows."""
        self.chars += len(text)
        return self.exceeded

    def add_usage(self, cost: float | None) -> bool:
        """Use OpenRouter's own cost when the stream reports it; True when spend has passed the budget."""
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
        """True once this call costs more than its reservation and the budget has no room to grow it."""
        cost = self.call_cost
        if cost <= self.reservation.amount:  # the hot path: one comparison per streamed chunk
            return False
        return not self.reservation.book.grow(self.reservation, cost, self.budget.limit_usd)

    def message(self) -> str:
        """The one-line note shown under a stream stopped by the budget."""
        session = self.reservation.book.spent() + self.call_cost
        return (f"stopped: the {usd(self.budget.limit_usd)} budget was reached "
                f"(this call ≈{usd(self.call_cost)}, session ≈{usd(session)})")
