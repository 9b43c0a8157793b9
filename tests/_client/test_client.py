"""The client over real loopback HTTP: against the emulator (chat, stream, every endpoint, headers) and
against a tiny raw server that replays the real recorded streams. Faults: test_client_faults.py."""

from __future__ import annotations

import asyncio
import json
import random

import pytest

from openrouter_magic import OpenRouter
from openrouter_magic._core.errors import ConfigError, NotFoundError
from openrouter_magic._core.types import Done, TextDelta, UsageEvent
from tests._client.test_sse import STREAM_FILES, reference

MODEL = "openai/gpt-4o-mini"


def client_for(fake, key="sk-or-v1-client-test-key-0123", **kwargs) -> OpenRouter:
    kwargs.setdefault("retry_base_delay", 0.01)
    return OpenRouter(key, fake.base_url, **kwargs)


async def collect(client, *args, **kwargs) -> list:
    return [event async for event in client.stream(*args, **kwargs)]


async def full_text(fake, prompt="hello") -> str:
    async with client_for(fake) as client:
        return (await client.chat(prompt, model=MODEL)).text


# -- happy paths ---------------------------------------------------------------------------------------

async def test_stream_yields_text_deltas_usage_and_a_final_done_with_the_whole_answer(fake):
    async with client_for(fake) as client:
        events = await collect(client, "hello", model=MODEL)
    done = events[-1]
    assert isinstance(done, Done) and sum(isinstance(e, Done) for e in events) == 1
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == done.response.text and len(text) > 40
    assert any(isinstance(e, UsageEvent) for e in events)
    response = done.response
    assert response.cost == pytest.approx(fake.cost_of(response.generation_id))
    assert response.provider == "OpenAI" and response.finish_reason == "stop"
    assert 0 < response.ttft_s <= response.elapsed_s


async def test_chat_and_stream_give_the_same_deterministic_text(fake):
    async with client_for(fake) as client:
        chat = await client.chat("same question", model=MODEL)
        streamed = (await collect(client, "same question", model=MODEL))[-1].response
    assert chat.text == streamed.text and chat.usage.completion_tokens == streamed.usage.completion_tokens
    assert chat.model == MODEL and chat.requested_model == MODEL


async def test_the_request_body_holds_messages_model_and_only_the_params_given(fake):
    async with client_for(fake) as client:
        await client.chat("hi", temperature=0.5, max_tokens=None, provider={"sort": "price"})
        await collect(client, [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}], model=MODEL)
    first, second = fake.chat_requests
    assert first.json == {"model": "openrouter/auto", "messages": [{"role": "user", "content": "hi"}],
                          "temperature": 0.5, "provider": {"sort": "price"}}
    assert second.json["stream"] is True and [m["role"] for m in second.json["messages"]] == ["system", "user"]


async def test_headers_carry_the_key_referer_and_title(fake, monkeypatch):
    monkeypatch.setenv("OPENROUTER_HTTP_REFERER", "https://example.org/app")
    async with client_for(fake, x_title="My Notebook") as client:
        await client.chat("hi", model=MODEL)
    headers = fake.chat_requests[0].headers
    assert headers["authorization"] == "Bearer sk-or-v1-client-test-key-0123"
    assert headers["http-referer"] == "https://example.org/app"
    assert headers["x-title"] == headers["x-openrouter-title"] == "My Notebook"


async def test_models_endpoints_key_credits_and_providers(fake):
    async with client_for(fake) as client:
        models = await client.models()
        tools = await client.models(supported_parameters=["tools"])
        envelope = await client.models_payload()
        endpoints = await client.endpoints(MODEL)
        key, credits, providers = await client.key(), await client.credits(), await client.providers()
    assert len(models) >= 30 and 0 < len(tools) < len(models)
    assert all("tools" in m["supported_parameters"] for m in tools)
    assert fake.requests[1].query.get("supported_parameters") in ("tools", ["tools"])
    assert envelope["data"] == models and "total_count" in envelope
    assert endpoints["id"] == MODEL and endpoints["endpoints"]
    assert "limit" in key and "sk-or-v1-client-test-key-0123" not in str(key)
    assert set(credits) >= {"total_credits", "total_usage"} and providers and "slug" in providers[0]


