"""Bodies of the account and metadata endpoints: /generation, /key, /credits, /providers, /endpoints."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from typing import Any

from ._catalog import provider_name
from ._payloads import Answer

_ZERO_UUID = "00000000-0000-0000-0000-000000000000"


def generation_record(a: Answer, *, streamed: bool, cancelled: bool, user_agent: str | None,
                      referer: str | None, latency_ms: int, generation_ms: int) -> dict[str, Any]:
    """The /generation ``data`` object (API-FACTS §3.3) with ``total_cost`` = what was billed."""
    created = datetime.fromtimestamp(a.created, timezone.utc).isoformat(timespec="milliseconds")
    provider = {"endpoint_id": _ZERO_UUID, "id": a.gen_id[4:], "is_byok": False, "latency": latency_ms,
                "model_permaslug": a.model, "provider_name": a.provider, "status": 200}
    return {
        "created_at": created.replace("+00:00", "Z"), "model": a.model, "app_id": 0, "external_user": None,
        "streamed": streamed, "cancelled": cancelled, "latency": latency_ms, "moderation_latency": None,
        "generation_time": generation_ms, "tokens_prompt": a.prompt_tokens, "tokens_completion": a.completion_tokens,
        "native_tokens_prompt": a.prompt_tokens, "native_tokens_completion": a.completion_tokens,
        "native_tokens_completion_images": None, "native_tokens_reasoning": a.reasoning_tokens,
        "native_tokens_cached": 0, "num_media_prompt": None, "num_input_audio_prompt": None,
        "num_media_completion": 0, "num_search_results": None, "num_fetches": None, "web_search_engine": None,
        "origin": referer or "", "is_byok": False, "finish_reason": a.finish_reason,
        "native_finish_reason": a.finish_reason, "service_tier": "default", "usage": a.cost, "router": None,
        "user_agent": user_agent or "", "http_referer": referer, "request_id": "req-" + a.gen_id[4:],
        "session_id": None, "preset_id": None, "api_type": "completions", "id": a.gen_id,
        "upstream_id": a.gen_id[4:], "provider_responses": [provider], "total_cost": a.cost, "cache_discount": None,
        "upstream_inference_cost": a.cost, "provider_name": a.provider, "response_cache_source_id": None,
        "data_region": "global", "workspace_id": _ZERO_UUID,
    }


def key_record(*, label: str, usage: float, limit: float | None, free_requests: int) -> dict[str, Any]:
    """The /key ``data`` object (API-FACTS §3.4); usage fields reflect what the emulator billed."""
    return {
        "label": label, "is_management_key": False, "is_provisioning_key": False, "limit": limit,
        "limit_reset": None, "limit_remaining": None if limit is None else max(limit - usage, 0.0),
        "include_byok_in_limit": False, "usage": usage, "usage_daily": usage, "usage_weekly": usage,
        "usage_monthly": usage, "byok_usage": 0, "byok_usage_daily": 0, "byok_usage_weekly": 0,
        "byok_usage_monthly": 0, "is_free_tier": False, "expires_at": None, "creator_user_id": "user_emulator",
        "organization_id": None, "workspace_id": _ZERO_UUID, "allowed_data_regions": ["global"],
        "free_model_daily_requests": {"used": free_requests, "limit": 1000, "remaining": max(1000 - free_requests, 0)},
        "rate_limit": {"requests": -1, "interval": "10s", "note": "This field is deprecated and safe to ignore."},
        "budgets": [], "effective_budget": None,  # required by the 2026 SDK model, absent from the 2026-10 recording
    }


def masked_label(key: str) -> str:
    """``sk-or-v1-abc...123`` — never the key itself."""
    if len(key) < 20:
        return "sk-or-v1-...key"
    return f"{key[:12]}...{key[-3:]}"


_PROVIDER_SITES = {
    "OpenAI": ("openai", "https://openai.com", "US", ["US", "IE"]),
    "Anthropic": ("anthropic", "https://www.anthropic.com", "US", ["US"]),
    "Google AI Studio": ("google-ai-studio", "https://ai.google.dev", "US", ["US"]),
    "DeepInfra": ("deepinfra", "https://deepinfra.com", "US", ["US"]),
    "Mistral": ("mistral", "https://mistral.ai", "FR", ["FR"]),
    "DeepSeek": ("deepseek", "https://www.deepseek.com", "CN", ["CN"]),
    "Alibaba": ("alibaba", "https://www.alibabacloud.com", "CN", ["SG"]),
    "xAI": ("xai", "https://x.ai", "US", ["US"]),
    "Together": ("together", "https://www.together.ai", "US", ["US"]),
    "Black Forest Labs": ("black-forest-labs", "https://bfl.ai", "DE", ["DE"]),
    "Amazon Bedrock": ("amazon-bedrock", "https://aws.amazon.com", "US", ["US"]),
}


def providers_list() -> list[dict[str, Any]]:
    """The /providers ``data`` list."""
    return [{"name": name, "slug": slug, "privacy_policy_url": f"{site}/privacy", "terms_of_service_url": f"{site}/terms",
             "status_page_url": None, "headquarters": hq, "datacenters": dcs}
            for name, (slug, site, hq, dcs) in _PROVIDER_SITES.items()]


def _stable(model_id: str, salt: str, low: float, high: float) -> float:
    fraction = int(hashlib.sha256(f"{model_id}/{salt}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return round(low + (high - low) * fraction, 2)


def _percentiles(base: float, step: float) -> dict[str, float]:
    return {"p50": base, "p75": round(base * (1 + step), 2), "p90": round(base * (1 + 2 * step), 2),
            "p99": round(base * (1 + 4 * step), 2)}


def endpoints_record(model: dict[str, Any]) -> dict[str, Any]:
    """The /models/{author}/{slug}/endpoints ``data`` object: one or two plausible endpoints."""
    model_id = model["id"]
    providers = [provider_name(model_id)]
    if model_id.startswith(("meta-llama/", "qwen/", "deepseek/", "mistralai/")):
        providers.append("Together")
    top = model.get("top_provider") or {}
    endpoints = []
    for n, provider in enumerate(providers):
        pricing = {k: v for k, v in (model.get("pricing") or {}).items() if isinstance(v, str)}
        endpoints.append({
            "name": f"{provider} | {model.get('canonical_slug') or model_id}", "model_id": model_id,
            "model_name": model.get("name", model_id), "context_length": model.get("context_length"),
            "pricing": {**pricing, "discount": 0}, "provider_name": provider,
            "tag": provider.lower().replace(" ", "-"), "quantization": "unknown" if n == 0 else "fp8",
            "max_completion_tokens": top.get("max_completion_tokens"), "max_prompt_tokens": None,
            "supported_parameters": list(model.get("supported_parameters") or []),
            "supports_tool_choice": {"none": True, "auto": True, "required": True, "function": True},
            "status": 0, "uptime_last_30m": _stable(model_id, provider + "u30", 97.0, 100.0),
            "uptime_last_5m": 100.0, "uptime_last_1d": _stable(model_id, provider + "u1d", 98.0, 100.0),
            "supports_implicit_caching": False, "native_tools": {}, "supports_voice_cloning": False,
            "supports_multiple_audio_references": False, "supports_image_reference": False,
            "supports_diarization": False, "service_tier": None,
            "latency_last_30m": _percentiles(_stable(model_id, provider + "lat", 250, 1500), 0.4),
            "throughput_last_30m": _percentiles(_stable(model_id, provider + "tps", 30, 180), -0.15),
        })
    return {"id": model_id, "name": model.get("name", model_id), "created": model.get("created", int(time.time())),
            "description": model.get("description", ""), "architecture": model.get("architecture", {}),
            "endpoints": endpoints}
