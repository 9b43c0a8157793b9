"""The HTTP client (httpx only): SSE framing, chunk meaning, retries, and ``OpenRouter``."""

from .client import OpenRouter

__all__ = [
    "OpenRouter",
]
