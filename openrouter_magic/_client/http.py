"""HTTP responses → our errors: OpenRouter's error bodies (every real shape), and anything else.

:func:`api_error` is pure: the status, headers and raw body go in, an :class:`APIError` subclass with
OpenRouter's own message comes out. A non-JSON body, an HTML error page or an empty body give a
clear message too — never a traceback from inside a parser. The small async helpers at the end read
bodies and turn httpx's transport exceptions into :class:`TransportError`.

Bodies are read within bounds (DESIGN §13): at most ``MAX_BODY_BYTES`` once decoded (gzip and deflate
are inflated here, 64 KiB at a time, so a compressed bomb costs no more than its limit), and a body
that trickles in — no line end and not only whitespace for ``read_timeout`` s — is abandoned.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import zlib
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import httpx

from .chunks import error_message
from .._core import APIError, TransportError, error_for_status
from .retry import retry_after_from

__all__ = ["CONNECT_FAILURES", "MAX_BODY_BYTES", "api_error", "body_chunks", "data_object", "data_of", "decode_json",
           "describe_body", "error_in_body", "not_a_stream", "query_params", "read_body", "read_error",
           "send_for_head", "transport_error"]

# Failures that happen before any byte of the response arrived: safe to try again.
CONNECT_FAILURES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
                    httpx.ReadError, httpx.RemoteProtocolError)

MAX_BODY_BYTES = 32 * 1024 * 1024  # DESIGN §13: a non-streamed body over 32 MiB is not read further
_PIECE = 64 * 1024  # inflate at most this much at a time
_INFLATE = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def decode_json(body: bytes) -> Any:
    """The parsed JSON of ``body``, or None when it is not JSON at all."""
    if not body or not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def describe_body(status: int, body: bytes, content_type: str = "") -> str:
    """A one-line description of a non-JSON (or empty, or HTML) body."""
    head = f"HTTP {status} {_reason(status)}"
    if not body or not body.strip():
        return f"{head} (empty response body)"
    if b"<html" in body[:2048].lower() or "html" in content_type:
        match = _TITLE.search(body[:65536])
        title = match.group(1).decode("utf-8", "replace") if match else ""
        title = _SPACE.sub(" ", _TAGS.sub(" ", title)).strip()
        return f"{head}: the server sent an HTML page" + (f" ({title[:120]})" if title else "")
    text = _SPACE.sub(" ", body[:400].decode("utf-8", "replace")).strip()
    return f"{head}: {text[:200]}"


def _zod_message(error: dict[str, Any]) -> str:
    """``{"name":"ZodError","message":"[{...path, message...}]"}`` → "ZodError: input: expected …"."""
    name = error.get("name") or "ValidationError"
    raw = error.get("message")
    issues = decode_json(raw.encode()) if isinstance(raw, str) else None
    if isinstance(issues, list) and issues and all(isinstance(i, dict) for i in issues):
        parts = []
        for issue in issues:
            path = ".".join(str(p) for p in issue.get("path") or [])
            parts.append(f"{path}: {issue.get('message')}" if path else str(issue.get("message")))
        return f"{name}: " + "; ".join(parts)
    return f"{name}: {raw}" if raw else str(name)


def api_error(status: int, headers: Any, body: bytes, content_type: str = "") -> APIError:
    """The :class:`APIError` subclass for an error response, with OpenRouter's message."""
    payload = decode_json(body)
    error = payload.get("error") if isinstance(payload, dict) else None
    code: Any = None
    metadata: dict[str, Any] | None = None
    if isinstance(error, dict) and "name" in error and "code" not in error:
        message = _zod_message(error)
    elif isinstance(error, (dict, str)):
        message = error_message(error) or describe_body(status, body, content_type)
        if isinstance(error, dict):
            code = error.get("code")
            metadata = error.get("metadata") if isinstance(error.get("metadata"), dict) else None
            if isinstance(error.get("availability"), dict):  # 2026: model availability, with fallback_models
                metadata = {**(metadata or {}), "availability": error["availability"]}
    elif isinstance(payload, dict) and isinstance(payload.get("message"), str):
        message = payload["message"]
    else:
        message = describe_body(status, body, content_type)
    cls = error_for_status(status)
    retry_after = retry_after_from(headers, payload)
    if retry_after is None and metadata and isinstance(metadata.get("availability"), dict):
        wait = metadata["availability"].get("retry_after")
        retry_after = float(wait) if isinstance(wait, (int, float)) and not isinstance(wait, bool) else None
    return cls(message, status=status, code=code, metadata=metadata, retry_after=retry_after)


