"""Mime bundles for the notebook renderer: pure functions from text to ``{mime: data}`` dicts.

An answer is untrusted input (DESIGN §13): it is published as ``text/html`` made by the safe renderers
(:mod:`.markdown` for markdown, reasoning and code, :mod:`.safe_html` for ``-f html``), never as raw
``text/markdown`` or raw HTML, so nothing in it runs in the front end, live or from the saved notebook.
Every bundle carries a real ``text/plain`` (terminal front ends and the saved notebook's plain view
show it), never an object repr.
"""

from __future__ import annotations

import html
import json
from typing import Any

from .base import NO_MATH
from .blocks import Piece, extract_code, fenced, unwrap_fence, window
from .markdown import markdown_to_html
from .safe_html import sanitize_html

__all__ = ["EMPTY", "piece_bundle", "reasoning_bundle", "waiting_bundle", "whole_bundle", "window_bundle"]

EMPTY = {"text/html": "", "text/plain": ""}
GREY = "color:#888"
_REASONING_STYLE = "color:#666;font-size:0.9em;margin:0.2em 0 0.5em 1em"


def waiting_bundle(model: str, elapsed: float) -> dict[str, Any]:
    """"⏳ model · waiting for first token… 1.2s" in grey."""
    line = f"⏳ {model} · waiting for first token… {elapsed:.1f}s"
    return {"text/html": f'<span style="{GREY}">{html.escape(line)}</span>', "text/plain": line}


def empty_answer_bundle() -> dict[str, Any]:
    """What replaces the waiting indicator when the model answered nothing."""
    return {"text/html": f'<span style="{GREY}">(empty answer)</span>', "text/plain": "(empty answer)"}


def reasoning_bundle(text: str, seconds: float, *, open_: bool, window_chars: int) -> dict[str, Any]:
    """A ``<details>`` block: open with only the last lines while streaming, closed and whole after."""
    note = ""
    if open_:
        title, body = f"Reasoning… {seconds:.1f}s", window(text, window_chars)
        if body is not text and body.startswith("… ("):  # the window's "… (N lines above)" line
            note, _, body = body.partition("\n")
            note = f'<div class="{NO_MATH}" style="{GREY}">{html.escape(note)}</div>'
    else:
        title, body = f"Reasoning ({seconds:.1f}s)", text
    markup = (f"<details{' open' if open_ else ''}><summary class=\"{NO_MATH}\" style=\"{GREY}\">"
              f"{html.escape(title)}</summary><div style=\"{_REASONING_STYLE}\">{note}"
              f"{markdown_to_html(body)}</div></details>")
    return {"text/html": markup, "text/plain": f"{title}\n{body}"}


def piece_bundle(piece: Piece, fmt: str) -> dict[str, Any]:
    """One answer piece: markdown (with its display-only prefix) or plain text."""
    if fmt == "text":
        return {"text/plain": piece.text}
    return {"text/html": markdown_to_html(piece.prefix + piece.text), "text/plain": piece.text}


def window_bundle(full: str, fmt: str, language: str | None, window_chars: int) -> dict[str, Any]:
    """The last lines of a code/json/html answer while it streams."""
    shown = window(full, window_chars)
    if fmt == "code":
        return {"text/html": markdown_to_html(fenced(shown, language)), "text/plain": shown}
    return {"text/plain": shown}


def whole_bundle(full: str, fmt: str, language: str | None, *, complete: bool) -> tuple[dict, dict | None]:
    """(data, metadata): the final rendering of a code/json/html answer (raw text when it is partial)."""
    if fmt == "code":
        code, found = extract_code(full)
        # A Python kernel is the likeliest reader: highlight as Python when nobody said otherwise.
        return {"text/html": markdown_to_html(fenced(code, language or found or "python")), "text/plain": code}, None
    body, _ = unwrap_fence(full)
    if complete and fmt == "html":
        return {"text/html": sanitize_html(body), "text/plain": body}, None
    if complete and fmt == "json":
        return _json_bundle(full, body)
    return {"text/plain": full}, None


def _json_bundle(full: str, body: str) -> tuple[dict, dict | None]:
    try:
        value = json.loads(body)
    except ValueError as exc:
        return {"text/plain": f"{full}\n⚠ not valid JSON: {exc}"}, None
    pretty = json.dumps(value, indent=2, ensure_ascii=False)
    if isinstance(value, (dict, list)):  # the JSON viewer wants a container
        return {"application/json": value, "text/plain": pretty}, {"application/json": {"expanded": False,
                                                                                         "root": "root"}}
    return {"text/plain": pretty}, None
