"""The fault matrix over real loopback against the emulator: retries, auth failures, dropped and hung
streams, mid-stream error chunks, a vanished server, and closing a stream early."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

import pytest

from openrouter_magic._core.errors import AuthenticationError, ProviderError, RateLimitError, StreamError, TransportError
from openrouter_magic._core.types import TextDelta
from tests._client.test_client import MODEL, client_for, collect, full_text

# -- fault matrix ---------------------------------------------------------------------------------------

async def test_a_429_with_retry_after_1_is_retried_once_and_gives_the_full_text(fake):
    expected = await full_text(fake)
    fake.reset()
    fake.queue_error(429, times=1, headers={"Retry-After": "1"})
    started = time.monotonic()
    async with client_for(fake) as client:
        events = await collect(client, "hello", model=MODEL)
    assert events[-1].response.text == expected
    assert len(fake.chat_requests) == 2
    assert 0.95 <= time.monotonic() - started < 5


async def test_a_502_on_every_attempt_gives_provider_error_after_the_bounded_retries(fake):
    fake.queue_error(502, times=100)
    async with client_for(fake, max_retries=3, max_retry_wait=1.0) as client:
        with pytest.raises(ProviderError) as caught:
            await collect(client, "hello", model=MODEL)
    assert caught.value.status == 502 and "Provider returned error" in caught.value.message
    assert len(fake.chat_requests) == 4


async def test_a_429_asking_for_longer_than_the_wait_budget_is_not_retried(fake):
    fake.queue_error(429, times=5, headers={"Retry-After": "60"})
    async with client_for(fake, max_retry_wait=5) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.chat("hello", model=MODEL)
    assert caught.value.retry_after == 60 and len(fake.chat_requests) == 1


async def test_an_invalid_key_gives_authentication_error_without_retry(fake_with_key):
    async with client_for(fake_with_key, key="sk-or-v1-WRONG-key-000000000") as client:
        with pytest.raises(AuthenticationError, match="User not found"):
            await collect(client, "hello", model=MODEL)
    assert len(fake_with_key.chat_requests) == 1


@pytest.fixture
def fake_with_key():
    from openrouter_magic.testing import FakeOpenRouter

    with FakeOpenRouter(api_key="sk-or-v1-the-only-right-key-0000") as server:
        yield server


async def test_a_tcp_drop_mid_stream_gives_stream_error_with_the_partial_text(fake):
    expected = await full_text(fake)
    fake.configure(drop_after_chunks=5)
    async with client_for(fake) as client:
        with pytest.raises(StreamError) as caught:
            await collect(client, "hello", model=MODEL)
    partial = caught.value.partial
    assert partial.text == expected[:20] and partial.error
    assert len(fake.chat_requests) == 2, "a stream that delivered text is never restarted"


async def test_a_drop_before_any_delta_is_retried_then_a_transport_error(fake):
    fake.configure(drop_after_chunks=0)
    async with client_for(fake, max_retries=2) as client:
        with pytest.raises(TransportError):
            await collect(client, "hello", model=MODEL)
    assert len(fake.chat_requests) == 3


@pytest.mark.parametrize("shape", ["documented", "real"])
async def test_a_mid_stream_error_chunk_gives_stream_error_with_partial_text_and_usage(fake, shape):
    expected = await full_text(fake)
    fake.configure(mid_stream_error={"after_chunks": 3, "shape": shape, "code": 502, "message": "Upstream died"})
    async with client_for(fake) as client:
        with pytest.raises(StreamError) as caught:
            await collect(client, "hello", model=MODEL)
    err = caught.value
    assert (err.code, err.message, err.partial.text) == (502, "Upstream died", expected[:12])
    assert err.partial.generation_id and err.partial.provider == "OpenAI"
    if shape == "real":
        assert err.partial.usage.completion_tokens and err.partial.cost is not None
    else:
        assert err.partial.cost is None, "unknown cost is None, never a made-up 0"
    assert len(fake.chat_requests) == 2


async def test_the_text_that_came_in_the_same_read_as_an_error_chunk_still_reaches_the_caller(fake):
    fake.configure(mid_stream_error={"after_chunks": 5, "shape": "real", "code": 502, "message": "x"})
    seen = []
    async with client_for(fake) as client:  # zero delays: the deltas and the error share one network read
        with pytest.raises(StreamError) as caught:
            async for event in client.stream("hello", model=MODEL):
                seen.append(event)
    assert "".join(e.text for e in seen if isinstance(e, TextDelta)) == caught.value.partial.text
    assert len(caught.value.partial.text) == 20


async def test_a_hung_stream_times_out_within_the_configured_bound(fake):
    fake.configure(hang_after_chunks=3)
    started = time.monotonic()
    async with client_for(fake, read_timeout=0.4) as client:
        with pytest.raises(StreamError, match="read timeout") as caught:
            await collect(client, "hello", model=MODEL)
    assert 0.35 <= time.monotonic() - started < 2.0
    assert len(caught.value.partial.text) == 12


async def test_a_stream_hung_before_any_text_is_a_transport_error_and_not_retried(fake):
    fake.configure(hang_after_chunks=0)
    async with client_for(fake, read_timeout=0.3) as client:
        with pytest.raises(TransportError, match="read timeout"):
            await collect(client, "hello", model=MODEL)
    assert len(fake.chat_requests) == 1


async def test_a_server_that_is_gone_gives_a_transport_error_quickly(fake):
    fake.stop()
    started = time.monotonic()
    async with client_for(fake, max_retries=1) as client:
        with pytest.raises(TransportError, match="could not connect"):
            await client.chat("hello", model=MODEL)
    assert time.monotonic() - started < 2


# -- closing early -------------------------------------------------------------------------------------

async def test_closing_the_stream_early_closes_the_connection_at_once(fake):
    fake.configure(chunk_delay=0.01)
    async with client_for(fake) as client:
        async with aclosing(client.stream("hello", model=MODEL)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    break
        assert await asyncio.to_thread(fake.wait_for_disconnects, 1, 2.0)


async def test_cancelling_the_consuming_task_closes_the_connection(fake):
    fake.configure(chunk_delay=0.05)
    async with client_for(fake) as client:
        first = asyncio.Event()

        async def consume():
            async for event in client.stream("hello", model=MODEL):
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(fake.wait_for_disconnects, 1, 2.0)


async def test_no_response_headers_within_the_read_timeout_is_a_transport_error_without_retry(fake):
    fake.configure(first_byte_delay=1.0)
    started = time.monotonic()
    async with client_for(fake, read_timeout=0.3) as client:
        with pytest.raises(TransportError, match="read timeout"):
            await client.chat("hello", model=MODEL)
    assert time.monotonic() - started < 0.9 and len(fake.chat_requests) == 1
