"""One attempt at a streamed completion: response bytes → events, timings, and the failure rules.

- Framing is :class:`SSEDecoder`, meaning :class:`StreamAccumulator` (with :class:`ContentTemplate`
  recognising plain text chunks without a JSON parse); this module wires them to the httpx response,
  measures time to first delta and hands events over in batches, one list per network read.
- Before the caller has received anything, a broken connection is :class:`Retryable` (the client
  starts again); after that it is a :class:`StreamError` carrying the partial answer — a stream that
  already delivered text is never restarted, so text is never duplicated.
- Hostile servers are bounded (DESIGN §13): an SSE line or event over ``max_line`` bytes, no byte for
  ``read_timeout`` s (httpx's read timeout), and a drip — bytes keep coming but no line completes for
  ``read_timeout`` s after the first read that brought none — each end the stream with StreamError
  (TransportError while nothing was received). A non-SSE answer (JSON, HTML) is reported, not parsed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import httpx

from .._core import ChatResponse, Done, OpenRouterError, StreamError, StreamEvent, TextDelta, TransportError
from .chunks import StreamAccumulator, parse_chunk
from .fastpath import ContentTemplate
from .http import CONNECT_FAILURES, body_chunks, not_a_stream
from .sse import DONE, MAX_LINE_BYTES, SSEDecoder, SSELimitError

__all__ = ["Retryable", "StreamRun"]


class Retryable(Exception):
    """The connection failed after the 200 but before the caller received anything: start again."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class StreamRun:
    """One attempt at a stream: bytes → events, timings, and the failure rules."""

    def __init__(self, requested_model: str, *, read_timeout: float | None = None,
                 max_line: int = MAX_LINE_BYTES) -> None:
        self.acc = StreamAccumulator(requested_model)
        self.template = ContentTemplate()
        self.read_timeout = read_timeout
        self.max_line = max_line
        self.started = time.perf_counter()
        self.ttft: float | None = None
        self.yielded = False
        self.extra: dict[str, Any] = {}  # response fields from the HTTP head (the server cache's status)

    async def batches(self, response: httpx.Response) -> AsyncGenerator[list[StreamEvent], None]:
        """The events of one HTTP response, a list per read; ``Done`` last (raises StreamError/…)."""
        refused = await not_a_stream(response)
        if refused is not None:
            raise refused
        chunks, decoder, stalled = body_chunks(response), SSEDecoder(self.max_line), None
        try:
            async for raw in chunks:
                payloads = decoder.feed(raw)
                if not payloads:
                    stalled = self._check_drip(stalled, decoder.partial)
                    continue
                stalled = None
                events, failure = self.meaning(payloads)
                if events:
                    if self.ttft is None and self.acc.started:
                        self.ttft = time.perf_counter() - self.started
                    self.yielded = True
                    yield events
                if failure is not None:
                    raise failure
                if events and type(events[-1]) is Done:
                    await _drain(chunks)
                    return
        except (StreamError, ValueError, httpx.TransportError, httpx.DecodingError) as exc:
            raise self._translate(exc, response) from None
        if self.acc.finish_reason is None:
            raise self.failure("the stream ended before it was complete (no [DONE])")
        yield [Done(self.response())]

    def meaning(self, payloads: list[bytes]) -> tuple[list[Any], Exception | None]:
        """Payloads → events (``Done`` last at ``[DONE]``), and the failure that stopped them, if any."""
        events: list[Any] = []
        match, acc = self.template.match, self.acc
        try:
            for data in payloads:
                if len(data) > _BIG:  # an image line (~2 MB): parsed without keeping its bytes (below)
                    index, data = payloads.index(data), b""  # identity match first; this frame lets go too
                    events += acc.feed(_parse_big(payloads, index))
                    continue
                text = match(data)
                if text is not None:  # the usual chunk: only its text differs from the learned one
                    if text:
                        acc.add_text(text)
                        events.append(TextDelta(text))
                    continue
                if data == DONE:
                    if self.ttft is None and acc.started:  # the whole answer came in this one read
                        self.ttft = time.perf_counter() - self.started
                    events.append(Done(self.response()))  # elapsed_s ends at [DONE], not after the drain
                    break
                chunk = parse_chunk(data)
                events += acc.feed(chunk)
                self.template.learn(data, chunk)
        except (StreamError, ValueError) as exc:
            return events, exc  # the events before the failure still reach the caller
        return events, None

    def _check_drip(self, stalled: float | None, partial: int) -> float | None:
        """A read completed no line: start or check the drip clock (None when no line is pending)."""
        if not partial or self.read_timeout is None:
            return None
        now = time.monotonic()
        if stalled is None:
            return now
        if now - stalled > self.read_timeout:
            raise self.failure(f"the server is dripping: no complete line for {self.read_timeout:g} s")
        return stalled

    def _translate(self, exc: Exception, response: httpx.Response) -> Exception:
        """What a failure while reading means for the caller."""
        if isinstance(exc, StreamError):  # an error chunk: keep its code/metadata, add the timings
            exc.partial = self.response(error=exc.message)
            return exc
        if isinstance(exc, SSELimitError):
            return self.failure(f"the server sent {exc}: the stream was stopped")
        if isinstance(exc, ValueError):  # bad JSON or bad UTF-8
            return self.failure(f"malformed stream data ({exc})")
        if isinstance(exc, httpx.DecodingError):
            encoding = response.headers.get("content-encoding", "")
            return self.failure(f"could not decode the {encoding}-encoded stream ({exc})")
        if isinstance(exc, httpx.TimeoutException):
            seconds = response.request.extensions.get("timeout", {}).get("read")
            return self.failure(f"no data for {seconds} s (read timeout)")
        if not self.yielded and isinstance(exc, CONNECT_FAILURES):
            return Retryable(exc)
        return self.failure(f"the connection broke mid-stream ({type(exc).__name__}: {exc})")

    def response(self, **extra: Any) -> ChatResponse:
        """The answer so far, with its timings."""
        return self.acc.response(ttft_s=self.ttft, elapsed_s=time.perf_counter() - self.started,
                                 **self.extra, **extra)

    def failure(self, message: str) -> OpenRouterError:
        """StreamError with the partial answer once something arrived; TransportError before that."""
        if self.acc.started or self.yielded:
            return StreamError(message, self.response(error=message))
        return TransportError(message)


_BIG = 256 * 1024


def _parse_big(payloads: list[bytes], index: int) -> Any:
    """Decode a big payload and let go of its bytes before parsing: the parse makes its own copy of the
    image's data URL, so the peak stays at two copies of the line instead of three."""
    text = payloads[index].decode()
    payloads[index] = b""
    return parse_chunk(text)


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows ``[DONE]`` (the body's end) so the connection can be reused — briefly."""
    async def consume() -> None:
        async for _ in chunks:
            pass

    try:
        await asyncio.wait_for(consume(), 0.25)
    except (asyncio.TimeoutError, httpx.HTTPError, ValueError):
        pass  # the connection is then closed instead of reused: harmless
