"""JSON bodies and SSE events in OpenRouter's real shapes (API-FACTS §1, §3)."""

from __future__ import annotations

import json
import math
import secrets
import string
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Iterator

_ALNUM = string.ascii_letters + string.digits
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_quote = json.encoder.encode_basestring  # C-accelerated string quoting: the hot path of big streams

KEEPALIVE = ": OPENROUTER PROCESSING\n\n"
DONE = "data: [DONE]\n\n"


def new_id(prefix: str, created: int) -> str:
    """``gen-<unix seconds>-<20 alnum>``, the real id format."""
    return f"{prefix}-{created}-{''.join(secrets.choice(_ALNUM) for _ in range(20))}"


@dataclass
class Answer:
    """Everything the emulator decided to answer for one chat request."""

    gen_id: str
    created: int
    model: str                 # the id reported (and billed) — the model that served
    provider: str
    content: str
    reasoning: str | None
    tool_calls: list[dict[str, Any]] | None
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    prompt_cost: float
    completion_cost: float
    knobs: dict[str, Any] = field(default_factory=dict)
    prices: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))  # per-token prompt, completion
    delta_events: int = 0      # how many delta chunks the stream carries (for partial billing)

    @property
    def cost(self) -> float:
        """Total billed USD (prompt + completion)."""
        return self.prompt_cost + self.completion_cost

    def cut_short(self, events_delivered: int) -> "Answer":
        """The answer as billed when the client hung up after ``events_delivered`` delta chunks."""
        share = min(1.0, events_delivered / self.delta_events) if self.delta_events else 1.0
        tokens = min(self.completion_tokens, math.ceil(self.completion_tokens * share))
        return replace(self, completion_tokens=tokens, reasoning_tokens=min(self.reasoning_tokens, tokens),
                       completion_cost=float(tokens * self.prices[1]))


# ------------------------------------------------------------------------------------------------ errors

_ERROR_BODIES: dict[int, dict[str, Any]] = {
    400: {"message": "Provider returned error", "code": 400, "metadata": {"provider_name": None}},
    401: {"message": "User not found.", "code": 401},
    402: {"message": "This request requires more credits, or fewer max_tokens. You requested up to 65536 tokens, "
                     "but can only afford 33333. To increase, visit https://openrouter.ai/settings/credits and "
                     "upgrade to a paid account", "code": 402, "metadata": {"provider_name": None}},
    403: {"message": "{model} requires moderation on {provider}. Your input was flagged for \"misc\". "
                     "No credits were charged.", "code": 403,
          "metadata": {"reasons": ["misc"], "flagged_input": "You are a helpful…", "provider_name": "{provider}",
                       "model_slug": "{model}"}},
    404: {"message": "No endpoints found for {model}.", "code": 404},
    408: {"code": 408, "message": "Operation timed out. Please try again later."},
    413: {"code": 413, "message": "Request too large"},
    422: {"code": 422, "message": "Unprocessable entity"},
    429: {"message": "Provider returned error", "code": 429,
          "metadata": {"raw": "{model} is temporarily rate-limited upstream. Please retry shortly, or add your own "
                              "key to accumulate your rate limits: https://openrouter.ai/settings/integrations",
                       "provider_name": "{provider}", "is_byok": False, "provider_error_code": "rate_limit_exceeded",
                       "limit_source": "upstream_provider_shared_pool"}},
    500: {"code": 500, "message": "Internal Server Error"},
    502: {"code": 502, "message": "Provider returned error",
          "metadata": {"provider_name": "{provider}", "raw": "upstream connection error"}},
    503: {"code": 503, "message": "Service temporarily unavailable"},
    524: {"code": 524, "message": "Provider timed out"},
    529: {"code": 529, "message": "Provider returned error",
          "metadata": {"provider_name": "{provider}", "raw": "Overloaded"}},
}
_USER_ID_STATUSES = {400, 402, 429}


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, text in names.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def error_body(status: int, *, model: str = "openai/gpt-4o-mini", provider: str = "OpenAI",
               retry_after: float | None = None, message: str | None = None) -> dict[str, Any]:
    """The real error body for an HTTP status (API-FACTS §1.6), filled in for one model."""
    error = _fill(_ERROR_BODIES.get(status, {"code": status, "message": "Provider returned error"}),
                  {"model": model, "provider": provider})
    if message is not None:
        error["message"] = message
    if retry_after is not None:
        meta = error.setdefault("metadata", {})
        meta.update(retry_after_seconds=retry_after, retry_after_seconds_raw=retry_after,
                    headers={"Retry-After": _header_number(retry_after)})
    body: dict[str, Any] = {"error": error}
    if status in _USER_ID_STATUSES:
        body["user_id"] = "user_emulator"
    return body


