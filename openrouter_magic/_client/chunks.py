"""What OpenRouter's chat chunks mean: parsed chunk dicts → stream events and one ``ChatResponse``.

Pure code, no I/O. :class:`StreamAccumulator` is fed the JSON object of every SSE event, in order, and
returns the events to hand to the caller while it builds the final (or partial) response:

- ``delta.content`` → :class:`TextDelta`; ``delta.reasoning`` / ``delta.reasoning_details`` →
  :class:`ReasoningDelta` (details of the same ``type`` and ``index`` are merged back into one entry);
- ``delta.tool_calls`` fragments → :class:`ToolCallDelta`, assembled by ``index`` into ``ToolCall``s;
- ``delta.images`` / ``message.images`` (data URLs) → ``ChatResponse.images`` (decoded on first use);
- ``usage`` (in any of the three real usage-chunk shapes) → :class:`UsageEvent`;
- a top-level ``error`` (or a choice's ``error``) → :class:`StreamError` carrying the partial response
  and its usage, whatever the ``finish_reason`` says (documented ``"error"``, real ``null``).
"""

from __future__ import annotations

import io
import json
from json.scanner import make_scanner
from typing import Any

from .._core import StreamError
from .._core import ChatResponse, Image, ReasoningDelta, TextDelta, ToolCall, ToolCallDelta, Usage, UsageEvent

__all__ = ["StreamAccumulator", "error_message", "parse_chunk", "parse_completion"]

_TEXT_KEYS = ("text", "summary", "data")
# the C scanner: json.loads minus its Python-level wrappers (typeshed declares its argument as the scanner class)
_scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def parse_chunk(data: bytes | str) -> Any:
    """One SSE payload (bytes, or already decoded) → its JSON value (ValueError on malformed JSON or UTF-8)."""
    text = data.decode() if isinstance(data, bytes) else data
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        value, end = None, -1
    if end == len(text):
        return value
    return json.loads(text)  # surrounding whitespace is fine; anything else raises a clear ValueError


