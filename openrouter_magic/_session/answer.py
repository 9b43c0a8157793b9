"""The consumer side of one streamed answer: feeds a renderer and keeps what arrived.

The partial answer lives here (not inside the coroutine) so that it survives an interrupt raised anywhere:
inside the stream, inside the renderer, or while the loop waits for the network.
"""

from __future__ import annotations

from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from .._core import StreamError
from .._core import ChatResponse, Done, ReasoningDelta, TextDelta

if TYPE_CHECKING:  # pragma: no cover
    from .session import Session

__all__ = ["Answer"]


class Answer:
    """The consumer side of a stream: feeds the renderer, keeps the text for a partial response."""

    def __init__(self, renderer: Any, model: str, *, live: bool = True) -> None:
        self.renderer, self.model, self.live = renderer, model, live
        self.text_parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.response: ChatResponse | None = None

    async def consume(self, session: Session, messages: Any, params: dict[str, Any]) -> ChatResponse:
        """Stream the answer (started inside the loop so the renderer can tick by itself)."""
        self.renderer.start(self.model)
        async with aclosing(session.guarded_stream(messages, self.model, **params)) as events:
            async for event in events:
                if type(event) is TextDelta:  # the hot path: 20,000 of these must stay cheap
                    self.text_parts.append(event.text)
                    if self.live:
                        self.renderer.text(event.text)
                elif type(event) is ReasoningDelta:
                    self.reasoning_parts.append(event.text)
                    if self.live:
                        self.renderer.reasoning(event.text)
                elif type(event) is Done:
                    self.response = event.response
        if self.response is None:
            raise StreamError("the stream ended without a final response", self.partial(interrupted=False))
        if not self.live:
            self.renderer.reasoning(self.response.reasoning)
            self.renderer.text(self.response.text)
        return self.response

    def partial(self, *, interrupted: bool) -> ChatResponse:
        """What arrived so far, as a response."""
        return ChatResponse(text="".join(self.text_parts), reasoning="".join(self.reasoning_parts),
                            model=self.model, requested_model=self.model, interrupted=interrupted)
