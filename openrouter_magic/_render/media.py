"""Bundles for what comes with an answer besides its text: the tool trace, images, citations.

All of it is untrusted (DESIGN §13): tool names, arguments, results, titles and URLs are escaped; links
are http(s) only with ``rel="noopener noreferrer"``; an image is shown only when its bytes are PNG, JPEG,
WebP or GIF, from a data URL built here from those bytes (never the server's URL), and its text/plain
is a short description — base64 is never printed.
"""

from __future__ import annotations

import base64
import html
import struct
from typing import Any

from .base import NO_MATH
from .markdown import safe_url

__all__ = ["citations_bundle", "image_bundle", "trace_bundle"]

VIEW_CHARS = 600  # a result longer than this is cut in the trace view (complete in -o's tool_trace)
_SHOWN = ("image/png", "image/jpeg", "image/webp", "image/gif")
_BOX = "font-size:0.85em;color:#555;margin:0.2em 0 0.4em 0"
_PRE = "white-space:pre-wrap;margin:0.1em 0 0.3em 1em;max-height:12em;overflow:auto"


def _cut(text: str) -> str:
    return text if len(text) <= VIEW_CHARS else text[:VIEW_CHARS] + f"… ({len(text):,} characters in all)"


def _entry_html(entry: dict[str, Any]) -> str:
    name, args = html.escape(str(entry.get("name"))), html.escape(_cut(str(entry.get("arguments") or "")))
    took = f'{float(entry.get("duration_s") or 0):.2f} s'
    if entry.get("error") is not None:
        outcome = (f'<div style="color:#b91c1c">error: </div>'
                   f'<pre class="tool-error" style="{_PRE};color:#b91c1c">{html.escape(_cut(str(entry["error"])))}</pre>')
    else:
        outcome = f'<pre class="tool-result" style="{_PRE}">{html.escape(_cut(str(entry.get("result") or "")))}</pre>'
    return f'<li class="tool-call"><code>{name}({args})</code> · {took}{outcome}</li>'


def _entry_text(entry: dict[str, Any]) -> str:
    outcome = f"error: {entry['error']}" if entry.get("error") is not None else str(entry.get("result") or "")
    return f"  {entry.get('name')}({_cut(str(entry.get('arguments') or ''))}) → {_cut(outcome)}"


def trace_bundle(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``<details>`` (closed) listing each call: name, arguments, result or error, seconds."""
    if not entries:
        return {"text/html": "", "text/plain": ""}
    failed = sum(1 for entry in entries if entry.get("error") is not None)
    summary = f"🔧 {len(entries)} tool call{'s' * (len(entries) != 1)}"
    summary += f" ({failed} failed)" if failed else ""
    items = "".join(_entry_html(entry) for entry in entries)
    markup = (f'<details class="openrouter-tool-trace {NO_MATH}" style="{_BOX}"><summary>{html.escape(summary)}'
              f'</summary><ol>{items}</ol></details>')
    return {"text/html": markup, "text/plain": "\n".join([summary, *map(_entry_text, entries)])}


def image_size(data: bytes, mime: str) -> tuple[int, int] | None:
    """(width, height) of a PNG or GIF from its header; None for other formats."""
    if mime == "image/png" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if mime == "image/gif" and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    return None


def image_bundle(image: Any) -> dict[str, Any] | None:
    """An ``<img>`` from the image's own bytes (PNG/JPEG/WebP/GIF), or None when it is anything else."""
    mime, data = image.mime, image.data
    if mime not in _SHOWN:
        return None
    size = image_size(data, mime)
    dims = f", {size[0]}×{size[1]}" if size else ""
    label = f"[image: {mime}{dims}, {len(data):,} bytes]"
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    markup = (f'<img class="openrouter-image" src="{url}" alt="{html.escape(label)}" '
              f'style="max-width:100%;height:auto">')
    return {"text/html": markup, "text/plain": label}


def citations_bundle(annotations: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    """A numbered list of the ``url_citation`` sources (safe links), or None when there are none."""
    seen: dict[str, str] = {}
    for annotation in annotations:
        cite = annotation.get("url_citation") if annotation.get("type") == "url_citation" else None
        url = cite.get("url") if isinstance(cite, dict) else None
        if isinstance(url, str) and safe_url(url) and url.lower().startswith(("http://", "https://")):
            seen.setdefault(url, str(cite.get("title") or url))
    if not seen:
        return None
    items = "".join(f'<li><a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
                    f'{html.escape(title)}</a></li>' for url, title in seen.items())
    plain = "\n".join(f"[{n}] {title} — {url}" for n, (url, title) in enumerate(seen.items(), 1))
    markup = f'<div class="openrouter-sources {NO_MATH}" style="{_BOX}">Sources<ol>{items}</ol></div>'
    return {"text/html": markup, "text/plain": "Sources\n" + plain}
