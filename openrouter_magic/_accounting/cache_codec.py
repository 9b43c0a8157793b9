"""The response cache's two pure halves: the request key, and a ``ChatResponse`` ↔ JSON codec.

The key is the SHA-256 of the base URL and the canonical JSON of the request body (sorted keys, compact,
UTF-8), leaving out what does not change the answer: ``stream``, ``stream_options``, the ``usage`` switch
and ``session_id`` (OpenRouter's sticky-routing id). Headers never reach it, so neither does the API key.

The value keeps every field of the answer, so that a hit renders exactly what the first run showed:

    text = encode(response, images=[CachedImage(png, "image/png")], extra={"server_cache": "MISS"})
    response, images, extra = decode(text)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .._core import ChatResponse, ToolCall, Usage

__all__ = ["KEY_IGNORED_FIELDS", "CachedImage", "as_image", "cache_key", "canonical_body", "decode", "encode"]

# The answer does not depend on these: streaming or not, usage accounting on or off, sticky routing.
KEY_IGNORED_FIELDS = frozenset({"stream", "stream_options", "usage", "session_id"})
VALUE_FORMAT = 1
_USAGE_FIELDS = tuple(f.name for f in fields(Usage))
# The fields stored as they are; usage, tool calls and the tuples of dicts are converted below.
_PLAIN_FIELDS = ("text", "reasoning", "model", "requested_model", "provider", "generation_id", "finish_reason",
                 "native_finish_reason", "ttft_s", "elapsed_s", "interrupted", "error")
_DICT_TUPLES = ("reasoning_details", "annotations")


@dataclass(frozen=True)
class CachedImage:
    """One image of an answer: its bytes and MIME type."""

    data: bytes
    mime: str = "image/png"


def _same_number(value: Any) -> Any:
    """Whole floats as ints, inside lists and dicts too: ``-t 0`` (0.0) and ``temperature=0`` are one request."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _same_number(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_same_number(item) for item in value]
    return value


def canonical_body(body: Mapping[str, Any]) -> str:
    """The request body as canonical JSON: sorted keys, compact separators, non-ASCII kept, switches left out,
    whole floats written as ints."""
    kept = {name: _same_number(value) for name, value in body.items() if name not in KEY_IGNORED_FIELDS}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(body: Mapping[str, Any], base_url: str) -> str:
    """The cache key of a request: SHA-256 (hex) of the base URL and the canonical body."""
    digest = hashlib.sha256(base_url.rstrip("/").encode("utf-8"))
    digest.update(b"\n")  # no base URL ends with a newline, so the two parts cannot run together
    digest.update(canonical_body(body).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def as_image(item: Any) -> CachedImage:
    """A ``CachedImage`` from one itself, a ``(bytes, mime)`` pair, or an object with ``data`` and ``mime``."""
    if isinstance(item, CachedImage):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        return CachedImage(bytes(item[0]), str(item[1]))
    mime = getattr(item, "mime", None) or getattr(item, "mime_type", None) or "image/png"
    return CachedImage(bytes(item.data), str(mime))


def _json_or_none(value: Any) -> Any:
    """``value`` when it survives a JSON round trip unchanged (a dict, a list…), else None (a pydantic model)."""
    if value is None:
        return None
    try:
        return value if json.loads(json.dumps(value)) == value else None
    except (TypeError, ValueError):
        return None


def encode(response: ChatResponse, *, images: Iterable[Any] = (), extra: Mapping[str, Any] | None = None) -> str:
    """The cache value of an answer as JSON text (images as base64; ``extra`` must be JSON-able)."""
    data: dict[str, Any] = {name: getattr(response, name) for name in _PLAIN_FIELDS}
    data.update({name: list(getattr(response, name)) for name in _DICT_TUPLES})
    data["tool_calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments, "type": c.type}
                          for c in response.tool_calls]
    data["usage"] = {name: getattr(response.usage, name) for name in _USAGE_FIELDS}
    data["parsed"] = _json_or_none(response.parsed)
    value = {
        "format": VALUE_FORMAT,
        "response": data,
        "images": [{"mime": image.mime, "data": base64.b64encode(image.data).decode("ascii")}
                   for image in map(as_image, images)],
        "extra": dict(extra or {}),
    }
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> tuple[ChatResponse, tuple[CachedImage, ...], dict[str, Any]]:
    """The answer, its images and the extras back from :func:`encode`'s text (ValueError when damaged)."""
    try:
        value = json.loads(text)
        data = value["response"]
        usage = Usage(**{name: data["usage"].get(name) for name in _USAGE_FIELDS if name != "raw"},
                      raw=data["usage"].get("raw") or {})
        plain: dict[str, Any] = {name: data[name] for name in _PLAIN_FIELDS}
        plain.update({name: tuple(data[name]) for name in _DICT_TUPLES})
        response = ChatResponse(
            **plain,
            tool_calls=tuple(ToolCall(**call) for call in data["tool_calls"]),
            usage=usage,
            parsed=data.get("parsed"),
        )
        images = tuple(CachedImage(base64.b64decode(item["data"], validate=True), item["mime"])
                       for item in value.get("images", ()))
        return response, images, dict(value.get("extra") or {})
    except (KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise ValueError(f"a damaged cache entry ({type(exc).__name__}: {exc})") from exc
