"""``POST /embeddings``: one request for a list of texts → the vectors in input order, usage and cost.

Plain lists (no numpy here: the client stays light); ``openrouter_magic.embed`` turns them into an array.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .._core import TransportError, Usage
from .http import decode_json, describe_body, error_in_body

__all__ = ["Embeddings", "post_embeddings"]


@dataclass(frozen=True)
class Embeddings:
    """The answer of one ``POST /embeddings``: ``vectors[i]`` belongs to ``texts[i]``."""

    model: str
    vectors: list[list[float]]
    usage: Usage = field(default_factory=Usage)
    elapsed_s: float | None = None
    generation_id: str | None = None


async def post_embeddings(client: Any, texts: Sequence[str], model: str, **params: Any) -> Embeddings:
    """Send ``texts`` in one request (retried as chat calls are) and return their vectors in order."""
    body = {"model": model, "input": list(texts), **{k: v for k, v in params.items() if v is not None}}
    started = time.perf_counter()
    response = await client._send("POST", "embeddings", json=body, need_key=True)
    raw = await client._read(response)
    payload = decode_json(raw)
    if not isinstance(payload, dict):
        raise TransportError("embeddings: expected a JSON object, got " + describe_body(response.status_code, raw))
    disguised = error_in_body(payload, response.headers, raw)
    if disguised is not None:
        raise disguised
    vectors = _vectors(payload.get("data"), len(body["input"]))
    return Embeddings(str(payload.get("model") or model), vectors, Usage.from_json(payload.get("usage")),
                      time.perf_counter() - started, payload.get("id"))


def _vectors(data: Any, count: int) -> list[list[float]]:
    """The vectors ordered by their ``index`` (the server may list them in any order)."""
    if not isinstance(data, list) or len(data) != count:
        raise TransportError(f"embeddings: expected {count} vectors, got {len(data) if isinstance(data, list) else 0}")
    ordered: list[list[float] | None] = [None] * count
    for position, item in enumerate(data):
        index = item.get("index", position) if isinstance(item, dict) else position
        vector = item.get("embedding") if isinstance(item, dict) else None
        if not isinstance(vector, list) or not isinstance(index, int) or not 0 <= index < count:
            raise TransportError("embeddings: an item without a float vector or with a bad index")
        ordered[index] = vector
    if any(vector is None for vector in ordered):
        raise TransportError("embeddings: some inputs got no vector")
    return ordered  # type: ignore[return-value]
