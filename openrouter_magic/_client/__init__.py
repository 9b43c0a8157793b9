"""The HTTP client (httpx only): SSE framing, chunk meaning, retries, ``OpenRouter``, and the one
partial-answer accumulator for whoever consumes its stream."""

from .client import OpenRouter
from .partial import PartialAnswer

__all__ = [
    "OpenRouter",
    "PartialAnswer",
]
