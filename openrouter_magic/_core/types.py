"""Plain data: usage, tool calls, stream events and the chat response (frozen dataclasses)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

__all__ = [
    "ChatResponse",
    "Done",
    "Image",
    "ReasoningDelta",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "UsageEvent",
]


@dataclass(frozen=True)
class Usage:
    """Token counts and OpenRouter's billed cost (``cost`` is None when unknown, never a made-up 0)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    total_tokens: int | None = None
    cost: float | None = None
    is_byok: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Usage:
        """Build from OpenRouter's ``usage`` object; tolerant of missing/odd fields."""
        if not isinstance(data, dict):
            return cls()
        prompt_details = data.get("prompt_tokens_details") or {}
        completion_details = data.get("completion_tokens_details") or {}
        cost = data.get("cost")
        return cls(
            prompt_tokens=_int_or_none(data.get("prompt_tokens")),
            completion_tokens=_int_or_none(data.get("completion_tokens")),
            reasoning_tokens=_int_or_none(completion_details.get("reasoning_tokens")),
            cached_tokens=_int_or_none(prompt_details.get("cached_tokens")),
            total_tokens=_int_or_none(data.get("total_tokens")),
            cost=float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None,
            is_byok=data.get("is_byok") if isinstance(data.get("is_byok"), bool) else None,
            raw=data,
        )


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


@dataclass(frozen=True)
class ToolCall:
    """One complete tool call, assembled from its stream fragments."""

    id: str | None
    name: str
    arguments: str  # JSON text, as the model produced it
    type: str = "function"


# The image formats shown inline (by their first bytes, never by what the server claims).
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
                (b"GIF89a", "image/gif"))


@dataclass(frozen=True)
class Image:
    """An image in an answer: the URL it came in (usually ``data:image/png;base64,…``); ``data`` and ``mime``
    are decoded on first use, so a 2 MB image costs nothing until someone looks at it."""

    url: str = field(repr=False)

    @cached_property
    def data(self) -> bytes:
        """The image bytes (empty when the URL is not a base64 data URL or does not decode)."""
        head, comma, body = self.url.partition(",")
        if not comma or not head.startswith("data:") or not head.endswith(";base64"):
            return b""
        try:
            return base64.b64decode(body, validate=False)
        except (binascii.Error, ValueError):
            return b""

    @property
    def mime(self) -> str | None:
        """PNG/JPEG/GIF/WebP by the bytes' signature; None for anything else (never shown inline)."""
        data = self.data
        for magic, mime in _IMAGE_MAGIC:
            if data.startswith(magic):
                return mime
        return "image/webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None

    def __repr__(self) -> str:
        return f"<Image {self.mime or 'unknown'} {len(self.data):,} bytes>"


@dataclass(frozen=True)
class ChatResponse:
    """A finished (or partial) chat completion.

    ``text`` is the answer; ``interrupted`` is True when the user stopped it; ``error`` holds the
    message when the stream failed part way. Its plain-text repr is the answer itself.
    """

    text: str = ""
    reasoning: str = ""
    model: str | None = None
    requested_model: str | None = None
    provider: str | None = None
    generation_id: str | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    ttft_s: float | None = None
    elapsed_s: float | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning_details: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    annotations: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    images: tuple[Image, ...] = field(default=(), repr=False)
    tool_trace: tuple[dict[str, Any], ...] = field(default=(), repr=False)  # the tool loop's calls, complete
    interrupted: bool = False
    error: str | None = None
    parsed: Any = field(default=None, compare=False)
    # DESIGN §9: the exact body sent (never the key or headers) and where the answer came from.
    request: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    provenance: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    router: dict[str, Any] | None = field(default=None, repr=False, compare=False)  # openrouter_metadata

    @property
    def cost(self) -> float | None:
        """The billed cost in USD (None when OpenRouter did not report it)."""
        return self.usage.cost

    @property
    def tokens_per_s(self) -> float | None:
        """Completion tokens per second of generation (after the first token)."""
        tokens = self.usage.completion_tokens
        if not tokens or self.elapsed_s is None:
            return None
        span = self.elapsed_s - (self.ttft_s or 0.0)
        return tokens / span if span > 0 else None

    def with_(self, **changes: Any) -> ChatResponse:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        short = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        flag = " interrupted" if self.interrupted else ""
        return f"<ChatResponse model={self.model!r}{flag} text={short!r}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text + (" [interrupted]" if self.interrupted else ""))


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of reasoning text (``details`` carries reasoning_details entries, if any)."""

    text: str
    details: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ToolCallDelta:
    """A fragment of a tool call (index, and whatever id/name/arguments piece arrived)."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class UsageEvent:
    """The stream's usage chunk arrived."""

    usage: Usage


@dataclass(frozen=True)
class Done:
    """The stream ended normally; ``response`` is the complete answer."""

    response: ChatResponse


StreamEvent = TextDelta | ReasoningDelta | ToolCallDelta | UsageEvent | Done