async def test_generation_is_not_found_at_first_then_has_the_billed_cost(fake):
    fake.configure(generation_delay=0.3)
    async with client_for(fake) as client:
        response = await client.chat("hi", model=MODEL)
        with pytest.raises(NotFoundError, match="not found"):
            await client.generation(response.generation_id)
        await asyncio.sleep(0.35)
        record = await client.generation(response.generation_id)
    assert record["id"] == response.generation_id
    assert record["total_cost"] == pytest.approx(response.cost)


async def test_without_a_key_chat_says_how_to_set_one_but_models_work(fake):
    async with OpenRouter(base_url=fake.base_url) as client:
        with pytest.raises(ConfigError, match="OPENROUTER_API_KEY.*sandbox"):
            await client.chat("hi")
        with pytest.raises(ConfigError):
            await collect(client, "hi")
        assert await client.models()
    assert fake.chat_requests == []


def test_one_client_works_across_successive_event_loops(fake):
    client = client_for(fake)

    async def chat_then_close():  # each loop's connections are closed before asyncio.run closes the loop
        try:
            return await client.chat("hi", model=MODEL)
        finally:
            await client.aclose()

    first = asyncio.run(chat_then_close())
    second = asyncio.run(chat_then_close())
    assert first.text == second.text


# -- the real recordings, replayed over loopback ----------------------------------------------------------

async def replay_server(raw: bytes, seed: int):
    """Serve ``raw`` as the SSE body of every request, written in randomly sized pieces."""
    rng = random.Random(seed)

    async def handle(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        position = 0
        while position < len(raw):
            piece = raw[position:position + rng.randint(1, 300)]
            position += len(piece)
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize("name", STREAM_FILES)
async def test_every_recorded_stream_replays_through_the_client_over_loopback(name, shared):
    raw = (shared / "streams" / name).read_bytes()
    server = await replay_server(raw, seed=len(raw))
    port = server.sockets[0].getsockname()[1]
    try:
        async with OpenRouter("sk-or-v1-replay-key-00000000", f"http://127.0.0.1:{port}/api/v1") as client:
            response = (await collect(client, "hi"))[-1].response
    finally:
        server.close()
    expected = reference(raw)
    assert (response.text, response.reasoning, response.cost) == (expected["text"], expected["reasoning"],
                                                                  expected["cost"])
    assert [(c.name, c.arguments) for c in response.tool_calls] == expected["tools"]
    assert response.usage.raw == expected["usage"]


@pytest.mark.parametrize("shape", [1, 2, 3])
async def test_every_usage_chunk_shape_from_the_emulator_gives_usage_and_cost(fake, shape):
    fake.configure(usage_shape=shape)
    async with client_for(fake) as client:
        response = (await collect(client, "hello", model=MODEL))[-1].response
    assert response.usage.completion_tokens and response.cost == pytest.approx(fake.cost_of(response.generation_id))
    assert response.finish_reason == "stop"


async def test_reasoning_streams_before_the_answer(fake):
    async with client_for(fake) as client:
        events = await collect(client, "think first", model="anthropic/claude-sonnet-4.5", reasoning={"effort": "low"})
    kinds = [type(e).__name__ for e in events if not isinstance(e, UsageEvent)]
    assert kinds.index("ReasoningDelta") < kinds.index("TextDelta")
    response = events[-1].response
    assert response.reasoning == "".join(e.text for e in events if type(e).__name__ == "ReasoningDelta")
    assert response.reasoning and response.text and 0 < response.ttft_s < response.elapsed_s


async def test_tool_call_fragments_from_the_emulator_assemble_into_a_complete_call(fake):
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    async with client_for(fake) as client:
        streamed = (await collect(client, "weather?", model=MODEL, tools=[tool], tool_choice="required"))[-1]
        chat = await client.chat("weather?", model=MODEL, tools=[tool], tool_choice="required")
    (call,) = streamed.response.tool_calls
    assert call.name == "get_weather" and "city" in json.loads(call.arguments)
    assert streamed.response.finish_reason == "tool_calls"
    assert chat.tool_calls == streamed.response.tool_calls
