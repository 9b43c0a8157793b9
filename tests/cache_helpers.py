"""Shared by the response-cache tests: a realistic request body and an answer with every field set."""

from __future__ import annotations

from openrouter_magic._core.types import ChatResponse, ToolCall, Usage

BASE = "https://openrouter.ai/api/v1"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def body(**changes) -> dict:
    """A realistic request body: system + user messages, sampling params, a JSON schema."""
    value = {
        "model": "openai/gpt-4o-mini",
        "messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Label: great café"}],
        "temperature": 0.2,
        "max_tokens": 50,
        "response_format": {"type": "json_schema", "json_schema": {"name": "Label", "schema": {
            "type": "object", "properties": {"label": {"type": "string"}, "score": {"type": "number"}}}}},
    }
    value.update(changes)
    return value


def full_response(**changes) -> ChatResponse:
    """An answer with every field set, as odd as real ones get."""
    usage_raw = {"prompt_tokens": 120, "completion_tokens": 33, "total_tokens": 153, "cost": 0.0123,
                 "is_byok": False, "prompt_tokens_details": {"cached_tokens": 64, "cache_write_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 9, "image_tokens": 0},
                 "cost_details": {"upstream_inference_cost": None}, "server_tool_use": {"web_search_requests": 1}}
    return ChatResponse(
        text="Positive — «très bien» 👍\n```json\n{\"label\": \"positive\"}\n```", reasoning="Looks happy.",
        model="openai/gpt-4o-mini-2024-07-18", requested_model="openai/gpt-4o-mini", provider="OpenAI",
        generation_id="gen-1790981403-wrnRYGs8VBhCEKopNY1F", finish_reason="tool_calls",
        native_finish_reason="tool_calls", usage=Usage.from_json(usage_raw), ttft_s=0.4123456789, elapsed_s=1.5,
        tool_calls=(ToolCall(id="call_1", name="lookup", arguments='{"q": "café"}'),),
        reasoning_details=({"type": "reasoning.text", "text": "Looks happy.", "format": "unknown", "index": 0},),
        annotations=({"type": "url_citation", "url_citation": {"url": "https://example.org/a", "title": "A",
                                                               "start_index": 0, "end_index": 8}},),
        parsed={"label": "positive", "score": 0.9},
    ).with_(**changes)


def assert_same(got: ChatResponse, want: ChatResponse) -> None:
    assert got == want
    assert got.usage.raw == want.usage.raw  # not part of == but it is "all fields of usage"
    assert got.parsed == want.parsed
