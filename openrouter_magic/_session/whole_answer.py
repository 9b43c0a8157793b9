"""A client whose ``stream`` sends one non-streamed request (``--no-stream``) and replays the answer as events.

    client = WholeAnswer(session.client)
    async for event in client.stream(messages, model=model, tools=specs):   # one POST without "stream"
        ...   # ReasoningDelta, TextDelta (each whole, if any), UsageEvent, Done(the response)

The guarded stream wraps it like the real client, so budget, ledger and the tool loop see the same events
whatever the request was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .._core import Done, ReasoningDelta, StreamEvent, TextDelta, UsageEvent

__all__ = ["WholeAnswer"]


class WholeAnswer:
    """Stands in for the client: ``stream`` is ``chat`` (non-streamed), told as stream events."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def stream(self, messages: Any, model: str | None = None, **params: Any) -> AsyncIterator[StreamEvent]:
        """One non-streamed completion, then its reasoning, text, usage and Done as events."""
        response = await self.client.chat(messages, model, **params)
        if response.reasoning:
            yield ReasoningDelta(response.reasoning)
        if response.text:
            yield TextDelta(response.text)
        yield UsageEvent(response.usage)
        yield Done(response)
