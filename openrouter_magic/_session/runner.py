"""Run coroutines from synchronous code: on the kernel's running loop (nest_asyncio) or a private loop.

In a Jupyter kernel a cell already runs inside the kernel's asyncio loop, so ``asyncio.run`` is refused;
``nest_asyncio`` lets us call ``run_until_complete`` on that same loop re-entrantly, which keeps widget
tasks and the stream on one loop. It is applied lazily, once per loop, only when a loop is running. Outside
a running loop (plain Python, terminal IPython) a private loop is kept so that the HTTP connection pool,
which is bound to the loop that created it, survives from one call to the next.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any

from .._core import redact

__all__ = ["LoopRunner"]

_log = logging.getLogger("openrouter_magic")
_CLEANUP_WAIT_S = 1.0


class LoopRunner:
    """Drives coroutines to completion (``run``) or in the background (``spawn``)."""

    def __init__(self) -> None:
        self._private: asyncio.AbstractEventLoop | None = None
        self._nested: set[int] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    @staticmethod
    def running_loop() -> asyncio.AbstractEventLoop | None:
        """The loop running in this thread, if any."""
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop ``run``/``spawn`` use now: the running one, else the private one."""
        running = self.running_loop()
        if running is not None:
            return running
        if self._private is None or self._private.is_closed():
            self._private = asyncio.new_event_loop()
            atexit.register(self.close)  # finish what is pending (renderer tickers, closing clients)
        return self._private

    def _allow_nesting(self, loop: asyncio.AbstractEventLoop) -> None:
        if id(loop) in self._nested:
            return
        try:
            # ipykernel >= 7 runs every shell message in one shared Context: a message arriving while a
            # cell streams (Run All, a comm) would be stepped re-entrantly in that Context, which
            # raises "cannot enter context" and loses the message. nest_asyncio2 (ipykernel 7's own
            # dependency) defers such handles until the nested run ends; plain nest_asyncio does not.
            import nest_asyncio2 as nest_asyncio
        except ImportError:
            import nest_asyncio

        nest_asyncio.apply(loop)
        self._nested.add(id(loop))

    def run(self, awaitable: Awaitable[Any]) -> Any:
        """Run to completion and return the result.

        On KeyboardInterrupt (or any error raised while the loop waits) the task is cancelled and given
        a moment to clean up — close its connection, write its ledger row — before the error propagates.
        """
        loop = self.loop()
        if loop.is_running():
            self._allow_nesting(loop)
        task = asyncio.ensure_future(awaitable, loop=loop)
        try:
            return loop.run_until_complete(task)
        except BaseException:
            if not task.done():
                task.cancel()
                self._drain(loop, task)
            raise

    @staticmethod
    def _drain(loop: asyncio.AbstractEventLoop, task: asyncio.Future[Any]) -> None:
        try:
            loop.run_until_complete(asyncio.wait([task], timeout=_CLEANUP_WAIT_S))
        except BaseException:  # a second interrupt while cleaning up: give up on the cleanup
            return
        if task.done() and not task.cancelled():
            task.exception()  # mark retrieved: the caller already handles the interrupt

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Schedule without blocking. Outside a running loop the task advances whenever ``run`` drives
        the private loop (``run(task)`` waits for it)."""
        task = self.loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:  # widget callbacks have nobody to raise to: leave a trace in the log
            _log.warning("background task failed: %s", redact(f"{type(error).__name__}: {error}"))

    def close(self) -> None:
        """Let background tasks of the private loop finish briefly, cancel the rest, close the loop."""
        loop, self._private = self._private, None
        if loop is None or loop.is_running() or loop.is_closed():
            for task in list(self._tasks):
                task.cancel()
            return
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=_CLEANUP_WAIT_S))
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()
