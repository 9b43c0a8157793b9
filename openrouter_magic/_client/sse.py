"""Server-sent events: bytes → event payloads (framing), kept apart from what they mean.

:class:`SSEDecoder` knows nothing about OpenRouter: it turns arbitrary byte reads into the ``data``
payloads of complete events, whatever the split points. The meaning of each payload (text, reasoning,
tool calls, usage, errors) lives in :mod:`openrouter_magic._chunks`.

Framing follows the SSE spec: lines end with LF, CRLF or a lone CR (never U+2028, U+2029 or U+0085,
so ``str.splitlines`` must not be used); lines starting with ``:`` are comments (keep-alives such as
``: OPENROUTER PROCESSING``); a blank line dispatches the event; ``event``/``id``/``retry`` fields are
ignored. Framing is done on bytes: UTF-8 never uses the bytes of CR or LF inside a multi-byte
character, so a character split across reads is simply rejoined before it is decoded.
"""

from __future__ import annotations

__all__ = ["DONE", "SSEDecoder"]

DONE = b"[DONE]"
_BOM = b"\xef\xbb\xbf"


class SSEDecoder:
    """Incremental SSE framer: ``feed(bytes) -> list of data payloads`` (bytes, one per event).

    At the end of the stream an event that never got its blank line is incomplete: it is simply
    never returned, as the spec says.
    """

    __slots__ = ("_pending", "_data", "_skip_lf", "_at_start")

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # pieces of the last, unfinished line
        self._data: list[bytes] = []  # data lines of the event being assembled
        self._skip_lf = False  # the previous read ended in CR: a leading LF belongs to it
        self._at_start = True  # a UTF-8 BOM may open the stream

    def feed(self, chunk: bytes) -> list[bytes]:
        """Take the next read; return the payloads of the events it completed."""
        if not chunk:
            return []
        if (chunk[:6] == b"data: " and chunk.find(b"\n") == len(chunk) - 2 and chunk[-1] == 10
                and not self._pending and not self._data and b"\r" not in chunk):
            self._at_start = self._skip_lf = False  # hot path: the read is exactly one one-line event
            return [chunk[6:-2]]
        if self._skip_lf:
            self._skip_lf = False
            if chunk[0] == 10:
                chunk = chunk[1:]
                if not chunk:
                    return []
        has_cr = b"\r" in chunk
        if not has_cr and b"\n" not in chunk:
            self._pending.append(chunk)  # no line end yet: join once, later (linear, not quadratic)
            return []
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending = []
        if has_cr:
            chunk = self._normalise_cr(chunk)
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if tail:
            self._pending.append(tail)
        if self._at_start:
            self._at_start = False
            if lines[0].startswith(_BOM):
                lines[0] = lines[0][3:]
        return self._lines(lines)

    def _normalise_cr(self, chunk: bytes) -> bytes:
        """CRLF and lone CR → LF; a CR ending the read may be the first half of a CRLF."""
        if chunk[-1] == 13:
            self._skip_lf = True
        return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def _lines(self, lines: list[bytes]) -> list[bytes]:
        events: list[bytes] = []
        data = self._data
        for line in lines:
            if not line:
                if data:  # blank line: dispatch (an event without data is dropped, as the spec says)
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data.clear()
            elif line[:5] == b"data:":
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif line == b"data":  # a bare field name means an empty value; comments fall through
                data.append(b"")
        return events
