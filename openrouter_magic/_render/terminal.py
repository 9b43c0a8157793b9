"""The terminal renderer: plain text written to stdout as it arrives, once, with no display updates.

Terminal IPython prints text/plain again on every display update, so this renderer never uses displays:
it writes and flushes. Reasoning is dimmed on a terminal (prefixed with "│ " elsewhere), the footer goes
on its own line at the end. On a terminal the waiting indicator is one line rewritten in place by
:meth:`tick` and erased by the first token.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Callable, TextIO

from .base import Renderer, mark_for

if TYPE_CHECKING:  # pragma: no cover
    from .._core import ChatResponse

__all__ = ["TerminalRenderer"]

_DIM, _RESET, _ERASE_LINE = "\x1b[2m", "\x1b[0m", "\r\x1b[K"


class TerminalRenderer(Renderer):
    """Writes the answer to ``stream`` (default: the current ``sys.stdout``) as it arrives."""

    def __init__(
        self,
        fmt: str = "markdown",
        *,
        stream: TextIO | None = None,
        color: bool | None = None,
        refresh_interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        auto_tick: bool = True,
    ) -> None:
        self.fmt = fmt
        self.refresh_interval = refresh_interval
        self._stream, self._color, self._clock, self._auto_tick = stream, color, clock, auto_tick
        self._phase = "idle"  # idle → waiting → reasoning → answer → closed
        self._model, self._t0, self._last = "", clock(), float("-inf")
        self._indicator = False  # the waiting line is on screen
        self._at_line_start = True
        self._written: list[str] = []  # the answer text written so far
        self._reasoning_written: list[str] = []
        self._ticker: asyncio.Task[None] | None = None

    @property
    def _out(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stdout

    def _tty(self) -> bool:
        if self._color is not None:
            return self._color
        isatty = getattr(self._out, "isatty", None)
        return bool(isatty and isatty())

    def _write(self, text: str) -> None:
        if self._indicator:
            text, self._indicator = _ERASE_LINE + text, False
        self._out.write(text)
        self._out.flush()

    def start(self, model: str) -> None:
        """Remember the start time; on a terminal, show the waiting line and tick it."""
        self._model, self._t0, self._phase = model, self._clock(), "waiting"
        if self._tty():
            self.tick()
            self._start_ticker()

    def tick(self) -> None:
        """Rewrite the waiting line with the elapsed time (terminals only, until the first token)."""
        now = self._clock()
        if self._phase != "waiting" or not self._tty() or now - self._last < self.refresh_interval:
            return
        self._last = now
        line = f"⏳ {self._model} · waiting for first token… {now - self._t0:.1f}s"
        self._out.write(f"\r{_DIM}{line}{_RESET}")
        self._out.flush()
        self._indicator = True

    def reasoning(self, text: str) -> None:
        """Write reasoning dimmed (or with "│ " line prefixes when not a terminal)."""
        if not text or self._phase in ("answer", "closed"):
            return  # reasoning after the answer started would interleave with it
        self._phase = "reasoning"
        self._reasoning_written.append(text)
        if self._tty():
            self._write(f"{_DIM}{text}{_RESET}")
            self._at_line_start = text.endswith("\n")
            return
        out = []
        for char in text:
            if self._at_line_start:
                out.append("│ ")
            out.append(char)
            self._at_line_start = char == "\n"
        self._write("".join(out))

    def text(self, text: str) -> None:
        """Write answer text as it arrives."""
        if not text or self._phase == "closed":
            return
        if self._phase == "reasoning":
            self._write("\n\n" if not self._at_line_start else "\n")
        self._phase = "answer"
        self._written.append(text)
        self._write(text)
        self._at_line_start = text.endswith("\n")

    def finish(self, response: ChatResponse | None, footer: str | None = None) -> None:
        """End the answer's line, then the mark (if any) and the footer."""
        self._close(response, footer, mark_for(response))

    def fail(self, response: ChatResponse | None, message: str, footer: str | None = None) -> None:
        """Keep what was written and add ``message`` on its own line."""
        self._close(response, footer, message)

    def close(self) -> None:
        """Abandon the answer: stop ticking, erase the waiting line, end the line of partial text."""
        self._close(None, None, None)

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _close(self, response: ChatResponse | None, footer: str | None, mark: str | None) -> None:
        if self._phase == "closed":
            return
        self._stop_ticker()
        if response is not None:
            said = "".join(self._written)
            if response.text.startswith(said) and len(response.text) > len(said):
                self.text(response.text[len(said) :])  # what was not streamed (e.g. --no-stream)
        if self._indicator:
            self._write("")
        self._phase = "closed"
        tail = "" if self._at_line_start else "\n"
        if mark:
            tail += f"{mark}\n"
        if footer:
            tail += f"{_DIM}{footer}{_RESET}\n" if self._tty() else f"{footer}\n"
        if tail:
            self._write(tail)

    def _start_ticker(self) -> None:
        if not self._auto_tick:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._ticker = loop.create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        while self._phase == "waiting":
            await asyncio.sleep(self.refresh_interval)
            self.tick()

