"""What a call costs: estimated from token counts, and at most (the worst case the budget reserves).

Prompt tokens are estimated from the text, without a tokenizer: every text part counts ``ceil(chars / 4)``
tokens, every message adds ``MESSAGE_OVERHEAD_TOKENS`` (role and separators), every image part counts a flat
``IMAGE_TOKENS``; tool definitions and a JSON schema sent with the request count as text too. The worst
case of a call is::

    prompt_tokens × prompt price
    + (max_tokens, else the model's max_completion_tokens, else its context_length) × completion price
    + the per-request price + images in the prompt × the per-image price + web searches × their price

Web searches: the web plugin (``--web``, ``plugins: [{"id": "web"}]``, a ``:online`` model) or
``web_search_options`` run one search; an ``openrouter:web_search`` server tool runs up to its ``max_uses``
(``SERVER_TOOL_SEARCHES`` when unset). A search costs the catalog row's ``web_search_usd`` when the catalog
has it, else ``max_results`` (default ``WEB_RESULTS``) × ``WEB_RESULT_USD`` — OpenRouter's published price
of $4 per 1,000 results, i.e. $0.02 for a default search.

Prices come from a catalog row (a dict or Series with ``prompt_usd_per_m``, ``completion_usd_per_m``,
``request_usd``, ``image_usd``, ``max_completion_tokens``, ``context_length``). Unknown or dynamic prices
(routers such as ``openrouter/auto``) cannot be bounded: the worst case is then None.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from .._core import Usage

__all__ = ["CHARS_PER_TOKEN", "IMAGE_TOKENS", "estimate_cost", "estimate_prompt_tokens", "web_searches",
           "worst_case_cost"]

MESSAGE_OVERHEAD_TOKENS = 4
REPLY_OVERHEAD_TOKENS = 3
IMAGE_TOKENS = 1500
CHARS_PER_TOKEN = 4
WEB_RESULT_USD = 0.004  # $4 per 1,000 web results (OpenRouter's web plugin)
WEB_RESULTS = 5  # results per search unless the plugin's max_results says otherwise
SERVER_TOOL_SEARCHES = 5  # searches an openrouter:web_search tool may run when its max_uses is unset


def _price(prices: Any, name: str) -> float | None:
    """A finite, non-negative price from a catalog row (dict or Series); None when missing or dynamic."""
    if prices is None:
        return None
    try:
        value = prices.get(name)
    except AttributeError:
        return None
    if value is None or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def estimate_cost(usage: Usage, prices: Any, fallback_tokens: tuple[int, int] | None = None) -> float | None:
    """USD from token counts × catalog prices (USD per million); None when counts or prices are unknown.

    ``fallback_tokens`` = (prompt, completion) estimates used when the usage lacks counts (interrupted streams).
    """
    prompt_price = _price(prices, "prompt_usd_per_m")
    completion_price = _price(prices, "completion_usd_per_m")
    prompt, completion = usage.prompt_tokens, usage.completion_tokens
    if (prompt is None or completion is None) and fallback_tokens is not None:
        prompt = prompt if prompt is not None else fallback_tokens[0]
        completion = completion if completion is not None else fallback_tokens[1]
    if prompt_price is None or completion_price is None or prompt is None or completion is None:
        return None
    per_request = _price(prices, "request_usd") or 0.0
    return (prompt * prompt_price + completion * completion_price) / 1e6 + per_request + _image_output(usage, prices)


def _image_output(usage: Usage, prices: Any) -> float:
    """What image tokens cost above the completion price (they are counted in ``completion_tokens`` too)."""
    details = usage.raw.get("completion_tokens_details") if isinstance(usage.raw, dict) else None
    images = details.get("image_tokens") if isinstance(details, dict) else None
    image_price, completion_price = _price(prices, "image_output_usd_per_m"), _price(prices, "completion_usd_per_m")
    if not isinstance(images, int) or isinstance(images, bool) or images <= 0 or image_price is None:
        return 0.0
    return images * (image_price - (completion_price or 0.0)) / 1e6


def _tokens_of_text(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _is_image(part: Any) -> bool:
    return isinstance(part, dict) and "image" in str(part.get("type", ""))


def _tokens_of_content(content: Any) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return _tokens_of_text(content)
    if isinstance(content, list):
        total = 0
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                total += _tokens_of_text(str(part.get("text", "")))
            elif _is_image(part):
                total += IMAGE_TOKENS
            else:  # files, audio, anything new: count its serialised size, which over-estimates
                total += _tokens_of_text(str(part))
        return total
    return _tokens_of_text(str(content))


def _as_messages(messages: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": messages}] if isinstance(messages, str) else list(messages or ())


def estimate_prompt_tokens(messages: str | list[dict[str, Any]], params: Mapping[str, Any] | None = None) -> int:
    """Prompt tokens estimated from the text (see the module docstring for the rule)."""
    total = REPLY_OVERHEAD_TOKENS
    for message in _as_messages(messages):
        total += MESSAGE_OVERHEAD_TOKENS + _tokens_of_content(message.get("content"))
        for call in message.get("tool_calls") or ():
            total += _tokens_of_text(str(call))
    for name in ("tools", "response_format"):  # sent with the prompt, billed as prompt tokens
        sent = (params or {}).get(name)
        if sent:
            total += _tokens_of_text(json.dumps(sent, default=str))
    return total


def _images(messages: Any) -> int:
    return sum(1 for message in _as_messages(messages) if isinstance(message.get("content"), list)
               for part in message["content"] if _is_image(part))


def web_searches(model: str | None, params: Mapping[str, Any] | None) -> list[int]:
    """The searches this request may run, as results per search (empty: no web search)."""
    params = params or {}
    found = []
    plugins = [p for p in params.get("plugins") or () if isinstance(p, dict) and p.get("id") == "web"]
    for plugin in plugins:
        if plugin.get("enabled", True) is not False:
            found.append(_int_or_none(plugin.get("max_results")) or WEB_RESULTS)
    if (model or "").endswith(":online") and not found:
        found.append(WEB_RESULTS)
    if params.get("web_search_options") and not found:
        found.append(WEB_RESULTS)
    for tool in params.get("tools") or ():
        if isinstance(tool, dict) and tool.get("type") == "openrouter:web_search":
            options = tool.get("parameters")
            options = options if isinstance(options, dict) else {}
            uses = _int_or_none(options.get("max_uses")) or SERVER_TOOL_SEARCHES
            found += [_int_or_none(options.get("max_results")) or WEB_RESULTS] * uses
    return found


def _int_or_none(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number > 0 else None


def _fees(messages: Any, model: str | None, params: Mapping[str, Any] | None, prices: Any) -> float:
    """Per-request, per-image and web-search fees of one call, in USD."""
    fees = _price(prices, "request_usd") or 0.0
    images = _images(messages)
    if images:
        fees += images * (_price(prices, "image_usd") or 0.0)
    search_price = _price(prices, "web_search_usd")
    for results in web_searches(model, params):
        fees += search_price if search_price is not None else results * WEB_RESULT_USD
    return fees


def worst_case_cost(messages: Any, max_tokens: int | None, prices: Any, *, model: str | None = None,
                    params: Mapping[str, Any] | None = None) -> float | None:
    """The most this call can cost in USD; None when it cannot be bounded (unknown prices or length)."""
    prompt_price = _price(prices, "prompt_usd_per_m")
    completion_price = _price(prices, "completion_usd_per_m")
    if prompt_price is None or completion_price is None:
        return None
    params = params or {}
    completion = (_int_or_none(max_tokens) or _int_or_none(params.get("max_tokens"))
                  or _int_or_none(params.get("max_completion_tokens"))
                  or _int_or_none(prices.get("max_completion_tokens")) or _int_or_none(prices.get("context_length")))
    if completion is None:
        return None
    prompt = estimate_prompt_tokens(messages, params)
    return (prompt * prompt_price + completion * completion_price) / 1e6 + _fees(messages, model, params, prices)
