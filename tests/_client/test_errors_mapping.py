"""Every real OpenRouter error body → the right error class with OpenRouter's message; odd bodies and
broken connections → clear errors, never a parser traceback. Pure mapping, plus the client's path
through ``httpx.MockTransport``."""

from __future__ import annotations

import email.utils
import json
import time

import httpx
import pytest
import yaml

from openrouter_magic import OpenRouter
from openrouter_magic._core.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    InsufficientCreditsError,
    ModerationError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    StreamError,
    TransportError,
)
from openrouter_magic._client.http import api_error
from openrouter_magic._client.retry import RetryBudget, retry_after_from
from tests.conftest import SHARED

CLASSES = {400: BadRequestError, 401: AuthenticationError, 402: InsufficientCreditsError, 403: ModerationError,
           404: NotFoundError, 408: ProviderError, 413: BadRequestError, 422: BadRequestError, 429: RateLimitError,
           500: ProviderError, 502: ProviderError, 503: ProviderError, 524: ProviderError, 529: ProviderError}


def real_error_bodies() -> list[tuple[str, int, bytes]]:
    """(name, status, body) for every error body in responses/ and every error response in cassettes/."""
    if not SHARED.is_dir():
        return []
    found = []
    for path in sorted((SHARED / "responses").glob("error-*.json")):
        found.append((path.name, int(path.name.split("-")[1].split(".")[0]), path.read_bytes()))
    for path in sorted((SHARED / "cassettes").rglob("*.yaml")):
        for number, interaction in enumerate(yaml.safe_load(path.read_text())["interactions"]):
            response = interaction["response"]
            if response["status"]["code"] >= 400:
                body = response.get("parsed_body")
                raw = json.dumps(body).encode() if body is not None else response["body"]["string"].encode()
                found.append((f"{path.name}#{number}", response["status"]["code"], raw))
    return found


BODIES = real_error_bodies()


def expected_message(body: bytes) -> str:
    error = json.loads(body)["error"]
    if error.get("name") == "ZodError":
        return json.loads(error["message"])[0]["message"]
    return error["message"]


def test_the_recordings_hold_error_bodies_of_every_documented_kind(shared):
    assert {status for _, status, _ in BODIES} >= {400, 401, 402, 404, 429}
    assert any("cassettes" not in name and "#" in name for name, _, _ in BODIES)


@pytest.mark.parametrize(("name", "status", "body"), BODIES, ids=[b[0] for b in BODIES])
def test_every_real_error_body_maps_to_its_class_with_openrouters_message(name, status, body):
    error = api_error(status, httpx.Headers(), body, "application/json")
    assert type(error) is CLASSES[status]
    assert expected_message(body) in error.message
    assert error.status == status
    assert str(error).startswith(f"{status}: ")


def test_provider_errors_keep_the_upstream_explanation(shared):
    body = (shared / "responses" / "error-429-upstream-2.recorded.json").read_bytes()
    error = api_error(429, httpx.Headers({"Retry-After": "1"}), body)
    assert "Provider returned error" in error.message and "temporarily rate-limited upstream" in error.message
    assert error.metadata["provider_name"] == "Liquid" and error.retry_after == 1.0


def test_the_zod_shape_reads_as_one_sentence(shared):
    body = (shared / "responses" / "error-400-zod-validation.json").read_bytes()
    error = api_error(400, httpx.Headers(), body)
    assert error.message == "ZodError: input: Invalid input: expected string, received undefined"


@pytest.mark.parametrize(("status", "body", "content_type", "needle"), [
    (502, b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>",
     "text/html", "HTML page (502 Bad Gateway)"),
    (503, b"", "", "empty response body"),
    (500, b"   \n", "text/plain", "empty response body"),
    (500, b"upstream connect error or disconnect/reset before headers", "text/plain", "upstream connect error"),
    (400, b'{"error": {"message": "trunc', "application/json", "HTTP 400 Bad Request"),
    (401, b'["not", "an", "object"]', "application/json", "HTTP 401 Unauthorized"),
    (429, b'{"error": "slow down"}', "application/json", "slow down"),
    (404, b'{"error": {"code": 404}}', "application/json", "HTTP 404 Not Found"),
    (418, b"\xff\xfe\x00garbage", "application/octet-stream", "HTTP 418"),
])
def test_odd_error_bodies_give_clear_messages(status, body, content_type, needle):
    error = api_error(status, httpx.Headers({"content-type": content_type}), body, content_type)
    assert isinstance(error, APIError) and error.status == status
    assert needle in error.message


@pytest.mark.parametrize(("headers", "body", "seconds"), [
    ({"Retry-After": "7"}, None, 7.0),
    ({"Retry-After": "1.5"}, None, 1.5),
    ({"retry-after-ms": "250"}, None, 0.25),
    ({}, {"error": {"metadata": {"retry_after_seconds": 3}}}, 3.0),
    ({"Retry-After": "soon"}, None, None),
    ({}, {"error": {"metadata": {"retry_after_seconds": "3"}}}, None),
    ({}, None, None),
])
def test_retry_after_is_read_from_headers_or_body(headers, body, seconds):
    assert retry_after_from(httpx.Headers(headers), body) == seconds


def test_retry_after_may_be_an_http_date():
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= retry_after_from(httpx.Headers({"Retry-After": date}), None, now=now) <= 31


