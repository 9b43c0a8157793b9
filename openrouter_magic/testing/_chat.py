"""What to answer to one POST /chat/completions: model resolution, fallbacks, queued errors, the answer."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from os import PathLike
from typing import Any, Callable, Iterator

from . import _media as media
from . import _scenario as sc
from ._catalog import Catalog, price, provider_name
from ._routing import routing_refusal
from ._payloads import DONE, KEEPALIVE, Answer, ChunkWriter, error_body, new_id, pieces, simple_error, \
    tool_call_deltas


@dataclass
class ErrorReply:
    """An HTTP error to send instead of an answer."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class Control:
    """A marker in the event sequence: stop writing (hang), cut the line (drop), or wait ``seconds`` (pause)."""

    def __init__(self, name: str, seconds: float = 0.0):
        self.name = name
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"Control({self.name})"


HANG, DROP = Control("hang"), Control("drop")

TakeError = Callable[[str | None], "ErrorReply | None"]


def plan_chat(body: Any, catalog: Catalog, knobs: dict[str, Any], take_error: TakeError) -> Answer | ErrorReply:
    """Decide the answer (or the error) for one chat request body."""
    if not isinstance(body, dict):
        return ErrorReply(400, {"error": {"message": "Input must have at least 1 token.", "code": 400,
                                          "metadata": {"provider_name": None}}})
    messages = body.get("messages")
    if not messages and isinstance(body.get("prompt"), str):
        messages = [{"role": "user", "content": body["prompt"]}]
    if not messages or not isinstance(messages, list):
        return ErrorReply(400, simple_error(400, 'Input required: specify "prompt" or "messages"',
                                            user_id="user_emulator"))
    queued = take_error(None)
    if queued is not None:
        return queued
    fallbacks = [m for m in body.get("models") or [] if isinstance(m, str)]
    requested = body.get("model") or (fallbacks[0] if fallbacks else "openrouter/auto")
    chain = [requested] + [m for m in fallbacks if m != requested]
    last: ErrorReply | None = None
    for model_id in chain:
        entry = catalog.resolve(model_id)
        if entry is None:
            last = ErrorReply(400, simple_error(400, f"{model_id} is not a valid model ID", user_id="user_emulator"))
            continue
        served = catalog.concrete(entry)
        failure = take_error(model_id) or (take_error(served["id"]) if served["id"] != model_id else None)
        routed = routing_refusal(body, served, sc.effective_knobs(knobs, model_id, served["id"]), catalog)
        failure = failure or refusal(body, messages, served) or (ErrorReply(*routed) if routed else None)
        if failure is not None:
            last = failure
            continue
        answer = build_answer(body, messages, served, sc.effective_knobs(knobs, model_id, served["id"]))
        return with_replay(answer) if answer.knobs.get("replay") is not None and body.get("stream") else answer
    assert last is not None
    return last


def refusal(body: dict[str, Any], messages: list[dict], model: dict[str, Any]) -> ErrorReply | None:
    """The real errors for a request the model cannot serve (reasoning off, images, tools)."""
    reasoning = model.get("reasoning") or {}
    asked = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    turned_off = asked.get("effort") == "none" or asked.get("enabled") is False or body.get("reasoning_effort") == "none"
    if reasoning.get("mandatory") and turned_off:
        return ErrorReply(400, {"error": {"message": "Reasoning is mandatory for this endpoint and cannot be disabled.",
                                          "code": 400, "metadata": {"provider_name": None}}})
    inputs = (model.get("architecture") or {}).get("input_modalities") or ["text"]
    if "image" not in inputs and any(sc.image_parts(m) for m in messages):
        return ErrorReply(404, simple_error(404, "No endpoints found that support image input",
                                            user_id="user_emulator"))
    if body.get("tools") and "tools" not in (model.get("supported_parameters") or []):
        return ErrorReply(404, simple_error(404, "No endpoints found that support tool use", user_id="user_emulator"))
    return None


