"""The notebook renderer: finished blocks displayed once, the unfinished tail updated in place, throttled.

Output area of one answer, top to bottom: the waiting indicator (which becomes the reasoning block when
reasoning arrives, or the first answer piece when text arrives), the answer pieces, an
``[interrupted]``/error line when the answer stopped early, the footer.

Bytes sent grow linearly with the answer: a finished piece is sent once (as the last update of the tail
display that showed it, or as a new display) and never again; each throttled refresh re-sends only the
tail, which :class:`~openrouter_magic._blocks.BlockSplitter` keeps under ``max_block_chars``. ``code``,
``json`` and ``html`` answers are rendered whole at the end, so while they stream one display shows a
window on their last lines. Front ends keep only the last state of each display id, so the saved notebook
holds the final answer once; pieces that had to be cut where markdown renders differently are merged
back into their first display at the end (the others are emptied).
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable

from .blocks import BlockSplitter, Piece, has_reference_definitions
from .base import Renderer, footer_bundle, mark_bundle, mark_for
from .bundles import (
    EMPTY,
    empty_answer_bundle,
    piece_bundle,
    reasoning_bundle,
    waiting_bundle,
    whole_bundle,
    window_bundle,
)

if TYPE_CHECKING:  # pragma: no cover
    from .._core import ChatResponse

__all__ = ["NotebookRenderer"]


class NotebookRenderer(Renderer):
    """Streams one answer into a notebook output area (see the module docstring).

    ``clock`` is injectable so tests can simulate time; ``auto_tick`` starts a small task that calls
    :meth:`tick` every ``refresh_interval`` when :meth:`start` runs inside an event loop.
    """

    def __init__(
        self,
        fmt: str = "markdown",
        *,
        refresh_interval: float = 0.25,
        shell: Any = None,
        language: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_block_chars: int = 2000,
        window_chars: int = 1000,
        auto_tick: bool = True,
    ) -> None:
        self.fmt = fmt
        self.refresh_interval = refresh_interval
        self._shell, self._language, self._clock = shell, language, clock
        self._window_chars, self._auto_tick = window_chars, auto_tick
        blocky = fmt in ("markdown", "text")
        self._splitter = BlockSplitter("text" if fmt == "text" else "markdown", max_block_chars) if blocky else None
        self._shown = ""  # the answer text already handed to the display
        self._pending: list[str] = []  # answer text that arrived since the last refresh
        self._reasoning_parts: list[str] = []
        self._settled: list[tuple[Piece, str]] = []  # finished pieces and their display ids
        self._sent: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}  # display id → (data, metadata)
        self._status_id = self._reasoning_id = self._tail_id = None
        self._phase = "idle"  # idle → waiting → reasoning → answer → closed
        self._model, self._t0, self._last, self._reasoning_s = "", clock(), float("-inf"), 0.0
        self._ids, self._token = itertools.count(), uuid.uuid4().hex[:10]
        self._ticker: asyncio.Task[None] | None = None
        self._meta: dict[str, Any] = {}  # provenance (DESIGN §9): metadata of every display of the answer

    # ── the Renderer interface ──────────────────────────────────────────────────────────────────
    def start(self, model: str) -> None:
        """Show the waiting indicator and start ticking when an event loop is running."""
        self._model, self._t0, self._phase = model, self._clock(), "waiting"
        self._last = self._t0
        self._status_id = self._publish(waiting_bundle(model, 0.0))
        self._start_ticker()

    def reasoning(self, text: str) -> None:
        """Stream reasoning into an open ``<details>`` block (shows only its last lines while open)."""
        if not text or self._phase == "closed":
            return
        self._reasoning_parts.append(text)
        if self._phase in ("idle", "waiting"):
            self._reasoning_id, self._status_id, self._phase = self._status_id, None, "reasoning"
            self._flush()
        elif self._phase == "reasoning":
            self._maybe_flush()

    def text(self, text: str) -> None:
        """Add answer text; the first piece shows at once, the rest at most every ``refresh_interval``."""
        if not text or self._phase == "closed":
            return
        self._pending.append(text)
        if self._phase != "answer":
            self._begin_answer()
            self._flush()
            return
        now = self._clock()  # inlined _maybe_flush: this runs once per token
        if now - self._last >= self.refresh_interval:
            self._flush(now)

    def tick(self) -> None:
        """Refresh what is due: the elapsed time while waiting, the reasoning, the answer's tail."""
        if self._phase != "closed":
            self._maybe_flush()

    def finish(self, response: ChatResponse | None, footer: str | None = None) -> None:
        """Final rendering of the answer, then the footer; marks interrupted/failed responses."""
        self._close(response, footer, mark_for(response))

    def fail(self, response: ChatResponse | None, message: str, footer: str | None = None) -> None:
        """Keep the partial answer and show ``message`` (e.g. "[interrupted]" or the error) under it."""
        self._close(response, footer, message)

    def close(self) -> None:
        """Abandon the answer: stop ticking, remove the waiting indicator, keep whatever text arrived.

        For callers that report an error elsewhere (e.g. a ``UsageError``); safe after finish/fail.
        """
        if self._phase == "waiting":
            self._publish(EMPTY, self._status_id)
            self._phase = "idle"
        self._close(None, None, None)

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    # ── throttling ──────────────────────────────────────────────────────────────────────────────
    def _maybe_flush(self) -> None:
        now = self._clock()
        if now - self._last >= self.refresh_interval:
            self._flush(now)

    def _flush(self, now: float | None = None) -> None:
        self._last = self._clock() if now is None else now
        if self._phase == "waiting":
            self._publish(waiting_bundle(self._model, self._clock() - self._t0), self._status_id)
        elif self._phase == "reasoning":
            self._reasoning_id = self._publish(self._reasoning(open_=True), self._reasoning_id)
        elif self._phase == "answer":
            self._flush_answer(final=False)

    def _begin_answer(self) -> None:
        if self._phase == "reasoning":
            self._reasoning_s = self._clock() - self._t0
            self._publish(self._reasoning(open_=False), self._reasoning_id)
        elif self._phase == "waiting":
            self._tail_id, self._status_id = self._status_id, None  # the answer replaces the indicator
        self._phase = "answer"

    def _flush_answer(self, *, final: bool) -> None:
        chunk = "".join(self._pending)
        self._pending.clear()
        self._shown += chunk
        if self._splitter is None:
            if not final:
                bundle = window_bundle(self._shown, self.fmt, self._language, self._window_chars)
                self._tail_id = self._publish(bundle, self._tail_id)
            return
        pieces = self._splitter.feed(chunk) + (self._splitter.finish() if final else [])
        if pieces:
            # Blocks that finished together share one display: one message instead of many, and since
            # they end at safe boundaries (or get merged at the end anyway) they render the same.
            first = pieces[0]
            self._settle(Piece("".join(piece.text for piece in pieces), first.joined, first.prefix))
        tail = self._splitter.tail
        if tail.text:
            self._tail_id = self._publish(self._piece(tail), self._tail_id)

    def _settle(self, piece: Piece) -> None:
        display_id = self._publish(self._piece(piece), self._tail_id)
        self._tail_id = None
        self._settled.append((piece, display_id))

    # ── the end ─────────────────────────────────────────────────────────────────────────────────
    def _close(self, response: ChatResponse | None, footer: str | None, mark: str | None) -> None:
        if self._phase == "closed":
            return
        self._stop_ticker()
        provenance = getattr(response, "provenance", None)
        self._meta = {"openrouter_magic": provenance} if provenance else {}
        self._catch_up(response)
        if self._phase == "waiting":
            self._publish(mark_bundle(mark) if mark else empty_answer_bundle(), self._status_id)
            mark = None
        if self._reasoning_id is not None:
            self._reasoning_s = self._reasoning_s or self._clock() - self._t0
            self._publish(self._reasoning(open_=False), self._reasoning_id)
        if self._phase == "answer":
            self._flush_answer(final=True)
            self._final_answer(mark)
        self._phase = "closed"
        for extra in (mark_bundle(mark) if mark else None, footer_bundle(footer) if footer else None):
            if extra:
                self._publish(extra)
        if self._meta:  # every output of the answer carries the provenance into the saved notebook (once)
            for display_id, (data, _) in list(self._sent.items()):
                self._publish(data, display_id)

    def _catch_up(self, response: ChatResponse | None) -> None:
        """Take what the response holds beyond what was streamed (e.g. a non-streamed answer)."""
        if response is None:
            return
        said = "".join(self._reasoning_parts)
        if response.reasoning and response.reasoning.startswith(said) and len(response.reasoning) > len(said):
            if self._phase in ("idle", "waiting"):
                self._reasoning_id, self._status_id, self._phase = self._status_id, None, "reasoning"
            self._reasoning_parts.append(response.reasoning[len(said) :])
        streamed = self._shown + "".join(self._pending)
        if response.text.startswith(streamed) and len(response.text) > len(streamed):
            rest = response.text[len(streamed) :]
            self._pending.append(rest)
            if self._phase != "answer":
                self._begin_answer()

    def _final_answer(self, mark: str | None) -> None:
        full = self._shown
        if self._splitter is not None:
            self._merge_runs(all_in_one=self.fmt == "markdown" and has_reference_definitions(full))
            return
        data, metadata = whole_bundle(full, self.fmt, self._language, complete=mark is None)
        self._tail_id = self._publish(data, self._tail_id, metadata)

    def _merge_runs(self, *, all_in_one: bool) -> None:
        """Merge pieces that were cut where markdown renders differently into their first display."""
        runs: list[list[tuple[Piece, str]]] = []
        for item in self._settled:
            if runs and (item[0].joined or all_in_one):
                runs[-1].append(item)
            else:
                runs.append([item])
        for run in (r for r in runs if len(r) > 1):
            merged = Piece("".join(piece.text for piece, _ in run), prefix=run[0][0].prefix)
            self._publish(self._piece(merged), run[0][1])
            for _, display_id in run[1:]:
                self._publish(EMPTY, display_id)

    def _piece(self, piece: Piece) -> dict[str, Any]:
        return piece_bundle(piece, self.fmt)

    def _reasoning(self, *, open_: bool) -> dict[str, Any]:
        text = "".join(self._reasoning_parts)
        self._reasoning_parts[:] = [text]
        seconds = self._clock() - self._t0 if open_ else self._reasoning_s
        return reasoning_bundle(text, seconds, open_=open_, window_chars=self._window_chars)

    # ── output ──────────────────────────────────────────────────────────────────────────────────
    def _publish(self, data: dict[str, Any], display_id: str | None = None, metadata: dict | None = None) -> str:
        """Send a new display (``display_id`` None) or update one; identical updates are skipped."""
        update = display_id is not None
        if display_id is None:
            display_id = f"openrouter-{self._token}-{next(self._ids)}"
        metadata = {**(metadata or {}), **self._meta}
        if self._sent.get(display_id) == (data, metadata):
            return display_id
        self._sent[display_id] = (data, metadata)
        shell = self._shell if self._shell is not None else _current_shell()
        shell.display_pub.publish(data=data, metadata=metadata, transient={"display_id": display_id},
                                  update=update)
        return display_id

    def _start_ticker(self) -> None:
        if not self._auto_tick or self._ticker is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: the caller's text()/tick() calls drive the refreshes
        self._ticker = loop.create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        while self._phase != "closed":
            await asyncio.sleep(self.refresh_interval)
            try:
                self.tick()
            except Exception:  # a broken front end must not leave a task failing forever
                return


def _current_shell() -> Any:
    from IPython.core.getipython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("NotebookRenderer needs a running IPython shell (use make_renderer())")
    return shell
