"""A renderer seen from the private loop: its calls are queued there and replayed on the waiting thread.

Displays belong to the kernel's main thread (the one that runs the cell), while the stream is consumed on
the session's private loop. The consumer talks to a :class:`Relay` as if it were the renderer; the magic
waits in ``LoopRunner.run(…, relay=relay)``, which replays the queued calls in order and calls ``tick``
every ``tick_every`` seconds (the waiting indicator, the throttled tail). A call made on the waiting thread
itself (``fail`` after an interrupt) first replays what is queued, then runs at once.

    relay = Relay(renderer)
    answer = Answer(relay, model)
    session.run(session.ask(messages, model, answer=answer), relay=relay)
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

__all__ = ["Relay"]

_WAKE = "__wake__"
_TEXTS = "__texts__"  # a run of text pieces, joined when replayed (one display update, not thousands)


class Relay:
    """Stands in for ``target`` (a renderer) on another thread; see the module docstring."""

    def __init__(self, target: Any, *, tick_every: float | None = None) -> None:
        self.target = target
        every = tick_every if tick_every is not None else getattr(target, "refresh_interval", 0.25)
        self.tick_every = max(float(every), 0.01)  # the waiting thread sleeps at most this long between checks
        self._owner = threading.get_ident()
        self._queue: queue.SimpleQueue[tuple[str, tuple[Any, ...]]] = queue.SimpleQueue()
        self._last_tick = time.monotonic()
        self._lock = threading.Lock()
        self._open: list[str] | None = None  # the run of text pieces still taking more, if any

    # -- the Renderer interface, as the consumer sees it ------------------------------------------
    def start(self, model: str) -> None:
        """Queue ``target.start(model)``."""
        self._call("start", model)

    def reasoning(self, text: str) -> None:
        """Queue ``target.reasoning(text)``."""
        self._call("reasoning", text)

    def text(self, text: str) -> None:
        """Queue ``target.text(text)``; pieces that arrive before the waiting thread replays them are joined."""
        if threading.get_ident() == self._owner:
            self._call("text", text)
            return
        with self._lock:
            if self._open is not None:
                self._open.append(text)
                return
            self._open = [text]
            self._queue.put((_TEXTS, (self._open,)))

    def tick(self) -> None:
        """Queue ``target.tick()``."""
        self._call("tick")

    def finish(self, response: Any, footer: str | None = None) -> None:
        """Queue ``target.finish(response, footer)``."""
        self._call("finish", response, footer)

    def fail(self, response: Any, message: str, footer: str | None = None) -> None:
        """Queue ``target.fail(response, message, footer)``."""
        self._call("fail", response, message, footer)

    def close(self) -> None:
        """Queue ``target.close()``."""
        self._call("close")

    def call(self, name: str, *args: Any) -> None:
        """Queue ``target.<name>(*args)``: any method of the target (the tool loop hands plain tools and
        the trace to the waiting thread this way)."""
        self._call(name, *args)

    def _call(self, name: str, *args: Any) -> None:
        if threading.get_ident() == self._owner:
            self.pump()
            getattr(self.target, name)(*args)
        else:
            with self._lock:
                self._open = None  # text after this call must be replayed after it
                self._queue.put((name, args))

    # -- the waiting thread's side ----------------------------------------------------------------
    def pump(self, timeout: float = 0.0) -> None:
        """Replay every queued call on this thread; wait up to ``timeout`` s for the first one."""
        block = timeout > 0
        while True:
            try:
                name, args = self._queue.get(block, timeout) if block else self._queue.get_nowait()
            except queue.Empty:
                return
            block = False
            if name == _TEXTS:
                self._replay_texts(args[0])
            elif name != _WAKE:
                getattr(self.target, name)(*args)  # looked up now: a patched method is honoured

    def _replay_texts(self, pieces: list[str]) -> None:
        with self._lock:
            if self._open is pieces:
                self._open = None  # closed: later pieces start a new run behind this one
        self.target.text("".join(pieces))

    def tick_if_due(self) -> None:
        """Call ``target.tick()`` when ``tick_every`` seconds have passed since the last time."""
        now = time.monotonic()
        if now - self._last_tick >= self.tick_every:
            self._last_tick = now
            self.target.tick()

    def wake(self, *_: Any) -> None:
        """Make a waiting :meth:`pump` return (from any thread)."""
        self._queue.put((_WAKE, ()))

    def discard(self) -> None:
        """Drop what is queued (after a failure while replaying: the caller shows the partial answer)."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return
