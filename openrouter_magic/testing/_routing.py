"""Provider routing in the emulator: presets, the ``provider`` preferences that filter endpoints (``zdr``,
``data_collection``, ``only``/``ignore``, ``quantizations``), the 2026 ``error.availability`` bodies, and
router metadata (``openrouter_metadata``, sent when the request has ``X-OpenRouter-Metadata: enabled``).

A model's endpoints come from the ``endpoints`` knob (``[{"provider", "zdr", "data_collection",
"quantization"}]``), else from its ``/endpoints`` record: ZDR and no data collection for paid models, neither
for free ones (free providers may train on prompts, as in the real data-policy 404).
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from ._catalog import Catalog, price, provider_name
from ._records import endpoints_record

__all__ = ["DEFAULT_PRESETS", "availability_error", "expand_preset", "router_metadata", "routing_refusal",
           "with_metadata", "zdr_only"]

#: Presets the emulator knows (slug → the fields it fills in; the request's own fields win).
DEFAULT_PRESETS: dict[str, dict[str, Any]] = {
    "demo": {"model": "openai/gpt-4o-mini", "temperature": 0.2, "provider": {"sort": "price"}},
}
DOCS_URL = "https://openrouter.ai/docs/api-reference/errors-and-debugging#model-availability-errors"


def availability_error(status: int, code: str, message: str, *, requested: list[str],
                       fallback_models: list[str] | None = None, retryable: bool = False,
                       retry_after: float | None = None) -> dict[str, Any]:
    """An error body with ``error.availability`` (2026 docs shape)."""
    return {"error": {"code": status, "message": message, "metadata": {"provider_name": None},
                      "availability": {"code": code, "retryable": retryable, "retry_after": retry_after,
                                       "requested_models": requested, "fallback_models": fallback_models or [],
                                       "docs_url": DOCS_URL}},
            "user_id": "user_emulator"}


def expand_preset(body: Any, presets: dict[str, dict[str, Any]] | None = None) -> tuple[Any, dict | None]:
    """``@preset/SLUG`` or ``MODEL@preset/SLUG`` → the body with the preset's fields; (body, error body)."""
    model = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model, str) or "@preset/" not in model:
        return body, None
    named, _, slug = model.partition("@preset/")
    preset = (presets or DEFAULT_PRESETS).get(slug)
    if preset is None:
        return body, {"error": {"code": 404, "message": f"Preset '{slug}' not found", "metadata": {}}}
    merged = {**preset, **{k: v for k, v in body.items() if k != "model"}}
    merged["model"] = named or preset.get("model", "openrouter/auto")
    return merged, None


def endpoints_of(model: dict[str, Any], knobs: dict[str, Any]) -> list[dict[str, Any]]:
    """The model's endpoints (the ``endpoints`` knob, else those of its /endpoints record, private when paid)."""
    given = knobs.get("endpoints")
    if given:
        return [dict(e) for e in given]
    free = model["id"].endswith(":free") or (price(model, "prompt") == 0 and price(model, "completion") == 0)
    return [{"provider": e["provider_name"], "zdr": not free, "data_collection": "allow" if free else "deny",
             "quantization": e["quantization"]} for e in endpoints_record(model)["endpoints"]]


def zdr_only(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The models with at least one zero-data-retention endpoint (``GET /models?zdr=true``)."""
    return [m for m in models if any(e.get("zdr") for e in endpoints_of(m, {}))]


def _allowed(endpoint: dict[str, Any], prefs: dict[str, Any]) -> bool:
    slug = str(endpoint["provider"]).lower().replace(" ", "-")
    if prefs.get("zdr") and not endpoint.get("zdr"):
        return False
    if prefs.get("data_collection") == "deny" and endpoint.get("data_collection") != "deny":
        return False
    if prefs.get("only") and slug not in [str(p).lower() for p in prefs["only"]]:
        return False
    if slug in [str(p).lower() for p in prefs.get("ignore") or []]:
        return False
    quants = prefs.get("quantizations")
    return not quants or endpoint.get("quantization") in quants


def routing_refusal(body: dict[str, Any], model: dict[str, Any], knobs: dict[str, Any], catalog: Catalog,
                    ) -> tuple[int, dict[str, Any]] | None:
    """The availability error when the provider preferences leave no endpoint (else None)."""
    expired = _expired(model, catalog)
    if expired is not None:
        return expired
    prefs = body.get("provider") if isinstance(body.get("provider"), dict) else {}
    endpoints = endpoints_of(model, knobs)
    if not prefs or any(_allowed(e, prefs) for e in endpoints):
        return None
    privacy = bool(prefs.get("zdr") or prefs.get("data_collection") == "deny")
    code = "privacy_restricted" if privacy else "constraint_filtered"
    others = [m["id"] for m in catalog.models if m["id"] != model["id"]
              and any(_allowed(e, prefs) for e in endpoints_of(m, {}))][:3]
    what = "your data policy (zero data retention / no training)" if privacy else "your provider constraints"
    return 404, availability_error(404, code, f"No endpoints found matching {what} for {model['id']}",
                                   requested=[model["id"]], fallback_models=others)


def _expired(model: dict[str, Any], catalog: Catalog) -> tuple[int, dict[str, Any]] | None:
    """A model past its ``expiration_date`` answers 404 ``model_deprecated`` (its alias target suggested)."""
    import datetime

    ends = model.get("expiration_date")
    if not isinstance(ends, str) or ends[:10] >= datetime.date.today().isoformat():
        return None
    target = model.get("alias_target")
    successor = target.get("slug") if isinstance(target, dict) else None
    fallbacks = [successor] if successor else [m["id"] for m in catalog.models if m.get("id") != model["id"]][:2]
    return 404, availability_error(404, "model_deprecated", f"{model['id']} was retired on {ends[:10]}",
                                   requested=[model["id"]], fallback_models=fallbacks)


def router_metadata(body: dict[str, Any], served_model: str, provider: str, knobs: dict[str, Any],
                    ) -> dict[str, Any]:
    """``openrouter_metadata`` for an answered request: attempts (failed providers, failed fallbacks first)."""
    requested = str(body.get("model") or served_model)
    fallbacks = [m for m in body.get("models") or [] if isinstance(m, str)]
    chain = [requested] + [m for m in fallbacks if m != requested]
    failed_models = chain[:chain.index(served_model)] if served_model in chain else []
    attempts = [{"model": m, "provider": provider_name(m), "status": 404} for m in failed_models]
    attempts += [{"model": served_model, "provider": p, "status": 503} for p in knobs.get("failed_providers") or []]
    attempts.append({"model": served_model, "provider": provider, "status": 200})
    strategy = "fallback" if len(attempts) > 1 else "direct"
    return {"requested": requested, "strategy": strategy, "region": "iad", "attempt": len(attempts),
            "attempts": attempts, "is_byok": False,
            "endpoints": {"total": 1, "available": [{"model": served_model, "provider": provider, "selected": True}]},
            "summary": f"available=1, selected={provider}"}


def with_metadata(events: Iterator[Any], metadata: dict[str, Any]) -> Iterator[Any]:
    """The SSE events with ``openrouter_metadata`` added to the first data chunk."""
    added = False
    for event in events:
        if not added and isinstance(event, str) and event.startswith("data: {"):
            chunk = json.loads(event[6:].strip())
            chunk["openrouter_metadata"] = metadata
            event, added = f"data: {json.dumps(chunk)}\n\n", True
        yield event
