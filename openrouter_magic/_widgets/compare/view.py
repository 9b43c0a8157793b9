"""``CompareView``: the comparison as ipywidgets — a grid of panes (up to 4 a row), Stop, a summary.

The widget is traits + observers + the panes as view: a :class:`CompareRun` reports pane changes to
:meth:`CompareView.pane_changed` from its tasks and the pane's ``HTML`` widgets take the new values
(no ``Output`` contexts, so nothing depends on which cell is executing). In a kernel the run lives on the
session's private loop, so those trait updates are sent from its thread while the kernel's thread is busy
with other cells; Stop (a comm callback on the kernel's thread) hands the cancellation over. Its output
bundle carries a static HTML copy of the panes next to the widget view; when the run ends every display
of the view is updated in place, so a saved or exported notebook shows the final panes even without
widget state, and its metadata says where each pane's answer came from (DESIGN §9).
Stable CSS classes (``orm-compare``, ``orm-compare-pane``, ``orm-compare-text``, ``orm-compare-footer``,
``orm-compare-stop``, ``orm-compare-badge``, ``orm-compare-error``, ``orm-compare-summary``) serve tests.
"""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from . import format as fmt
from .ask import AskBox
from .pane import PaneState
from .run import CompareRun, StreamFactory

__all__ = ["ComparePane", "CompareView", "StaticFallback"]

COLUMNS = 4
_DISPLAYS = threading.RLock()  # a display and the end-of-run refresh never interleave


