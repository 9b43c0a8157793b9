"""Tools and media in the emulator: scripted tool calls, server tools, image output, file parts.

- ``tool_plan`` knob: a list of steps, each a list of ``{"name": …, "arguments": {…}}``; step *n* of a
  conversation (n = assistant tool-call turns since the last user message) asks for those calls; after the
  plan the model answers from the tool results ("From the tools: …"). ``"auto"`` (the sandbox's default)
  calls every function tool once, side by side, with arguments that fit its schema, then answers;
  ``"always"`` asks for the first function tool on every step (a runaway loop).
- a request naming ``openrouter:web_search`` gets ``url_citation`` annotations, ``server_tool_use_details``
  and the $0.01 search fee in the real shapes (API-FACTS §1.3; the recorded web-search cassettes).
- ``modalities`` with ``"image"`` (or the ``image_png`` knob) streams ``delta.images`` with a data URL, as
  image models do; the usage reports ``image_tokens``.
- ``file`` content parts are accepted and counted in the prompt (one token per 4 bytes of the file).
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import zlib
from typing import Any

__all__ = ["file_tokens", "media_extras", "scripted_calls", "tool_results_answer", "tiny_png"]

WEB_SEARCH_FEE = 0.01
IMAGE_TOKENS = 1290


def _assistant_steps(messages: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    """(tool-call turns since the last user message, the tool messages since then)."""
    steps, results = 0, []
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role == "user":
            steps, results = 0, []
        elif role == "assistant" and message.get("tool_calls"):
            steps += 1
        elif role == "tool":
            results.append(message)
    return steps, results


def scripted_calls(knobs: dict[str, Any], body: dict[str, Any], messages: list[dict[str, Any]],
                   call_id: str, value_for_schema: Any) -> list[dict[str, Any]] | None:
    """The calls the ``tool_plan`` knob asks for at this step, or None (answer in text); ``value_for_schema``
    makes arguments that fit a tool's schema (passed in: ``_scenario`` imports this module)."""
    plan = knobs.get("tool_plan")
    if not plan:
        return None
    step, _ = _assistant_steps(messages)
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"]
    if plan in ("always", "auto"):
        if not tools or (plan == "auto" and step > 0):
            return None
        chosen = tools[:1] if plan == "always" else tools
        wanted = [{"name": t["function"]["name"], "arguments": value_for_schema(t["function"].get("parameters") or {})}
                  for t in chosen]
    elif step < len(plan):
        wanted = plan[step]
    else:
        return None
    return [{"id": f"{call_id}_{step}_{n}", "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments") or {})}}
            for n, c in enumerate(wanted)]


def tool_results_answer(knobs: dict[str, Any], messages: list[dict[str, Any]]) -> str | None:
    """After a plan: an answer quoting every tool result of this turn."""
    if not knobs.get("tool_plan"):
        return None
    _, results = _assistant_steps(messages)
    if not results:
        return None
    return "From the tools: " + "; ".join(f"{m.get('name', 'tool')} said {m.get('content', '')}" for m in results)


def file_tokens(message: dict[str, Any]) -> int:
    """Prompt tokens for the ``file`` parts of a message: one per 4 bytes of the decoded file."""
    content = message.get("content")
    if not isinstance(content, list):
        return 0
    total = 0
    for part in content:
        data = ((part.get("file") or {}).get("file_data") or "") if isinstance(part, dict) else ""
        if part.get("type") == "file" and isinstance(data, str):
            total += (len(data.partition(",")[2]) * 3 // 4 + 3) // 4
    return total


def media_extras(body: dict[str, Any], knobs: dict[str, Any]) -> dict[str, Any]:
    """What this request adds to the answer: annotations, server tool usage and fee, an image."""
    extras: dict[str, Any] = {}
    names = {t.get("type") for t in body.get("tools") or [] if isinstance(t, dict)}
    plugins = {p.get("id") for p in body.get("plugins") or [] if isinstance(p, dict)}
    if "openrouter:web_search" in names or "web" in plugins:
        extras["annotations"] = [_citation(n) for n in (1, 2)]
        extras["server_tool_use_details"] = {"web_search_requests": 1}
        extras["fee"] = WEB_SEARCH_FEE
    png = knobs.get("image_png")
    if png is None and "image" in (body.get("modalities") or []):
        png = tiny_png(64, 48)
    if png is not None:
        extras["image_url"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        extras["image_tokens"] = IMAGE_TOKENS
    return extras


def _citation(n: int) -> dict[str, Any]:
    url = f"https://example.org/source-{n}"
    return {"type": "url_citation", "url_citation": {"url": url, "title": f"Source {n} <emulated>",
                                                     "content": f"What source {n} says.", "start_index": 0,
                                                     "end_index": 0}}


def tiny_png(width: int, height: int, rgb: tuple[int, int, int] = (37, 99, 235)) -> bytes:
    """A valid solid-colour PNG of ``width`` × ``height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", binascii.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))
