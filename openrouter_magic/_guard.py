"""The guarded stream: budget before sending, exactly one ledger row when the call ends.

Statuses: ``ok`` (Done arrived), ``error`` (API/transport/stream error), ``interrupted`` (the consumer
stopped early: KeyboardInterrupt, task cancellation, Stop button, generator closed), ``refused`` (the budget
said no; nothing was sent). The partial answer of an interrupted call is kept in a :class:`StreamProgress`
that the caller may pass in, so it survives even when the interrupt is raised outside the coroutine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ._errors import APIError, ConfigError, OpenRouterError, StreamError
from ._types import ChatResponse, Done, ReasoningDelta, StreamEvent, TextDelta, UsageEvent, Usage

if TYPE_CHECKING:  # pragma: no cover
    from ._session import Session

__all__ = ["StreamProgress", "guarded_stream"]


class StreamProgress:
    """What a stream produced so far; turns into a partial :class:`ChatResponse` on interrupt."""

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self.text_parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.usage: Usage | None = None
        self.started_at = time.perf_counter()
        self.first_token_at: float | None = None
        self.response: ChatResponse | None = None
        self.status: str | None = None  # set once the ledger row is written
        self.messages: Any = None

    def feed(self, event: StreamEvent) -> None:
        """Account for one event."""
        if isinstance(event, (TextDelta, ReasoningDelta)):
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            parts = self.text_parts if isinstance(event, TextDelta) else self.reasoning_parts
            parts.append(event.text)
        elif isinstance(event, UsageEvent):
            self.usage = event.usage
        elif isinstance(event, Done):
            self.response = event.response

    def estimated_tokens(self) -> tuple[int, int]:
        """(prompt, completion) token estimates, for the ledger when usage never arrived."""
        from ._budget import CHARS_PER_TOKEN, estimate_prompt_tokens

        completion = -(-len(self.text + "".join(self.reasoning_parts)) // CHARS_PER_TOKEN)
        return estimate_prompt_tokens(self.messages or ""), completion

    @property
    def text(self) -> str:
        """The answer text so far."""
        return "".join(self.text_parts)

    def partial(self, *, interrupted: bool = True, error: str | None = None) -> ChatResponse:
        """The response so far (the final one when the stream completed)."""
        if self.response is not None:
            return self.response
        now = time.perf_counter()
        ttft = None if self.first_token_at is None else self.first_token_at - self.started_at
        return ChatResponse(
            text=self.text,
            reasoning="".join(self.reasoning_parts),
            model=self.model,
            requested_model=self.model,
            usage=self.usage or Usage(),
            ttft_s=ttft,
            elapsed_s=now - self.started_at,
            interrupted=interrupted,
            error=error,
        )


async def guarded_stream(
    session: Session,
    messages: Any,
    model: str | None,
    progress: StreamProgress | None = None,
    **params: Any,
) -> AsyncIterator[StreamEvent]:
    """Stream through ``session.client`` with the budget guard and one ledger row (see module doc)."""
    model = model or session.default_model
    progress = progress or StreamProgress(model)
    progress.model, progress.messages = model, messages
    await session.check_budget_async([(model, messages, params)])
    spend = _spend_guard(session, model, messages)
    client = session.client
    progress.started_at = time.perf_counter()
    try:
        async for event in client.stream(messages, model=model, **params):
            progress.feed(event)
            _watch_budget(spend, event, progress)
            yield event
    except StreamError as error:
        partial = error.partial or progress.partial(interrupted=False)
        progress.response = partial.with_(error=error.message)
        await _record(session, progress, "error", error.message)
        raise
    except ConfigError:  # no key: nothing was sent, so there is nothing to account for
        raise
    except Exception as error:  # APIError, TransportError, BudgetExceeded… (and bugs: still one row)
        await _record_failure(session, progress, error)
        raise
    except (asyncio.CancelledError, KeyboardInterrupt, GeneratorExit):
        _record_interrupt(session, progress)
        raise
    if progress.response is None:  # the client ended without Done: count it as interrupted
        _record_interrupt(session, progress)
        return
    await _record(session, progress, "ok", None)


def _spend_guard(session: Session, model: str, messages: Any) -> Any:
    if session.budget is None:
        return None
    spent = session.ledger.session_total()
    return session.budget.guard(model, messages, session.known_prices(model), spent)


def _watch_budget(spend: Any, event: StreamEvent, progress: StreamProgress) -> None:
    """Stop the stream once the session's spend reaches a hard budget (the partial answer is kept)."""
    if spend is None:
        return
    if isinstance(event, (TextDelta, ReasoningDelta)):
        exceeded = spend.add_text(event.text)
    elif isinstance(event, UsageEvent):
        exceeded = spend.add_usage(event.usage.cost)
    else:
        return
    if exceeded and not isinstance(event, Done):
        from ._budget import BudgetExceeded

        raise BudgetExceeded(spend.message(), partial=progress.partial(interrupted=True))


async def _record_failure(session: Session, progress: StreamProgress, error: Exception) -> None:
    partial = getattr(error, "partial", None)
    if isinstance(error, OpenRouterError) and partial is not None:  # stopped by the budget mid-stream
        progress.response = partial.with_(error=error.message)
        _record_interrupt(session, progress, error.message)
        return
    message = error.message if isinstance(error, OpenRouterError) else type(error).__name__
    progress.response = progress.partial(interrupted=False, error=message)
    await _record(session, progress, "error", str(error) if isinstance(error, APIError) else message)


def _record_interrupt(session: Session, progress: StreamProgress, reason: str = "interrupted") -> None:
    """Synchronous on purpose: we may be unwinding a cancellation, so no network here."""
    if progress.status is not None:
        return
    if progress.response is None or not progress.response.interrupted:
        progress.response = progress.partial(interrupted=True)
    session.record(progress.response, status="interrupted", error=reason,
                   prices=session.known_prices(progress.model), fallback_tokens=progress.estimated_tokens())
    progress.status = "interrupted"


async def _record(session: Session, progress: StreamProgress, status: str, error: str | None) -> None:
    if progress.status is not None:
        return
    response = progress.response
    assert response is not None
    model = response.model or progress.model
    if status == "ok" and response.usage.cost is None:
        prices = await session.prices_for(model)
    else:
        prices = session.known_prices(model)
    session.record(response, status=status, error=error, prices=prices, fallback_tokens=progress.estimated_tokens())
    progress.status = status
