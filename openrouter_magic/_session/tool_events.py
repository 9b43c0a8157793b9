"""The tool loop as a stream of events, for a comparison pane (each pane runs its own loop, DESIGN §10).

    async for event in tool_loop_events(session, box, messages, model, max_steps=8):
        ...   # TextDelta / ReasoningDelta of every step as they arrive, then Done(the combined response)

A comparison returns at once and nothing waits in the kernel's thread, so a pane's plain functions run on
the private loop's thread (async ones side by side, as in a cell); ``--approve`` does not apply to panes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from .._core import Done, ReasoningDelta, StreamEvent, TextDelta
from .tool_loop import DEFAULT_MAX_STEPS, ToolLoop
from .toolbox import ToolBox

__all__ = ["tool_loop_events"]


class _Sink:
    """A view that turns what the loop shows into stream events on a queue."""

    def __init__(self, queue: asyncio.Queue[StreamEvent | None]) -> None:
        self.queue = queue

    def start(self, model: str) -> None:
        """Nothing to show before the first event."""

    def text(self, text: str) -> None:
        """Answer text of any step."""
        self.queue.put_nowait(TextDelta(text))

    def reasoning(self, text: str) -> None:
        """Reasoning text of any step."""
        self.queue.put_nowait(ReasoningDelta(text))


async def tool_loop_events(session: Any, box: ToolBox, messages: Any, model: str, *,
                      max_steps: int = DEFAULT_MAX_STEPS, **params: Any) -> AsyncIterator[StreamEvent]:
    """Run the loop for one model and yield its events; the task is cancelled if the consumer stops."""
    queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue()
    loop = ToolLoop(session, box, view=_Sink(queue), main=None, max_steps=max_steps)
    task = asyncio.ensure_future(loop.run(messages, model, **params))
    task.add_done_callback(lambda _: queue.put_nowait(None))
    try:
        while (event := await queue.get()) is not None:
            yield event
        yield Done(task.result())  # re-raises the loop's error, if any
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