def test_the_retry_budget_is_bounded_in_count_and_in_waiting_time():
    budget = RetryBudget(max_retries=3, max_wait=1.0, base_delay=0.4)
    delays = [budget.next_delay() for _ in range(5)]
    assert delays[3:] == [None, None] and sum(d for d in delays if d) <= 1.0
    assert RetryBudget(max_retries=3, max_wait=5.0).next_delay(retry_after=10.0) is None
    assert RetryBudget(max_retries=0).next_delay() is None


def client_answering(handler, **kwargs) -> OpenRouter:
    return OpenRouter("sk-or-v1-mapping-test-key", "http://openrouter.test/api/v1",
                      transport=httpx.MockTransport(handler), retry_base_delay=0.001, **kwargs)


@pytest.mark.parametrize(("name", "status", "body"), BODIES, ids=[b[0] for b in BODIES])
async def test_the_client_raises_the_mapped_error_for_every_real_body(name, status, body):
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    async with client_answering(handler, max_retry_wait=0.05) as client:
        with pytest.raises(CLASSES[status]) as caught:
            await client.chat("hi", model="x/y")
    assert expected_message(body) in caught.value.message
    # retryable statuses are tried 1 + 3 times, unless the server asks for a longer wait than the budget
    retried = status in (408, 429, 500, 502, 503, 524, 529) and caught.value.retry_after is None
    assert len(calls) == (4 if retried else 1)


@pytest.mark.parametrize("failure", [httpx.ConnectError("connection refused"), httpx.ReadError("reset by peer"),
                                     httpx.RemoteProtocolError("Server disconnected without sending a response.")])
async def test_connection_failures_are_retried_then_a_transport_error(failure):
    calls = []

    def handler(request):
        calls.append(request)
        raise failure

    async with client_answering(handler, max_retries=2) as client:
        with pytest.raises(TransportError, match=str(failure)):
            await client.chat("hi")
    assert len(calls) == 3


async def test_a_non_json_success_body_is_a_clear_transport_error():
    async with client_answering(lambda r: httpx.Response(200, content=b"<html>portal</html>")) as client:
        with pytest.raises(TransportError, match="expected JSON"):
            await client.chat("hi")


async def collect(client, *args, **kwargs) -> list:
    return [event async for event in client.stream(*args, **kwargs)]


def sse(*events: bytes) -> bytes:
    return b"".join(b"data: " + e + b"\n\n" for e in events)


CONTENT = b'{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}'
STOP = b'{"id":"gen-1","model":"m","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}]}'


async def test_a_stream_cut_before_its_end_without_a_finish_reason_is_a_stream_error_with_partial():
    body = sse(CONTENT)
    async with client_answering(lambda r: httpx.Response(200, content=body,
                                                         headers={"content-type": "text/event-stream"})) as client:
        with pytest.raises(StreamError, match="ended before it was complete") as caught:
            await collect(client, "hi")
    assert caught.value.partial.text == "Hi"


async def test_a_stream_with_its_finish_reason_but_no_done_still_completes():
    body = sse(CONTENT, STOP)
    async with client_answering(lambda r: httpx.Response(200, content=body,
                                                         headers={"content-type": "text/event-stream"})) as client:
        events = await collect(client, "hi")
    assert events[-1].response.text == "Hi" and events[-1].response.finish_reason == "stop"


async def test_malformed_stream_data_is_a_clear_error_not_a_parser_traceback():
    body = sse(CONTENT, b'{"id": "gen-1", "choices": [', b"[DONE]")
    async with client_answering(lambda r: httpx.Response(200, content=body,
                                                         headers={"content-type": "text/event-stream"})) as client:
        with pytest.raises(StreamError, match="malformed stream data") as caught:
            await collect(client, "hi")
    assert caught.value.partial.text == "Hi"


@pytest.mark.parametrize("stream", [True, False])
async def test_a_200_whose_json_is_only_an_error_raises_the_mapped_api_error(stream):
    body = json.dumps({"error": {"code": 502, "message": "Provider returned error"}}).encode()
    async with client_answering(lambda r: httpx.Response(200, content=body,
                                                         headers={"content-type": "application/json"})) as client:
        with pytest.raises(ProviderError, match="Provider returned error"):
            await (collect(client, "hi") if stream else client.chat("hi"))


async def test_a_completion_whose_choice_failed_raises_stream_error_with_what_arrived():
    body = json.dumps({"id": "gen-1", "model": "m", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Half an ans"}, "finish_reason": "error",
         "error": {"code": 502, "message": "Provider disconnected"}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4, "cost": 0.5}}).encode()
    async with client_answering(lambda r: httpx.Response(200, content=body)) as client:
        with pytest.raises(StreamError, match="Provider disconnected") as caught:
            await client.chat("hi")
    assert caught.value.partial.text == "Half an ans" and caught.value.partial.cost == 0.5


def test_a_base_url_without_scheme_is_a_config_error():
    with pytest.raises(ConfigError, match="http:// or https://"):
        OpenRouter("sk-or-v1-x", "openrouter.ai/api/v1")


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"nodata": true}', b"null"])
async def test_a_listing_without_its_data_field_is_a_clear_transport_error(body):
    async with client_answering(lambda r: httpx.Response(200, content=body)) as client:
        for call in (client.providers, client.key, client.credits, client.models):
            with pytest.raises(TransportError):
                await call()