def _header_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def simple_error(status: int, message: str, **extra: Any) -> dict[str, Any]:
    """``{"error":{"message":…,"code":…}}`` plus extra top-level keys (e.g. user_id)."""
    return {"error": {"message": message, "code": status}, **extra}


ZOD_OUTPUT_MODALITIES = {
    "success": False,
    "error": {"name": "ZodError", "message": json.dumps([{
        "code": "custom", "path": ["output_modalities"],
        "message": "Invalid output_modalities. Valid values: text, image, embeddings, audio, video, rerank, "
                   "decisions, speech, transcription, or all"}], indent=2)},
}


# -------------------------------------------------------------------------------------------- chat JSON

def usage_dict(a: Answer, include_cost: bool = True) -> dict[str, Any]:
    """The full 2026 usage object (cost, is_byok, details); without cost/cost_details when asked."""
    usage: dict[str, Any] = {"prompt_tokens": a.prompt_tokens, "completion_tokens": a.completion_tokens,
                             "total_tokens": a.prompt_tokens + a.completion_tokens}
    if include_cost:
        usage.update(cost=a.cost, is_byok=False)
    usage["prompt_tokens_details"] = {"cached_tokens": 0, "cache_write_tokens": 0, "audio_tokens": 0,
                                      "video_tokens": 0}
    if include_cost:
        usage["cost_details"] = {"upstream_inference_cost": a.cost, "upstream_inference_prompt_cost": a.prompt_cost,
                                 "upstream_inference_completions_cost": a.completion_cost}
    extras = a.knobs.get("_media") or {}
    usage["completion_tokens_details"] = {"reasoning_tokens": a.reasoning_tokens,
                                          "image_tokens": extras.get("image_tokens", 0), "audio_tokens": 0}
    if extras.get("server_tool_use_details"):
        usage["server_tool_use_details"] = extras["server_tool_use_details"]
    return usage


def reasoning_details(text: str) -> list[dict[str, Any]]:
    """One ``reasoning.text`` detail."""
    return [{"type": "reasoning.text", "text": text, "format": "unknown", "index": 0}]


def chat_completion(a: Answer, *, error: dict[str, Any] | None = None) -> dict[str, Any]:
    """The non-streaming response body (API-FACTS §1.1)."""
    message: dict[str, Any] = {"role": "assistant", "content": a.content if not a.tool_calls else (a.content or None),
                               "refusal": None, "reasoning": a.reasoning}
    if a.reasoning:
        message["reasoning_details"] = reasoning_details(a.reasoning)
    if a.tool_calls:
        message["tool_calls"] = a.tool_calls
    extras = a.knobs.get("_media") or {}
    if extras.get("annotations"):
        message["annotations"] = extras["annotations"]
    if extras.get("image_url"):
        message["images"] = [{"type": "image_url", "image_url": {"url": extras["image_url"]}}]
    finish = "error" if error else a.finish_reason
    choice: dict[str, Any] = {"index": 0, "logprobs": None, "finish_reason": finish,
                              "native_finish_reason": finish, "message": message}
    if error:
        choice["error"] = error
    return {"id": a.gen_id, "object": "chat.completion", "created": a.created, "model": a.model,
            "provider": a.provider, "system_fingerprint": None, "service_tier": None, "choices": [choice],
            "usage": usage_dict(a, a.knobs.get("include_cost", True))}