def build_answer(body: dict[str, Any], messages: list[dict], model: dict[str, Any], knobs: dict) -> Answer:
    """The deterministic answer of ``model`` to ``messages`` under ``knobs``, with tokens and cost."""
    model_id = model["id"]
    params = set(model.get("supported_parameters") or [])
    reasoning = None
    if knobs["reasoning"] and sc.wants_reasoning(body) and params & {"reasoning", "include_reasoning"}:
        reasoning = sc.reasoning_text(model_id, messages)
    hidden = sc.tokens_for_text(reasoning or "") if _excluded(body) else 0  # billed, not returned
    reasoning = None if hidden else reasoning
    call_id = "call_" + str(sc.conversation_seed(model_id, messages))[:24]
    tool_calls = media.scripted_calls(knobs, body, messages, call_id, sc.value_for_schema) or _tool_calls(body, model_id, messages)
    content = "" if tool_calls else (media.tool_results_answer(knobs, messages) or _content(body, messages, model_id, knobs))
    knobs = {**knobs, "_media": media.media_extras(body, knobs)}
    finish = "tool_calls" if tool_calls else "stop"
    limit = body.get("max_tokens") or body.get("max_completion_tokens")
    if isinstance(limit, int) and limit > 0 and sc.tokens_for_text(content) > limit:
        content, finish = content[:limit * sc.CHARS_PER_TOKEN], "length"
    reasoning_tokens = sc.tokens_for_text(reasoning or "") + hidden
    args = "".join(call["function"]["arguments"] for call in tool_calls or [])
    completion = sc.tokens_for_text(content) + reasoning_tokens + sc.tokens_for_text(args) \
        + knobs["_media"].get("image_tokens", 0)
    prompt = sc.prompt_tokens(messages)
    created = int(time.time())
    prices = (price(model, "prompt"), price(model, "completion"))
    events = _delta_events(reasoning, content, tool_calls, max(1, int(knobs["chunk_chars"])))
    return Answer(gen_id=new_id("gen", created), created=created, model=model_id,
                  provider=knobs.get("provider") or provider_name(model_id), content=content, reasoning=reasoning,
                  tool_calls=tool_calls, finish_reason=finish, prompt_tokens=prompt, completion_tokens=completion,
                  reasoning_tokens=reasoning_tokens, prompt_cost=float(prompt * prices[0]),
                  completion_cost=float(completion * prices[1]) + knobs["_media"].get("fee", 0.0), knobs=knobs, prices=prices, delta_events=events)


def _excluded(body: dict[str, Any]) -> bool:
    reasoning = body.get("reasoning")
    return isinstance(reasoning, dict) and bool(reasoning.get("exclude"))


def _delta_events(reasoning: str | None, content: str, tool_calls: list[dict] | None, size: int) -> int:
    """How many delta chunks ``stream_events`` will send (must agree with ``_deltas``)."""
    count = len(range(0, len(reasoning or ""), size))
    if tool_calls:
        return count + sum(1 + len(range(0, len(c["function"]["arguments"]), size)) for c in tool_calls)
    return count + len(range(0, len(content), size))


def _content(body: dict[str, Any], messages: list[dict], model_id: str, knobs: dict[str, Any]) -> str:
    answer = knobs.get("answer")
    if callable(answer):
        return str(answer(model_id, messages))
    if answer is not None:
        return str(answer)
    structured = sc.structured_answer(body.get("response_format"), model_id, messages)
    if structured is not None:
        return structured
    if knobs.get("answer_tokens") is not None:
        return sc.sized_answer(model_id, messages, int(knobs["answer_tokens"]))
    return sc.answer_text(model_id, messages)


