"""One attempt at a streamed completion: response bytes → events, timings, and the failure rules.

- Framing is :class:`SSEDecoder`, meaning :class:`StreamAccumulator`; this module only wires them to
  the httpx response and measures time to first delta.
- Before the caller has received anything, a broken connection is :class:`Retryable` (the client
  starts again); after that it is a :class:`StreamError` carrying the partial answer — a stream that
  already delivered text is never restarted, so text is never duplicated.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .chunks import StreamAccumulator, parse_chunk
from .._core import OpenRouterError, StreamError, TransportError
from .http import CONNECT_FAILURES, json_instead_of_stream
from .sse import DONE, SSEDecoder
from .._core import ChatResponse, Done, StreamEvent

__all__ = ["Retryable", "StreamRun"]


class Retryable(Exception):
    """The connection failed after the 200 but before the caller received anything: start again."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class StreamRun:
    """One attempt at a stream: bytes → events, timings, and the failure rules."""

    def __init__(self, requested_model: str) -> None:
        self.acc = StreamAccumulator(requested_model)
        self.started = time.perf_counter()
        self.ttft: float | None = None
        self.yielded = False

    async def events(self, response: httpx.Response) -> AsyncIterator[StreamEvent]:
        """The events of one HTTP response; ``Done`` last (raises StreamError/TransportError/Retryable)."""
        if response.headers.get("content-type", "").startswith("application/json"):
            raise await json_instead_of_stream(response)
        # Without a content-encoding the raw body *is* the bytes: skip httpx's decoder layers (hot path).
        raw_ok = response.headers.get("content-encoding", "identity") == "identity" and not response.is_stream_consumed
        chunks = response.aiter_raw() if raw_ok else response.aiter_bytes()
        decoder, acc, parse = SSEDecoder(), self.acc, parse_chunk
        try:
            async for raw in chunks:
                for data in decoder.feed(raw):
                    if data == DONE:
                        final = self.response()  # elapsed_s ends at [DONE], not after the drain
                        await _drain(chunks)
                        yield Done(final)
                        return
                    events = acc.feed(parse(data))
                    if events:
                        if self.ttft is None and acc.started:
                            self.ttft = time.perf_counter() - self.started
                        self.yielded = True
                        for event in events:
                            yield event
        except (StreamError, ValueError, httpx.TransportError) as exc:
            raise self._translate(exc, response) from None
        if self.acc.finish_reason is None:
            raise self.failure("the stream ended before it was complete (no [DONE])")
        yield Done(self.response())

    def _translate(self, exc: Exception, response: httpx.Response) -> Exception:
        """What a failure while reading means for the caller."""
        if isinstance(exc, StreamError):  # an error chunk: keep its code/metadata, add the timings
            exc.partial = self.response(error=exc.message)
            return exc
        if isinstance(exc, ValueError):  # bad JSON or bad UTF-8 in a data line
            return self.failure(f"malformed stream data ({exc})")
        if isinstance(exc, httpx.TimeoutException):
            seconds = response.request.extensions.get("timeout", {}).get("read")
            return self.failure(f"no data for {seconds} s (read timeout)")
        if not self.yielded and isinstance(exc, CONNECT_FAILURES):
            return Retryable(exc)
        return self.failure(f"the connection broke mid-stream ({type(exc).__name__}: {exc})")

    def response(self, **extra: Any) -> ChatResponse:
        return self.acc.response(ttft_s=self.ttft, elapsed_s=time.perf_counter() - self.started, **extra)

    def failure(self, message: str) -> OpenRouterError:
        """StreamError with the partial answer once something arrived; TransportError before that."""
        if self.acc.started or self.yielded:
            return StreamError(message, self.response(error=message))
        return TransportError(message)


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows ``[DONE]`` (the body's end) so the connection can be reused — briefly."""
    async def consume() -> None:
        async for _ in chunks:
            pass

    try:
        await asyncio.wait_for(consume(), 0.25)
    except (asyncio.TimeoutError, httpx.HTTPError):
        pass  # the connection is then closed instead of reused: harmless
