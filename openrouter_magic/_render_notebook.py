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
import html
import itertools
import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable

from ._blocks import BlockSplitter, Piece, extract_code, fenced, has_reference_definitions, unwrap_fence, window
from ._render_base import Renderer, footer_bundle, mark_bundle, mark_for

if TYPE_CHECKING:  # pragma: no cover
    from ._types import ChatResponse

__all__ = ["NotebookRenderer"]

_EMPTY = {"text/markdown": "", "text/plain": ""}
_GREY = "color:#888"


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
        self._sent: dict[str, dict[str, Any]] = {}
        self._status_id = self._reasoning_id = self._tail_id = None
        self._phase = "idle"  # idle → waiting → reasoning → answer → closed
        self._model, self._t0, self._last, self._reasoning_s = "", clock(), float("-inf"), 0.0
        self._ids, self._token = itertools.count(), uuid.uuid4().hex[:10]
        self._ticker: asyncio.Task[None] | None = None
        self.updates = 0  # display messages sent (new displays and updates), for tests and benchmarks

    # ── the Renderer interface ──────────────────────────────────────────────────────────────────
    def start(self, model: str) -> None:
        """Show the waiting indicator and start ticking when an event loop is running."""
        self._model, self._t0, self._phase = model, self._clock(), "waiting"
        self._last = self._t0
        self._status_id = self._publish(self._waiting_bundle())
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
        """Stop the ticking task."""
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
            self._publish(self._waiting_bundle(), self._status_id)
        elif self._phase == "reasoning":
            self._publish(self._reasoning_bundle(open_=True), self._reasoning_id)
        elif self._phase == "answer":
            self._flush_answer(final=False)

    def _begin_answer(self) -> None:
        if self._phase == "reasoning":
            self._reasoning_s = self._clock() - self._t0
            self._publish(self._reasoning_bundle(open_=False), self._reasoning_id)
        elif self._phase == "waiting":
            self._tail_id, self._status_id = self._status_id, None  # the answer replaces the indicator
        self._phase = "answer"

    def _flush_answer(self, *, final: bool) -> None:
        chunk = "".join(self._pending)
        self._pending.clear()
        self._shown += chunk
        if self._splitter is None:
            if not final:
                self._tail_id = self._publish(self._window_bundle(self._shown), self._tail_id)
            return
        pieces = self._splitter.feed(chunk) + (self._splitter.finish() if final else [])
        if pieces:
            # Blocks that finished together share one display: one message instead of many, and since
            # they end at safe boundaries (or get merged at the end anyway) they render the same.
            first = pieces[0]
            self._settle(Piece("".join(piece.text for piece in pieces), first.joined, first.prefix))
        tail = self._splitter.tail
        if tail.text:
            self._tail_id = self._publish(self._piece_bundle(tail), self._tail_id)

    def _settle(self, piece: Piece) -> None:
        display_id = self._publish(self._piece_bundle(piece), self._tail_id)
        self._tail_id = None
        self._settled.append((piece, display_id))

    # ── the end ─────────────────────────────────────────────────────────────────────────────────
    def _close(self, response: ChatResponse | None, footer: str | None, mark: str | None) -> None:
        if self._phase == "closed":
            return
        self.close()
        self._catch_up(response)
        if self._phase == "waiting":
            bundle = mark_bundle(mark) if mark else {"text/html": f'<span style="{_GREY}">(empty answer)</span>',
                                                     "text/plain": "(empty answer)"}
            self._publish(bundle, self._status_id)
            mark = None
        if self._reasoning_id is not None:
            self._reasoning_s = self._reasoning_s or self._clock() - self._t0
            self._publish(self._reasoning_bundle(open_=False), self._reasoning_id)
        if self._phase == "answer":
            self._flush_answer(final=True)
            self._final_answer(mark)
        self._phase = "closed"
        for extra in (mark_bundle(mark) if mark else None, footer_bundle(footer) if footer else None):
            if extra:
                self._publish(extra)

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
        data, metadata = self._whole_bundle(full, complete=mark is None)
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
            self._publish(self._piece_bundle(merged), run[0][1])
            for _, display_id in run[1:]:
                self._publish(_EMPTY, display_id)

    # ── bundles ─────────────────────────────────────────────────────────────────────────────────
    def _waiting_bundle(self) -> dict[str, Any]:
        line = f"⏳ {self._model} · waiting for first token… {self._clock() - self._t0:.1f}s"
        return {"text/html": f'<span style="{_GREY}">{html.escape(line)}</span>', "text/plain": line}

    def _reasoning_bundle(self, *, open_: bool) -> dict[str, Any]:
        text = "".join(self._reasoning_parts)
        self._reasoning_parts[:] = [text]
        if open_:
            title, body = f"💭 Reasoning… {self._clock() - self._t0:.1f}s", window(text, self._window_chars)
        else:
            title, body = f"💭 Reasoning ({self._reasoning_s:.1f}s)", text
        style = "white-space:pre-wrap;color:#666;font-size:0.9em;margin:0.2em 0 0.5em 1em"
        markup = (f"<details{' open' if open_ else ''}><summary style=\"{_GREY}\">{html.escape(title)}</summary>"
                  f'<div style="{style}">{html.escape(body)}</div></details>')
        return {"text/html": markup, "text/plain": f"{title}\n{body}"}

    def _piece_bundle(self, piece: Piece) -> dict[str, Any]:
        if self.fmt == "text":
            return {"text/plain": piece.text}
        return {"text/markdown": piece.prefix + piece.text, "text/plain": piece.text}

    def _window_bundle(self, full: str) -> dict[str, Any]:
        shown = window(full, self._window_chars)
        if self.fmt == "code":
            return {"text/markdown": fenced(shown, self._language), "text/plain": shown}
        return {"text/plain": shown}

    def _whole_bundle(self, full: str, *, complete: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The final rendering of a code/json/html answer (raw text when it is partial)."""
        if self.fmt == "code":
            code, language = extract_code(full)
            return {"text/markdown": fenced(code, self._language or language), "text/plain": code}, None
        body, _ = unwrap_fence(full)
        if complete and self.fmt == "html":
            return {"text/html": body, "text/plain": body}, None
        if complete and self.fmt == "json":
            try:
                value = json.loads(body)
            except ValueError as exc:
                return {"text/plain": f"{full}\n⚠ not valid JSON: {exc}"}, None
            pretty = json.dumps(value, indent=2, ensure_ascii=False)
            if isinstance(value, (dict, list)):
                meta = {"application/json": {"expanded": False, "root": "root"}}
                return {"application/json": value, "text/plain": pretty}, meta
            return {"text/plain": pretty}, None
        return {"text/plain": full}, None

    # ── output ──────────────────────────────────────────────────────────────────────────────────
    def _publish(self, data: dict[str, Any], display_id: str | None = None, metadata: dict | None = None) -> str:
        """Send a new display (``display_id`` None) or update one; identical updates are skipped."""
        update = display_id is not None
        if display_id is None:
            display_id = f"openrouter-{self._token}-{next(self._ids)}"
        elif self._sent.get(display_id) == data:
            return display_id
        self._sent[display_id] = data
        shell = self._shell if self._shell is not None else _current_shell()
        shell.display_pub.publish(data=data, metadata=metadata or {}, transient={"display_id": display_id},
                                  update=update)
        self.updates += 1
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
