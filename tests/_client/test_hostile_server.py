"""Hostile servers over real loopback (DESIGN §13, issue 13): each scenario ends with the documented typed
error within its bound, the partial answer kept, memory bounded — and the key never shows up anywhere.

The emulator's ``hostile`` knob (openrouter_magic/testing/_hostile.py) plays the server. The rules tested:
an SSE line or a body over 32 MiB → StreamError / TransportError; no byte for ``read_timeout`` → the same;
a drip (bytes keep coming, no line completes for ``read_timeout`` s) → the same; a stream without
``[DONE]``, invalid UTF-8 → StreamError; gzip → decoded (corrupt gzip → a clear error); HTML → TransportError.
"""

from __future__ import annotations

import logging
import time
import tracemalloc

import httpx
import pytest

from openrouter_magic._core.errors import OpenRouterError, StreamError, TransportError
from tests._client.test_client import MODEL, client_for, collect, full_text

LIMIT = 32 * 1024 * 1024


async def stream_error(fake, **client_kwargs) -> tuple[OpenRouterError, float]:
    """The error that ends one stream, and how long it took."""
    started = time.monotonic()
    async with client_for(fake, **client_kwargs) as client:
        with pytest.raises(OpenRouterError) as caught:
            await collect(client, "hello", model=MODEL)
    return caught.value, time.monotonic() - started


async def traced_peak(coro) -> int:
    """Peak traced memory (bytes) while ``coro`` runs — the emulator thread's allocations included."""
    tracemalloc.start()
    try:
        await coro
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_a_50_mb_sse_line_ends_the_stream_with_the_partial_and_at_most_twice_the_limit_in_memory(fake):
    expected = await full_text(fake)
    fake.configure(hostile={"kind": "huge_line", "size": 50_000_000})
    outcome: list = []

    async def run():
        outcome.extend(await stream_error(fake))

    peak = await traced_peak(run())
    error, elapsed = outcome
    assert isinstance(error, StreamError) and "longer than 33,554,432 bytes" in str(error)
    assert error.partial.text == expected[:12] and error.partial.error
    assert peak < 2 * LIMIT, f"peak {peak / 2**20:.1f} MiB"
    assert elapsed < 10


async def test_a_non_streamed_body_over_32_mib_is_a_transport_error_with_bounded_memory(fake):
    fake.configure(hostile={"kind": "huge_body", "size": 50_000_000})

    async def run():
        async with client_for(fake) as client:
            with pytest.raises(TransportError, match="larger than 33,554,432 bytes"):
                await client.chat("hello", model=MODEL)

    assert await traced_peak(run()) < 2 * LIMIT


async def test_a_stream_that_ends_without_done_is_a_stream_error_with_the_partial(fake):
    expected = await full_text(fake)
    fake.configure(hostile={"kind": "no_done", "after_chunks": 3})
    error, elapsed = await stream_error(fake)
    assert isinstance(error, StreamError) and "no [DONE]" in str(error)
    assert error.partial.text == expected[:12] and elapsed < 2
    assert len(fake.chat_requests) == 2, "a stream that delivered text is never restarted"


async def test_half_a_json_body_is_a_transport_error_that_says_what_came(fake):
    fake.configure(hostile={"kind": "no_done"})
    async with client_for(fake) as client:
        with pytest.raises(TransportError, match="expected JSON, got HTTP 200 OK"):
            await client.chat("hello", model=MODEL)


async def test_invalid_utf8_in_a_data_line_is_a_stream_error_with_the_partial(fake):
    expected = await full_text(fake)
    fake.configure(hostile={"kind": "bad_utf8", "after_chunks": 2})
    error, _ = await stream_error(fake)
    assert isinstance(error, StreamError) and "malformed stream data" in str(error)
    assert "utf-8" in str(error).lower() and error.partial.text == expected[:8]


async def test_a_gzip_encoded_stream_is_decoded_to_the_same_answer(fake):
    expected = await full_text(fake)
    fake.configure(hostile={"kind": "gzip"})
    async with httpx.AsyncClient() as raw:  # the emulator really sends gzip
        reply = await raw.post(fake.base_url + "/chat/completions", headers={"Authorization": "Bearer k"},
                               json={"model": MODEL, "messages": [{"role": "user", "content": "x"}], "stream": True})
    assert reply.headers["content-encoding"] == "gzip" and b"[DONE]" in reply.content
    async with client_for(fake) as client:
        events = await collect(client, "hello", model=MODEL)
        assert events[-1].response.text == expected and events[-1].response.finish_reason == "stop"
        assert (await client.chat("hello", model=MODEL)).text == expected  # a gzip JSON body too


