"""The emulator plays OpenRouter's response cache (X-OpenRouter-Cache): raw HTTP over loopback, no client."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from openrouter_magic.testing import FakeOpenRouter

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 30}


@pytest.fixture
def server():
    with FakeOpenRouter() as fake:
        yield fake


def post(server, body=BODY, *, key="sk-or-v1-a", cache=True, ttl=None, raw=None):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if cache:
        headers["X-OpenRouter-Cache"] = "true"
    if ttl is not None:
        headers["X-OpenRouter-Cache-TTL"] = str(ttl)
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.post(server.base_url + "/chat/completions", content=content, headers=headers, timeout=10)


def test_first_request_misses_and_bills_then_an_identical_one_hits_for_free(server):
    first, second = post(server), post(server)
    assert first.headers["x-openrouter-cache-status"] == "MISS" and first.headers["x-openrouter-cache-ttl"] == "300"
    assert second.headers["x-openrouter-cache-status"] == "HIT"
    one, two = first.json(), second.json()
    assert two["choices"][0]["message"]["content"] == one["choices"][0]["message"]["content"]
    assert one["usage"]["cost"] > 0 and two["usage"]["cost"] == 0
    assert two["usage"]["prompt_tokens"] == two["usage"]["completion_tokens"] == 0
    assert two["id"] != one["id"] and second.headers["x-generation-id"] == two["id"]
    assert server.total_billed == pytest.approx(one["usage"]["cost"])


def test_without_the_header_there_is_no_cache_and_no_status(server):
    first, second = post(server, cache=False), post(server, cache=False)
    assert "x-openrouter-cache-status" not in first.headers and second.json()["usage"]["cost"] > 0


def test_the_key_is_the_body_as_sent_the_api_key_and_the_stream_mode(server):
    post(server)
    reordered = json.dumps({"max_tokens": 30, **{k: v for k, v in BODY.items() if k != "max_tokens"}}).encode()
    assert post(server, raw=reordered).headers["x-openrouter-cache-status"] == "MISS"  # property order counts
    assert post(server, key="sk-or-v1-b").headers["x-openrouter-cache-status"] == "MISS"
    assert post(server, {**BODY, "stream": True}).headers["x-openrouter-cache-status"] == "MISS"
    assert post(server, {**BODY, "stream": True}).headers["x-openrouter-cache-status"] == "HIT"


def test_an_entry_expires_after_its_ttl(server):
    assert post(server, ttl=1).headers["x-openrouter-cache-ttl"] == "1"
    assert post(server, ttl=1).headers["x-openrouter-cache-status"] == "HIT"
    time.sleep(1.1)
    assert post(server, ttl=1).headers["x-openrouter-cache-status"] == "MISS"


def test_a_failed_stream_is_never_stored(server):
    server.configure(mid_stream_error={"after_chunks": 1, "shape": "documented"})
    post(server, {**BODY, "stream": True})
    server.configure(mid_stream_error=None)
    assert post(server, {**BODY, "stream": True}).headers["x-openrouter-cache-status"] == "MISS"


def test_a_streamed_hit_replays_the_content_with_zeroed_usage(server):
    first = post(server, {**BODY, "stream": True}).text
    second = post(server, {**BODY, "stream": True}).text

    def content_and_usage(sse: str) -> tuple[str, dict]:
        chunks = [json.loads(line[6:]) for line in sse.splitlines() if line.startswith("data: {")]
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
        return text, next(c["usage"] for c in chunks if c.get("usage"))

    (text_one, usage_one), (text_two, usage_two) = content_and_usage(first), content_and_usage(second)
    assert text_two == text_one and usage_one["cost"] > 0 and usage_two["cost"] == 0
