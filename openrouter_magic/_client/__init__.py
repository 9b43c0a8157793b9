"""The HTTP client (httpx only): SSE framing, chunk meaning, retries, ``OpenRouter``, and the one
partial-answer accumulator for whoever consumes its stream."""

from .client import OpenRouter, chat_body
from .partial import PartialAnswer

__all__ = [
    "OpenRouter",
    "chat_body",
    "PartialAnswer",
]