async def test_corrupt_gzip_is_a_clear_stream_error_with_the_partial(fake):
    fake.configure(hostile={"kind": "gzip", "corrupt": True})
    error, _ = await stream_error(fake)
    assert isinstance(error, StreamError) and "could not decode the gzip-encoded stream" in str(error)
    assert error.partial.text, "the text before the corrupt bytes is kept"


@pytest.mark.parametrize("streamed", [True, False])
async def test_an_html_page_instead_of_sse_or_json_is_a_transport_error_naming_the_page(fake, streamed):
    fake.configure(hostile={"kind": "html"})
    async with client_for(fake) as client:
        with pytest.raises(TransportError, match=r"HTML page \(Service temporarily unavailable\)"):
            await (collect(client, "hello", model=MODEL) if streamed else client.chat("hello", model=MODEL))
    assert len(fake.chat_requests) == 1, "a 200 is not retried"


async def test_a_one_byte_per_second_drip_ends_within_twice_the_read_timeout_with_the_partial(fake):
    expected = await full_text(fake)
    fake.configure(hostile={"kind": "drip", "after_chunks": 3, "interval": 1.0})
    error, elapsed = await stream_error(fake, read_timeout=1.5)
    assert isinstance(error, StreamError) and "dripping: no complete line for 1.5 s" in str(error)
    assert error.partial.text == expected[:12]
    assert 1.5 <= elapsed < 2 * 1.5 + 1.0


async def test_a_dripping_json_body_ends_within_twice_the_read_timeout(fake):
    fake.configure(hostile={"kind": "drip", "interval": 0.1})
    started = time.monotonic()
    async with client_for(fake, read_timeout=0.5) as client:
        with pytest.raises(TransportError, match="dripping"):
            await client.chat("hello", model=MODEL)
    assert time.monotonic() - started < 2 * 0.5 + 0.5


async def test_silence_ends_the_stream_at_the_read_timeout_with_the_partial(fake):
    expected = await full_text(fake)
    fake.configure(hang_after_chunks=3)
    error, elapsed = await stream_error(fake, read_timeout=0.4)
    assert isinstance(error, StreamError) and "read timeout" in str(error)
    assert error.partial.text == expected[:12] and 0.35 <= elapsed < 1.5


HOSTILE = [{"kind": "huge_line", "size": 40_000_000}, {"kind": "no_done"}, {"kind": "bad_utf8"},
           {"kind": "gzip", "corrupt": True}, {"kind": "html"}, {"kind": "drip", "interval": 0.05},
           {"kind": "drip", "head": True, "interval": 0.05}]


async def test_no_hostile_answer_puts_the_key_in_an_error_or_a_log_record(fake, sentinel_key, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "openrouter_magic", ""):
        caplog.set_level(logging.DEBUG, logger=name)
    shown = []
    async with client_for(fake, key=sentinel_key, read_timeout=0.3) as client:
        for hostile in HOSTILE:
            fake.configure(hostile=hostile)
            for call in (collect(client, "hi", model=MODEL), client.chat("hi", model=MODEL)):
                with pytest.raises(OpenRouterError) as caught:
                    await call
                partial = getattr(caught.value, "partial", None)
                shown += [str(caught.value), repr(caught.value), repr(vars(caught.value)), repr(partial)]
    assert fake.chat_requests[0].headers["authorization"] == f"Bearer {sentinel_key}"
    assert any(r.name.startswith("httpcore") for r in caplog.records), "httpcore's debug log was captured"
    for text in shown + [r.getMessage() for r in caplog.records] + [caplog.text]:
        assert sentinel_key not in text


@pytest.mark.parametrize("streamed", [True, False])
async def test_response_headers_dripping_in_end_within_the_read_timeout_not_never(fake, streamed):
    fake.configure(hostile={"kind": "drip", "head": True, "interval": 0.05})  # each byte resets httpx's timer
    started = time.monotonic()
    async with client_for(fake, read_timeout=0.5) as client:
        with pytest.raises(TransportError, match=r"no complete response head within 0.5 s \(read timeout"):
            await (collect(client, "hello", model=MODEL) if streamed else client.chat("hello", model=MODEL))
    assert 0.5 <= time.monotonic() - started < 1.5 and len(fake.chat_requests) == 1
