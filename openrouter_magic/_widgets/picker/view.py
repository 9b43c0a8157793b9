"""ModelPicker: search and filter the catalog live, inspect a model and its providers, make it the default.

    picker = ModelPicker(session)          # what ``%openrouter picker`` shows
    picker.search.value = "claude sonnet"  # the list follows as you type (continuous_update)

The widget is traits + observers: each observer calls one pure function (``filter_models``, the
HTML builders in :mod:`._picker_html`) and sets a trait. Anything that waits on the network (the
catalog, a model's ``/endpoints``) runs on the session's private loop through ``session.spawn``, so
callbacks return at once and never block the kernel (*Use* checks the id against the catalog the picker
already holds: no wait either); errors are shown inside the widget, never raised out of it.

``session`` is anything with ``catalog_frame()`` (async), ``spawn(coro)``, ``use(model)`` and
``client`` (with async ``endpoints(model)``) — the kernel's :class:`Session` in practice.
"""

from __future__ import annotations

import functools
import html
from typing import Any

import ipywidgets as widgets

from ..._catalog import filter_models
from ..._core import NotFoundError
from .html import STYLE, details_html, error_html, providers_html, row_label

__all__ = ["ModelPicker", "RENDERED_ROWS"]

RENDERED_ROWS = 50
TOGGLES = (("free", "free"), ("vision", "👁 vision"), ("tools", "🛠 tools"), ("structured", "{} structured"),
           ("reasoning", "🧠 reasoning"))
PRICES = [("$0", 0.0), ("$0.10", 0.1), ("$0.50", 0.5), ("$1", 1.0), ("$3", 3.0), ("$10", 10.0), ("$30", 30.0),
          ("any", float("inf"))]
CONTEXTS = [("any", 0), ("8K", 8_000), ("32K", 32_000), ("128K", 128_000), ("200K", 200_000), ("1M", 1_000_000)]
SORTS = [("catalog order", ""), ("cheapest", "price"), ("longest context", "context"), ("newest", "newest"),
         ("name", "name")]