async def send_for_head(client: httpx.AsyncClient, request: httpx.Request, read: float | None) -> httpx.Response:
    """``client.send(stream=True)`` whose response head must be complete within ``read`` s of the request
    being sent: httpx's read timeout restarts with every byte, so a head dripping in would never end."""
    if read is None:
        return await client.send(request, stream=True)
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(None) as deadline:
            async def trace(name: str, info: dict[str, Any]) -> None:
                if name.endswith("receive_response_headers.started"):
                    deadline.reschedule(loop.time() + read)
            request.extensions["trace"] = trace
            return await client.send(request, stream=True)
    except TimeoutError:
        raise TransportError(f"no complete response head within {read:g} s (read timeout; the head dripped in)") \
            from None


def body_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes as they arrive, decoded: raw when there is no content-encoding (the hot path)."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if response.is_stream_consumed:
        return response.aiter_bytes()
    if encoding in ("", "identity"):
        return response.aiter_raw()
    if encoding in _INFLATE:
        return _inflate(response.aiter_raw(), encoding)
    return response.aiter_bytes()  # br, zstd…: httpx's decoders (when installed)


async def _inflate(raw: AsyncIterator[bytes], encoding: str) -> AsyncIterator[bytes]:
    """gzip/deflate → bytes, never more than 64 KiB out of one step; raises httpx.DecodingError."""
    inflater, first = zlib.decompressobj(_INFLATE[encoding]), True
    try:
        async for data in raw:
            if first and encoding == "deflate" and not _zlib_header(data):
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
            first = False
            while data:
                out = inflater.decompress(data, _PIECE)
                data = inflater.unconsumed_tail
                if out:
                    yield out
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as exc:
        raise httpx.DecodingError(f"invalid {encoding} data: {exc}") from None


def _zlib_header(data: bytes) -> bool:
    """True when ``data`` opens with a zlib header (RFC 1950: CM = 8, CMF·256 + FLG divisible by 31)."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0


async def read_body(response: httpx.Response, limit: int = MAX_BODY_BYTES, stall: float | None = None) -> bytes:
    """The whole (decoded) body, or TransportError when it is over ``limit`` bytes or trickles in."""
    parts: list[bytes] = []
    size, since = 0, None
    try:
        async for piece in body_chunks(response):
            size += len(piece)
            if size > limit:
                parts.clear()
                raise TransportError(f"the response body is larger than {limit:,} bytes: not read further")
            parts.append(piece)
            if b"\n" in piece or piece.isspace():
                since = None  # a line end or keep-alive padding: the server is making progress
            elif stall is not None:
                since = since or time.monotonic()
                if time.monotonic() - since > stall:
                    raise TransportError(f"the response body is dripping: no line end for {stall:g} s")
        return b"".join(parts)
    except httpx.HTTPError as exc:
        raise transport_error(exc, str(response.request.url)) from None
    finally:
        await response.aclose()


async def read_error(response: httpx.Response) -> APIError:
    try:
        body = await read_body(response)
    except TransportError:
        body = b""
    return api_error(response.status_code, response.headers, body, response.headers.get("content-type", ""))


def error_in_body(payload: Any, headers: Any, body: bytes) -> APIError | None:
    """A 200 whose JSON is only ``{"error": {"code": 502, …}}`` (no choices) is an API error in disguise."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and not payload.get("choices"):
        code = error.get("code")
        status = code if isinstance(code, int) and 400 <= code <= 599 else 502
        return api_error(status, headers, body, "application/json")
    return None


async def not_a_stream(response: httpx.Response) -> Exception | None:
    """None for an event stream; for a JSON or HTML answer to a stream request, the error to raise."""
    content_type = response.headers.get("content-type", "").lower()
    if not content_type.startswith(("application/json", "text/html", "application/xhtml")):
        return None  # text/event-stream, or unlabelled: parse it as SSE
    try:
        body = await read_body(response)
    except TransportError as exc:
        return exc
    error = error_in_body(decode_json(body), response.headers, body)
    if error is not None:
        return error
    return TransportError("expected an event stream, got " + describe_body(response.status_code, body, content_type))


def transport_error(exc: BaseException, where: str) -> TransportError:
    kind: dict[type[BaseException], str] = {
        httpx.ConnectTimeout: "connection timed out", httpx.ReadTimeout: "no answer in time (read timeout)",
        httpx.ConnectError: "could not connect", httpx.PoolTimeout: "no free connection in time"}
    what = kind.get(type(exc), type(exc).__name__)
    detail = str(exc) or type(exc).__name__
    return TransportError(f"{what} to {where}: {detail}")


def query_params(filters: dict[str, Any]) -> dict[str, str]:
    """Keyword filters → query parameters: None dropped, booleans as true/false, lists comma-joined."""
    query = {}
    for name, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple, set)):
            value = ",".join(str(v) for v in value)
        query[name] = str(value)
    return query


def data_object(payload: Any) -> dict[str, Any]:
    """The ``data`` of an answer whose data is one JSON object."""
    data: dict[str, Any] = data_of(payload)
    return data


def data_of(payload: Any) -> Any:
    """The ``data`` field of an answer (TransportError when there is none)."""
    if isinstance(payload, dict) and "data" in payload:
        return payload["data"]
    raise TransportError("the answer had no 'data' field")
