"""The common chunk without a JSON parse: the previous text chunk again, with other ``content``.

OpenRouter repeats every field of a text chunk (id, model, provider, role, ``finish_reason: null``…) and
only ``choices[0].delta.content`` changes. :class:`ContentTemplate` learns the bytes around the content
of one fully parsed chunk that carries nothing but text, and then recognises its siblings by comparing
those bytes: same prefix, a JSON string body without escapes or control characters, same suffix. Such
a payload means exactly what the learned one meant, with the new text — anything else (an escape, a
usage or error field, a finish reason, a reasoning delta…) simply does not match and is parsed in full.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ContentTemplate"]

_KEY = b'"content":"'
_BODY = re.compile(rb'[^"\\\x00-\x1f]*')  # a JSON string body that needs no unescaping
# Fields a text-only chunk may carry; any other field (usage, error, reasoning, tool_calls, images,
# annotations…) has a meaning of its own, so such a chunk never becomes the template.
_TOP = frozenset({"id", "object", "created", "model", "provider", "choices", "system_fingerprint"})
_CHOICE = frozenset({"index", "delta", "finish_reason", "native_finish_reason", "logprobs"})
_DELTA = frozenset({"role", "content"})


class ContentTemplate:
    """Recognise text-only chunks that differ from a learned one only in their content."""

    __slots__ = ("_prefix", "_suffix", "_start")

    def __init__(self) -> None:
        self._prefix = b"\x00"  # matches no payload until a template is learned
        self._suffix = b""
        self._start = 0

    def match(self, data: bytes) -> str | None:
        """The content of ``data`` when it is the learned chunk with other text; else None."""
        if not data.startswith(self._prefix):
            return None
        start = self._start
        end = _BODY.match(data, start).end()  # type: ignore[union-attr]  # [^…]* always matches
        if end + len(self._suffix) != len(data) or not data.endswith(self._suffix):
            return None
        return data[start:end].decode()  # invalid UTF-8 raises UnicodeDecodeError, as json.loads would

    def learn(self, data: bytes, chunk: Any) -> None:
        """Take ``data`` (whose parsed value is ``chunk``) as the template if it is a text-only chunk."""
        content = _text_only(chunk)
        start = data.find(_KEY) + len(_KEY)
        if content is None or start < len(_KEY) or data.find(_KEY, start) >= 0:
            return  # not a text chunk, or "content": with spaces, or the key twice: never guess
        end = _BODY.match(data, start).end()  # type: ignore[union-attr]
        if data[end:end + 1] != b'"' or data[start:end].decode() != content:
            return  # the content needs unescaping, or this occurrence is not the delta's content
        self._prefix, self._suffix, self._start = data[:start], data[end:], start


def _text_only(chunk: Any) -> str | None:
    """``choices[0].delta.content`` when the chunk carries that text and nothing else that matters."""
    if type(chunk) is not dict or not chunk.keys() <= _TOP:
        return None
    choices = chunk.get("choices")
    if type(choices) is not list or len(choices) != 1 or type(choices[0]) is not dict:
        return None
    choice = choices[0]
    if not choice.keys() <= _CHOICE or choice.get("finish_reason") is not None:
        return None
    if choice.get("native_finish_reason") is not None or choice.get("logprobs") is not None:
        return None
    delta = choice.get("delta")
    if type(delta) is not dict or not delta.keys() <= _DELTA:
        return None
    content = delta.get("content")
    return content if type(content) is str else None