# ------------------------------------------------------------------------------------------- SSE events

class ChunkWriter:
    """Builds ``data:`` events for one generation, with the fixed prefix computed once."""

    def __init__(self, a: Answer):
        self.a = a
        self.head = (f'data: {{"id":"{a.gen_id}","object":"chat.completion.chunk","created":{a.created},'
                     f'"model":{_quote(a.model)},"provider":{_quote(a.provider)},"choices":[{{"index":0,"delta":')
        self.open_tail = ',"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n'

    def content(self, piece: str) -> str:
        """A content delta (role and content repeated, as in real data)."""
        return f'{self.head}{{"role":"assistant","content":{_quote(piece)}}}{self.open_tail}'

    def delta(self, delta: dict[str, Any], finish: str | None = None, extra: str = "") -> str:
        """A chunk with an arbitrary delta, optional finish reason and extra top-level JSON members."""
        reason = _dumps(finish)
        return (f'{self.head}{_dumps({"role": "assistant", "content": "", **delta})},"finish_reason":{reason},'
                f'"native_finish_reason":{reason},"logprobs":null}}]{extra}}}\n\n')

    def reasoning(self, piece: str) -> str:
        """A reasoning delta with its reasoning_details."""
        return self.delta({"reasoning": piece, "reasoning_details": reasoning_details(piece)})

    def usage(self, shape: int) -> str:
        """The usage chunk in one of the three real shapes (API-FACTS §1.4)."""
        usage = _dumps(usage_dict(self.a, self.a.knobs.get("include_cost", True)))
        if shape == 2:
            return (f'data: {{"id":"{self.a.gen_id}","object":"chat.completion.chunk","created":{self.a.created},'
                    f'"model":{_quote(self.a.model)},"provider":{_quote(self.a.provider)},"choices":[],'
                    f'"usage":{usage}}}\n\n')
        finish = self.a.finish_reason if shape == 3 else None
        tier = ',"service_tier":"default"' if shape == 3 else ""
        return self.delta({}, finish, f'{tier},"usage":{usage}')

    def error(self, code: int, message: str, shape: str) -> str:
        """A mid-stream error: documented (finish_reason "error" + metadata) or real 2025 (null + usage)."""
        if shape == "real":
            err = _dumps({"code": code, "message": message})
            usage = _dumps(usage_dict(self.a, self.a.knobs.get("include_cost", True)))
            return self.delta({}, None, f',"error":{err},"usage":{usage}')
        err = _dumps({"code": code, "message": message, "metadata": {"error_type": _ERROR_TYPES.get(code, "server")}})
        return self.delta({}, "error", f',"error":{err}')


_ERROR_TYPES = {400: "invalid_request", 401: "authentication", 402: "payment_required", 403: "permission_denied",
                404: "not_found", 408: "timeout", 429: "rate_limit_exceeded", 500: "server",
                502: "provider_unavailable", 503: "provider_overloaded", 504: "timeout"}


def pieces(text: str, size: int) -> Iterator[str]:
    """``text`` cut into ``size``-character pieces."""
    size = max(1, int(size))
    for start in range(0, len(text), size):
        yield text[start:start + size]


def tool_call_deltas(w: ChunkWriter, calls: list[dict[str, Any]], size: int) -> Iterator[str]:
    """OpenAI-style tool-call deltas: the head with name and empty arguments, then argument fragments."""
    for index, call in enumerate(calls):
        head = {"index": index, "id": call["id"], "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""}}
        yield w.delta({"content": None, "tool_calls": [head]})
        for piece in pieces(call["function"]["arguments"], size):
            yield w.delta({"content": None,
                           "tool_calls": [{"index": index, "function": {"arguments": piece}, "type": "function"}]})
