"""Hostile-server scenarios (DESIGN §13): what a broken proxy, a buggy gateway or an attacker may send.

``FakeOpenRouter(hostile={"kind": …, …})`` (or ``configure``/``per_model``) answers chat requests with one
of these instead of a well-formed reply. A stream first sends ``after_chunks`` (default 3) normal deltas.

- ``huge_line`` / ``huge_body``: a ``data:`` line (stream) or a 200 JSON body of ``size`` bytes (default
  50 MB), written in 64 KiB pieces made one at a time, so the emulator itself never holds it;
- ``no_done``: the body ends cleanly too early — a stream without finish, usage or ``[DONE]``, half a JSON;
- ``bad_utf8``: a data line (or the JSON body) with bytes that are not UTF-8;
- ``gzip``: the normal answer, gzip-encoded (``Content-Encoding: gzip``, one sync flush per event);
- ``html``: a 200 ``text/html`` page (a captive portal, a CDN error page) instead of SSE or JSON;
- ``drip``: the rest of the stream (or the whole body) one byte every ``interval`` seconds (default 1);
  with ``"head": True``, the status line and headers drip instead.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from ._chat import Control, stream_events
from ._payloads import Answer, chat_completion
from ._server import Response

__all__ = ["hostile_response"]

_PIECE = 64 * 1024
_HTML = (b"<!DOCTYPE html><html><head><title>Service temporarily unavailable</title></head>"
         b"<body><h1>Please wait</h1><p>You are being redirected.</p></body></html>")
_JSON = {"Content-Type": "application/json"}


def hostile_response(a: Answer, hostile: dict[str, Any], *, streamed: bool, headers: dict[str, str],
                     on_done: Any) -> Response:
    """The response for one chat request under the ``hostile`` knob (streamed or not)."""
    kind = hostile.get("kind")
    if kind == "html":
        events, extra = [_HTML], {"Content-Type": "text/html; charset=utf-8"}
    elif kind == "drip" and hostile.get("head"):
        return Response(200, headers={**headers, **({} if streamed else _JSON)}, events=_plain(a, streamed),
                        on_done=on_done, head_drip=float(hostile.get("interval", 1.0)))
    elif kind == "gzip":
        events = _gzipped(a, streamed, corrupt=bool(hostile.get("corrupt")))
        extra = {**({} if streamed else _JSON), "Content-Encoding": "gzip"}
    elif streamed:
        events, extra = _chain(_deltas(a, int(hostile.get("after_chunks", 3))), _stream_end(a, hostile)), {}
    else:
        events, extra = _body(a, hostile), _JSON
    return Response(200, headers={**headers, **extra}, events=events, on_done=on_done)


def _stream_end(a: Answer, hostile: dict[str, Any]) -> Iterator[Any]:
    """What a hostile stream sends after its first deltas."""
    kind = hostile["kind"]
    if kind in ("huge_line", "huge_body"):
        return _padded(b'data: {"choices":[{"delta":{"content":"', hostile, b'"}}]}\n\n')
    if kind == "bad_utf8":
        return iter([b'data: {"choices":[{"delta":{"content":"caf\xe9 \xff"}}]}\n\n'])
    if kind == "drip":
        rest = list(stream_events(a))[sum(1 for _ in _deltas(a, int(hostile.get("after_chunks", 3)))):]
        return _drip(b"".join(e.encode() for e in rest if isinstance(e, str)), hostile)
    return iter(())  # no_done: the body simply ends


def _body(a: Answer, hostile: dict[str, Any]) -> Iterator[Any]:
    """A hostile non-streamed body."""
    kind = hostile["kind"]
    if kind in ("huge_line", "huge_body"):
        return _padded(b'{"pad":"', hostile, b'"}')
    body = json.dumps(chat_completion(a), separators=(",", ":")).encode()
    if kind == "bad_utf8":
        return iter([body.replace(b'"content":"', b'"content":"\xff', 1)])
    if kind == "drip":
        return _drip(body, hostile)
    return iter([body[:len(body) // 2]])  # no_done: a clean end halfway through the JSON


def _deltas(a: Answer, n: int) -> Iterator[str]:
    """The stream's opening: keep-alives and the first ``n`` data events."""
    sent = 0
    for event in stream_events(a):
        if sent >= n or not isinstance(event, str):
            return
        yield event
        sent += event.startswith("data:")


def _chain(*parts: Iterator[Any]) -> Iterator[Any]:
    for part in parts:
        yield from part


def _padded(head: bytes, hostile: dict[str, Any], tail: bytes) -> Iterator[bytes]:
    """``head`` + ``size`` bytes of "x" + ``tail``, in 64 KiB pieces made one at a time."""
    left = int(hostile.get("size", 50_000_000))
    yield head
    while left > 0:
        step = min(left, _PIECE)
        yield b"x" * step
        left -= step
    yield tail


def _drip(data: bytes, hostile: dict[str, Any]) -> Iterator[bytes | Control]:
    """``data`` one byte at a time, ``interval`` seconds apart."""
    pause = Control("pause", float(hostile.get("interval", 1.0)))
    for byte in data:
        yield bytes([byte])
        yield pause


def _plain(a: Answer, streamed: bool) -> Iterator[Any]:
    """The normal answer: its SSE events, or its JSON body."""
    return stream_events(a) if streamed else iter([json.dumps(chat_completion(a), separators=(",", ":"))])


def _gzipped(a: Answer, streamed: bool, *, corrupt: bool) -> Iterator[Any]:
    """The normal answer, gzip-encoded as it goes (each event flushed, so it stays a stream).

    ``corrupt``: after the first event, bytes that are not deflate data (the decoder must say so)."""
    packer = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
    for sent, event in enumerate(_plain(a, streamed)):
        if isinstance(event, Control):
            yield event
            continue
        if corrupt and sent == (2 if streamed else 0):
            yield b"not gzip at all"
            return
        data = event.encode() if isinstance(event, str) else event
        yield packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()
