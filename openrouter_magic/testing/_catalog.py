"""The emulator's model catalog: loading, model-id resolution, prices and the /models filters."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

DEMO_CATALOG = Path(__file__).with_name("demo_catalog.json")

#: Variants that select the same underlying model (``:free`` is a catalog entry of its own).
_ALIAS_VARIANTS = ("online", "nitro", "floor", "exacto", "thinking", "extended", "batch")

#: When a router priced "-1" is asked for, it serves the first of these that the catalog has.
_ROUTER_PREFERENCE = ("openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash",
                      "meta-llama/llama-3.3-70b-instruct")

OUTPUT_MODALITIES = ("text", "image", "embeddings", "audio", "video", "rerank", "decisions", "speech",
                     "transcription")

_PROVIDERS = {
    "openai": "OpenAI", "anthropic": "Anthropic", "google": "Google AI Studio", "meta-llama": "DeepInfra",
    "mistralai": "Mistral", "deepseek": "DeepSeek", "qwen": "Alibaba", "x-ai": "xAI", "cohere": "Cohere",
    "microsoft": "Azure", "amazon": "Amazon Bedrock", "nousresearch": "Nebius AI Studio",
    "black-forest-labs": "Black Forest Labs", "moonshotai": "Moonshot AI", "liquid": "Liquid",
}


def load_catalog(catalog: None | str | Path | list[dict[str, Any]] | dict[str, Any]) -> list[dict[str, Any]]:
    """Model dicts from None (the demo catalog), a path to a /models JSON, an envelope or a list."""
    if catalog is None:
        catalog = DEMO_CATALOG
    if isinstance(catalog, (str, Path)):
        catalog = json.loads(Path(catalog).read_text(encoding="utf-8"))
    if isinstance(catalog, dict):
        catalog = catalog["data"]
    return [dict(model) for model in catalog]


def is_router(model: dict[str, Any]) -> bool:
    """True for dynamically priced routers such as openrouter/auto (prices "-1")."""
    return str(model.get("pricing", {}).get("prompt")) == "-1"


def price(model: dict[str, Any], key: str) -> Decimal:
    """A per-token price as Decimal (missing or negative → 0)."""
    value = Decimal(str(model.get("pricing", {}).get(key) or "0"))
    return value if value > 0 else Decimal(0)


def provider_name(model_id: str) -> str:
    """A plausible upstream provider display name for a model id."""
    return _PROVIDERS.get(model_id.split("/", 1)[0], "Together")


def output_includes_text(model: dict[str, Any]) -> bool:
    """Whether the model can answer a chat request with text."""
    return "text" in model.get("architecture", {}).get("output_modalities", ["text"])


class Catalog:
    """Lookup over a list of model dicts."""

    def __init__(self, models: list[dict[str, Any]]):
        self.models = models
        self.by_id = {m["id"]: m for m in models}
        for m in models:
            self.by_id.setdefault(m.get("canonical_slug") or m["id"], m)

    def resolve(self, model_id: str | None) -> dict[str, Any] | None:
        """The catalog entry for an id, a canonical slug or an id with an alias variant; None if unknown."""
        if not isinstance(model_id, str) or not model_id:
            return None
        if model_id in self.by_id:
            return self.by_id[model_id]
        base, _, variant = model_id.rpartition(":")
        if base and variant in _ALIAS_VARIANTS:
            return self.by_id.get(base)
        return None

    def concrete(self, model: dict[str, Any]) -> dict[str, Any]:
        """The model that really serves a request: a router picks a concrete, priced text model."""
        if not is_router(model):
            return model
        for model_id in _ROUTER_PREFERENCE:
            if model_id in self.by_id:
                return self.by_id[model_id]
        for candidate in self.models:
            if not is_router(candidate) and output_includes_text(candidate) and price(candidate, "prompt") > 0:
                return candidate
        return model

    def filtered(self, output_modalities: Iterable[str] | None, supported_parameters: Iterable[str]) -> list[dict]:
        """Models whose outputs include any requested modality (None = all) and that support every parameter."""
        wanted = set(output_modalities) if output_modalities is not None else None
        needed = set(supported_parameters)
        result = []
        for m in self.models:
            outputs = set(m.get("architecture", {}).get("output_modalities", ["text"]))
            if wanted is not None and not outputs & wanted:
                continue
            if needed and not needed <= set(m.get("supported_parameters") or []):
                continue
            result.append(m)
        return result
