"""A small, safe markdown → HTML converter for the comparison panes.

Pane texts are ``HTML`` widget values, so the kernel has to produce HTML itself. Everything the model
wrote is escaped first; only the few constructs chat answers use are turned back into tags: paragraphs,
headings, fenced code (an unclosed fence — a stream still running — runs to the end), inline code,
bold, italic, bullet and numbered lists, block quotes, and ``http(s)`` links. No raw HTML ever passes.
"""

from __future__ import annotations

import html
import re

__all__ = ["markdown_to_html"]

_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+#.-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^\s*\d{1,9}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)")


def markdown_to_html(text: str) -> str:
    """Render chat markdown as escaped, tag-limited HTML (safe to put in an ``HTML`` widget)."""
    out: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        i = _block(lines, i, out)
    return "\n".join(out)


def _block(lines: list[str], i: int, out: list[str]) -> int:
    """Render the block starting at line ``i``; return the index after it."""
    line = lines[i]
    if not line.strip():
        return i + 1
    fence = _FENCE.match(line)
    if fence:
        return _code_block(lines, i, fence, out)
    heading = _HEADING.match(line)
    if heading:
        level = len(heading.group(1))
        out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        return i + 1
    if _RULE.match(line):
        out.append("<hr>")
        return i + 1
    if _BULLET.match(line) or _NUMBER.match(line):
        return _list(lines, i, out)
    if _QUOTE.match(line):
        return _quote(lines, i, out)
    return _paragraph(lines, i, out)


def _code_block(lines: list[str], i: int, fence: re.Match, out: list[str]) -> int:
    marker, lang = fence.group(1), fence.group(2)
    body: list[str] = []
    i += 1
    while i < len(lines) and not lines[i].strip().startswith(marker):
        body.append(lines[i])
        i += 1
    attr = f' class="language-{html.escape(lang, quote=True)}"' if lang else ""
    out.append(f"<pre><code{attr}>{html.escape(chr(10).join(body), quote=False)}</code></pre>")
    return i + 1


def _list(lines: list[str], i: int, out: list[str]) -> int:
    ordered = bool(_NUMBER.match(lines[i])) and not _BULLET.match(lines[i])
    pattern = _NUMBER if ordered else _BULLET
    items: list[str] = []
    while i < len(lines) and lines[i].strip():
        item = pattern.match(lines[i])
        if item:
            items.append(item.group(1))
        elif items and (lines[i].startswith((" ", "\t")) or _BULLET.match(lines[i]) or _NUMBER.match(lines[i])):
            items[-1] += "\n" + lines[i].strip()  # continuation or nested item: folded into the last one
        else:
            break
        i += 1
    tag = "ol" if ordered else "ul"
    out.append(f"<{tag}>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + f"</{tag}>")
    return i


def _quote(lines: list[str], i: int, out: list[str]) -> int:
    body: list[str] = []
    while i < len(lines) and _QUOTE.match(lines[i]):
        body.append(_QUOTE.match(lines[i]).group(1))
        i += 1
    out.append(f"<blockquote>{markdown_to_html(chr(10).join(body))}</blockquote>")
    return i


def _paragraph(lines: list[str], i: int, out: list[str]) -> int:
    body: list[str] = []
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        if body and (_FENCE.match(line) or _HEADING.match(line) or _BULLET.match(line) or _NUMBER.match(line)):
            break
        body.append(line.strip())
        i += 1
    out.append(f"<p>{_inline(chr(10).join(body))}</p>")
    return i


def _inline(text: str) -> str:
    """Escape, then turn code spans, links, bold and italic back into tags."""
    spans: list[str] = []

    def keep(match: re.Match) -> str:
        spans.append(f"<code>{html.escape(match.group(2).strip(), quote=False)}</code>")
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE_SPAN.sub(keep, text.replace("\x00", ""))
    text = html.escape(text, quote=True)
    text = _LINK.sub(r'<a href="\2" target="_blank" rel="noopener noreferrer">\1</a>', text)
    text = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", text)
    text = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)
