"""Scenario knobs, deterministic answers, token estimates and the real error bodies.

Pure functions only: the server asks this module *what* to answer; `_payloads` decides *how* it looks.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from typing import Any

#: Every knob with its default. All of them may also be set per model through ``per_model``.
DEFAULT_KNOBS: dict[str, Any] = {
    "first_byte_delay": 0.0,   # seconds before the first byte of the response (headers included)
    "chunk_delay": 0.0,        # seconds between SSE data events
    "chunk_chars": 4,          # characters per content/reasoning delta
    "keepalives": 1,           # ": OPENROUTER PROCESSING" comments before the first data event
    "keepalive_every": None,   # also one comment after every N data events (None = never)
    "usage_shape": 3,          # 1, 2 or 3 — API-FACTS §1.4; None = no usage chunk
    "answer_tokens": None,     # fixed completion length in tokens (4 chars each); None = 40–120 words
    "answer": None,            # a fixed answer text, or a callable (model_id, messages) -> text
    "reasoning": True,         # stream reasoning first when the request asks and the model supports it
    "include_cost": True,      # False → usage without cost/cost_details (2024 behaviour)
    "mid_stream_error": None,  # {"after_chunks": n, "shape": "documented"|"real", "code": 502, "message": ...}
    "hang_after_chunks": None,  # n → after n delta chunks send nothing, forever
    "drop_after_chunks": None,  # n → after n delta chunks close the TCP connection abruptly
    "generation_delay": 0.5,   # seconds during which /generation answers 404 after a call
    "provider": None,          # provider display name override (default: derived from the model author)
    "total_credits": 25.0,     # /credits total_credits (USD)
    "key_limit": None,         # /key limit (USD, None = unlimited)
    "replay": None,            # a recorded SSE body (str, or a pathlib.Path to read) sent verbatim as the stream
    "replay_piece_bytes": None,  # n → write the replayed body in n-byte pieces, ignoring event boundaries
    "tool_plan": None,         # [[{"name", "arguments"}…] per step] or "always": scripted tool calls (_media.py)
    "image_png": None,         # PNG bytes the model answers with (delta.images); also on modalities ["image",…]
    "hostile": None,           # {"kind": "huge_line"|"huge_body"|"no_done"|"bad_utf8"|"gzip"|"html"|"drip", …}
    "rpm_limit": None,         # n → at most n POSTs per key per rpm_window seconds, then 429 (see _limits.py)
    "rpm_window": 60.0,        # the window of rpm_limit, in seconds
    "error_rate": None,        # {"status": 500, "rate": 0.05, "seed": 0} → that share of POSTs fail (seeded)
    "embedding_dims": 64,      # length of the /embeddings vectors when the request gives no "dimensions"
    "endpoints": None,         # [{"provider", "zdr", "data_collection", "quantization"}] routing filters (_routing.py)
    "failed_providers": None,  # ["Provider A", …] failed before the one that served (router metadata attempts)
}

CHARS_PER_TOKEN = 4
HOSTILE_KINDS = ("huge_line", "huge_body", "no_done", "bad_utf8", "gzip", "html", "drip")  # see _hostile.py


def check_knobs(knobs: dict[str, Any]) -> None:
    """Raise TypeError on an unknown knob name (a typo would otherwise silently do nothing)."""
    unknown = sorted(set(knobs) - set(DEFAULT_KNOBS) - {"per_model"})
    if unknown:
        raise TypeError(f"unknown FakeOpenRouter knob(s): {', '.join(unknown)}; known: {', '.join(DEFAULT_KNOBS)}")
    for model, overrides in (knobs.get("per_model") or {}).items():
        bad = sorted(set(overrides or {}) - set(DEFAULT_KNOBS))
        if bad:
            raise TypeError(f"unknown knob(s) for {model}: {', '.join(bad)}")
    for hostile in [knobs.get("hostile")] + [(o or {}).get("hostile") for o in (knobs.get("per_model") or {}).values()]:
        if hostile and (not isinstance(hostile, dict) or hostile.get("kind") not in HOSTILE_KINDS):
            raise TypeError(f"hostile must be a dict whose kind is one of {', '.join(HOSTILE_KINDS)} (got {hostile!r})")


def effective_knobs(knobs: dict[str, Any], *model_ids: str) -> dict[str, Any]:
    """The knobs for one request: globals, then the per-model overrides of each id given (later wins)."""
    result = {k: v for k, v in knobs.items() if k != "per_model"}
    per_model = knobs.get("per_model") or {}
    for model_id in model_ids:
        result.update(per_model.get(model_id, {}))
    return result


# ---------------------------------------------------------------------------------------------- tokens

def tokens_for_text(text: str) -> int:
    """The emulator's tokenizer: one token per 4 characters, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def message_text(message: dict[str, Any]) -> str:
    """All the text of one chat message (string content or the text parts of a content list)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def image_parts(message: dict[str, Any]) -> int:
    """How many image parts a message carries."""
    content = message.get("content")
    if not isinstance(content, list):
        return 0
    return sum(1 for part in content if isinstance(part, dict) and part.get("type") == "image_url")


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """Deterministic prompt size: 4 tokens of framing per message + its text + 85 per image part."""
    from ._media import file_tokens

    return sum(4 + tokens_for_text(message_text(m)) + 85 * image_parts(m) + file_tokens(m) for m in messages)


# ------------------------------------------------------------------------------------ deterministic text

_SUBJECTS = ["The answer", "A careful reader", "This approach", "The simplest explanation", "Each step",
             "The underlying idea", "A good example", "The result", "Your question", "The main point"]
_VERBS = ["depends on", "starts with", "builds on", "comes down to", "relies on", "points to",
          "connects with", "follows from", "is shaped by", "grows out of"]
_OBJECTS = ["a few clear assumptions", "the shape of the data", "how the pieces fit together",
            "a small and honest experiment", "the context you already have", "the trade-offs involved",
            "what happens at the edges", "a well-chosen default", "the order of operations",
            "the cost of each choice"]
_TAILS = ["", "", " in practice", " more than it first appears", " when you look closely",
          " for most everyday cases", " once the details are settled", " and that is usually enough"]
_CODE_WORDS = ("code", "python", "function", "script", "program", "snippet", "```", "def ", "class ")


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def conversation_seed(model: str, messages: list[dict[str, Any]]) -> int:
    """A stable seed from the served model and the messages."""
    return _seed(model, json.dumps(messages, sort_keys=True, ensure_ascii=False, default=str))


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_TAILS)}."


def _code_block(rng: random.Random) -> str:
    name = rng.choice(["total", "average", "scale", "tidy", "score"])
    return (f"```python\ndef {name}(values):\n    \"\"\"Return the {name} of a list of numbers.\"\"\"\n"
            f"    return sum(values) / max(len(values), 1)\n\n\nprint({name}([1, 2, 3]))\n```")


def answer_text(model: str, messages: list[dict[str, Any]], *, min_chars: int | None = None) -> str:
    """Readable deterministic English: paragraphs of sentences, a code block when code is asked for.

    Without ``min_chars`` the answer has 40–120 words; with it, enough text to reach ``min_chars``.
    """
    rng = random.Random(conversation_seed(model, messages))
    prompt = " ".join(message_text(m) for m in messages).lower()
    wants_code = any(word in prompt for word in _CODE_WORDS)
    target_words = rng.randint(40, 120)
    paragraphs: list[str] = []
    sentences = [f"Here is a short answer from {model}."]
    words, chars = 7, 0
    while (chars < min_chars) if min_chars is not None else (words < target_words):
        sentence = _sentence(rng)
        sentences.append(sentence)
        words += sentence.count(" ") + 1
        chars += len(sentence) + 1
        if len(sentences) >= rng.randint(3, 5):
            paragraphs.append(" ".join(sentences))
            sentences = []
            if wants_code and len(paragraphs) == 1:
                paragraphs.append(_code_block(rng))
    if sentences:
        paragraphs.append(" ".join(sentences))
    if wants_code and len(paragraphs) == 1:
        paragraphs.append(_code_block(rng))
    return "\n\n".join(paragraphs)


def sized_answer(model: str, messages: list[dict[str, Any]], tokens: int) -> str:
    """An answer of exactly ``tokens`` × 4 characters (so ``chunk_chars=4`` gives ``tokens`` deltas)."""
    want = tokens * CHARS_PER_TOKEN
    text = answer_text(model, messages, min_chars=want)
    while len(text) < want:  # the generator stops on sentence ends; top up for tiny sizes
        text += " " + text
    return text[:want]


def reasoning_text(model: str, messages: list[dict[str, Any]]) -> str:
    """A deterministic short chain of thought, different from the answer."""
    rng = random.Random(_seed("reasoning", str(conversation_seed(model, messages))))
    first = f"The user is asking something that {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}."
    return f"{first} {_sentence(rng)} I will answer clearly and briefly."


# ------------------------------------------------------------------------------------- structured output

def value_for_schema(schema: Any, root: dict[str, Any] | None = None, name: str = "value", depth: int = 0) -> Any:
    """A deterministic value that satisfies a (simple) JSON schema: required props, one array item."""
    root = root if root is not None else (schema if isinstance(schema, dict) else {})
    if not isinstance(schema, dict) or depth > 12:
        return None
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return value_for_schema(target, root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return value_for_schema(schema[key][0], root, name, depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        keys = schema.get("required", list(props))
        return {k: value_for_schema(props.get(k, {}), root, k, depth + 1) for k in keys}
    if kind == "array":
        return [value_for_schema(schema.get("items", {}), root, name, depth + 1)]
    return {"string": f"example {name}", "integer": 42, "number": 42.5, "boolean": True,
            "null": None}.get(kind, f"example {name}")


def structured_answer(response_format: dict[str, Any], model: str, messages: list[dict[str, Any]]) -> str | None:
    """JSON text for ``response_format`` json_schema / json_object, or None for plain text."""
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return json.dumps(value_for_schema(schema), ensure_ascii=False)
    if kind == "json_object":
        sentence = answer_text(model, messages).split("\n\n")[0]
        return json.dumps({"answer": sentence}, ensure_ascii=False)
    return None


def wants_reasoning(body: dict[str, Any]) -> bool:
    """True when the request asks for reasoning (``reasoning`` object or ``reasoning_effort``)."""
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict):
        if reasoning.get("enabled") is False or reasoning.get("effort") == "none":
            return False
        return bool(reasoning)
    effort = body.get("reasoning_effort")
    if effort is not None:
        return effort != "none"
    return bool(body.get("include_reasoning"))
