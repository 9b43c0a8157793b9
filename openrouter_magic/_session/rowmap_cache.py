"""The response cache as a row map uses it: the session's store, the same keys as ``%%openrouter``/``ask()``.

The one place that knows where the cache lives (the session's cache switch, else a store of our own), so a
row answered by a cell and the same row in a map share an entry, and a re-run sends only what is missing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .._core import ChatResponse, Usage

__all__ = ["RowCache"]

_NOTHING = Usage(prompt_tokens=0, completion_tokens=0, reasoning_tokens=0, cost=0.0)


def _store(session: Any) -> Any:
    try:
        from .cached import cache_switch  # the session's response cache (DESIGN §8)
    except ImportError:  # pragma: no cover - an older tree: a store of our own on the session
        from .._accounting import ResponseCache

        if getattr(session, "_rowmap_cache", None) is None:
            session._rowmap_cache = ResponseCache()
        return session._rowmap_cache
    return cache_switch(session).store


class RowCache:
    """Look rows up and store their answers (``enabled=False``: a no-op)."""

    def __init__(self, session: Any, base_url: str, *, enabled: bool) -> None:
        self.enabled, self.base_url = enabled, base_url
        self.store = _store(session) if enabled else None

    def key(self, model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str | None:
        """The cache key of a row's request (the body as a streamed ``%%openrouter`` call sends it)."""
        if self.store is None:
            return None
        from .._accounting import ResponseCache

        body: dict[str, Any] = {"model": model, "messages": messages}
        body.update((k, v) for k, v in params.items() if v is not None and k not in ("stream", "extra_headers"))
        body["stream"] = True
        return ResponseCache.key(body, self.base_url)

    def get(self, key: str | None) -> ChatResponse | None:
        """The cached answer at $0, or None."""
        hit = self.store.get(key) if key is not None and self.store is not None else None
        if hit is None:
            return None
        return hit.response.with_(usage=replace(hit.response.usage, cost=0.0))

    def put(self, key: str | None, response: ChatResponse, model: str) -> None:
        """Store a complete answer (the cache refuses failed or interrupted ones itself)."""
        if key is not None and self.store is not None:
            self.store.put(key, response, model=model)

    @staticmethod
    def record_hit(ledger: Any, response: ChatResponse) -> None:
        """The $0 ``cached`` ledger row of a row answered from the cache."""
        ledger.record_response(response.with_(usage=_NOTHING), status="cached")
