"""One streamed call with the budget and the ledger around it: refuse, stream, stop at the budget, record once.

    async for event in recorded_stream(client, ledger, budget, messages, model, prices, max_tokens=200):
        renderer.text(...)                       # the row is written when the loop ends, however it ends

    response = await run_and_record(client, ledger, budget, messages, model, prices)

Rows: ``ok`` (Done arrived), ``error`` (API/transport/mid-stream error; the partial answer is kept),
``interrupted`` (the consumer stopped: KeyboardInterrupt, cancellation, the generator closed, or the budget
was reached mid-stream), ``refused`` (the budget said no before sending: nothing goes out). Costs of
interrupted calls without usage are estimated from the prompt and the streamed characters.
"""

from __future__ import annotations

import math
from dataclasses import replace
from collections.abc import AsyncIterator, Hashable
from contextlib import aclosing
from typing import Any

from .._accounting import CHARS_PER_TOKEN, Budget, Reservation, SpendGuard, estimate_prompt_tokens
from .._core import BudgetExceeded, ConfigError, OpenRouterError, StreamError
from .._accounting import Ledger
from .._client import PartialAnswer
from .._core import ChatResponse, Done, StreamEvent, UsageEvent

__all__ = ["recorded_stream", "run_and_record"]


def _fallback_tokens(messages: Any, response: ChatResponse) -> tuple[int, int]:
    """(prompt, completion) token estimates for a call whose usage never arrived."""
    streamed = len(response.text) + len(response.reasoning)
    return estimate_prompt_tokens(messages), math.ceil(streamed / CHARS_PER_TOKEN)


async def recorded_stream(client: Any, ledger: Ledger, budget: Budget | None, messages: Any, model: str,
                          prices: Any, *, claim: Hashable | None = None, **params: Any) -> AsyncIterator[StreamEvent]:
    """``client.stream`` with a budget reservation (or the one a comparison parked under ``claim``) before
    sending and exactly one ledger row when it ends. Raises :class:`BudgetExceeded` when refused (``partial``
    None, nothing sent) or when the spend reached the budget mid-stream (``partial`` = the text so far,
    recorded as ``interrupted``); re-raises every error."""
    hold, guard = _admit(ledger, budget, model, messages, prices, params, claim)
    progress, recorded = PartialAnswer(model), False
    try:
        async with aclosing(client.stream(messages, model=model, **params)) as events:
            async for event in events:
                text = progress.feed(event)
                if isinstance(event, Done):  # the billed cost replaces the reservation in the same step
                    ledger.record_response(event.response, status="ok", prices=prices, reservation=hold)
                    recorded = True
                yield event
                if guard is not None and _reached(guard, event, text):
                    break
        if not recorded:  # stopped by the budget (or the stream ended without Done)
            recorded = True
            _record_stop(ledger, progress, guard, messages, prices)
    except StreamError as failure:
        partial = (failure.partial or progress.response()).with_(error=failure.message)
        recorded = True
        _record_error(ledger, partial, failure, messages, prices)
        raise
    except ConfigError:  # no key: nothing was sent, nothing to account for
        recorded = True
        raise
    except OpenRouterError as failure:
        if not recorded:
            recorded = True
            _record_error(ledger, progress.response(), failure, messages, prices)
        raise
    finally:  # KeyboardInterrupt, cancellation, the consumer closing us: whatever arrived is kept
        if not recorded:
            _record_interrupted(ledger, progress, messages, prices)
        if hold is not None:  # every row is written by now: the reservation has done its work
            hold.release()


def _admit(ledger: Ledger, budget: Budget | None, model: str, messages: Any, prices: Any, params: dict[str, Any],
           claim: Hashable | None) -> tuple[Reservation | None, SpendGuard | None]:
    """Reserve the worst case before sending (a refusal is recorded, then raised) → the hold and the guard."""
    if budget is None:
        return None, None
    try:
        hold = budget.admit(ledger.book, model, messages, prices, params, key=claim)
    except BudgetExceeded as refusal:
        ledger.record_refused(model, refusal.message)
        raise
    return hold, budget.guard(model, messages, prices, reservation=hold)


def _record_interrupted(ledger: Ledger, progress: PartialAnswer, messages: Any, prices: Any) -> None:
    partial = progress.response(interrupted=True, error="interrupted")
    ledger.record_response(partial, status="interrupted", prices=prices,
                           fallback_tokens=_fallback_tokens(messages, partial))


def _record_stop(ledger: Ledger, progress: PartialAnswer, guard: SpendGuard | None, messages: Any,
                 prices: Any) -> None:
    """Record a stream that ended without Done; raise BudgetExceeded when the budget stopped it."""
    stopped = guard is not None and guard.exceeded
    partial = progress.response(interrupted=True, error=guard.message() if stopped else "stream ended early")
    ledger.record_response(partial, status="interrupted", prices=prices,
                           fallback_tokens=_fallback_tokens(messages, partial))
    if stopped:
        raise BudgetExceeded(partial.error, partial=partial)


def _reached(guard: SpendGuard, event: StreamEvent, text: str) -> bool:
    if isinstance(event, UsageEvent):  # the answer is complete by now: note the cost, let Done arrive
        guard.add_usage(event.usage.cost)
        return False
    return bool(text) and guard.add_text(text)


def _record_error(ledger: Ledger, partial: ChatResponse, failure: OpenRouterError, messages: Any,
                  prices: Any) -> None:
    code = getattr(failure, "code", None) or getattr(failure, "status", None)
    error = f"{code}: {failure.message}" if code is not None else failure.message
    streamed = bool(partial.text or partial.reasoning)  # nothing streamed → nothing to estimate
    if not streamed and partial.usage.cost is None and not partial.usage.completion_tokens:
        partial = partial.with_(usage=replace(partial.usage, cost=0.0))  # failed before any token: $0 billed
    ledger.record_response(partial, status="error", error=error, prices=prices,
                           fallback_tokens=_fallback_tokens(messages, partial) if streamed else None)


async def run_and_record(client: Any, ledger: Ledger, budget: Budget | None, messages: Any, model: str,
                         prices: Any, **params: Any) -> ChatResponse:
    """Consume :func:`recorded_stream` and return the final response (raises as it does)."""
    async with aclosing(recorded_stream(client, ledger, budget, messages, model, prices, **params)) as events:
        async for event in events:
            if isinstance(event, Done):
                return event.response
    raise StreamError("the stream ended without a final response")  # pragma: no cover (client always ends with Done)
