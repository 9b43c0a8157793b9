"""The sentinel key never appears in any repr, str, exception, log record or printed output, on every
client path: success, API errors, mid-stream errors, broken connections, timeouts."""

from __future__ import annotations

import logging
import traceback

import pytest

from openrouter_magic import OpenRouter
from openrouter_magic._core.errors import OpenRouterError
from openrouter_magic.testing import FakeOpenRouter

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "openrouter_magic", "asyncio", ""):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def texts_of(error: BaseException) -> list[str]:
    """Every way an error may be shown: str, repr, the formatted traceback, its attributes, its partial."""
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    shown += [repr(value) for value in vars(error).values()]
    partial = getattr(error, "partial", None)
    if partial is not None:
        shown += [str(partial), repr(partial), partial.error or ""]
    return shown


async def every_path(client: OpenRouter, fake: FakeOpenRouter, sentinel: str) -> list[str]:
    """Run every client method and failure; return everything that could be displayed."""
    shown = [repr(client), str(client)]
    response = await client.chat("hi", model=MODEL)
    shown += [repr(response), str(response), repr(response.usage)]
    shown += [repr(event) async for event in client.stream("hi", model=MODEL)]
    for call in (client.models(), client.models_payload(), client.endpoints(MODEL), client.key(),
                 client.credits(), client.providers(), client.generation(response.generation_id)):
        try:
            shown.append(repr(await call))
        except OpenRouterError as error:  # generation: 404 at first
            shown += texts_of(error)
    failures = [
        lambda: fake.queue_error(401),
        lambda: fake.queue_error(502, times=10),
        lambda: fake.queue_error(400, body={"error": {"message": f"Invalid key {sentinel} given", "code": 400}}),
        lambda: fake.configure(mid_stream_error={"after_chunks": 2, "shape": "real", "code": 502, "message": "x"}),
        lambda: fake.configure(mid_stream_error=None, drop_after_chunks=2),
        lambda: fake.configure(drop_after_chunks=None, hang_after_chunks=2),
    ]
    for arrange in failures:
        fake.clear_errors()
        arrange()
        with pytest.raises(OpenRouterError) as caught:
            async for event in client.stream("hi", model=MODEL):
                shown.append(repr(event))
        shown += texts_of(caught.value)
    fake.stop()
    with pytest.raises(OpenRouterError) as caught:
        await client.chat("hi", model=MODEL)
    shown += texts_of(caught.value)
    return shown


async def test_the_key_appears_in_no_repr_error_log_or_output(sentinel_key, everything_logged, capsys):
    with FakeOpenRouter() as fake:
        async with OpenRouter(sentinel_key, fake.base_url, read_timeout=0.3, max_retries=1,
                              retry_base_delay=0.01) as client:
            shown = await every_path(client, fake, sentinel_key)
            print(client, *shown)
        assert fake.chat_requests[0].headers["authorization"] == f"Bearer {sentinel_key}"  # it was really used
    records = everything_logged.records
    assert any(r.name.startswith("httpx") for r in records), "httpx logging was captured"
    logged = [r.getMessage() for r in records] + [everything_logged.text]
    printed = capsys.readouterr()
    for text in [*shown, *logged, printed.out, printed.err]:
        assert sentinel_key not in text
    assert "sk-or-…CRET" in repr(client)
    assert any("Invalid key sk-or-…CRET given" in text for text in shown), "an echoed key is masked, not dropped"
    assert any("read timeout" in text for text in shown) and any("could not connect" in text for text in shown)


def test_the_key_is_masked_in_the_client_repr_even_when_it_comes_from_the_environment(monkeypatch, sentinel_key):
    monkeypatch.setenv("OPENROUTER_API_KEY", sentinel_key)
    client = OpenRouter()
    assert sentinel_key not in repr(client) and sentinel_key not in str(client)
    assert client.has_key
