"""A small, fast HTTP/1.1 server on asyncio streams: keep-alive, chunked responses, disconnect detection.

Why not ``http.server``: it is thread-per-request and too slow to stream 200,000 SSE events without becoming
the bottleneck of client benchmarks, and it cannot tell when a client hangs up while we are waiting.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from ._chat import DROP, HANG, Control

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
            404: "Not Found", 408: "Request Timeout", 413: "Payload Too Large", 422: "Unprocessable Entity",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            524: "A Timeout Occurred", 529: "Site Overloaded"}
_BASE_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Generation-Id,X-Provider-Name,request-id,cf-ray",
    "Referrer-Policy": "no-referrer, strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}
_BATCH_BYTES = 64 * 1024  # zero-delay streams are written in batches of about this size
_MAX_HEAD = 64 * 1024


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Response:
    """What to send: a JSON body, or a sequence of SSE events (str) with Control markers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    events: Iterable[str | bytes | Control] | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    hang: bool = False                       # non-streaming: never answer
    drop: bool = False                       # non-streaming: send half the body, then cut the connection
    head_drip: float = 0.0                   # > 0: write the status line and headers one byte per this many s
    on_done: Callable[[str, int], None] | None = None  # (outcome, data events written)


Handler = Callable[[Request], Awaitable[Response]]