class StreamAccumulator:
    """Feed chunk dicts with :meth:`feed`; read the result with :meth:`response`."""

    def __init__(self, requested_model: str | None = None) -> None:
        self.requested_model = requested_model
        self.model: str | None = None
        self.provider: str | None = None
        self.generation_id: str | None = None
        self.finish_reason: str | None = None
        self.native_finish_reason: str | None = None
        self.usage = Usage()
        self.router: dict[str, Any] | None = None
        self.started = False  # True once any text, reasoning or tool call arrived
        # A StringIO keeps a long answer as one compact buffer instead of 200k small str objects.
        self._text = io.StringIO()
        self._write = self._text.write
        self._reasoning: list[str] = []
        self._details: list[dict[str, Any]] = []
        self._tools: dict[int, list[Any]] = {}  # index → [id, name, [argument pieces], type]
        self._annotations: list[dict[str, Any]] = []
        self._images: list[str] = []  # data URLs as they came: decoded only when someone reads the bytes

    def feed(self, chunk: Any) -> list[Any]:
        """Interpret one chunk; return its events. Raises :class:`StreamError` on an error chunk."""
        if type(chunk) is not dict:
            raise StreamError(f"malformed stream chunk: {str(chunk)[:100]}", self.response())
        if self.generation_id is None:
            self._identify(chunk)
        events: list[Any] = []
        choices = chunk.get("choices")
        error = chunk.get("error")
        if choices and type(choices) is list:
            choice = choices[0]
            if type(choice) is dict:
                delta = choice.get("delta")
                if delta and type(delta) is dict:
                    self._delta(delta, events)
                reason = choice.get("finish_reason")
                if reason:
                    self.finish_reason = reason
                    self.native_finish_reason = choice.get("native_finish_reason") or self.native_finish_reason
                if error is None:
                    error = choice.get("error")
        router = chunk.get("openrouter_metadata")  # sent when asked for (X-OpenRouter-Metadata: enabled)
        if router and type(router) is dict:
            self.router = router
        usage = chunk.get("usage")
        if usage:
            self.usage = Usage.from_json(usage)
            events.append(UsageEvent(self.usage))
        if error is not None:
            raise self._failure(error)
        return events

    def add_text(self, text: str) -> None:
        """Take answer text that arrived without a chunk of its own to parse (the fast path)."""
        self.started = True
        self._write(text)

    def _identify(self, chunk: dict[str, Any]) -> None:
        self.generation_id = chunk.get("id")
        self.model = chunk.get("model")
        self.provider = chunk.get("provider")

    def _delta(self, delta: dict[str, Any], events: list[Any]) -> None:
        content = delta.get("content")
        if content and type(content) is str:
            self.started = True
            self._write(content)
            events.append(TextDelta(content))
        reasoning = delta.get("reasoning")
        details = delta.get("reasoning_details")
        if reasoning or details:
            self._reason(reasoning, details, events)
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            self._tool_calls(tool_calls, events)
        annotations = delta.get("annotations")
        if annotations and type(annotations) is list:
            self._annotations.extend(a for a in annotations if isinstance(a, dict))
        images = delta.get("images")
        if images and type(images) is list:
            self._image_urls(images)

    def _image_urls(self, images: list[Any]) -> None:
        """``[{"type": "image_url", "image_url": {"url": "data:image/png;base64,…"}}]`` → the URLs."""
        for item in images:
            ref = item.get("image_url") if isinstance(item, dict) else None
            url = ref.get("url") if isinstance(ref, dict) else None
            if isinstance(url, str) and url:
                self.started = True
                self._images.append(url)

    def _reason(self, reasoning: Any, details: Any, events: list[Any]) -> None:
        text = reasoning if isinstance(reasoning, str) else ""
        kept = tuple(d for d in details if isinstance(d, dict)) if isinstance(details, list) else ()
        for detail in kept:
            _merge_detail(self._details, detail)
        if text or kept:
            self.started = True
            if text:
                self._reasoning.append(text)
            events.append(ReasoningDelta(text, kept))

    def _tool_calls(self, fragments: Any, events: list[Any]) -> None:
        for position, fragment in enumerate(fragments):
            if not isinstance(fragment, dict):
                continue
            index = fragment.get("index")
            index = index if isinstance(index, int) else position
            function = fragment.get("function")
            function = function if isinstance(function, dict) else {}
            name = function.get("name") if isinstance(function.get("name"), str) else None
            raw_arguments = function.get("arguments")
            arguments = raw_arguments if isinstance(raw_arguments, str) else ""
            call = self._tools.get(index)
            if call is None:
                call = self._tools[index] = [None, "", [], "function"]
            if fragment.get("id"):
                call[0] = fragment["id"]
            if name:
                call[1] += name
            if fragment.get("type"):
                call[3] = fragment["type"]
            if arguments:
                call[2].append(arguments)
            self.started = True
            events.append(ToolCallDelta(index, fragment.get("id"), name, arguments))

    def _failure(self, error: Any) -> StreamError:
        message = error_message(error) or "the provider reported an error mid-stream"
        code = error.get("code") if isinstance(error, dict) else None
        metadata = error.get("metadata") if isinstance(error, dict) else None
        partial = self.response(error=message)
        return StreamError(message, partial, code=code, metadata=metadata if isinstance(metadata, dict) else None)

    @property
    def text(self) -> str:
        """The answer text so far."""
        return self._text.getvalue()

    def response(self, **extra: Any) -> ChatResponse:
        """The response as far as it arrived (``extra`` sets timings, ``error``, ``interrupted``…)."""
        tools = tuple(
            ToolCall(id=c[0], name=c[1], arguments="".join(c[2]), type=c[3])
            for _, c in sorted(self._tools.items())
        )
        return ChatResponse(
            text=self._text.getvalue(),
            reasoning="".join(self._reasoning),
            model=self.model,
            requested_model=self.requested_model,
            provider=self.provider,
            generation_id=self.generation_id,
            finish_reason=self.finish_reason,
            native_finish_reason=self.native_finish_reason,
            usage=self.usage,
            tool_calls=tools,
            reasoning_details=tuple(self._details),
            annotations=tuple(self._annotations),
            router=self.router,
            images=tuple(Image(url) for url in self._images),
            **extra,
        )


def _merge_detail(merged: list[dict[str, Any]], detail: dict[str, Any]) -> None:
    """Streamed reasoning_details arrive as fragments of one entry per (type, index): rejoin them."""
    last = merged[-1] if merged else None
    index = detail.get("index")
    if last is None or index is None or last.get("index") != index or last.get("type") != detail.get("type"):
        merged.append(dict(detail))
        return
    for key, value in detail.items():
        if key in _TEXT_KEYS and isinstance(value, str) and isinstance(last.get(key), str):
            last[key] += value
        elif value not in (None, "") or key not in last:
            last[key] = value


def error_message(error: Any) -> str:
    """OpenRouter's message from an ``error`` object (string or dict; ``code`` may be int or str)."""
    if isinstance(error, str):
        return error
    if not isinstance(error, dict):
        return "" if error is None else json.dumps(error)[:500]
    message = error.get("message")
    if not isinstance(message, str):
        message = "" if message is None else json.dumps(message)
    metadata = error.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    raw = metadata.get("raw")
    if isinstance(raw, str) and raw and raw not in message:
        provider = metadata.get("provider_name")
        message = f"{message} ({provider}: {raw})" if provider else f"{message}: {raw}"
    return message


def parse_completion(payload: Any, requested_model: str | None = None, **extra: Any) -> ChatResponse:
    """A non-streamed ``chat.completion`` body → ``ChatResponse`` (raises StreamError on a choice error)."""
    if not isinstance(payload, dict):
        raise StreamError("the chat completion was not a JSON object")
    acc = StreamAccumulator(requested_model)
    acc._identify(payload)
    choices = payload.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    chunk: dict[str, Any] = {"choices": [{**choice, "delta": message}], "usage": payload.get("usage"),
                             "openrouter_metadata": payload.get("openrouter_metadata")}
    if "error" in payload:
        chunk["error"] = payload["error"]
    acc.feed(chunk)
    return acc.response(**extra)
