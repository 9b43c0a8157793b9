"""From parsed ``%%openrouter`` options to the request: JSON params, messages, images, schema.

Everything here runs before anything is sent, so each problem is a UsageError and nothing goes out.
"""

from __future__ import annotations

import argparse
import base64
import json
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from .options import max_price, split_list

__all__ = ["Schema", "build_params", "image_part", "resolve_schema", "user_message"]

_URL = re.compile(r"^(https?://|data:)", re.IGNORECASE)
# Magic bytes first (a file named .png may be a JPEG); the extension only when the bytes are unknown.
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
               (b"GIF89a", "image/gif"))


@dataclass(frozen=True)
class Schema:
    """A structured-output request: the JSON schema and, for pydantic, the class to validate with."""

    name: str
    schema: dict[str, Any]
    model_class: Any = None

    def response_format(self) -> dict[str, Any]:
        """The ``response_format`` body field."""
        spec: dict[str, Any] = {"name": self.name, "schema": self.schema}
        if self.schema.get("additionalProperties") is False:  # strict mode needs closed objects
            spec["strict"] = True
        return {"type": "json_schema", "json_schema": spec}

    def parse(self, text: str) -> Any:
        """The parsed answer: a model instance for pydantic, else the JSON value."""
        value = parse_json(text)
        return value if self.model_class is None else self.model_class.model_validate(value)


def parse_json(text: str) -> Any:
    """JSON from an answer, tolerating a surrounding code fence."""
    stripped = text.strip()
    fence = re.match(r"^```[\w-]*\s*\n(.*?)\n?```\s*$", stripped, re.DOTALL)
    return json.loads(fence.group(1) if fence else stripped)


def resolve_schema(name: str, namespace: dict[str, Any]) -> Schema:
    """``--schema NAME``: a JSON-schema dict or a pydantic model class from the namespace."""
    if name not in namespace:
        raise UsageError(f"--schema {name}: no such variable — define a JSON-schema dict or a pydantic "
                         f"model class named {name} first")
    value = namespace[name]
    if isinstance(value, type) and callable(getattr(value, "model_json_schema", None)):
        return Schema(name, value.model_json_schema(), value)
    if isinstance(value, dict):
        if not any(key in value for key in ("type", "properties", "$schema", "anyOf", "oneOf", "$ref")):
            raise UsageError(f"--schema {name}: this dict is not a JSON schema (it needs \"type\" or "
                             f"\"properties\")")
        return Schema(name, value)
    raise UsageError(f"--schema {name} is a {type(value).__name__}: give a JSON-schema dict or a pydantic "
                     f"model class")


def image_part(ref: str) -> dict[str, Any]:
    """An ``image_url`` content part: URLs as they are, local files as base64 data URLs."""
    if _URL.match(ref):
        return {"type": "image_url", "image_url": {"url": ref}}
    path = Path(ref).expanduser()
    if not path.is_file():
        raise UsageError(f"--image {ref}: no such file (give an image path or an http(s) URL)")
    data = path.read_bytes()
    mime = _sniff(data) or mimetypes.guess_type(path.name)[0]
    if not mime or not mime.startswith("image/"):
        raise UsageError(f"--image {ref}: not a PNG, JPEG, GIF or WebP image")
    encoded = base64.b64encode(data).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{encoded}"}}


def _sniff(data: bytes) -> str | None:
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def user_message(prompt: str, images: list[str] | None) -> dict[str, Any]:
    """The user message: plain text, or a text part followed by image parts."""
    if not images:
        return {"role": "user", "content": prompt}
    parts = [{"type": "text", "text": prompt}] + [image_part(ref) for ref in images]
    return {"role": "user", "content": parts}


def build_params(args: argparse.Namespace, schema: Schema | None = None) -> dict[str, Any]:
    """The JSON body fields (besides model and messages) for these options; None values left out."""
    params: dict[str, Any] = {
        "max_tokens": args.max_tokens,
        "temperature": args.temperature,
        "top_p": args.top_p,
        "seed": args.seed,
        "stop": args.stop,
        "models": split_list(args.fallback) or None,
        "provider": _provider(args),
        "reasoning": {"effort": args.reasoning} if args.reasoning else None,
        "response_format": schema.response_format() if schema else None,
    }
    if schema is None and args.format == "json":
        params["response_format"] = {"type": "json_object"}
    return {key: value for key, value in params.items() if value is not None}


def _provider(args: argparse.Namespace) -> dict[str, Any] | None:
    provider: dict[str, Any] = {}
    if args.provider_order:
        provider["order"] = split_list(args.provider_order)
    if args.provider_sort:
        provider["sort"] = args.provider_sort
    if args.max_price is not None:
        provider["max_price"] = max_price(args.max_price)
    if args.no_fallbacks:
        provider["allow_fallbacks"] = False
    return provider or None