class _Connection:
    """Buffered reading over one socket (the disconnect watcher may read ahead into the buffer)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer, self.buf = reader, writer, bytearray()

    async def _fill(self) -> bool:
        data = await self.reader.read(65536)
        self.buf.extend(data)
        return bool(data)

    async def read_request(self) -> Request | None:
        """The next request, or None when the client closed the connection cleanly."""
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            if len(self.buf) > _MAX_HEAD or not await self._fill():
                return None
        head, self.buf = bytes(self.buf[:end]).decode("latin-1"), self.buf[end + 4:]
        request_line, *lines = head.split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await self._read_body(headers)
        url = urlsplit(target)
        return Request(method.upper(), unquote(url.path), dict(parse_qsl(url.query, keep_blank_values=True)),
                       headers, body)

    async def _read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = bytearray()
            while True:
                while (end := self.buf.find(b"\r\n")) < 0:
                    if not await self._fill():
                        raise ConnectionError("client closed mid-body")
                size = int(bytes(self.buf[:end]).split(b";")[0], 16)
                await self._need(end + 2 + size + 2)
                body += self.buf[end + 2:end + 2 + size]
                del self.buf[:end + 2 + size + 2]
                if size == 0:
                    return bytes(body)
        length = int(headers.get("content-length") or 0)
        await self._need(length)
        body, self.buf = bytes(self.buf[:length]), self.buf[length:]
        return body

    async def _need(self, n: int) -> None:
        while len(self.buf) < n:
            if not await self._fill():
                raise ConnectionError("client closed mid-body")

    async def wait_closed_by_peer(self) -> None:
        """Return when the client closes its side (data read meanwhile is kept for the next request)."""
        while await self._fill():
            pass


class HttpServer:
    """Serves ``handler`` on host:port until ``close()``."""

    def __init__(self, handler: Handler):
        self.handler = handler
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._connections: set[_Connection] = set()
        self.most_connections = 0  # the most TCP connections open at once (idle keep-alive ones included)

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the bound port."""
        self._server = await asyncio.start_server(self._serve, host, port, reuse_address=True, backlog=512)
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and cut every open connection (like a network failure)."""
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections):
            conn.writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        conn = _Connection(reader, writer)
        self._connections.add(conn)
        self.most_connections = max(self.most_connections, len(self._connections))
        try:
            while (request := await conn.read_request()) is not None:
                response = await self._answer(request)
                outcome = await self._respond(conn, response)
                if outcome != "done" or request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:  # close(): asyncio's callback must not see a cancelled task
            pass
        finally:
            self._connections.discard(conn)
            self._tasks.discard(task)
            writer.close()

    async def _answer(self, request: Request) -> Response:
        """The handler's response; a bug in it becomes a 500 with the traceback on stderr, not a hung socket."""
        try:
            return await self.handler(request)
        except Exception:  # noqa: BLE001 — the emulator must keep serving other tests
            traceback.print_exc()
            return Response(500, {"error": {"code": 500, "message": "Internal Server Error"}})

    async def _respond(self, conn: _Connection, response: Response) -> str:
        """Write the response while watching for the client hanging up; returns done/cancelled/dropped."""
        counter = [0]
        writing = asyncio.ensure_future(_write(conn.writer, response, counter))
        watching = asyncio.ensure_future(conn.wait_closed_by_peer())
        try:
            await asyncio.wait({writing, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (writing, watching):
                task.cancel()
            await asyncio.gather(writing, watching, return_exceptions=True)
        if writing.done() and not writing.cancelled() and writing.exception() is None:
            outcome = writing.result()
        else:
            outcome = "cancelled"
        if response.on_done is not None:
            response.on_done(outcome, counter[0])
        return outcome


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    lines += [f"{k}: {v}" for k, v in {**_BASE_HEADERS, **headers}.items()]
    lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


async def _write(writer: asyncio.StreamWriter, response: Response, counter: list[int]) -> str:
    if response.delay > 0:
        await asyncio.sleep(response.delay)
    if response.hang:
        await asyncio.Event().wait()
    headers = dict(response.headers)
    if response.events is None:
        headers.setdefault("Content-Type", "application/json")
        body = json.dumps(response.body, ensure_ascii=False, separators=(",", ":")).encode()
        if response.drop:
            writer.write(_head(response.status, headers) + _chunk(body[:len(body) // 2]))
            await writer.drain()
            writer.transport.abort()
            return "dropped"
        writer.write(_head(response.status, headers) + _chunk(body) + b"0\r\n\r\n")
        await writer.drain()
        return "done"
    headers.setdefault("Content-Type", "text/event-stream")
    headers.setdefault("Cache-Control", "no-cache")
    await _write_head(writer, _head(response.status, headers), response.head_drip)
    outcome = await _write_events(writer, response.events, response.chunk_delay, counter)
    if outcome == "done":
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    return outcome


async def _write_head(writer: asyncio.StreamWriter, head: bytes, drip: float) -> None:
    if drip <= 0:
        writer.write(head)
        return
    for i in range(len(head)):  # a hostile server (DESIGN §13): headers one byte at a time
        writer.write(head[i:i + 1])
        await writer.drain()
        await asyncio.sleep(drip)


async def _write_events(writer: asyncio.StreamWriter, events: Iterable[str | bytes | Control], delay: float,
                        counter: list[int]) -> str:
    batch: list[str] = []
    size = 0
    for event in events:
        if isinstance(event, (Control, bytes)):
            if batch:
                writer.write(_chunk("".join(batch).encode()))
                batch, size = [], 0
            await writer.drain()
            if isinstance(event, Control) and event.name == "pause":
                await asyncio.sleep(event.seconds)
            if event is HANG:
                await asyncio.Event().wait()
            if event is DROP:
                writer.transport.abort()
                return "dropped"
            if isinstance(event, bytes):  # a raw piece (replay): its own HTTP chunk, sent on its own
                writer.write(_chunk(event))
                await writer.drain()
                await asyncio.sleep(delay)
            continue
        is_data = event.startswith("data:")
        counter[0] += is_data
        if delay <= 0:
            batch.append(event)
            size += len(event)
            if size >= _BATCH_BYTES:
                writer.write(_chunk("".join(batch).encode()))
                batch, size = [], 0
                await writer.drain()
            continue
        writer.write(_chunk(event.encode()))
        await writer.drain()
        if is_data:
            await asyncio.sleep(delay)
    if batch:
        writer.write(_chunk("".join(batch).encode()))
    return "done"
