"""The comparison runner: one prompt, N models, all streaming at once as tasks on one loop.

Pure asyncio, no widgets: a :class:`CompareRun` is given a *stream factory* — ``factory(model)`` returns
an async iterator of stream events (or an awaitable of one), e.g. ``session.guarded_stream`` bound to
the messages — and keeps one :class:`PaneState` per model up to date. A listener (the ``CompareView``,
or nothing in a script) hears about pane changes, throttled to at most one per ``interval`` per pane,
and about the end of the run. One pane failing never disturbs another; :meth:`CompareRun.stop` cancels
every stream still running (their connections close) and those panes keep their partial text.

The loop may belong to another thread (the session's private loop, so that a comparison streams on while
the kernel runs other cells): ``start(loop)``, ``stop()`` and ``wait()`` are safe from any thread or loop,
and the listener is called on the run's loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .pane import FRAME_COLUMNS, PaneState, assign_badges
from ..._core import redact
from ..._core import APIError, OpenRouterError, StreamError
from ..._client import PartialAnswer
from ..._core import ChatResponse, Done, UsageEvent
from ..._session import ApprovalAsked

__all__ = ["CompareListener", "CompareRun", "StreamFactory"]

CHARS_PER_S = 50_000  # pane text resent per second at most, once answers are long


class CompareListener(Protocol):
    """Who hears about the run (the CompareView implements this)."""

    def pane_changed(self, index: int, pane: PaneState) -> None: ...
    def run_finished(self, run: CompareRun) -> None: ...


StreamFactory = Callable[[str], Any]


class CompareRun:
    """Streams every model concurrently; ``await run.run()`` or ``run.start()`` then ``await run.wait()``."""

    def __init__(self, models: Sequence[str], factory: StreamFactory, *, listener: CompareListener | None = None,
                 interval: float = 0.1, tick: float = 0.5, clock: Callable[[], float] = time.perf_counter) -> None:
        self.panes = [PaneState(model) for model in models]
        self.listener = listener
        self.interval = interval
        self.tick = tick
        self.wall_s: float | None = None
        self._factory = factory
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []
        self._last: list[float] = [float("-inf")] * len(self.panes)
        self._started: list[float] = [0.0] * len(self.panes)
        self._pending: list[asyncio.TimerHandle | None] = [None] * len(self.panes)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._finished: concurrent.futures.Future[CompareRun] = concurrent.futures.Future()
        self._finishing: asyncio.Task[None] | None = None
        self.stopped = False

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Schedule every pane as a task on ``loop`` (default: the running one); returns at once, from any thread."""
        if self._loop is not None:
            return
        self._loop = loop or asyncio.get_running_loop()
        if _running_on(self._loop):
            self._begin()
        else:
            self._loop.call_soon_threadsafe(self._begin)

    def _begin(self) -> None:
        loop, started = asyncio.get_running_loop(), self._clock()
        self._tasks = [loop.create_task(self._pane(i)) for i in range(len(self.panes))]
        if self.stopped:  # Stop came before the loop got to the start
            self._cancel_all()
        ticker = loop.create_task(self._ticker()) if self.listener is not None else None
        self._finishing = loop.create_task(self._finish(started, ticker))  # held: the loop keeps weak refs

    async def run(self) -> CompareRun:
        """Start (if needed) on the running loop and wait until every pane is finished."""
        self.start()
        return await self.wait()

    async def wait(self) -> CompareRun:
        """Wait for the end of a started run, from any loop (waiting does not stop the run if cancelled)."""
        if self._loop is None:
            raise RuntimeError("the comparison has not been started")
        return await asyncio.shield(asyncio.wrap_future(self._finished))

    @property
    def running(self) -> bool:
        """True between start and the end of the last pane."""
        return self._loop is not None and not self._finished.done()

    def stop(self) -> None:
        """Cancel every stream still running (from any thread); cancelled panes keep their text, marked interrupted."""
        self.stopped = True
        loop = self._loop
        if loop is None or _running_on(loop):
            self._cancel_all()
            return
        with contextlib.suppress(RuntimeError):  # a closed loop has nothing left to cancel
            loop.call_soon_threadsafe(self._cancel_all)

    def decide(self, index: int, yes: bool) -> None:
        """Run (True) or skip (False) the tool call pane ``index`` waits on; from any thread, never blocks."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: nothing waits any more
                self._loop.call_soon_threadsafe(self._decide, index, yes)

    def _decide(self, index: int, yes: bool) -> None:
        asked, self.panes[index].asking = self.panes[index].asking, None
        if asked is not None:
            asked.decide(yes)
            self._touch(index)

    def _cancel_all(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def _finish(self, started: float, ticker: asyncio.Task[None] | None) -> None:
        try:
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self.wall_s = self._clock() - started
            assign_badges(self.panes)
            if self.listener is not None:
                self.listener.run_finished(self)
        except asyncio.CancelledError:  # the loop is shutting down: waiters stop waiting
            self._finished.cancel()
            raise
        except BaseException as error:  # a failing listener: the waiters hear about it
            self._finished.set_exception(error)
            raise
        finally:
            if ticker is not None:
                ticker.cancel()
        self._finished.set_result(self)

    # -- one pane ------------------------------------------------------------------------------------

    async def _ticker(self) -> None:
        """Keep the clocks of silent panes moving ("waiting for first token… 3.0 s", a stalled stream)."""
        while True:
            await asyncio.sleep(self.tick)
            now = self._clock()
            for index, pane in enumerate(self.panes):
                if not pane.finished and now - self._last[index] >= self.tick:
                    pane.elapsed_s = now - self._started[index]
                    self._touch(index)

    async def _pane(self, index: int) -> None:
        pane = self.panes[index]
        started = self._started[index] = self._clock()
        so_far = PartialAnswer(pane.model, clock=self._clock)
        stream = None
        try:
            stream = await _open(self._factory, pane.model)
            async for event in stream:
                self._apply(pane, so_far, event)
                self._touch(index)
        except asyncio.CancelledError:  # Stop: keep the partial text; the task ends normally
            pane.status = "interrupted"
        except KeyboardInterrupt:  # Ctrl-C landed in this pane's code: stop them all, gracefully
            pane.status = "interrupted"
            self.stop()
        except StreamError as err:
            _failed(pane, err, err.partial)
        except Exception as err:  # one model's failure stays in its pane
            _failed(pane, err, None)
        finally:
            pane.asking = None  # a question left open was cancelled with the stream
            if stream is not None:
                with contextlib.suppress(BaseException):
                    await stream.aclose()
            if pane.elapsed_s is None or pane.status == "interrupted":
                pane.elapsed_s = self._clock() - started
            if not pane.finished:  # the stream ended without Done: treat what arrived as the answer
                pane.status = "ok"
            self._flush(index, force=True)

    def _apply(self, pane: PaneState, so_far: PartialAnswer, event: Any) -> None:
        """Feed the pane's accumulator; the pane shows what it holds."""
        if isinstance(event, ApprovalAsked):  # the tool loop waits for the pane's Run/Skip
            pane.asking = event
        elif so_far.feed(event):
            pane.status = "streaming"
            pane.ttft_s = so_far.ttft_s
            pane.text = so_far.text
            pane.reasoning_chars = so_far.reasoning_chars
        elif isinstance(event, UsageEvent):
            pane.prompt_tokens = event.usage.prompt_tokens
            pane.completion_tokens = event.usage.completion_tokens
            pane.cost = event.usage.cost
        elif isinstance(event, Done):
            pane.absorb(event.response)
            pane.status = "ok"
        if not pane.finished:
            pane.elapsed_s = self._clock() - so_far.started

    # -- throttled updates -------------------------------------------------------------------------

    def _touch(self, index: int) -> None:
        """A pane changed: tell the listener now, or once the interval since the last update has passed."""
        if self.listener is None or self._pending[index] is not None:
            return
        wait = self._last[index] + self.interval_for(index) - self._clock()
        if wait <= 0:
            self._flush(index)
        else:
            self._pending[index] = asyncio.get_running_loop().call_later(wait, self._flush, index)

    def interval_for(self, index: int) -> float:
        """Seconds between updates of a pane: ``interval``, longer once its text is long.

        Every update resends the whole pane, so a fixed rate would make the bytes sent grow with the
        square of the answer; spacing updates in proportion to the length keeps them linear.
        """
        return max(self.interval, len(self.panes[index].text) / CHARS_PER_S)

    def _flush(self, index: int, force: bool = False) -> None:
        handle, self._pending[index] = self._pending[index], None
        if handle is not None:
            handle.cancel()
        if self.listener is None:
            return
        if not force and self.panes[index].finished:
            return
        self._last[index] = self._clock()
        self.listener.pane_changed(index, self.panes[index])

    # -- results -----------------------------------------------------------------------------------

    def frame(self):
        """The result table: one row per model (columns ``FRAME_COLUMNS``)."""
        import pandas as pd

        frame = pd.DataFrame([pane.row() for pane in self.panes], columns=FRAME_COLUMNS)
        return frame.astype({"prompt_tokens": "Int64", "completion_tokens": "Int64", "cost": "float64",
                             "ttft_s": "float64", "elapsed_s": "float64", "tokens_per_s": "float64"})

    @property
    def total_cost(self) -> float | None:
        """Sum of the known costs (None when no pane knows its cost)."""
        costs = [pane.cost for pane in self.panes if pane.cost is not None]
        return sum(costs) if costs else None


def _running_on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


async def _open(factory: StreamFactory, model: str) -> Any:
    stream = factory(model)
    if inspect.isawaitable(stream):
        stream = await stream
    return stream


def _failed(pane: PaneState, err: Exception, partial: ChatResponse | None) -> None:
    partial = partial if partial is not None else getattr(err, "partial", None)
    if partial is not None:
        pane.absorb(partial)
    if type(err).__name__ == "BudgetExceeded":  # before sending: refused; mid-stream: cut short by the budget
        pane.status = "interrupted" if pane.text else "refused"
    else:
        pane.status = "error"
    pane.error = _describe(err)


def _describe(err: Exception) -> str:
    if isinstance(err, APIError):
        return str(err)  # "429: Rate limit exceeded…"
    if isinstance(err, OpenRouterError):
        return err.message
    return redact(f"{type(err).__name__}: {err}")
