"""``ask(…, tools=[f, g])``: the tool loop behind the Python API (DESIGN §3, §10).

    resp = ask("Weather in Oslo?", tools=[get_weather, "openrouter:web_search"], max_steps=4)
    resp.text, resp.tool_trace, resp.cost            # cost summed over every HTTP call

Like the cell: async tools run on the private loop, plain ones in the calling thread (handed over through
a Relay while ``ask`` waits), the trace shows above the answer in a kernel, the ledger gets one row per
call under one ``turn_id``. The response cache is not used: a tool's answer may change between runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._core import ChatResponse, OpenRouterError

__all__ = ["run_tools"]


def _trace_display(shell: Any) -> Any:
    """A display above the answer that shows the trace (None outside a kernel)."""
    if shell is None:
        return None
    from IPython.display import display

    from .._render import trace_bundle

    handle = display({"text/html": "", "text/plain": ""}, raw=True, display_id=True)
    return lambda entries, metadata=None: handle.update(trace_bundle(entries), raw=True, metadata=metadata)


def run_tools(session: Any, shell: Any, show: bool, messages: Any, model: str, *, tools: list[Any],
              cache: bool | None = None, max_steps: int = 8, approve: bool = False,
              footer: Callable[[Any, ChatResponse], str] | None = None, **params: Any) -> ChatResponse:
    """Run the tool loop for ``ask``; raises ToolSpecError (before sending) for what cannot be a tool."""
    from .._render import NullRenderer, make_renderer
    from .relay import Relay
    from .tool_loop import ToolLoop
    from .tool_view import ToolView
    from .toolbox import build_toolbox

    box = build_toolbox(tools)  # the loop sends box.specs (server tools only: OpenRouter runs them, one call)
    renderer = make_renderer("markdown", shell=shell, auto_tick=False) if show else NullRenderer()
    trace = _trace_display(shell) if show else None
    relay = Relay(ToolView(renderer, show_trace=trace))
    loop = ToolLoop(session, box, view=relay, main=relay, max_steps=max_steps, approve=approve)
    try:
        response: ChatResponse = session.run(loop.run(messages, model, **params), relay=relay)
    except KeyboardInterrupt:
        relay.fail(loop.partial(interrupted=True), "[interrupted]")
        raise
    except OpenRouterError as error:
        partial = loop.partial(interrupted=False)
        relay.fail(partial if partial.text else None, f"⚠ {error}")
        raise
    if trace is not None and response.tool_trace and response.provenance:  # the trace is part of the answer
        trace(list(response.tool_trace), {"openrouter_magic": response.provenance})
    relay.finish(response, footer(session, response) if show and footer is not None else None)
    return response
