"""A pane's question before a tool call (``--approve``): the call, escaped, with Run and Skip buttons.

The buttons' clicks arrive on the kernel's thread (comm handlers); they only hand the answer over to the
run's loop (``CompareRun.decide`` uses ``call_soon_threadsafe``), so a click never blocks or waits.
Stable CSS classes: ``orm-compare-ask``, ``orm-compare-run``, ``orm-compare-skip``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

__all__ = ["AskBox", "call_html"]

_SHOWN = 300  # characters of the arguments shown; the model's whole text is what runs


def call_html(name: str, arguments: str) -> str:
    """``Run tool name(arguments)?`` as escaped HTML (the model wrote both: never raw)."""
    shown = arguments if len(arguments) <= _SHOWN else arguments[:_SHOWN - 1] + "…"
    return f"Run tool <code>{html.escape(name)}({html.escape(shown)})</code>?"


class AskBox(widgets.VBox):
    """Hidden until a call waits; then the call and Run/Skip, which call ``decide(True | False)``."""

    def __init__(self, decide: Callable[[bool], None]) -> None:
        self.question = widgets.HTML()
        self.run_button = widgets.Button(description="Run", button_style="success", tooltip="run this tool call")
        self.skip_button = widgets.Button(description="Skip", tooltip="tell the model you declined this call")
        self.run_button.add_class("orm-compare-run")
        self.skip_button.add_class("orm-compare-skip")
        self.run_button.on_click(lambda _button: self._answer(decide, True))
        self.skip_button.on_click(lambda _button: self._answer(decide, False))
        super().__init__(children=[self.question, widgets.HBox([self.run_button, self.skip_button])],
                         layout=widgets.Layout(display="none"))
        self.add_class("orm-compare-ask")
        self._shown: Any = None

    def show(self, asking: Any) -> None:
        """Show the waiting call (an ``ApprovalAsked``), or hide when none waits."""
        if asking is self._shown:  # the same question (a clock tick): leave the buttons as they are
            return
        self._shown = asking
        if asking is None:
            self.layout.display = "none"
            self.question.value = ""
            return
        self.question.value = call_html(asking.name, asking.arguments)
        self.run_button.disabled = self.skip_button.disabled = False
        self.layout.display = ""

    def _answer(self, decide: Callable[[bool], None], yes: bool) -> None:
        # disabled at once: a second click before the pane updates must not answer the next question
        self.run_button.disabled = self.skip_button.disabled = True
        decide(yes)
