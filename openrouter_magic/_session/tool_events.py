"""The tool loop as a stream of events, for a comparison pane (each pane runs its own loop, DESIGN §10).

    async for event in tool_loop_events(session, box, messages, model, max_steps=8):
        ...   # TextDelta / ReasoningDelta of every step as they arrive, then Done(the combined response)

A comparison returns at once and nothing waits in the kernel's thread, so a pane's plain functions run on
the private loop's thread (async ones side by side, as in a cell). With ``approve=True`` the stream also
yields an :class:`ApprovalAsked` before each call and the loop waits until someone calls its ``decide``
(a pane's Run/Skip buttons); one question at a time per pane, and cancelling the stream cancels it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from .._core import Done, ReasoningDelta, StreamEvent, TextDelta
from .tool_loop import DEFAULT_MAX_STEPS, ToolLoop
from .toolbox import ToolBox

__all__ = ["ApprovalAsked", "tool_loop_events"]


@dataclass
class ApprovalAsked:
    """A call waiting for a yes or no: ``decide(True)`` runs it, ``decide(False)`` declines it."""

    name: str
    arguments: str
    future: asyncio.Future[bool] = field(repr=False)

    def decide(self, yes: bool) -> None:
        """Answer on the loop that asked (call it there; from another thread use ``call_soon_threadsafe``)."""
        if not self.future.done():
            self.future.set_result(bool(yes))


class _Sink:
    """A view that turns what the loop shows into stream events on a queue."""

    def __init__(self, queue: asyncio.Queue[Any]) -> None:
        self.queue = queue
        self.asking = asyncio.Lock()  # one question at a time, in the calls' order

    async def approve(self, name: str, arguments: str) -> bool:
        """Put the question on the stream and wait for its answer."""
        async with self.asking:
            asked = ApprovalAsked(name, arguments, asyncio.get_running_loop().create_future())
            self.queue.put_nowait(asked)
            return await asked.future

    def start(self, model: str) -> None:
        """Nothing to show before the first event."""

    def text(self, text: str) -> None:
        """Answer text of any step."""
        self.queue.put_nowait(TextDelta(text))

    def reasoning(self, text: str) -> None:
        """Reasoning text of any step."""
        self.queue.put_nowait(ReasoningDelta(text))


async def tool_loop_events(session: Any, box: ToolBox, messages: Any, model: str, *,
                      max_steps: int = DEFAULT_MAX_STEPS, approve: bool = False,
                      **params: Any) -> AsyncIterator[StreamEvent | ApprovalAsked]:
    """Run the loop for one model and yield its events; the task is cancelled if the consumer stops."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    sink = _Sink(queue)
    loop = ToolLoop(session, box, view=sink, main=None, max_steps=max_steps, approve=sink.approve if approve else False)
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
