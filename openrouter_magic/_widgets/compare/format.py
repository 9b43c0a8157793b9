"""Words and HTML for comparison panes: headers, footers, notices, badges, the summary, the static page.

Pure functions of :class:`PaneState` so that the live widget, the static HTML fallback saved in the
notebook and the terminal printout all say the same thing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ..._core import usd
from ..._render import markdown_to_html
from ..._session import cache_note
from .pane import PaneState

__all__ = ["CSS", "badges_html", "footer_text", "header_html", "notice_html", "pane_html", "static_html",
           "summary_text", "terminal_report", "text_html"]

CSS = (  # shared by the live widget (inside its HTML widgets) and the static page
    ".orm-compare{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px}"
    ".orm-compare-grid{display:grid;gap:8px}"
    ".orm-compare-pane{border:1px solid #ccc;border-radius:4px;padding:4px 8px;min-width:0;overflow-wrap:anywhere}"
    ".orm-compare :is(.widget-html-content,.widget-htmlmath-content){line-height:1.45;font-size:13px}"
    ".orm-compare-text p,.orm-compare-text ul,.orm-compare-text ol,.orm-compare-text pre{margin:0 0 .5em}"
    ".orm-compare-text pre{white-space:pre-wrap;background:rgba(128,128,128,.08);padding:4px}"
    ".orm-compare-text table{border-collapse:collapse;margin:0 0 .5em}"
    ".orm-compare-text :is(td,th){border:1px solid rgba(128,128,128,.4);padding:1px 6px}"
    ".orm-compare-footer,.orm-compare-footer .widget-html-content{color:#666;font-size:11px}"
    ".orm-compare-badge{display:inline-block;background:#e6f4ea;color:#137333;border-radius:8px;"
    "padding:0 6px;margin:2px 4px 0 0;font-size:11px;line-height:1.6}"
    ".orm-compare-error{color:#b3261e}.orm-compare-interrupted{color:#8a6d00}"
)


def footer_text(pane: PaneState) -> str:
    """One line of timings, tokens and cost; a ticking total while the answer streams."""
    if pane.asking is not None:  # --approve: the tool loop waits for the pane's buttons
        return "waiting for Run or Skip…" + (f" {pane.elapsed_s:.1f} s" if pane.elapsed_s else "")
    if pane.status == "waiting":
        return "waiting for first token…" + (f" {pane.elapsed_s:.1f} s" if pane.elapsed_s else "")
    parts = []
    if pane.ttft_s is not None:
        parts.append(f"first token {pane.ttft_s:.2f} s")
    if pane.elapsed_s is not None:
        parts.append(("total " if pane.finished else "") + f"{pane.elapsed_s:.2f} s")
    if pane.completion_tokens is not None:
        prompt = f"{pane.prompt_tokens}→" if pane.prompt_tokens is not None else ""
        parts.append(f"{prompt}{pane.completion_tokens} tok")
    elif not pane.finished:
        parts.append(f"{len(pane.text)} chars")
    if pane.tokens_per_s is not None:
        parts.append(f"{pane.tokens_per_s:.1f} tok/s")
    if pane.finished:
        parts += _cost_parts(pane)
    return " · ".join(filter(None, parts))


def _cost_parts(pane: PaneState) -> list[str]:
    """The cost — or, for an answer from the local cache, what a single answer's footer says instead
    (``cached · $0 (first run $0.0123 on 2026-12-01)``) — and OpenRouter's cache status when asked."""
    cached, server = _cache_marks(pane)
    return [cached or usd(pane.cost, unknown="cost ?"), server]  # never a made-up 0


def _cache_marks(pane: PaneState) -> list[str]:
    """[the local cache's note or "", OpenRouter's cache status or ""] (the same words as single answers)."""
    found = pane.provenance
    server = found.get("server_cache")
    return [cache_note(found) or "", f"server cache {server}" if server else ""]


def header_html(pane: PaneState) -> str:
    """The model id in bold, the provider that served once known."""
    provider = f' <span style="color:#666">via {html.escape(pane.provider)}</span>' if pane.provider else ""
    return f"<b>{html.escape(pane.model)}</b>{provider}"


