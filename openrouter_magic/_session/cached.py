"""The session's one call path (DESIGN §3, §8, §9): response cache → recorded stream → provenance.

    response = await cached_call(session, answer, messages, model, cache=True, server_cache=300, **params)

``%%openrouter``, ``ask()`` and ``map_rows`` all come through here (via ``Session.ask``). A request whose
key (canonical body + base URL, :func:`cache_key`) is in the response cache is answered from it at once:
rendered whole (no fake streaming), $0, one ledger row with status ``cached``. Otherwise the request goes
out through the guarded stream (budget, ledger) and a complete answer is stored. Every answer gets
``.request`` (the exact body sent, never the key or headers) and ``.provenance`` (what the saved notebook
keeps as output metadata ``openrouter_magic``).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._client import chat_body
from .._core import ChatResponse, Done, ReasoningDelta, StreamEvent, TextDelta, Usage, __version__

if TYPE_CHECKING:  # pragma: no cover
    from .._accounting import ResponseCache

Session = Any  # the session (not imported: session.py imports this module)

__all__ = ["CacheSwitch", "cache_switch", "cached_call", "cached_stream", "lookup", "provenance", "replay",
           "server_cache_headers"]

MAX_SERVER_TTL = 86_400  # OpenRouter's limit for X-OpenRouter-Cache-TTL (seconds)


class CacheSwitch:
    """The session's response cache: on/off for this session (None: the config decides) and the store."""

    def __init__(self) -> None:
        self.session_on: bool | None = None  # %openrouter cache on|off
        self._store: ResponseCache | None = None

    @property
    def store(self) -> ResponseCache:
        """The cache file's handle, opened on first use."""
        if self._store is None:
            from .._accounting import ResponseCache

            self._store = ResponseCache()
        return self._store

    def close(self) -> None:
        """Close the cache file (opened again on next use)."""
        if self._store is not None:
            self._store.close()

    def enabled(self, asked: bool | None, configured: Any) -> bool:
        """``--cache``/``--no-cache`` (``asked``) > ``%openrouter cache on|off`` > config > off."""
        if asked is not None:
            return bool(asked)
        if self.session_on is not None:
            return self.session_on
        return bool(configured)


def cache_switch(session: Session) -> CacheSwitch:
    """The session's :class:`CacheSwitch` (made on first use)."""
    if session.cache is None:
        session.cache = CacheSwitch()
    return session.cache  # type: ignore[no-any-return]


def server_cache_headers(ttl: int | None) -> dict[str, str]:
    """OpenRouter's response-cache request headers for ``ttl`` seconds (None: the server's default)."""
    headers = {"X-OpenRouter-Cache": "true"}
    if ttl is not None:
        headers["X-OpenRouter-Cache-TTL"] = str(int(ttl))
    return headers


async def cached_call(session: Session, answer: Any, messages: Any, **options: Any) -> ChatResponse:
    """Answer from the cache, or send (guarded, recorded) and store; the response carries its provenance.
    ``answer`` (an ``Answer``) renders it; ``options``: ``cache``, ``server_cache`` and the request's params."""
    response: ChatResponse = await answer.consume(cached_stream(session, messages, answer.model, **options))
    return response


async def cached_stream(session: Session, messages: Any, model: str, *, cache: bool | None = None,
                        server_cache: int | bool | None = None, **params: Any) -> AsyncIterator[StreamEvent]:
    """The events of one answer: a hit at once (reasoning, text, Done) with a $0 ``cached`` row; a miss
    streamed through the guarded stream (budget, ledger) and stored. Done's response has its provenance.
    Comparison panes consume this directly; ``cached_call`` renders it."""
    body, key, hit = lookup(session, messages, model, cache, params)
    if hit is not None:
        from .._render import NullRenderer

        response = replay(session, NullRenderer(), hit, body)
        if response.reasoning:
            yield ReasoningDelta(response.reasoning)
        if response.text:
            yield TextDelta(response.text)
        yield Done(response)
        return
    if server_cache:
        ttl = None if server_cache is True else int(server_cache)
        params["extra_headers"] = {**(params.get("extra_headers") or {}), **server_cache_headers(ttl)}
    async with aclosing(session.guarded_stream(messages, model, **params)) as events:
        async for event in events:
            if type(event) is Done:
                event = Done(_finished(session, event.response, body, key, model))
            yield event


def _finished(session: Session, response: ChatResponse, body: dict[str, Any], key: str | None,
              model: str) -> ChatResponse:
    """A sent answer with its request and provenance, stored in the cache when it is on."""
    cost, source = _cost(session, response)
    response = response.with_(request=body, provenance=provenance(
        response, body, cache="miss" if key else "off", cost=cost, cost_source=source))
    if key is not None:
        cache_switch(session).store.put(key, response, model=model, images=_images(response), cost=cost,
                                        cost_source=source)
    return response


