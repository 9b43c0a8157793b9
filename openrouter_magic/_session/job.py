"""``Job``: a coroutine running on the session's private loop, seen from any thread.

The private loop runs on its own thread, so the kernel's thread (a magic, a widget callback) cannot hold
an ``asyncio.Task`` of it safely. A job mirrors the task into a ``concurrent.futures.Future`` that any
thread may wait on, cancels through the loop's thread, and can be awaited from any loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["Job", "running_here"]


class Job:
    """A coroutine running on the private loop, seen from any thread.

    ``cancel()`` is safe from any thread; ``done()``/``wait()``/``result()`` describe the task itself, so a
    cancelled job is done only once its cleanup (closing a connection, writing a ledger row) has run.
    A job can be awaited from any loop: on its own loop it is its task, elsewhere a thread-safe wait.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> None:
        self.loop = loop
        self._future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = False
        self.awaited = False  # someone takes the result: a failure is theirs to report, not the log's
        if running_here(loop):
            self._start(coro)
        else:  # the task is created on the loop's thread, in a copy of the caller's context (as asyncio does)
            try:
                loop.call_soon_threadsafe(self._start, coro)
            except RuntimeError:  # the loop was closed under us
                coro.close()
                raise

    def _start(self, coro: Coroutine[Any, Any, Any]) -> None:
        if self._cancelling:
            coro.close()
            self._cancelled_now()
            return
        self._task = self.loop.create_task(coro)
        self._task.add_done_callback(self._mirror)

    def _mirror(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self._cancelled_now()
        elif task.exception() is not None:
            self._future.set_exception(task.exception())
        else:
            self._future.set_result(task.result())

    def _cancelled_now(self) -> None:
        # cancel() alone wakes result() but not concurrent.futures.wait(): "notify" wakes both
        if self._future.cancel():
            self._future.set_running_or_notify_cancel()

    def cancel(self) -> bool:
        """Ask the task to stop (from any thread); False when it has already finished."""
        if self._future.done():
            return False
        self._cancelling = True
        if running_here(self.loop):
            self._cancel_task()
            return True
        try:
            self.loop.call_soon_threadsafe(self._cancel_task)
        except RuntimeError:  # loop closed: nothing runs any more
            self._cancelled_now()
        return True

    def _cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def done(self) -> bool:
        """True once the task has finished (cleanup included)."""
        return self._future.done()

    def cancelled(self) -> bool:
        """True when the task ended by cancellation."""
        return self._future.cancelled()

    def wait(self, timeout: float | None = None) -> bool:
        """Block this thread until the task ends or ``timeout`` passes; True when it ended."""
        concurrent.futures.wait([self._future], timeout=timeout)
        return self._future.done()

    def result(self, timeout: float | None = None) -> Any:
        """The task's result (raises its exception, ``concurrent.futures.CancelledError`` or ``TimeoutError``)."""
        return self._future.result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The task's exception, or None."""
        return self._future.exception(timeout)

    def add_done_callback(self, callback: Callable[[Job], Any]) -> None:
        """Call ``callback(job)`` when the task ends (in the loop's thread, or at once if it has ended)."""
        self._future.add_done_callback(lambda _future: callback(self))

    def __await__(self) -> Any:
        return self._await().__await__()

    async def _await(self) -> Any:
        self.awaited = True
        here = asyncio.get_running_loop()
        if here is self.loop:
            while self._task is None and not self._future.done():  # created from another thread: not started yet
                await asyncio.sleep(0)
            if self._task is not None:
                return await self._task
        waiter = here.create_future()
        self._future.add_done_callback(lambda _future: _wake(here, waiter))
        try:
            await waiter
        except asyncio.CancelledError:  # like awaiting a task: the awaiter's cancellation is the job's
            self.cancel()
            raise
        if self._future.cancelled():
            raise asyncio.CancelledError
        return self._future.result()

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled() else "done" if self.done() else "running"
        return f"<Job {state}>"


def _wake(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Any]) -> None:
    def wake() -> None:
        if not waiter.done():
            waiter.set_result(None)

    try:
        loop.call_soon_threadsafe(wake)
    except RuntimeError:  # the awaiting loop is closed: nobody is waiting any more
        pass


def running_here(loop: asyncio.AbstractEventLoop) -> bool:
    """True when called from inside ``loop`` (on its thread, while it runs)."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
