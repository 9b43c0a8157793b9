"""Server-sent events: bytes → event payloads (framing), kept apart from what they mean.

:class:`SSEDecoder` knows nothing about OpenRouter: it turns arbitrary byte reads into the ``data``
payloads of complete events, whatever the split points. The meaning of each payload (text, reasoning,
tool calls, usage, errors) lives in :mod:`.chunks`.

Framing follows the SSE spec: lines end with LF, CRLF or a lone CR (never U+2028, U+2029 or U+0085,
so ``str.splitlines`` must not be used); lines starting with ``:`` are comments (keep-alives such as
``: OPENROUTER PROCESSING``); a blank line dispatches the event; ``event``/``id``/``retry`` fields are
ignored. Framing is done on bytes: UTF-8 never uses the bytes of CR or LF inside a multi-byte
character, so a character split across reads is simply rejoined before it is decoded.

A hostile server cannot make the decoder hold more than ``limit`` bytes of one line or one event: past
that, :class:`SSELimitError` is raised before the pieces are joined.
"""

from __future__ import annotations

__all__ = ["DONE", "MAX_LINE_BYTES", "SSEDecoder", "SSELimitError"]

DONE = b"[DONE]"
MAX_LINE_BYTES = 32 * 1024 * 1024  # DESIGN §13: a single SSE line (or event) over 32 MiB ends the stream
_BOM = b"\xef\xbb\xbf"


class SSELimitError(ValueError):
    """One SSE line or event is larger than the decoder's limit."""


class SSEDecoder:
    """Incremental SSE framer: ``feed(bytes) -> list of data payloads`` (bytes, one per event).

    At the end of the stream an event that never got its blank line is incomplete: it is simply
    never returned, as the spec says.
    """

    __slots__ = ("_pending", "_pending_size", "_data", "_data_size", "_skip_lf", "_at_start", "limit")

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self._pending: list[bytes] = []  # pieces of the last, unfinished line
        self._pending_size = 0
        self._data: list[bytes] = []  # data lines of the event being assembled
        self._data_size = 0
        self._skip_lf = False  # the previous read ended in CR: a leading LF belongs to it
        self._at_start = True  # a UTF-8 BOM may open the stream
        self.limit = limit

    @property
    def partial(self) -> int:
        """How many bytes of an unfinished line are waiting for their line end."""
        return self._pending_size

    def feed(self, chunk: bytes) -> list[bytes]:
        """Take the next read; return the payloads of the events it completed."""
        if not chunk:
            return []
        if (chunk[-2:] == b"\n\n" and chunk[:6] == b"data: " and not self._pending and not self._data
                and chunk.find(b"\n") == len(chunk) - 2 and b"\r" not in chunk):
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
            self._hold(chunk)  # no line end yet: join once, later (linear, not quadratic)
            return []
        if self._pending:
            self._pending.append(chunk)
            chunk = b"".join(self._pending)
            self._pending, self._pending_size = [], 0
        if has_cr:
            chunk = self._normalise_cr(chunk)
        if self._at_start:
            self._at_start = False
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        return self._events(chunk)

    def _hold(self, piece: bytes) -> None:
        self._pending_size += len(piece)
        if self._pending_size > self.limit:
            self._pending.clear()  # the memory goes back now, not when the caller drops the decoder
            self._pending_size = 0
            raise SSELimitError(f"an SSE line longer than {self.limit:,} bytes")
        self._pending.append(piece)

    def _normalise_cr(self, chunk: bytes) -> bytes:
        """CRLF and lone CR → LF; a CR ending the read may be the first half of a CRLF."""
        if chunk[-1] == 13:
            self._skip_lf = True
        return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def _events(self, chunk: bytes) -> list[bytes]:
        """LF-only text that starts at a line start → payloads; the unfinished last line is kept."""
        blocks = chunk.split(b"\n\n")
        tail = blocks.pop()  # after the last blank line: lines of an event still open, then a partial line
        events: list[bytes] = []
        for block in blocks:
            # The usual event is one "data: …" line or one comment: no per-line work for those.
            if self._data or b"\n" in block:
                self._lines(block.split(b"\n"), events)
                self._lines((b"",), events)
            elif block[:6] == b"data: ":
                events.append(block[6:])
            elif block[:1] != b":":
                self._lines((block, b""), events)
        lines = tail.split(b"\n")
        last = lines.pop()
        if lines:
            self._lines(lines, events)
        if last:
            self._hold(last)
        return events

    def _lines(self, lines: list[bytes] | tuple[bytes, ...], events: list[bytes]) -> None:
        data = self._data
        for line in lines:
            if not line:
                if data:  # blank line: dispatch (an event without data is dropped, as the spec says)
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data.clear()
                    self._data_size = 0
            elif line[:5] == b"data:":
                value = line[6:] if line[5:6] == b" " else line[5:]
                self._data_size += len(value) + 1
                if self._data_size > self.limit:
                    data.clear()
                    raise SSELimitError(f"an SSE event longer than {self.limit:,} bytes")
                data.append(value)
            elif line == b"data":  # a bare field name means an empty value; comments fall through
                data.append(b"")
