"""One progress display for a row map: rows done/failed/total, rows/s, ETA, $ spent and projected.

    progress = MapProgress(stats)          # stats: done, failed, total, rate, eta, spent, projected, summary()
    progress.start()                       # one display (notebook) or one line (terminal)
    progress.tick()                        # as often as you like: redrawn at most ``max_rate`` times a second
    progress.finish(stats.summary())       # the last state and the summary line

In a notebook (JupyterLab, classic, a headless nbconvert/nbclient run) it is one display updated in place
(``update_display_data``), so the front end never gets more than ``max_rate`` messages a second; in a
terminal it is one line rewritten with ``\\r`` on stderr. Everything shown is escaped (model ids and
prompts are not markup) and marked ``mathjax_ignore`` (two dollar amounts on a line are not TeX).
"""

from __future__ import annotations

import html
import os
import sys
import time
from typing import Any, TextIO

from .base import NO_MATH
from .select import renderer_kind

__all__ = ["MapProgress", "preview_bundle", "progress_line"]

_BAR = 24


def _seconds(value: float | None) -> str:
    if value is None:
        return "?"
    value = int(round(value))
    return f"{value // 60}m{value % 60:02d}s" if value >= 60 else f"{value}s"


def progress_line(stats: Any) -> str:
    """``812/2000 rows · 3 failed · 41.2 rows/s · ETA 28s · $0.0123 spent, ≈$0.0303 projected``."""
    from .._core import usd

    projected = stats.projected
    parts = [f"{stats.done}/{stats.total} rows", f"{stats.failed} failed", f"{stats.rate:.1f} rows/s",
             f"ETA {_seconds(stats.eta)}", f"{usd(stats.spent)} spent"
             + (f", ≈{usd(projected)} projected" if projected is not None else "")]
    return " · ".join(parts)


def _bar(done: int, total: int) -> str:
    filled = int(_BAR * done / total) if total else _BAR
    return "█" * filled + "░" * (_BAR - filled)


def _bundle(stats: Any, summary: str | None) -> dict[str, str]:
    line = progress_line(stats)
    value = stats.done if stats.total else 1
    done_class = " done" if summary else ""
    markup = (f'<div class="openrouter-progress{done_class} {NO_MATH}" style="font-family:var(--jp-code-font-family,monospace);'
              f'font-size:12px"><progress value="{value}" max="{max(stats.total, 1)}" style="width:18em;'
              f'vertical-align:middle"></progress> <span>{html.escape(line)}</span>')
    text = f"{_bar(stats.done, stats.total)} {line}"
    if summary:
        markup += f'<div class="openrouter-progress-summary">{html.escape(summary)}</div>'
        text += "\n" + summary
    return {"text/plain": text, "text/html": markup + "</div>"}


def preview_bundle(header: str, prompt: str) -> dict[str, str]:
    """What is shown before sending: the header line and the first rendered prompt (escaped, verbatim)."""
    markup = (f'<div class="openrouter-map-preview {NO_MATH}"><div>{html.escape(header)}</div><div>first prompt:</div>'
              f'<pre style="white-space:pre-wrap;margin:2px 0">{html.escape(prompt)}</pre></div>')
    return {"text/plain": f"{header}\nfirst prompt:\n{prompt}", "text/html": markup}


class MapProgress:
    """The throttled display (see the module docstring); ``kind`` "notebook" | "terminal" | "null"."""

    def __init__(self, stats: Any, *, kind: str | None = None, shell: Any = None, max_rate: float = 5.0,
                 stream: TextIO | None = None, clock: Any = time.monotonic) -> None:
        self.stats, self.shell, self.clock = stats, shell, clock
        self.kind = kind or renderer_kind(shell)
        self.refresh_interval = 1.0 / max_rate  # also how often a Relay ticks us
        self.stream = stream or sys.stderr
        self.updates = 0
        self._display_id = f"openrouter-map-{os.urandom(6).hex()}"
        self._last = -1.0
        self._shown: tuple[Any, ...] | None = None

    def show(self, data: dict[str, str]) -> None:
        """Publish a one-off bundle (the preview) the way this display's kind does."""
        if self.kind == "notebook":
            self._publish(data, display_id=None)
        elif self.kind == "terminal":
            print(data["text/plain"], file=self.stream, flush=True)

    def start(self) -> None:
        """Show the bar at 0."""
        self._draw(None, force=True)

    def tick(self) -> None:
        """Redraw when due and something changed."""
        self._draw(None, force=False)

    def finish(self, summary: str) -> None:
        """The last state with the summary line under it."""
        self._draw(summary, force=True)
        if self.kind == "terminal":
            print(file=self.stream, flush=True)

    def _draw(self, summary: str | None, *, force: bool) -> None:
        now = self.clock()
        state = (self.stats.done, self.stats.failed, round(self.stats.spent, 9), summary)
        if not force and (now - self._last < self.refresh_interval or state == self._shown):
            return
        self._last, self._shown = now, state
        self.updates += 1
        data = _bundle(self.stats, summary)
        if self.kind == "notebook":
            self._publish(data, display_id=self._display_id, update=self.updates > 1)
        elif self.kind == "terminal":
            line = data["text/plain"].replace("\n", "  ")
            print("\r" + line, end="", file=self.stream, flush=True)

    def _publish(self, data: dict[str, str], display_id: str | None, update: bool = False) -> None:
        shell = self.shell
        if shell is None:
            from IPython.core.getipython import get_ipython

            shell = get_ipython()
        transient = {"display_id": display_id} if display_id else {}
        shell.display_pub.publish(data=data, metadata={}, transient=transient, update=update)
