"""Speed for ``%openrouter models --sort speed``: the best endpoint throughput (tokens/s, p50 over the last 30
minutes) of each model, from ``GET /models/{id}/endpoints`` — one request per model, so only the first
``MAX_MEASURED`` candidates (after the other filters) are measured, side by side."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["MAX_MEASURED", "throughputs"]

MAX_MEASURED = 40


def _best(record: dict[str, Any]) -> float | None:
    found = []
    for endpoint in record.get("endpoints") or []:
        value = (endpoint.get("throughput_last_30m") or {}) if isinstance(endpoint, dict) else {}
        p50 = value.get("p50") if isinstance(value, dict) else value
        if isinstance(p50, (int, float)) and not isinstance(p50, bool):
            found.append(float(p50))
    return max(found) if found else None


async def throughputs(session: Any, ids: list[str]) -> dict[str, float | None]:
    """``{model id: best p50 tokens/s or None}`` for the first :data:`MAX_MEASURED` ids."""
    client = session.client

    async def one(model: str) -> float | None:
        try:
            return _best(await client.endpoints(model))
        except Exception:  # a model without endpoint data sorts last
            return None

    chosen = ids[:MAX_MEASURED]
    return dict(zip(chosen, await asyncio.gather(*(one(m) for m in chosen))))