def lookup(session: Session, messages: Any, model: str, cache: bool | None,
           params: dict[str, Any]) -> tuple[dict[str, Any], str | None, Any]:
    """(the body as it will go out, its cache key or None when the cache is off, the hit or None).

    Synchronous and cheap (a hash and one SQLite read), so ``ask()`` can answer a hit without a trip
    to the private loop."""
    from .extras import request_extras

    # the body as it will go out: config defaults, --body and aliases merged (guarded_stream merges the same)
    sent_model, sent_params = request_extras(session, model, params)
    body = chat_body(messages, sent_model, sent_params, stream=True)
    switch = cache_switch(session)
    if not switch.enabled(cache, session.config_values().get("cache")):
        return body, None, None
    from .._accounting import ResponseCache

    key = ResponseCache.key(body, _base_url(session))
    return body, key, switch.store.get(key)


def replay(session: Session, renderer: Any, hit: Any, body: dict[str, Any]) -> ChatResponse:
    """Render a cached answer whole (never dripped), record a $0 ``cached`` row, mark its provenance."""
    started = time.perf_counter()
    original = hit.response
    renderer.start(str(body.get("model")))
    if original.reasoning:
        renderer.reasoning(original.reasoning)
    if original.text:
        renderer.text(original.text)
    elapsed = time.perf_counter() - started
    images = tuple(_image(item) for item in hit.images)
    found = provenance(original, body, cache="hit", cost=0.0, cost_source="billed", first_run={
        "cost": hit.cost, "cost_source": hit.cost_source, "time": hit.first_run.isoformat()})
    response = original.with_(usage=replace(original.usage, cost=0.0), ttft_s=elapsed, elapsed_s=elapsed,
                              request=body, provenance=found, **({"images": images} if images else {}))
    nothing = Usage(prompt_tokens=0, completion_tokens=0, reasoning_tokens=0, cost=0.0)
    session.ledger.record_response(response.with_(usage=nothing), status="cached")
    return response


def _base_url(session: Session) -> str:
    """The base URL calls go to (the sandbox's while it runs), without computing every setting."""
    from .._core import base_url_setting

    override = session.sandbox.overrides().get("base_url")
    return str((override or base_url_setting()).value).rstrip("/")


def _cost(session: Session, response: ChatResponse) -> tuple[float | None, str]:
    """The billed cost, else the catalog estimate, else unknown (as the ledger row has it)."""
    if response.cost is not None:
        return response.cost, "billed"
    from .._accounting import estimate_cost

    cost = estimate_cost(response.usage, session.known_prices(response.model or response.requested_model))
    return cost, "estimated" if cost is not None else "unknown"


def provenance(response: ChatResponse, body: dict[str, Any], *, cache: str, cost: float | None,
               cost_source: str, first_run: dict[str, Any] | None = None) -> dict[str, Any]:
    """DESIGN §9: where an answer came from — JSON-able, never the key, the headers or the messages."""
    usage = response.usage
    found = {
        "package": "openrouter_magic", "version": __version__,
        "requested_model": body.get("model"), "model": response.model, "provider": response.provider,
        "generation_id": response.generation_id,
        "params": _jsonable({k: v for k, v in body.items() if k not in ("messages", "stream", "model")}),
        "usage": {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                  "reasoning_tokens": usage.reasoning_tokens, "cached_tokens": usage.cached_tokens},
        "cost": cost, "cost_source": cost_source, "cache": cache,
        "server_cache": response.provenance.get("server_cache"),
        "finish_reason": response.finish_reason,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if first_run is not None:
        found["first_run"] = first_run
    return found


def _jsonable(value: Any) -> Any:
    """A JSON round trip (a pydantic schema or a callable becomes its text), so notebooks can save it."""
    return json.loads(json.dumps(value, default=str))


def _images(response: ChatResponse) -> tuple[Any, ...]:
    """The answer's images as (bytes, mime) pairs for the cache (those that decode)."""
    pairs = []
    for image in getattr(response, "images", ()):
        data = getattr(image, "data", b"")
        if data:
            pairs.append((data, getattr(image, "mime", None) or "image/png"))
    return tuple(pairs)


def _image(cached: Any) -> Any:
    """A cached image back as the answer's image type (a data URL)."""
    import base64

    from .._core import Image

    return Image(f"data:{cached.mime};base64,{base64.b64encode(cached.data).decode('ascii')}")
