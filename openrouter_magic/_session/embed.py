"""``embed(texts, model=…)``: texts → a float32 numpy array, one row per text, in input order.

    from openrouter_magic import embed
    vectors = embed(df["review"], model="openai/text-embedding-3-small")     # shape (len(df), dims)

Texts go out in batches (``batch_size`` per ``POST /embeddings``, ``concurrency`` batches at once); each
text's vector is cached on its own (key: model + text + options + base URL), so a re-run or an overlapping
list sends only the texts never seen. Every batch is one ledger row with its billed cost (tagged with the
call's ``run_id``); texts answered from the cache cost nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .._core import ChatResponse

if TYPE_CHECKING:  # pragma: no cover
    import numpy

__all__ = ["embed", "embedding_catalog"]

_NAMESPACE = "openrouter_magic.embed.v1"


def _key(base_url: str, model: str, text: str, params: dict[str, Any]) -> str:
    body = json.dumps([_NAMESPACE, base_url.rstrip("/"), model, text, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


class _VectorCache:
    """Vectors by key in the response cache file (as a ``extra`` payload), or nothing when off."""

    def __init__(self, session: Any, enabled: bool) -> None:
        from .rowmap_cache import RowCache

        self.store = RowCache(session, "", enabled=enabled).store

    def get(self, key: str) -> list[float] | None:
        hit = self.store.get(key) if self.store is not None else None
        return None if hit is None else hit.extra.get("vector")

    def put(self, key: str, model: str, vector: list[float]) -> None:
        if self.store is not None:  # the cache keeps complete answers only: a one-character stand-in text
            self.store.put(key, ChatResponse(text="·", model=model, finish_reason="stop"), model=model,
                           extra={"vector": vector}, cost=0.0, cost_source="billed")


def embed(texts: Iterable[str] | str, *, model: str, batch_size: int = 256, concurrency: int = 4,
          cache: bool = True, dimensions: int | None = None) -> numpy.ndarray:
    """Embed ``texts`` (a str, a list, a Series) with ``model`` → float32 array ``(len(texts), dims)``."""
    import numpy as np

    from .._accounting import RUN_ID, new_run_id
    from .session import Session

    items = [texts] if isinstance(texts, str) else [str(text) for text in texts]
    if not items:
        raise ValueError("embed() needs at least one text")
    if batch_size < 1 or concurrency < 1:
        raise ValueError("batch_size and concurrency must be at least 1")
    session = Session.get()
    params = {"dimensions": dimensions} if dimensions else {}

    async def run() -> list[list[float]]:
        RUN_ID.set(new_run_id())  # this task's context only: the batches' ledger rows share the id
        return await _embed_all(session, items, model, params, batch_size, concurrency, cache)

    return np.asarray(session.run(run()), dtype=np.float32)


async def _embed_all(session: Any, items: list[str], model: str, params: dict[str, Any], batch_size: int,
                     concurrency: int, cache: bool) -> list[list[float]]:
    client = session.client
    store = _VectorCache(session, cache)
    keys = [_key(client.base_url, model, text, params) for text in items]
    vectors: list[list[float] | None] = [store.get(key) for key in keys]
    missing = [i for i, vector in enumerate(vectors) if vector is None]
    prices = await session.prices_for(model)
    gate = asyncio.Semaphore(concurrency)

    async def batch(positions: list[int]) -> None:
        texts = [items[i] for i in positions]
        hold = _admit(session, model, texts, prices)
        try:
            async with gate:
                answer = await client.embeddings(texts, model, **params)
        except BaseException:
            if hold is not None:
                hold.release()
            raise
        _record(session, answer, model, prices, hold)
        for i, vector in zip(positions, answer.vectors):
            vectors[i] = vector
            store.put(keys[i], model, vector)

    await asyncio.gather(*(batch(missing[at:at + batch_size]) for at in range(0, len(missing), batch_size)))
    return vectors  # type: ignore[return-value]


def _admit(session: Any, model: str, texts: list[str], prices: Any) -> Any:
    """With a budget: reserve the batch's prompt cost (+1 token) before sending (BudgetExceeded if it does not fit)."""
    if session.budget is None:
        return None
    messages = [{"role": "user", "content": text} for text in texts]
    return session.budget.admit(session.ledger.book, model, messages, prices, {"max_tokens": 1})


def _record(session: Any, answer: Any, model: str, prices: Any, hold: Any) -> None:
    """One ledger row per batch, with the billed cost (else the catalog estimate); it replaces the hold."""
    response = ChatResponse(model=answer.model, requested_model=model, usage=answer.usage,
                            generation_id=answer.generation_id, elapsed_s=answer.elapsed_s, finish_reason="stop")
    session.ledger.record_response(response, status="ok", prices=prices, reservation=hold)


async def embedding_catalog(session: Any, refresh: bool = False) -> Any:
    """The catalog of embedding models (``GET /models?output_modalities=embeddings``, cached on disk apart)."""
    result = await session.catalog_store.get(session.client, refresh=refresh, output_modalities="embeddings")
    frame = result.frame
    keep = frame["output_modalities"].map(lambda found: "embeddings" in tuple(found or ()))
    return replace(result, frame=frame[keep.astype(bool)].reset_index(drop=True))