def text_html(pane: PaneState) -> str:
    """The answer so far, through the same safe renderer as single answers (a placeholder before the first token)."""
    if not pane.text:
        if pane.finished:
            return ""
        thinking = f"thinking… ({pane.reasoning_chars} chars of reasoning)" if pane.reasoning_chars else "…"
        return f'<span style="color:#999">{thinking}</span>'
    return markdown_to_html(pane.text)


def notice_html(pane: PaneState) -> str:
    """The error (``orm-compare-error``) or the interruption mark; empty otherwise."""
    if pane.status in ("error", "refused"):
        label = "refused" if pane.status == "refused" else "error"
        return f'<div class="orm-compare-error">{label}: {html.escape(pane.error or "")}</div>'
    if pane.status == "interrupted":
        why = f": {html.escape(pane.error)}" if pane.error else ""
        return f'<div class="orm-compare-interrupted">⏹ stopped — partial answer{why}</div>'
    return ""


def badges_html(pane: PaneState) -> str:
    """One ``orm-compare-badge`` span per badge."""
    return "".join(f'<span class="orm-compare-badge">{html.escape(b)}</span>' for b in pane.badges)


def summary_text(panes: Sequence[PaneState], wall_s: float | None = None) -> str:
    """``3 of 4 answered · 1 error · wall 1.52 s · total $0.000321``."""
    ok = sum(pane.status == "ok" for pane in panes)
    parts = [f"{ok} of {len(panes)} answered"]
    for status in ("error", "interrupted", "refused"):
        count = sum(pane.status == status for pane in panes)
        if count:
            parts.append(f"{count} {status}")
    if wall_s is not None:
        parts.append(f"wall {wall_s:.2f} s")
    costs = [pane.cost for pane in panes if pane.cost is not None]
    parts.append("total " + usd(sum(costs) if costs else None, unknown="cost ?"))
    return " · ".join(parts)


def pane_html(pane: PaneState) -> str:
    """One pane as static HTML (same classes as the widget)."""
    return (
        '<div class="orm-compare-pane">'
        f'<div class="orm-compare-header">{header_html(pane)}</div>'
        f'<div class="orm-compare-text">{text_html(pane)}</div>'
        f"{notice_html(pane)}"
        f'<div class="orm-compare-footer">{html.escape(footer_text(pane))}</div>'
        f'<div class="orm-compare-badges">{badges_html(pane)}</div>'
        "</div>"
    )


def static_html(panes: Sequence[PaneState], wall_s: float | None = None, columns: int = 4) -> str:
    """The whole comparison as self-contained HTML: the fallback saved in the notebook's output."""
    cols = max(1, min(columns, len(panes)))
    body = "".join(pane_html(pane) for pane in panes)
    return (
        f'<div class="orm-compare"><style>{CSS}</style>'
        f'<div class="orm-compare-grid" style="grid-template-columns:repeat({cols},minmax(0,1fr))">{body}</div>'
        f'<div class="orm-compare-summary">{html.escape(summary_text(panes, wall_s))}</div></div>'
    )


def terminal_report(panes: Sequence[PaneState], frame, wall_s: float | None = None) -> str:
    """Each model's answer in turn, labelled, then the stats table (terminal IPython, scripts)."""
    blocks = []
    for pane in panes:
        label = " · ".join(filter(None, [pane.model, pane.provider, ", ".join(pane.badges),
                                         "" if pane.status == "ok" else pane.status, *_cache_marks(pane)]))
        body = pane.text.rstrip()
        if pane.error:
            body += ("\n" if body else "") + f"[{pane.status}: {pane.error}]"
        elif pane.status == "interrupted":
            body += ("\n" if body else "") + "[stopped — partial answer]"
        blocks.append(f"=== {label} ===\n{body}\n")
    stats = frame.drop(columns=["text", "error", "generation_id"]).round(
        {"ttft_s": 2, "elapsed_s": 2, "tokens_per_s": 1}).to_string(index=False, na_rep="-")
    return "\n".join(blocks) + "\n" + stats + "\n" + summary_text(panes, wall_s)