class StaticFallback:
    """Widgets whose output bundle also carries static HTML, refreshed in place when their work ends.

    A saved or exported notebook without widget state (or a front end without the widget manager)
    shows the ``text/html`` copy; displaying through a display id lets :meth:`refresh_displays` replace
    the copy taken at display time with the final one.
    """

    def static_html(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def static_metadata(self) -> dict[str, Any]:
        """The output's metadata (the saved notebook's provenance, DESIGN §9); none by default."""
        return {}

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = repr(self)
        data["text/html"] = self.static_html()
        return data

    def _ipython_display_(self) -> None:
        """Display with a display id (also for a cell's value), so the end of a run can update it."""
        from IPython.display import display

        # the run may end on the private loop's thread while this thread displays: without the lock its
        # refresh could find no handle yet and the display would keep the copy taken mid-run
        with _DISPLAYS:
            handle = display(self._repr_mimebundle_(), raw=True, metadata=self.static_metadata(), display_id=True)
            if handle is not None:
                self._display_handles = [*getattr(self, "_display_handles", []), handle]

    def refresh_displays(self) -> None:
        """Replace every display of this widget with its current bundle and metadata (from any thread)."""
        with _DISPLAYS:
            handles = getattr(self, "_display_handles", [])
            bundle = self._repr_mimebundle_() if handles else None
            metadata = self.static_metadata() if handles else None
            for handle in handles:
                handle.update(bundle, raw=True, metadata=metadata)


class ComparePane(widgets.VBox):
    """One model's pane: header, answer (markdown as HTML), a tool call to approve, notice, footer, badges."""

    def __init__(self, model: str, decide: Callable[[bool], None] = lambda yes: None) -> None:
        self.header = _html("orm-compare-header")
        # HTMLMath: ipywidgets' HTML view never typesets, and answers carry math (only it is typeset, §13)
        self.text = _html("orm-compare-text", widgets.HTMLMath, max_height="420px", overflow="auto")
        self.notice = _html("orm-compare-notice")
        self.footer = _html("orm-compare-footer")
        self.badges = _html("orm-compare-badges")
        self.ask = AskBox(decide)  # --approve: Run/Skip before each tool call
        super().__init__(children=[self.header, self.text, self.ask, self.notice, self.footer, self.badges],
                         layout=widgets.Layout(border="1px solid #ccc", padding="4px 8px", min_width="0"))
        self.add_class("orm-compare-pane")
        self.show(PaneState(model))

    def show(self, pane: PaneState) -> None:
        """Render a pane state into the widgets (only changed values travel to the front end)."""
        self.header.value = fmt.header_html(pane)
        self.text.value = fmt.text_html(pane)
        self.notice.value = fmt.notice_html(pane)
        self.footer.value = html.escape(fmt.footer_text(pane))
        self.badges.value = fmt.badges_html(pane)
        self.ask.show(pane.asking)


class CompareView(StaticFallback, widgets.VBox):
    """Side-by-side streaming answers of several models to one prompt (``start``, ``stop``, ``wait``)."""

    models = traitlets.List(traitlets.Unicode(), help="the models, one pane each")
    status = traitlets.Unicode("idle", help="idle | running | done | stopped")
    result = traitlets.Any(None, allow_none=True, help="the result DataFrame once the run ends")

    def __init__(self, models: Sequence[str]) -> None:
        self.stop_button = widgets.Button(description="Stop", disabled=True, tooltip="cancel every answer still running")
        self.stop_button.add_class("orm-compare-stop")
        self.status_label = _html("orm-compare-status")
        self.grid = widgets.GridBox(layout=widgets.Layout(width="100%", grid_gap="8px"))
        self.grid.add_class("orm-compare-grid")
        self.summary = _html("orm-compare-summary")
        style = widgets.HTML(f"<style>{fmt.CSS}</style>", layout=widgets.Layout(display="none"))
        super().__init__(children=[style, widgets.HBox([self.stop_button, self.status_label]), self.grid,
                                   self.summary])
        self.add_class("orm-compare")
        self.panes: list[ComparePane] = []
        self.run: CompareRun | None = None
        self._states: list[PaneState] = []
        self._finish_callbacks: list[Callable[[CompareView], None]] = []
        self.stop_button.on_click(lambda _button: self.stop())
        self.models = list(models)

    # -- traits → widgets ----------------------------------------------------------------------------

    @traitlets.observe("models")
    def _models_changed(self, change: dict[str, Any]) -> None:
        """Reuse the existing panes, add or drop some, re-flow the grid (≤ 4 a row, wrapping)."""
        models = change["new"]
        while len(self.panes) < len(models):
            index = len(self.panes)
            self.panes.append(ComparePane(models[index], lambda yes, index=index: self.decide(index, yes)))
        del self.panes[len(models):]
        self._states = [PaneState(model) for model in models]
        for pane, state in zip(self.panes, self._states):
            pane.show(state)
        self.grid.children = tuple(self.panes)
        self.grid.layout.grid_template_columns = f"repeat({self.columns}, minmax(0, 1fr))"
        self.summary.value = ""

    @traitlets.observe("status")
    def _status_changed(self, change: dict[str, Any]) -> None:
        running = change["new"] == "running"
        self.stop_button.disabled = not running
        self.stop_button.button_style = "warning" if running else ""  # a saved, finished view looks finished
        self.status_label.value = "" if change["new"] == "idle" else html.escape(change["new"])

    @property
    def columns(self) -> int:
        """Panes per row: all of them up to four, then wrapping rows of four."""
        return max(1, min(COLUMNS, len(self.models)))

    # -- running ---------------------------------------------------------------------------------

    def start(self, factory: StreamFactory, *, models: Sequence[str] | None = None, interval: float = 0.1,
              loop: asyncio.AbstractEventLoop | None = None) -> CompareRun:
        """Begin a run on ``loop`` (default: the running one; the session's private loop in a kernel, so the
        panes stream on while other cells run). Returns at once; running again reuses the panes."""
        if self.running:
            raise RuntimeError("a comparison is still running: stop it first")
        if models is not None and list(models) != self.models:
            self.models = list(models)
        else:
            self._models_changed({"new": self.models})
        self.result = None
        self.run = CompareRun(self.models, factory, listener=self, interval=interval)
        self._states = self.run.panes
        self.status = "running"
        self.run.start(loop)
        return self.run

    @property
    def running(self) -> bool:
        """True while any pane is still streaming."""
        return self.run is not None and self.run.running

    def stop(self) -> None:
        """Cancel everything still running (the Stop button)."""
        if self.run is not None:
            self.run.stop()

    def decide(self, index: int, yes: bool) -> None:
        """Run (True) or skip (False) the tool call pane ``index`` waits on (its Run/Skip buttons)."""
        if self.run is not None:
            self.run.decide(index, yes)

    async def wait(self) -> Any:
        """Wait for the end of the run; returns the result DataFrame."""
        if self.run is None:
            raise RuntimeError("nothing is running: call start() first")
        await self.run.wait()
        return self.result

    def on_finish(self, callback: Callable[[CompareView], None]) -> None:
        """Call ``callback(view)`` when the current run ends (after ``result`` is set)."""
        self._finish_callbacks.append(callback)

    # -- CompareListener ---------------------------------------------------------------------------

    def pane_changed(self, index: int, pane: PaneState) -> None:
        """A pane's state changed (throttled by the run)."""
        self.panes[index].show(pane)

    def run_finished(self, run: CompareRun) -> None:
        """Badges, summary, the result table, and the final static HTML in every display."""
        for pane, state in zip(self.panes, run.panes):
            pane.show(state)
        self.summary.value = html.escape(fmt.summary_text(run.panes, run.wall_s))
        self.refresh_displays()  # the final panes first: the table may still have to import pandas
        self.result = run.frame()
        self.status = "stopped" if run.stopped else "done"
        callbacks, self._finish_callbacks = self._finish_callbacks, []
        for callback in callbacks:
            callback(self)

    # -- display -----------------------------------------------------------------------------------

    def static_html(self) -> str:
        """The panes as they are now, as self-contained HTML (the fallback without widgets)."""
        wall = self.run.wall_s if self.run is not None else None
        return fmt.static_html(self._states, wall, COLUMNS)

    def static_metadata(self) -> dict[str, Any]:
        """Once every pane has finished: ``{"openrouter_magic": {"panes": [...]}}``, one record per model
        (model, provider, generation id, parameters, usage, cost, cache status; never the key)."""
        if not self._states or not all(state.finished for state in self._states):
            return {}
        return {"openrouter_magic": {"panes": [state.metadata() for state in self._states]}}

    def __repr__(self) -> str:
        return f"<CompareView {len(self.models)} models, {self.status}: {fmt.summary_text(self._states)}>"


def _html(css_class: str, kind: type = widgets.HTML, **layout: str) -> widgets.HTML:
    widget = kind(layout=widgets.Layout(**layout)) if layout else kind()
    widget.add_class(css_class)
    return widget