def _tool_calls(body: dict[str, Any], model_id: str, messages: list[dict]) -> list[dict[str, Any]] | None:
    """A tool call when ``tool_choice`` requires one ("required" or a named function)."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"]
    choice = body.get("tool_choice")
    if not tools or not (choice == "required" or isinstance(choice, dict)):
        return None
    tool = tools[0]
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        tool = next((t for t in tools if t.get("function", {}).get("name") == wanted), tool)
    function = tool.get("function", {})
    arguments = json.dumps(sc.value_for_schema(function.get("parameters") or {"type": "object"}))
    call_id = "call_" + str(sc.conversation_seed(model_id, messages))[:24]
    return [{"id": call_id, "type": "function", "function": {"name": function.get("name", "tool"),
                                                              "arguments": arguments}}]


def queued_error_reply(status: int, *, model: str | None, headers: dict[str, str] | None,
                       body: dict[str, Any] | None) -> ErrorReply:
    """The reply for a ``queue_error`` entry: the real body, ``Retry-After`` mirrored into metadata."""
    headers = dict(headers or {})
    retry = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    retry_s = float(retry) if retry is not None and str(retry).replace(".", "", 1).isdigit() else None
    if body is None:
        body = error_body(status, model=model or "openai/gpt-4o-mini",
                          provider=provider_name(model or "openai/x"), retry_after=retry_s)
    return ErrorReply(status, body, headers)


# ------------------------------------------------------------------------------------------- the stream

def stream_events(a: Answer) -> Iterator[str | bytes | Control]:
    """The SSE events of one answer, with the knob-driven error/hang/drop markers in place."""
    knobs = a.knobs
    if knobs.get("replay") is not None:
        yield from _replay_pieces(knobs)
        return
    w = ChunkWriter(a)
    size = knobs["chunk_chars"]
    for _ in range(int(knobs["keepalives"] or 0)):
        yield KEEPALIVE
    stop_at, stop = _first_stop(knobs)
    every = knobs.get("keepalive_every")
    sent = 0
    for event in _deltas(w, a, size):
        if sent == stop_at:
            yield from stop(w)
            return
        yield event
        sent += 1
        if every and sent % every == 0:
            yield KEEPALIVE
    if stop_at is not None and stop_at >= sent:
        yield from stop(w)
        return
    yield from _media_chunks(w, knobs.get("_media") or {})
    yield w.delta({}, a.finish_reason)
    if knobs["usage_shape"] in (1, 2, 3):
        yield w.usage(knobs["usage_shape"])
    yield DONE


def _media_chunks(w: ChunkWriter, extras: dict[str, Any]) -> Iterator[str]:
    """An image chunk and an annotations chunk, as image models and web search send them."""
    if extras.get("image_url"):
        yield w.delta({"images": [{"type": "image_url", "image_url": {"url": extras["image_url"]}}]})
    if extras.get("annotations"):
        yield w.delta({"annotations": extras["annotations"]})


def _deltas(w: ChunkWriter, a: Answer, size: int) -> Iterator[str]:
    if a.reasoning:
        yield from map(w.reasoning, pieces(a.reasoning, size))
    if a.tool_calls:
        yield from tool_call_deltas(w, a.tool_calls, size)
    else:
        yield from map(w.content, pieces(a.content, size))


def _first_stop(knobs: dict[str, Any]) -> tuple[int | None, Callable[[ChunkWriter], Iterator]]:
    """The earliest of mid_stream_error / hang_after_chunks / drop_after_chunks, and what it emits."""
    options: list[tuple[int, Callable[[ChunkWriter], Iterator]]] = []
    err = knobs.get("mid_stream_error")
    if err:
        def emit_error(w: ChunkWriter) -> Iterator:
            yield w.error(int(err.get("code", 502)), err.get("message", "Provider returned error"),
                          err.get("shape", "documented"))
            yield DONE
        options.append((int(err.get("after_chunks", 0)), emit_error))
    if knobs.get("hang_after_chunks") is not None:
        options.append((int(knobs["hang_after_chunks"]), lambda w: iter([HANG])))
    if knobs.get("drop_after_chunks") is not None:
        options.append((int(knobs["drop_after_chunks"]), lambda w: iter([DROP])))
    if not options:
        return None, lambda w: iter(())
    return min(options, key=lambda o: o[0])


# ------------------------------------------------------------------------------------------------ replay

def replay_text(knobs: dict[str, Any]) -> str:
    """The recorded SSE body of the ``replay`` knob."""
    source = knobs["replay"]
    return source.read_text(encoding="utf-8") if isinstance(source, PathLike) else str(source)


def with_replay(a: Answer) -> Answer:
    """Bill a replayed stream as its own usage chunk says, under its own generation id."""
    chunks = []
    for line in replay_text(a.knobs).split("\n"):
        if line.startswith("data: {"):
            try:
                chunks.append(json.loads(line[6:]))
            except ValueError:
                continue
    usage = next((c["usage"] for c in reversed(chunks) if isinstance(c.get("usage"), dict)), None)
    gen_id = next((c["id"] for c in chunks if isinstance(c.get("id"), str)), a.gen_id)
    if usage is None:
        return replace(a, gen_id=gen_id, delta_events=len(chunks))
    details = usage.get("cost_details") or {}
    cost = float(usage.get("cost") or 0)
    prompt_cost = float(details.get("upstream_inference_prompt_cost") or 0)
    return replace(a, gen_id=gen_id, prompt_tokens=int(usage.get("prompt_tokens", 0)),
                   completion_tokens=int(usage.get("completion_tokens", 0)),
                   reasoning_tokens=int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0),
                   prompt_cost=prompt_cost, completion_cost=cost - prompt_cost, delta_events=len(chunks))


def _replay_pieces(knobs: dict[str, Any]) -> Iterator[str | bytes]:
    text = replay_text(knobs)
    size = knobs.get("replay_piece_bytes")
    if size:
        raw = text.encode("utf-8")
        yield from (raw[i:i + int(size)] for i in range(0, len(raw), int(size)))
        return
    events = text.split("\n\n")
    for event in events[:-1]:
        yield event + "\n\n"
    if events[-1]:
        yield events[-1]
