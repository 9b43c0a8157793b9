"""A ``%%openrouter --tools f,g`` cell: the tool loop with its trace above the answer, and what every
answer may carry below its text (images, a numbered source list) before the footer.

The trace is a display of its own, created before the answer's, so it sits above it and is updated as
calls finish (a closed ``<details>``). Plain tool functions run here, in the kernel's main thread,
handed over through the Relay the cell waits on; ``--approve`` asks with ``input()`` here too.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.display import display

from .._core import ChatResponse, OpenRouterError
from .errors import one_line

__all__ = ["finish_answer", "footer_extras", "run_tools_cell"]


class _TraceDisplay:
    """One display (above the answer) that shows the tool trace as it grows."""

    def __init__(self) -> None:
        from .._render import trace_bundle

        self._bundle = trace_bundle
        self.entries: list[dict[str, Any]] = []
        self.handle = display({"text/html": "", "text/plain": ""}, raw=True, display_id=True)

    def update(self, entries: list[dict[str, Any]], metadata: dict[str, Any] | None = None) -> None:
        """Show ``entries`` in place (with the answer's ``metadata`` once it is known)."""
        self.entries = entries
        if self.handle is not None:
            self.handle.update(self._bundle(entries), raw=True, metadata=metadata)

    def stamp(self, response: ChatResponse) -> None:
        """Publish the trace once more with the answer's provenance, as every display of an answer has it."""
        if self.entries and response.provenance:
            self.update(self.entries, {"openrouter_magic": response.provenance})


def run_tools_cell(request: Any, renderer: Any, cell: Any) -> ChatResponse:
    """Run the tool loop for a checked request; the caller finishes the answer (footer, -o, chat).

    ``cell`` is the cell module (its notes, ``_keep`` and ``_explain``), passed in to keep imports one-way."""
    from .._session import Relay, ToolLoop, ToolView

    INTERRUPTED_NOTE, NO_ANSWER, _explain, _keep = cell.INTERRUPTED_NOTE, cell.NO_ANSWER, cell._explain, cell._keep

    args, session = request.args, request.session
    trace = _TraceDisplay()
    relay = Relay(ToolView(renderer, show_trace=trace.update))
    loop = ToolLoop(session, request.box, view=relay, main=relay, max_steps=args.max_steps, approve=args.approve,
                    stream=not args.no_stream)
    try:
        response = session.run(loop.run(request.messages, request.model, **request.params), relay=relay)
    except KeyboardInterrupt:
        partial = loop.partial(interrupted=True)
        relay.fail(partial, "[interrupted]")
        _keep(request, partial)
        raise UsageError(INTERRUPTED_NOTE) from None
    except OpenRouterError as error:
        partial = loop.partial(interrupted=False).with_(error=one_line(getattr(error, "message", str(error))))
        relay.fail(partial if partial.text else None, f"⚠ {partial.error}" if partial.text else NO_ANSWER)
        if partial.text:
            _keep(request, partial)
        raise _explain(request, error) from None
    request.tool_turns = tuple(loop.turns)
    trace.stamp(response)
    return response


def footer_extras(response: ChatResponse) -> str:
    """What the footer adds for tools: calls and steps, server tools (image tokens are in the token count)."""
    parts = []
    raw = response.usage.raw if isinstance(response.usage.raw, dict) else {}
    steps = len(raw.get("steps") or []) or 1
    if response.tool_trace:
        calls = len(response.tool_trace)
        parts.append(f"{calls} tool call{'s' * (calls != 1)} in {steps} steps")
    for key, value in (raw.get("server_tool_use_details") or {}).items():
        if isinstance(value, int) and value:
            parts.append(f"{key.replace('_', ' ')}: {value}")
    return "".join(f" · {part}" for part in parts)


def finish_answer(renderer: Any, response: ChatResponse, footer: str | None) -> None:
    """``renderer.finish``, then the images and the source list under the answer, then the footer."""
    from .._render import citations_bundle, footer_bundle, image_bundle

    if footer:
        footer += footer_extras(response)
    extras = [image_bundle(image) for image in response.images]
    extras.append(citations_bundle(response.annotations))
    extras = [bundle for bundle in extras if bundle]
    if not extras:
        renderer.finish(response, footer)
        return
    renderer.finish(response, None)
    metadata = {"openrouter_magic": response.provenance} if response.provenance else None  # DESIGN §9
    for bundle in extras + ([footer_bundle(footer)] if footer else []):
        display(bundle, raw=True, metadata=metadata)