def _guarded(method):
    """Run a callback; show any exception inside the widget instead of losing it in the kernel log."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # a widget callback must never take the widget down
            self.status.value = error_html(f"{type(exc).__name__}: {exc}")
            return None
    return wrapper


class ModelPicker(widgets.VBox):
    """Live-filtered model list with details, providers and a "Use" button (session default)."""

    def __init__(self, session: Any, frame: Any = None, *, rows: int = RENDERED_ROWS, **kwargs: Any) -> None:
        self.session, self.rows = session, rows
        self.frame: Any = None
        self.selected: str | None = None
        self.pending: Any = None  # the latest background job (``session.spawn``'s; tests await it)
        self._labels: dict[str, str] = {}
        self._positions: dict[str, int] = {}
        self._providers: dict[str, Any] = {}
        self._quiet = False
        self._build()
        super().__init__(children=self._layout(), **kwargs)
        self.add_class("orm-picker")
        if frame is not None:
            self.set_frame(frame)
        else:
            self.count.value = '<span class="orm-picker-muted">loading the model catalog…</span>'
            self.pending = session.spawn(self._load())

    def __repr__(self) -> str:
        models = "loading" if self.frame is None else f"{len(self.frame)} models"
        return f"<ModelPicker: {models}, selected={self.selected!r}>"

    # -- construction -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.search = widgets.Text(placeholder="search id or name: claude sonnet, gpt4o…", continuous_update=True,
                                   layout=widgets.Layout(width="420px")).add_class("orm-picker-search")
        self.toggles = {name: widgets.ToggleButton(description=label, layout=widgets.Layout(width="auto"))
                        .add_class("orm-picker-toggle").add_class(f"orm-picker-{name}") for name, label in TOGGLES}
        self.max_price = widgets.SelectionSlider(options=PRICES, value=float("inf"), description="max $/M",
                                                 continuous_update=True).add_class("orm-picker-max-price")
        self.min_context = widgets.SelectionSlider(options=CONTEXTS, value=0, description="min context",
                                                   continuous_update=True).add_class("orm-picker-min-context")
        self.author = widgets.Dropdown(options=[("any author", "")], value="", description="author") \
            .add_class("orm-picker-author")
        self.sort = widgets.Dropdown(options=SORTS, value="", description="sort").add_class("orm-picker-sort")
        self.count = widgets.HTML().add_class("orm-picker-count")
        self.table = widgets.Select(options=[], rows=14, layout=widgets.Layout(width="760px")) \
            .add_class("orm-picker-table")
        self.details = widgets.HTML().add_class("orm-picker-details")
        self.providers = widgets.HTML().add_class("orm-picker-providers")
        self.use_button = widgets.Button(description="Use", button_style="primary", disabled=True,
                                         tooltip="make the selected model the session default") \
            .add_class("orm-picker-use")
        self.status = widgets.HTML().add_class("orm-picker-status")
        for control in (self.search, self.max_price, self.min_context, self.author, self.sort,
                        *self.toggles.values()):
            control.observe(self._on_filter, names="value")
        self.table.observe(self._on_select, names="value")
        self.use_button.on_click(self._on_use)

    def _layout(self) -> list[widgets.Widget]:
        return [
            widgets.HTML(STYLE),
            widgets.HBox([self.search, self.sort]),
            widgets.HBox(list(self.toggles.values())),
            widgets.HBox([self.max_price, self.min_context, self.author]),
            self.count,
            self.table,
            widgets.HBox([self.use_button, self.status]),
            self.details,
            self.providers,
        ]

    # -- data -------------------------------------------------------------------------------------
    async def _load(self) -> None:
        try:
            frame = await self.session.catalog_frame()
        except Exception as exc:  # shown inline; the rest of the widget stays usable
            self.count.value = error_html(f"could not load the model catalog: {exc}")
            return
        self.set_frame(frame)

    @_guarded
    def set_frame(self, frame: Any) -> None:
        """Show ``frame`` (the catalog DataFrame); labels are built once here, not per keystroke."""
        records = frame.to_dict("records")
        self.frame = frame
        self._labels = {r["id"]: row_label(r) for r in records}
        self._positions = {r["id"]: n for n, r in enumerate(records)}
        authors = sorted({a for a in frame["author"].tolist() if isinstance(a, str)})
        self._quiet = True
        try:
            self.author.options = [("any author", "")] + [(a, a) for a in authors]
        finally:
            self._quiet = False
        self.refresh()

    def filters(self) -> dict[str, Any]:
        """The current controls as ``filter_models`` keyword arguments."""
        price, context = self.max_price.value, self.min_context.value
        return {"search": self.search.value, **{name: t.value for name, t in self.toggles.items()},
                "max_price": None if price == float("inf") else price, "min_context": context or None,
                "author": self.author.value or None, "sort": self.sort.value or None}

    @_guarded
    def refresh(self) -> None:
        """Filter the catalog with the current controls and show the first ``rows`` matches."""
        if self.frame is None:
            return
        found = filter_models(self.frame, **self.filters())
        ids = found["id"].tolist()
        shown = ids[: self.rows]
        self._quiet = True
        try:
            self.table.options = [(self._labels[i], i) for i in shown]
            self.table.value = self.selected if self.selected in shown else None
        finally:
            self._quiet = False
        more = f" · showing the first {len(shown)}: narrow the search" if len(ids) > len(shown) else ""
        self.count.value = f"{len(ids)} of {len(self.frame)} models{more}"

    # -- callbacks --------------------------------------------------------------------------------
    def _on_filter(self, change: dict) -> None:
        if not self._quiet:
            self.refresh()

    @_guarded
    def _on_select(self, change: dict) -> None:
        if self._quiet or change["new"] is None:
            return
        self.select(change["new"])

    @_guarded
    def select(self, model_id: str) -> None:
        """Show the details of ``model_id`` and start fetching its providers."""
        self.selected = model_id
        self.details.value = details_html(self.frame.iloc[self._positions[model_id]].to_dict())
        self.use_button.disabled = False
        cached = self._providers.get(model_id)
        if cached is not None:
            self.providers.value = providers_html(cached)
            return
        self.providers.value = '<span class="orm-picker-muted">loading providers…</span>'
        self.pending = self.session.spawn(self._load_providers(model_id))

    async def _load_providers(self, model_id: str) -> None:
        try:
            data = await self._endpoints(model_id)
        except Exception as exc:  # the API, the network or a bug: all shown inline, none raised
            if self.selected == model_id:
                self.providers.value = error_html(f"could not load the providers of {model_id}: {exc}")
            return
        self._providers[model_id] = data
        if self.selected == model_id:  # the user may have moved on while this was loading
            self.providers.value = providers_html(data)

    async def _endpoints(self, model_id: str) -> Any:
        try:
            return await self.session.client.endpoints(model_id)
        except NotFoundError:
            base = model_id.split(":", 1)[0]
            if base == model_id:
                raise
            return await self.session.client.endpoints(base)  # variants share their base's providers

    @_guarded
    def _on_use(self, button: Any = None) -> None:
        if not self.selected:
            return
        try:
            warning = self.session.use(self.selected)
        except ValueError as exc:
            self.status.value = error_html(str(exc))
            return
        note = f' <span class="orm-picker-muted">({html.escape(warning)})</span>' if warning else ""
        self.status.value = f"✓ default model: <code>{html.escape(self.selected)}</code>{note}"
