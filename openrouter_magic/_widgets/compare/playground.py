"""The comparison playground (``%openrouter compare [M1 M2 …]``): prompt, models, Run/Stop, a CompareView.

Traits + observers + a view: the chosen ``models`` are a trait; buttons call :meth:`Playground.run` /
:meth:`Playground.stop`, which schedule work on the session's private loop and return at once (the
comm handler never waits); the :class:`CompareView` below receives the answers. Running again reuses its panes. The model
chooser is a search box fed by the session's catalog (loaded in the background) plus a list of choices.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from .request import MAX_MODELS, build_messages, session_factory, validate_models
from .view import CompareView, StaticFallback

__all__ = ["Playground"]


class Playground(StaticFallback, widgets.VBox):
    """Prompt box, system box, model choosers, temperature and max tokens, Run and Stop, the panes."""

    models = traitlets.List(traitlets.Unicode(), help="the chosen models (2–8 to run)")

    def __init__(self, session: Any, models: Sequence[str] = ()) -> None:
        self.session = session
        self.prompt = _classed(widgets.Textarea(placeholder="Prompt: the same for every model",
                                                layout=widgets.Layout(width="100%", height="90px")),
                               "orm-playground-prompt")
        self.system = _classed(widgets.Textarea(placeholder="System prompt (optional)",
                                                layout=widgets.Layout(width="100%", height="50px")),
                               "orm-playground-system")
        self.search = _classed(widgets.Combobox(placeholder="search models… (Enter or Add)", ensure_option=False,
                                                layout=widgets.Layout(width="340px")), "orm-playground-search")
        self.add_button = widgets.Button(description="Add")
        self.chosen = _classed(widgets.Select(options=[], rows=4, layout=widgets.Layout(width="340px")),
                               "orm-playground-models")
        self.remove_button = widgets.Button(description="Remove")
        wide = {"description_width": "initial"}
        self.temperature = widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.05, description="temperature",
                                               style=wide)
        self.max_tokens = widgets.BoundedIntText(value=512, min=1, max=1_000_000, description="max tokens",
                                                 style=wide, layout=widgets.Layout(width="180px"))
        self.run_button = _classed(widgets.Button(description="Run", button_style="primary"),
                                   "orm-playground-run")
        self.stop_button = _classed(widgets.Button(description="Stop", disabled=True),
                                    "orm-playground-stop")
        self.message = _classed(widgets.HTML(), "orm-playground-message")
        self.view = CompareView(list(models)[:MAX_MODELS] or [])
        self.view.stop_button.layout.display = "none"  # one Stop button: the playground's
        super().__init__(children=self._rows())
        self.add_class("orm-playground")
        self._wire()
        self.models = list(models)
        self.catalog_task = self._load_catalog()

    def _rows(self) -> list[widgets.Widget]:
        choosers = widgets.HBox([widgets.VBox([widgets.HBox([self.search, self.add_button]), self.chosen]),
                                 self.remove_button])
        controls = widgets.HBox([self.temperature, self.max_tokens, self.run_button, self.stop_button])
        return [self.prompt, self.system, choosers, controls, self.message, self.view]

    def _wire(self) -> None:
        self.add_button.on_click(lambda _b: self.add_model(self.search.value))
        self.search.observe(self._search_picked, names="value")
        self.remove_button.on_click(lambda _b: self.remove_model(self.chosen.value))
        self.run_button.on_click(lambda _b: self.run())
        self.stop_button.on_click(lambda _b: self.stop())
        self.view.observe(self._view_status, names="status")

    # -- models --------------------------------------------------------------------------------------

    @traitlets.observe("models")
    def _models_changed(self, change: dict[str, Any]) -> None:
        self.chosen.options = list(change["new"])

    def add_model(self, model: str | None) -> bool:
        """Add a model id to the choices (ignored when empty, already there, or 8 are chosen)."""
        model = (model or "").strip()
        if not model or model in self.models:
            return False
        if len(self.models) >= MAX_MODELS:
            self._say(f"at most {MAX_MODELS} models: remove one first")
            return False
        self.models = [*self.models, model]
        self.search.value = ""
        self._say("")
        return True

    def remove_model(self, model: str | None) -> None:
        """Drop a model from the choices."""
        self.models = [m for m in self.models if m != model]

    def _search_picked(self, change: dict[str, Any]) -> None:
        """Picking an exact catalog id from the search list adds it (typing a prefix does not)."""
        if change["new"] in self.search.options:
            self.add_model(change["new"])

    def _load_catalog(self) -> Any:
        async def load() -> None:
            try:
                frame = await self.session.catalog_frame()
            except Exception as err:  # the chooser still takes typed ids
                self._say(f"catalog unavailable ({html.escape(type(err).__name__)}): type model ids")
                return
            self.search.options = tuple(str(model_id) for model_id in frame["id"])

        try:
            return self.session.spawn(load())
        except RuntimeError:
            return None

    # -- running -------------------------------------------------------------------------------------

    def run(self) -> Any:
        """Check the inputs and start the comparison in the background (the Run button); returns the job."""
        try:
            models = validate_models(self.models)
        except ValueError:
            self._say(f"choose 2 to {MAX_MODELS} models (now {len(self.models)})")
            return None
        if not self.prompt.value.strip():
            self._say("write a prompt first")
            return None
        if self.view.running:
            self._say("still running: Stop first")
            return None
        self._say("")
        messages = build_messages(self.prompt.value, self.system.value.strip() or None)
        params = {"temperature": self.temperature.value, "max_tokens": self.max_tokens.value}
        self.run_button.disabled = True
        return self.session.spawn(self._start(models, messages, params))

    async def _start(self, models: list[str], messages: Any, params: dict[str, Any]) -> None:
        try:
            await self.session.check_budget_async([(model, messages, params) for model in models])
        except Exception as err:  # BudgetExceeded (or the catalog away): say it, send nothing
            self._say(html.escape(getattr(err, "message", str(err))), error=True)
            self.run_button.disabled = False
            return
        self.view.start(session_factory(self.session, messages, params), models=models)

    def stop(self) -> None:
        """Cancel every answer still running (the Stop button)."""
        self.view.stop()

    def _view_status(self, change: dict[str, Any]) -> None:
        running = change["new"] == "running"
        self.run_button.disabled = running
        self.stop_button.disabled = not running
        if change["new"] in ("done", "stopped"):
            self.refresh_displays()

    def static_html(self) -> str:
        """The prompt and the panes as static HTML (the saved notebook's fallback)."""
        prompt = html.escape(self.prompt.value)
        return (f'<div class="orm-playground"><pre class="orm-playground-prompt" style="white-space:pre-wrap">'
                f"{prompt}</pre>{self.view.static_html()}</div>")

    def static_metadata(self) -> dict[str, Any]:
        """The view's per-pane provenance (DESIGN §9) once every pane has finished."""
        return self.view.static_metadata()

    def __repr__(self) -> str:
        return f"<Playground models={self.models!r} {self.view.status}>"

    def _say(self, text: str, error: bool = False) -> None:
        css = "orm-compare-error" if error else "orm-playground-note"
        self.message.value = f'<span class="{css}">{text}</span>' if text else ""


def _classed(widget: widgets.Widget, css_class: str) -> Any:
    widget.add_class(css_class)
    return widget
