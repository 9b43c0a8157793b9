"""The consumer side of one streamed answer: feeds a renderer and keeps what arrived.

The partial answer lives here (not inside the coroutine) so that it survives an interrupt raised anywhere:
inside the stream, inside the renderer, or while the loop waits for the network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from .._client import PartialAnswer
from .._core import ChatResponse, StreamError, StreamEvent, TextDelta

__all__ = ["Answer"]


class Answer:
    """The consumer side of a stream: feeds the renderer, keeps the text for a partial response."""

    def __init__(self, renderer: Any, model: str, *, live: bool = True) -> None:
        self.renderer, self.model, self.live = renderer, model, live
        self.so_far = PartialAnswer(model)

    async def consume(self, events: AsyncIterator[StreamEvent]) -> ChatResponse:
        """Stream the answer from ``events`` (started inside the loop so the renderer can tick by itself)."""
        self.renderer.start(self.model)
        so_far, renderer, live = self.so_far, self.renderer, self.live
        async with aclosing(events):
            async for event in events:
                text = so_far.feed(event)  # the hot path: 20,000 of these must stay cheap
                if text and live:
                    (renderer.text if type(event) is TextDelta else renderer.reasoning)(text)
        if so_far.final is None:
            raise StreamError("the stream ended without a final response", self.partial(interrupted=False))
        if not live:
            renderer.reasoning(so_far.final.reasoning)
            renderer.text(so_far.final.text)
        return so_far.final

    @property
    def response(self) -> ChatResponse | None:
        """The final response, once the stream delivered it."""
        return self.so_far.final

    def partial(self, *, interrupted: bool) -> ChatResponse:
        """What arrived so far, as a response."""
        return self.so_far.response(interrupted=interrupted)
