"""The session's private asyncio loop, on a daemon thread started on first use.

Magics submit coroutines there and wait in the calling thread (the kernel's main thread), where displays
belong; widgets schedule their work there and return at once, so their streams go on while other cells
run, CPU-bound ones included. Nothing in asyncio, tornado or ipykernel is patched: the kernel's own loop
stays untouched (top-level ``await`` in a cell runs on it as usual). Outside IPython the same runner
serves scripts, and the HTTP connection pool, bound to the loop that opened it, lives as long as the loop.

    runner = LoopRunner()
    answer = runner.run(client.chat("hi"))        # blocks this thread; Ctrl-C cancels the coroutine
    job = runner.spawn(load_catalog())            # returns at once; job.cancel(), await job, job.result()
    runner.close()                                # finish briefly, cancel the rest, close clients and loop
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from .._core import redact
from .job import Job

if TYPE_CHECKING:  # pragma: no cover
    from .._client import OpenRouter

__all__ = ["LoopRunner", "PrivateLoopMixin"]

_log = logging.getLogger("openrouter_magic")
_CLEANUP_WAIT_S = 1.0  # how long a cancelled call may take to close its connection and write its row
_POLL_S = 0.25  # a plain wait wakes this often (an interrupt lands at once anyway)
_CLIENT_SETTINGS = ("api_key", "base_url", "http_referer", "x_title", "timeout", "max_retries",
                    "retry_delay")


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class LoopRunner:
    """Owns one private loop on a daemon thread and the session's client: ``run`` (blocking), ``spawn``
    (background), ``client``, ``close`` (also at interpreter exit)."""

    def __init__(self, name: str = "openrouter-magic-loop") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._jobs: set[Job] = set()
        self._client: Any = None
        self.client_key: tuple[Any, ...] | None = None  # the settings the client was built from

    def loop(self) -> asyncio.AbstractEventLoop:
        """The private loop, started (with its thread) on first use and again after ``close``."""
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=_serve, args=(loop,), name=self.name, daemon=True)
                self._thread.start()
                self._loop = loop
                atexit.register(self.close)
            return self._loop

    def in_loop(self) -> bool:
        """True when called from the private loop's own thread."""
        thread = self._thread
        return thread is not None and threading.current_thread() is thread

    def client(self, settings: tuple[Any, ...]) -> Any:
        """The OpenRouter client for ``settings`` (key, base URL, referer, title, timeout, retries).

        Rebuilt when they change (the old one is closed on the loop); closed with the loop. Its HTTP
        connections belong to the loop that opened them: one pool per loop, this one's closed in ``close``.
        """
        with self._lock:  # the kernel's thread and the private loop both ask for it
            if self._client is None or settings != self.client_key:
                from .._client import OpenRouter

                old, self.client_key = self._client, settings
                key, url, referer, title, timeout, retries, *rest = settings
                delay = {"retry_base_delay": float(rest[0])} if rest and rest[0] is not None else {}
                self._client = OpenRouter(api_key=key, base_url=url, http_referer=referer, x_title=title,
                                          timeout=timeout, max_retries=int(retries), **delay)
                if old is not None:
                    self.spawn(old.aclose())
            return self._client

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> Job:
        """Start ``coro`` on the private loop and return at once (from any thread)."""
        job = Job(self.loop(), coro)
        self._jobs.add(job)
        job.add_done_callback(self._forget)
        return job

    def _forget(self, job: Job) -> None:
        self._jobs.discard(job)
        if job.cancelled():
            return
        error = job.exception()
        if error is not None and not job.awaited:  # widget work has nobody to raise to: leave a trace
            _log.warning("background task failed: %s", redact(f"{type(error).__name__}: {error}"))

    def run(self, awaitable: Awaitable[Any], *, relay: Any = None) -> Any:
        """Run on the private loop and block this thread until the result (or the error) comes back.

        ``relay`` (a :class:`~.relay.Relay`) is pumped while waiting: calls the coroutine made for this
        thread (renderer updates) run here, in order, and its ``tick`` runs every ``tick_every`` seconds.
        On KeyboardInterrupt (or any error raised while waiting) the coroutine is cancelled and given a
        moment to clean up — close its connection, write its ledger row — before the error propagates.
        """
        if self.in_loop():
            raise RuntimeError("run() was called on the session's own loop: await the coroutine instead")
        job = awaitable if isinstance(awaitable, Job) else self.spawn(_awaited(awaitable))
        job.awaited = True
        try:
            self._wait(job, relay)
        except BaseException:
            job.cancel()
            _settle(job, relay)
            raise
        return job.result()

    @staticmethod
    def _wait(job: Job, relay: Any) -> None:
        if relay is None:
            while not job.wait(_POLL_S):
                pass
            return
        job.add_done_callback(relay.wake)
        while not job.done():
            relay.pump(relay.tick_every)
            relay.tick_if_due()
        relay.pump()

    def close(self, timeout: float = 5.0) -> None:
        """Let background work finish briefly, cancel the rest, close the client, stop and close the loop."""
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        atexit.unregister(self.close)
        if loop is None or thread is None:
            return
        if threading.current_thread() is thread:  # closing from inside: stop once this callback returns
            loop.call_soon(loop.stop)
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout)
        except BaseException as error:  # a stuck cleanup must not keep the kernel from going on
            _log.warning("closing the private loop: %s", redact(f"{type(error).__name__}: {error}"))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        if not thread.is_alive():
            loop.close()

    async def _shutdown(self) -> None:
        me = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not me]
        if pending:
            await asyncio.wait(pending, timeout=_CLEANUP_WAIT_S)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
        await asyncio.get_running_loop().shutdown_asyncgens()
        await asyncio.get_running_loop().shutdown_default_executor()


class PrivateLoopMixin:
    """What the session gets from its runner: the client, ``run``, ``spawn`` and ``loop``.

    The host provides ``_runner`` (a :class:`LoopRunner`) and ``settings()``.
    """

    _runner: LoopRunner
    settings: Callable[[], dict[str, Any]]

    @property
    def client(self) -> OpenRouter:
        """The client, rebuilt whenever the key, base URL or client settings change (closed with the loop)."""
        found = self.settings()
        return self._runner.client(tuple(found[name].value for name in _CLIENT_SETTINGS))

    @property
    def _client_key(self) -> tuple[Any, ...] | None:
        return self._runner.client_key

    def run(self, coro: Awaitable[Any], *, relay: Any = None) -> Any:
        """Run on the session's private loop and wait here; Ctrl-C cancels it (``relay``: ``LoopRunner.run``)."""
        return self._runner.run(coro, relay=relay)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> Job:
        """Start on the private loop and return at once (widget callbacks); the ``Job`` can be awaited anywhere."""
        return self._runner.spawn(coro)

    def loop(self) -> asyncio.AbstractEventLoop:
        """The private loop (started on first use), where widgets run their streams."""
        return self._runner.loop()


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()


def _settle(job: Job, relay: Any) -> None:
    """After an interrupt: wait briefly for the cancelled job's cleanup, replay what it left for this thread."""
    try:
        job.wait(_CLEANUP_WAIT_S)
        if relay is not None:
            relay.pump()
    except BaseException:  # a second interrupt (or a failing renderer) while cleaning up: give up on it
        if relay is not None:
            relay.discard()
        return
    if job.done() and not job.cancelled():
        job.exception()  # retrieved: the caller handles the interrupt
