"""Routing outcomes in words (DESIGN §12): ``error.availability`` → a one-line fix naming the next step, and
router metadata (``openrouter_metadata``) → the footer's note when a fallback or another provider served.

    availability_line(error, "x/old-model")
    # 'x/old-model is deprecated (404: …): switch with %openrouter use x/new-model (or --fallback x/new-model)'
    router_note({"attempts": [{"provider": "A", "status": 503}, {"provider": "Together", "status": 200}]})
    # '2 attempts → Together'
"""

from __future__ import annotations

from typing import Any

__all__ = ["availability_line", "router_note"]

_WHY = {
    "model_not_found": "does not exist",
    "wrong_endpoint": "is not served on this endpoint",
    "no_endpoints": "has no endpoint that can serve this request",
    "model_deprecated": "is deprecated",
    "model_unavailable_upstream": "is unavailable upstream",
    "capacity_exhausted": "is out of capacity",
    "temporarily_unavailable": "is temporarily unavailable",
    "region_restricted": "is not available in your region",
    "privacy_restricted": "has no provider allowed by your privacy settings",
    "constraint_filtered": "has no provider that meets the routing constraints",
    "free_variant_ended": "— its free variant has ended",
}
_NEXT = {
    "privacy_restricted": "your privacy settings exclude every provider: drop --zdr / --no-train (or a "
                          "data_collection/zdr field in --body or default_params), or allow more at "
                          "https://openrouter.ai/settings/privacy",
    "constraint_filtered": "loosen --only / --ignore / --quant / --max-price / --require-parameters",
    "region_restricted": "pick a model served in your region",
}


def availability_line(error: Any, model: str) -> str | None:
    """The one-line fix for an error carrying ``error.availability`` (None for any other error)."""
    metadata = getattr(error, "metadata", None)
    found = metadata.get("availability") if isinstance(metadata, dict) else None
    if not isinstance(found, dict):
        return None
    code = str(found.get("code") or "unavailable")
    requested = _names(found.get("requested_models")) or [model]
    status = getattr(error, "status", None)
    what = f"{', '.join(requested)} {_WHY.get(code, 'is unavailable (' + code + ')')}"
    cause = f"({status}: {getattr(error, 'message', error)})" if status else f"({error})"
    steps = [_NEXT[code]] if code in _NEXT else []
    fallbacks = _names(found.get("fallback_models"))
    if fallbacks:
        steps.append(f"switch with %openrouter use {fallbacks[0]} (or --fallback {','.join(fallbacks[:3])})")
    retry = found.get("retry_after")
    if found.get("retryable") and isinstance(retry, (int, float)) and not isinstance(retry, bool):
        steps.insert(0, f"retry in {retry:g} s")
    if not steps:
        steps.append("pick another model (%openrouter models)")
    return f"{what} {cause}: {'; or '.join(steps)}"


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def router_note(metadata: Any) -> str | None:
    """``2 attempts → Together`` when more than one attempt was made or a fallback model served."""
    if not isinstance(metadata, dict):
        return None
    attempts = [a for a in metadata.get("attempts") or [] if isinstance(a, dict)]
    count = len(attempts) or (metadata.get("attempt") if isinstance(metadata.get("attempt"), int) else 1)
    last = attempts[-1] if attempts else {}
    provider = last.get("provider")
    served_model = last.get("model")
    requested = metadata.get("requested")
    fallback = bool(served_model and requested and served_model != requested)
    if count <= 1 and not fallback:
        return None
    who = f"{served_model} via {provider}" if fallback and provider else (provider or served_model or "another")
    return f"{count} attempt{'s' * (count != 1)} → {who}"
