"""POST /embeddings: deterministic unit vectors (the same text and model give the same vector), usage and
a cost from the catalog's prompt price, in the documented response shape."""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from typing import Any

from . import _scenario as sc
from ._catalog import Catalog, price
from ._payloads import new_id, simple_error

__all__ = ["embedding_reply", "vector"]


def vector(model: str, text: str, dims: int) -> list[float]:
    """A unit vector seeded by the model and the text."""
    seed = int.from_bytes(hashlib.sha256(f"{model}\x1f{text}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    values = [rng.gauss(0.0, 1.0) for _ in range(dims)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _inputs(body: Any) -> list[str] | None:
    raw = body.get("input") if isinstance(body, dict) else None
    if isinstance(raw, str) and raw:
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(item, str) and item for item in raw):
        return raw
    return None


def embedding_reply(raw: bytes | None, catalog: Catalog, knobs: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) for one /embeddings request body."""
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    texts = _inputs(body)
    if texts is None:
        return 400, simple_error(400, "Input required: \"input\" must be a non-empty string or list of strings")
    model = catalog.resolve(body.get("model"))
    if model is None:
        return 400, simple_error(400, f"{body.get('model')} is not a valid model ID")
    dims = int(body.get("dimensions") or sc.effective_knobs(knobs, model["id"]).get("embedding_dims") or 64)
    tokens = sum(sc.tokens_for_text(text) for text in texts)
    cost = float(price(model, "prompt") * tokens)
    data = [{"object": "embedding", "index": i, "embedding": vector(model["id"], text, dims)}
            for i, text in enumerate(texts)]
    return 200, {"id": new_id("embd", int(time.time())), "object": "list", "model": model["id"], "data": data,
                 "usage": {"prompt_tokens": tokens, "total_tokens": tokens, "cost": cost}}
