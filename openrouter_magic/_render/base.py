"""The renderer interface, the null renderer and the answer footer (pure text, no IPython)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from .._core import cost_text

if TYPE_CHECKING:  # pragma: no cover
    from .._core import ChatResponse, Usage

__all__ = ["FORMATS", "NullRenderer", "Renderer", "footer_bundle", "footer_text", "mark_for"]

FORMATS = ("markdown", "text", "code", "json", "html")
INTERRUPTED = "[interrupted]"


class Renderer:
    """Shows one answer while it streams. Subclasses: notebook, terminal, null.

    Call order: ``start(model)``, then any mix of ``reasoning(text)`` / ``text(text)``, then exactly one of
    ``finish(response, footer)`` or ``fail(response, message)``. ``tick()`` may be called at any time
    (it refreshes throttled output and the waiting indicator; renderers started inside a running event
    loop tick themselves).
    """

    fmt = "markdown"

    def start(self, model: str) -> None:
        """The request was sent to ``model``: show the waiting indicator."""

    def reasoning(self, text: str) -> None:
        """A piece of reasoning arrived."""

    def text(self, text: str) -> None:
        """A piece of the answer arrived."""

    def tick(self) -> None:
        """Refresh whatever is due (throttled output, the elapsed time while waiting)."""

    def finish(self, response: ChatResponse | None, footer: str | None = None) -> None:
        """The answer is complete: final rendering, then the footer (None hides it)."""

    def fail(self, response: ChatResponse | None, message: str, footer: str | None = None) -> None:
        """The answer stopped early: keep the partial text and show ``message`` under it."""

    def close(self) -> None:
        """Abandon the answer (the caller reports the error elsewhere): stop ticking, remove the waiting
        indicator, keep any text that arrived. Safe after finish/fail, and safe to call twice."""


class NullRenderer(Renderer):
    """Shows nothing (for callers that only want the response object)."""


def mark_for(response: ChatResponse | None) -> str | None:
    """The line shown under an answer that did not complete normally, or None."""
    if response is None:
        return None
    if response.interrupted:
        return INTERRUPTED
    if response.error:
        return f"⚠ {response.error}"
    return None


def _tokens(usage: Usage) -> str:
    def count(value: int | None) -> str:
        return "?" if value is None else f"{value:,}"

    text = f"{count(usage.prompt_tokens)} in / {count(usage.completion_tokens)} out"
    if usage.reasoning_tokens:
        text += f" / {count(usage.reasoning_tokens)} reasoning"
    details = usage.raw.get("completion_tokens_details") if isinstance(usage.raw, dict) else None
    images = details.get("image_tokens") if isinstance(details, dict) else None
    if isinstance(images, int) and not isinstance(images, bool) and images > 0:  # part of "out", priced apart
        text += f" / {images:,} image"
    return text + " tokens"


def _served_by(response: ChatResponse) -> str:
    model = response.model or response.requested_model or "?"
    return f"{model} via {response.provider}" if response.provider else model


def footer_text(
    response: ChatResponse,
    *,
    cost: float | None = None,
    cost_source: str | None = None,
    session_total: float | None = None,
    unsaved: int = 0,
    cache_note: str | None = None,
    server_cache: str | None = None,
) -> str:
    """One line: model and provider, tokens, time to first token, total time, tokens/s, cost.

    ``cost`` defaults to the billed ``response.cost``; pass the estimate with ``cost_source="estimated"``.
    ``cache_note`` replaces the cost for an answer from the local cache; ``server_cache`` is HIT or MISS.
    Example: ``anthropic/claude-sonnet-4.5 via Anthropic · 12 in / 345 out tokens · first token 0.42 s ·
    total 3.10 s · 129 tok/s · $0.000123``.
    """
    if cost is None:
        cost = response.cost
    if cost_source is None:
        cost_source = "billed" if cost is not None else "unknown"
    parts = [_served_by(response), _tokens(response.usage)]
    if response.ttft_s is not None:
        parts.append(f"first token {response.ttft_s:.2f} s")
    if response.elapsed_s is not None:
        parts.append(f"total {response.elapsed_s:.2f} s")
    if response.tokens_per_s:
        parts.append(f"{response.tokens_per_s:,.0f} tok/s")
    # a local cache hit cost nothing: its note ("cached · $0 (first run …)") takes the cost's place
    parts.append(cache_note or cost_text(cost, cost_source, session_total))
    if server_cache:  # OpenRouter's own response cache answered HIT or MISS
        parts.append(f"server cache {server_cache}")
    if unsaved:  # ledger rows waiting for a locked or unusable file (they are saved when it works again)
        parts.append(f"ledger: {unsaved} row{'s' * (unsaved != 1)} not yet saved")
    return " · ".join(parts)


# JupyterLab typesets text/html outputs with MathJax, and "$0.01 · session $0.02" is inline math to it:
# the class tells MathJax 3 (and 2, the older name) to leave our lines alone.
NO_MATH = "mathjax_ignore tex2jax_ignore"


def footer_bundle(footer: str) -> dict[str, Any]:
    """The footer as small grey HTML plus the same line as text/plain."""
    style = "color:#888;font-size:0.8em;margin-top:0.3em"
    return {"text/html": f'<div class="{NO_MATH}" style="{style}">{html.escape(footer)}</div>',
            "text/plain": footer}


def mark_bundle(mark: str) -> dict[str, Any]:
    """The "[interrupted]" / error line under a partial answer."""
    style = "color:#b45309;font-weight:600"
    return {"text/html": f'<div class="{NO_MATH}" style="{style}">{html.escape(mark)}</div>', "text/plain": mark}
