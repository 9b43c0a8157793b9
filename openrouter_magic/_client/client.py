"""``OpenRouter``: the async client for the whole OpenRouter HTTP API (httpx underneath).

    async with OpenRouter() as client:                       # key from OPENROUTER_API_KEY
        reply = await client.chat("Say hi", model="openai/gpt-4o-mini")
        async for event in client.stream("Count to 3"):
            ...                                              # TextDelta, ReasoningDelta, …, Done

The I/O path is thin: framing is :mod:`._sse`, chunk meaning :mod:`._chunks`, error bodies
:mod:`._http`, retry decisions :mod:`._retry`. Importing this module never loads IPython, pandas or
ipywidgets.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any
from urllib.parse import quote

import httpx

from .._core import (
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_WAIT, DEFAULT_MODEL, DEFAULT_READ_TIMEOUT,
    ChatResponse, ConfigError, StreamError, StreamEvent, TransportError, __version__, api_key_setting,
    base_url_setting, mask_key, referer_setting, title_setting,
)
from .chunks import parse_completion
from .http import (
    CONNECT_FAILURES, MAX_BODY_BYTES, data_object, data_of, decode_json, describe_body, error_in_body,
    query_params, read_body, read_error, send_for_head, transport_error,
)
from .retry import RETRY_STATUSES, RetryBudget
from .stream import Retryable, StreamRun

__all__ = ["OpenRouter", "chat_body"]

log = logging.getLogger("openrouter_magic.client")

_SSE = {"Accept": "text/event-stream"}
NO_KEY = (
    "No OpenRouter API key: set OPENROUTER_API_KEY (or pass api_key=…), "
    "or try the sandbox: %openrouter sandbox on"
)


class OpenRouter:
    """Async OpenRouter client; also an async context manager (``aclose`` on exit).

    ``api_key``/``base_url``/``http_referer``/``x_title``: None = from the environment (DESIGN §4).
    ``connect_timeout`` bounds connecting; ``read_timeout`` bounds silence (no byte), the wait for the whole
    response head, and a line that drips in (bytes arrive, no line ends); ``timeout`` (seconds or an
    ``httpx.Timeout``) overrides both. ``max_retries``/``max_retry_wait`` bound the retries of 408/429/5xx
    and failed connections; ``retry_base_delay`` is the first backoff step. ``max_body_bytes`` (32 MiB)
    bounds a response body and a single SSE line (DESIGN §13); ``transport`` replaces httpx's (tests).
    """

    def __init__(self, api_key: str | None = None, base_url: str | None = None, *, timeout: Any = None,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, read_timeout: float = DEFAULT_READ_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES, max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
                 http_referer: str | None = None, x_title: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, retry_base_delay: float = 0.5,
                 max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self._api_key: str | None = api_key_setting(api_key).value or None
        self.base_url: str = base_url_setting(base_url).value
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"the base URL must start with http:// or https:// (got {self.base_url!r})")
        self.http_referer: str | None = referer_setting(http_referer).value
        self.x_title: str | None = title_setting(x_title).value
        self.timeout = _timeout(timeout, connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.retry_base_delay = retry_base_delay
        self.max_body_bytes = max_body_bytes
        self._transport = transport
        self._http: weakref.WeakKeyDictionary[Any, httpx.AsyncClient] = weakref.WeakKeyDictionary()  # per loop

    def __repr__(self) -> str:
        return f"OpenRouter(base_url={self.base_url!r}, api_key={mask_key(self._api_key)!r})"

    __str__ = __repr__

    @property
    def has_key(self) -> bool:
        """True when an API key is configured."""
        return bool(self._api_key)

    # -- plumbing ---------------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        """The httpx client of the running loop: one pool per loop, as a connection belongs to its loop."""
        loop = asyncio.get_running_loop()
        http = self._http.get(loop)
        if http is None:
            http = self._http[loop] = httpx.AsyncClient(base_url=self.base_url + "/", headers=self._headers(),
                                                        timeout=self.timeout, transport=self._transport)
        return http

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"openrouter_magic/{__version__}", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if self.http_referer:
            headers["HTTP-Referer"] = str(self.http_referer)
        if self.x_title:
            headers["X-Title"] = headers["X-OpenRouter-Title"] = str(self.x_title)
        return headers

    def _budget(self) -> RetryBudget:
        return RetryBudget(self.max_retries, self.max_retry_wait, self.retry_base_delay)

    async def _send(self, method: str, path: str, *, need_key: bool = False, budget: RetryBudget | None = None,
                    **kwargs: Any) -> httpx.Response:
        """Send with retries; return a response (body not yet read) whose status is < 400."""
        if need_key and not self._api_key:
            raise ConfigError(NO_KEY)
        client, budget = self._client(), budget or self._budget()
        while True:
            try:
                response = await send_for_head(client, client.build_request(method, path, **kwargs), self.timeout.read)
            except CONNECT_FAILURES as exc:
                delay = budget.next_delay()
                if delay is None:
                    raise transport_error(exc, self.base_url) from None
                log.debug("%s %s failed before any byte (%s); retry in %.2fs", method, path, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            except httpx.HTTPError as exc:
                raise transport_error(exc, self.base_url) from None
            if response.status_code < 400:
                return response
            error = await read_error(response)
            retryable = response.status_code in RETRY_STATUSES and \
                (error.metadata.get("availability") or {}).get("retryable") is not False  # said: do not retry
            delay = budget.next_delay(error.retry_after) if retryable else None
            if delay is None:
                raise error from None
            log.debug("%s %s → %s; retry %d in %.2fs", method, path, response.status_code, budget.retries, delay)
            await asyncio.sleep(delay)

    async def _read(self, response: httpx.Response) -> bytes:
        """The body, within the size bound and the drip rule."""
        return await read_body(response, self.max_body_bytes, self.timeout.read)

    async def _get(self, path: str, params: dict[str, Any] | None = None, *, need_key: bool = False) -> Any:
        response = await self._send("GET", path, params=params, need_key=need_key)
        body = await self._read(response)
        payload = decode_json(body)
        if payload is None:
            raise TransportError(f"GET {path}: expected JSON, got " + describe_body(response.status_code, body))
        return payload

    # -- chat ---------------------------------------------------------------------------------------

    async def chat(self, messages: Any, model: str | None = None, *, extra_headers: dict[str, str] | None = None,
                   **params: Any) -> ChatResponse:
        """One non-streamed completion → :class:`ChatResponse` (``extra_headers``: e.g. the response cache's)."""
        body = chat_body(messages, model, params, stream=False)
        started = time.perf_counter()
        response = await self._send("POST", "chat/completions", json=body, need_key=True, headers=extra_headers)
        raw = await self._read(response)
        payload = decode_json(raw)
        if payload is None:
            raise TransportError("chat/completions: expected JSON, got " + describe_body(response.status_code, raw))
        disguised = error_in_body(payload, response.headers, raw)
        if disguised is not None:
            raise disguised
        elapsed = time.perf_counter() - started
        try:
            return parse_completion(payload, body["model"], ttft_s=elapsed, elapsed_s=elapsed,
                                    **server_cache_of(response.headers))
        except StreamError as err:
            if err.partial is not None:
                err.partial = err.partial.with_(ttft_s=elapsed, elapsed_s=elapsed)
            raise

    async def stream(self, messages: Any, model: str | None = None, *, extra_headers: dict[str, str] | None = None,
                     **params: Any) -> AsyncIterator[StreamEvent]:
        """Stream a completion: ``TextDelta``/``ReasoningDelta``/``ToolCallDelta``/``UsageEvent``, then ``Done``.

        Closing the generator early (``aclose()``, cancellation, KeyboardInterrupt) closes the HTTP
        connection at once. A failure after text arrived raises :class:`StreamError` with ``.partial``.
        """
        body = chat_body(messages, model, params, stream=True)
        budget, headers = self._budget(), {**_SSE, **extra_headers} if extra_headers else _SSE
        while True:
            run = StreamRun(body["model"], read_timeout=self.timeout.read, max_line=self.max_body_bytes)
            response = await self._send("POST", "chat/completions", json=body, need_key=True, headers=headers,
                                        budget=budget)  # one budget for HTTP errors and early drops
            run.extra = server_cache_of(response.headers)
            try:
                async with aclosing(run.batches(response)) as batches:
                    async for batch in batches:  # one list per network read: one generator hop less per event
                        for event in batch:
                            yield event
                return
            except Retryable as again:
                delay = budget.next_delay()
                if delay is None:
                    raise transport_error(again.cause, self.base_url) from None
                await asyncio.sleep(delay)
            finally:
                await response.aclose()

    # -- the rest of the API --------------------------------------------------------------------------

    async def models(self, **filters: Any) -> list[dict[str, Any]]:
        """Model dicts from ``GET /models`` (filters such as ``supported_parameters="tools"`` → query)."""
        data = data_of(await self.models_payload(**filters))
        return data if isinstance(data, list) else []

    async def models_payload(self, **filters: Any) -> dict[str, Any]:
        """The whole ``GET /models`` envelope (``data``, ``total_count``, ``links``…)."""
        payload = await self._get("models", query_params(filters))
        if not isinstance(payload, dict):
            raise TransportError("GET models: the answer was not a JSON object")
        return payload

    async def endpoints(self, model: str) -> dict[str, Any]:
        """``GET /models/{author}/{slug}/endpoints`` → its ``data`` (the model and its providers)."""
        return data_object(await self._get(f"models/{quote(model, safe='/:')}/endpoints"))

    async def generation(self, gen_id: str) -> dict[str, Any]:
        """``GET /generation?id=`` → the generation record (404 for a while after the call)."""
        return data_object(await self._get("generation", {"id": gen_id}, need_key=True))

    async def key(self) -> dict[str, Any]:
        """``GET /key`` → label, limit, usage, free tier of the current key (never the key itself)."""
        return data_object(await self._get("key", need_key=True))

    async def credits(self) -> dict[str, Any]:
        """``GET /credits`` → ``total_credits`` and ``total_usage`` in USD."""
        return data_object(await self._get("credits", need_key=True))

    async def providers(self) -> list[dict[str, Any]]:
        """``GET /providers`` → the provider list."""
        data = data_of(await self._get("providers"))
        return data if isinstance(data, list) else []

    async def embeddings(self, texts: Any, model: str, **params: Any) -> Any:
        """``POST /embeddings`` for a list of texts → :class:`~.embeddings.Embeddings` (vectors in input order)."""
        from .embeddings import post_embeddings

        return await post_embeddings(self, [texts] if isinstance(texts, str) else list(texts), model, **params)

    async def aclose(self) -> None:
        """Close the connections (safe to call twice; from any loop: another loop's pool is handed to it)."""
        here = asyncio.get_running_loop()
        pools, self._http = list(self._http.items()), weakref.WeakKeyDictionary()
        for loop, http in pools:
            if loop is here:
                await http.aclose()
            elif loop.is_running():  # not awaited: that loop may be the one waiting for us
                asyncio.run_coroutine_threadsafe(http.aclose(), loop)

    async def __aenter__(self) -> OpenRouter:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()


def _timeout(timeout: Any, connect: float, read: float) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if timeout is not None:
        read, connect = float(timeout), min(connect, float(timeout))
    return httpx.Timeout(connect=connect, read=read, write=max(connect, 30.0), pool=connect)


def server_cache_of(headers: Any) -> dict[str, Any]:
    """``{"provenance": {"server_cache": "HIT"}}`` when OpenRouter's response cache answered (else ``{}``)."""
    status = headers.get("x-openrouter-cache-status")
    return {"provenance": {"server_cache": status.upper()}} if status else {}


def chat_body(messages: Any, model: str | None, params: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    """The JSON body of a chat request, exactly as the client sends it (None-valued params left out)."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    body: dict[str, Any] = {"model": model or DEFAULT_MODEL, "messages": list(messages)}
    body.update((k, v) for k, v in params.items() if v is not None and k not in ("stream", "extra_headers"))
    if stream:
        body["stream"] = True
    return body

