"""The one partial-answer accumulator: stream events in, the answer so far out (as a ``ChatResponse``).

Whoever consumes ``OpenRouter.stream`` keeps what arrived here — the notebook's answer, the recorded call
(ledger), each comparison pane — so that an answer cut short (Ctrl-C, Stop, the budget, a broken stream)
is the same partial response everywhere: its text, reasoning, usage when it came, time to first token.
Pure code on the ``_core`` event types; the hot path (one ``feed`` per text delta) only appends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .._core import ChatResponse, Done, ReasoningDelta, StreamEvent, TextDelta, Usage, UsageEvent

__all__ = ["PartialAnswer"]


class PartialAnswer:
    """Feed it the events of one stream; ``response()`` is the final answer, or what arrived so far."""

    def __init__(self, model: str, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.model = model
        self.clock = clock
        self.started = clock()
        self.first_token: float | None = None  # clock() when the first text or reasoning arrived
        self.usage: Usage | None = None
        self.final: ChatResponse | None = None  # Done's response
        self.reasoning_chars = 0
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._joined = ""  # _text joined up to _joined_parts, so reading .text while streaming stays cheap
        self._joined_parts = 0

    def feed(self, event: StreamEvent) -> str:
        """Keep what ``event`` carries; returns its text (answer or reasoning), ``""`` for other events."""
        kind = type(event)
        if kind is TextDelta or kind is ReasoningDelta:
            text: str = event.text  # type: ignore[union-attr]
            if self.first_token is None:
                self.first_token = self.clock()
            if kind is TextDelta:
                self._text.append(text)
            else:
                self._reasoning.append(text)
                self.reasoning_chars += len(text)
            return text
        if kind is UsageEvent:
            self.usage = event.usage  # type: ignore[union-attr]
        elif kind is Done:
            self.final = event.response  # type: ignore[union-attr]
        return ""

    @property
    def text(self) -> str:
        """The answer text so far."""
        if self._joined_parts < len(self._text):
            self._joined += "".join(self._text[self._joined_parts:])
            self._joined_parts = len(self._text)
        return self._joined

    @property
    def reasoning(self) -> str:
        """The reasoning text so far."""
        return "".join(self._reasoning)

    @property
    def ttft_s(self) -> float | None:
        """Seconds from the start to the first text or reasoning (None before it)."""
        return None if self.first_token is None else self.first_token - self.started

    def response(self, *, interrupted: bool = False, error: str | None = None) -> ChatResponse:
        """Done's response when it arrived (marked as asked), else the partial answer built from the events."""
        if self.final is not None:
            if not interrupted and error is None:
                return self.final
            return self.final.with_(interrupted=interrupted, error=error)
        return ChatResponse(text=self.text, reasoning=self.reasoning, model=self.model, requested_model=self.model,
                            usage=self.usage or Usage(), ttft_s=self.ttft_s,
                            elapsed_s=self.clock() - self.started, interrupted=interrupted, error=error)
