"""The kernel-thread side of the tool loop: the renderer, the trace, approvals and plain tool functions.

The loop runs on the private loop; it reaches this object through a :class:`~.relay.Relay`, whose
calls are replayed in the thread that waits for the cell — where displays, ``input()`` and notebook
state belong.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

__all__ = ["ToolView"]

_YES = ("y", "yes")


class ToolView:
    """Stands in for the renderer and adds ``trace``, ``approve`` and ``run_in_main``."""

    def __init__(self, renderer: Any, *, show_trace: Callable[[list[dict[str, Any]]], None] | None = None,
                 ask: Callable[[str], str] | None = None) -> None:
        self.renderer, self.show_trace, self.ask = renderer, show_trace, ask
        self.refresh_interval = getattr(renderer, "refresh_interval", 0.25)

    def __getattr__(self, name: str) -> Any:  # start/text/reasoning/tick/finish/fail/close: the renderer's
        renderer = self.__dict__.get("renderer")
        if renderer is None:
            raise AttributeError(name)
        return getattr(renderer, name)

    def trace(self, entries: list[dict[str, Any]]) -> None:
        """Show the calls so far (the magic's collapsible trace)."""
        if self.show_trace is not None:
            self.show_trace(entries)

    def run_in_main(self, func: Callable[..., Any], kwargs: dict[str, Any],
                    done: Callable[[Any, BaseException | None], None]) -> None:
        """Run a plain tool function here and hand its value (or its error) to ``done``."""
        try:
            value = func(**kwargs)
        except Exception as error:
            done(None, error)
            return
        done(value, None)

    def approve(self, name: str, arguments: str, done: Callable[[Any, BaseException | None], None]) -> None:
        """Ask yes/no before a call (``input()``: the kernel's stdin); no front end to ask means no."""
        shown = arguments if len(arguments) <= 200 else arguments[:197] + "..."
        try:
            ask = self.ask or builtins.input  # looked up now: the kernel replaces input() per request
            reply = ask(f"Run tool {name}({shown})? [y/N] ")
        except Exception:  # StdinNotImplementedError and the like: nobody can say yes
            reply = ""
        done(str(reply).strip().lower() in _YES, None)
