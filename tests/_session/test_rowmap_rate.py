"""The row map's rate machinery: the emulator's own rate limit (429 with Retry-After and X-RateLimit-Reset),
the client reading X-RateLimit-Reset, and the RateGate's moving concurrency limit."""

from __future__ import annotations

import asyncio
import time

import httpx

from openrouter_magic._client.retry import retry_after_from
from openrouter_magic._session.rowmap_rate import RateGate, send_with_retries
from openrouter_magic import RateLimitError

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def test_the_emulators_rpm_limit_answers_429_with_retry_after_and_a_reset_time_per_key(fake):
    fake.configure(rpm_limit=2, rpm_window=30)
    url = fake.base_url + "/chat/completions"
    first = [httpx.post(url, json=BODY, headers={"Authorization": "Bearer sk-or-v1-a"}) for _ in range(3)]
    other = httpx.post(url, json=BODY, headers={"Authorization": "Bearer sk-or-v1-b"})
    assert [r.status_code for r in first] == [200, 200, 429] and other.status_code == 200
    limited = first[2]
    assert 29 <= int(limited.headers["retry-after"]) <= 30 and limited.headers["x-ratelimit-remaining"] == "0"
    reset_s = int(limited.headers["x-ratelimit-reset"]) / 1000
    assert 28 <= reset_s - time.time() <= 30.5
    assert limited.json()["error"]["code"] == 429 and fake.rate_limited == 1


def test_x_ratelimit_reset_alone_gives_the_wait_in_milliseconds_since_the_epoch_seconds_or_a_delta():
    now = 1_790_000_000.0
    assert retry_after_from({"x-ratelimit-reset": str(int((now + 4) * 1000))}, now=now) == 4.0
    assert retry_after_from({"x-ratelimit-reset": str(int(now + 2))}, now=now) == 2.0
    assert retry_after_from({"x-ratelimit-reset": "3"}, now=now) == 3.0
    assert retry_after_from({"retry-after": "1", "x-ratelimit-reset": str(int((now + 9) * 1000))}, now=now) == 1.0
    assert retry_after_from({"x-ratelimit-reset": "soon"}, now=now) is None


def test_scripted_errors_by_rate_follow_a_seeded_sequence(fake):
    fake.configure(error_rate={"status": 503, "rate": 0.5, "seed": 3})
    url = fake.base_url + "/chat/completions"
    auth = {"Authorization": "Bearer sk-or-v1-a"}
    first = [httpx.post(url, json=BODY, headers=auth).status_code for _ in range(20)]
    fake.reset()
    again = [httpx.post(url, json=BODY, headers=auth).status_code for _ in range(20)]
    assert first == again and set(first) == {200, 503}


def test_a_429_halves_the_limit_pauses_every_start_and_successes_raise_it_again():
    async def scenario() -> tuple[list[int], float]:
        gate = RateGate(8)
        limits = []
        calls = {"n": 0}

        async def send() -> str:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RateLimitError("slow down", status=429, retry_after=0.2)
            return "ok"

        started = time.monotonic()
        assert await send_with_retries(gate, send) == "ok"
        paused = time.monotonic() - started
        limits.append(gate.limit)
        for _ in range(40):
            await send_with_retries(gate, send)
            limits.append(gate.limit)
        return limits, paused

    limits, paused = asyncio.run(scenario())
    assert limits[0] == 4 and paused >= 0.2  # halved, and the retry waited for Retry-After
    assert limits[-1] == 8 and limits == sorted(limits)  # climbed back to the ceiling, never above


def test_rpm_spaces_starts_evenly():
    async def scenario() -> list[float]:
        gate, starts = RateGate(16, rpm=1200), []

        async def send() -> None:
            starts.append(time.monotonic())

        await asyncio.gather(*(send_with_retries(gate, send) for _ in range(10)))
        return starts

    starts = sorted(asyncio.run(scenario()))
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.05 - 0.01 and starts[-1] - starts[0] >= 9 * 0.05 - 0.02


def test_map_rows_without_a_key_says_so_once_and_sends_nothing(fake, monkeypatch):
    import pytest

    from openrouter_magic import ConfigError, map_rows
    from openrouter_magic._session import Session

    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    Session._plain = None
    try:
        with pytest.raises(ConfigError, match="no OpenRouter API key"):
            map_rows(["a", "b"], "Say {text}", model="openai/gpt-4o-mini", progress=False)
        assert not [r for r in fake.requests if r.method == "POST"]
    finally:
        Session.get().close()
        Session._plain = None
