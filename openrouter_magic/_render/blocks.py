"""Pure text logic for streamed display: finished blocks, fences, code extraction, windows.

A streamed answer is shown as a sequence of *pieces*: finished blocks that are displayed once and never
re-sent, plus an unfinished tail that is updated in place. :class:`BlockSplitter` decides where a piece
ends. A markdown block ends at a blank line outside a fenced code block (or right after a closing fence),
and only when the line that follows cannot continue it (an indented line or another list item would), so
rendering the pieces one by one gives the same HTML as rendering the whole text. When a block grows past
``max_chars`` without such a boundary it is cut anyway at a line end and the next piece is marked
``joined``: the renderer merges joined runs back into one display when the answer ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BlockSplitter", "Piece", "extract_code", "has_reference_definitions", "unwrap_fence", "window"]

_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_LIST_ITEM = re.compile(r"^([-*+]|\d{1,9}[.)])([ \t]|$)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S", re.M)
# The first characters of a line decide whether it can continue the block above (indent, list marker).
_CLASSIFY_CHARS = 16


@dataclass(frozen=True)
class Piece:
    """A slice of the answer shown in one display.

    ``joined``: cut from the previous piece where markdown would render differently, so the two must be
    merged at the end. ``prefix``: display-only text (the fence opener when the piece starts inside a fence).
    """

    text: str
    joined: bool = False
    prefix: str = ""


class BlockSplitter:
    """Cuts a growing text into finished pieces and an unfinished tail (``mode`` "markdown" or "text")."""

    def __init__(self, mode: str = "markdown", max_chars: int = 1500) -> None:
        self.mode = mode
        self.max_chars = max_chars
        self._tail = ""
        self._pos = 0  # the tail is scanned up to here (a line start)
        self._cut: int | None = None  # a boundary waiting for the next non-blank line
        self._fence: tuple[str, str] | None = None  # (marker, opener line) while inside a fence
        self._has_list = False
        self._dollars = 0
        self._content = False
        self._midline = False  # the tail starts in the middle of a line (after a forced cut)
        self._joined = False
        self._prefix = ""

    @property
    def tail(self) -> Piece:
        """The unfinished tail as a piece (its text may be empty)."""
        return Piece(self._tail, self._joined, self._prefix)

    def feed(self, text: str) -> list[Piece]:
        """Add text; return the pieces that became finished."""
        self._tail += text
        pieces: list[Piece] = []
        self._scan(pieces)
        self._force(pieces)
        return pieces

    def finish(self) -> list[Piece]:
        """The text is complete: return the remaining pieces, the last one included."""
        pieces: list[Piece] = []
        self._scan(pieces, final=True)
        if self._tail:
            pieces.append(self._emit(self._tail, joined_next=False))
            self._tail, self._pos = "", 0
        return pieces

    def _scan(self, pieces: list[Piece], final: bool = False) -> None:
        tail, start, pos = self._tail, 0, self._pos
        while pos < len(tail):
            nl = tail.find("\n", pos)
            line = tail[pos:] if nl < 0 else tail[pos:nl]
            if nl < 0 and not (self._cut is not None and (final or len(line.strip()) >= _CLASSIFY_CHARS)):
                break  # an incomplete line is classified early only when it is long enough
            if self._midline:
                self._midline = False
            else:
                if self._cut is not None and line.strip():
                    if self._may_split_before(line):
                        pieces.append(self._emit(tail[start : self._cut], joined_next=False))
                        start = self._cut
                        self._new_block()
                    self._cut = None
                if nl < 0:
                    break
                self._track(line, nl + 1)
            pos = nl + 1
        self._tail = tail[start:]
        self._pos = pos - start
        if self._cut is not None:
            self._cut -= start

    def _track(self, line: str, end: int) -> None:
        """Update the block state with one complete line ending at ``end``."""
        if self.mode == "text":
            self._content = self._content or bool(line.strip())
            if not line.strip() and self._content:
                self._cut = end
            return
        if self._fence is not None:
            closing = _FENCE_CLOSE.match(line)
            if closing and closing.group(1)[0] == self._fence[0][0] and len(closing.group(1)) >= len(self._fence[0]):
                self._fence = None
                self._cut = end
            return
        opening = _FENCE_OPEN.match(line)
        if opening and not (opening.group(2)[0] == "`" and "`" in opening.group(3)):
            self._fence, self._content = (opening.group(2), line), True
            return
        if not line.strip():
            if self._content and self._dollars % 2 == 0:
                self._cut = end
            return
        self._content = True
        self._has_list = self._has_list or bool(_LIST_ITEM.match(line))
        self._dollars += line.count("$$")

    def _may_split_before(self, line: str) -> bool:
        """Whether a block may end before ``line`` (which cannot continue it)."""
        if self.mode == "text":
            return True
        if line[0] in " \t":
            return False  # an indented line continues a list item (or an indented code block)
        return not (self._has_list and _LIST_ITEM.match(line))

    def _force(self, pieces: list[Piece]) -> None:
        """Cut an oversized tail at its last line end (or anywhere, for a giant line)."""
        while len(self._tail) > self.max_chars:
            self._cut_tail(pieces)

    def _cut_tail(self, pieces: list[Piece]) -> None:
        if self._cut is not None:
            cut = self._cut
        elif self._pos > 0:
            cut = self._pos
        else:
            cut = self.max_chars
        at_line_end = self._tail[cut - 1] == "\n"
        safe = self.mode == "text" and at_line_end
        pieces.append(self._emit(self._tail[:cut], joined_next=not safe))
        self._midline = not at_line_end
        self._tail = self._tail[cut:]
        self._pos, self._cut = 0, None
        if safe:
            self._new_block()

    def _emit(self, text: str, *, joined_next: bool) -> Piece:
        piece = Piece(text, self._joined, self._prefix)
        self._joined = joined_next
        self._prefix = self._fence[1] + "\n" if joined_next and self._fence else ""
        return piece

    def _new_block(self) -> None:
        self._fence, self._has_list, self._dollars, self._content = None, False, 0, False


def has_reference_definitions(text: str) -> bool:
    """Whether markdown defines link references (``[id]: url``), which only work when rendered whole."""
    return bool(_REFERENCE.search(text))


def unwrap_fence(text: str) -> tuple[str, str | None]:
    """If ``text`` is one fenced block (blank lines around allowed), return (body, language); else (text, None)."""
    lines = text.strip("\n").split("\n")
    if len(lines) >= 2:
        opening, closing = _FENCE_OPEN.match(lines[0]), _FENCE_CLOSE.match(lines[-1])
        if opening and closing and closing.group(1)[0] == opening.group(2)[0]:
            return "\n".join(lines[1:-1]), opening.group(3).strip() or None
    return text, None


def extract_code(text: str) -> tuple[str, str | None]:
    """The code in an answer: the first fenced block's body and language, else the whole text stripped."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        opening = _FENCE_OPEN.match(line)
        if not opening:
            continue
        marker = opening.group(2)
        for j in range(i + 1, len(lines)):
            closing = _FENCE_CLOSE.match(lines[j])
            if closing and closing.group(1)[0] == marker[0] and len(closing.group(1)) >= len(marker):
                return "\n".join(lines[i + 1 : j]), opening.group(3).strip() or None
        return "\n".join(lines[i + 1 :]), opening.group(3).strip() or None  # unclosed: the rest
    return text.strip("\n"), None


def fenced(code: str, language: str | None) -> str:
    """Markdown for ``code`` in a fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language or ''}\n{code}\n{ticks}"


def window(text: str, max_chars: int) -> str:
    """The end of ``text`` (at most ``max_chars``, cut at a line start) with a note of what is hidden."""
    if len(text) <= max_chars:
        return text
    cut = text.find("\n", len(text) - max_chars)
    cut = len(text) - max_chars if cut < 0 else cut + 1
    hidden = text.count("\n", 0, cut)
    return f"… ({hidden} lines above)\n{text[cut:]}"
