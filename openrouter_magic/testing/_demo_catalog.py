"""Writes ``demo_catalog.json``, the emulator's default catalog (the committed JSON is what is served).

Run ``python -m openrouter_magic.testing._demo_catalog`` after editing the table. Prices are USD per million
tokens as published by the vendors; the JSON stores them per token as decimal strings, like OpenRouter.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

BASE = ["frequency_penalty", "max_tokens", "presence_penalty", "seed", "stop", "temperature", "top_p"]
TOOLS = ["tool_choice", "tools"]
STRUCTURED = ["response_format", "structured_outputs"]
REASONING = ["include_reasoning", "reasoning"]
T, I, F, A = "text", "image", "file", "audio"

# id, name, created, context, max output, inputs, outputs, tokenizer, $/M in, $/M out, features, description
MODELS = [
    ("openai/gpt-5", "OpenAI: GPT-5", 1754587413, 400000, 128000, [T, I, F], [T], "GPT", 1.25, 10, "tsr!",
     "OpenAI's flagship model for coding, reasoning and agentic tasks, with adjustable reasoning effort."),
    ("openai/gpt-4.1", "OpenAI: GPT-4.1", 1744651385, 1047576, 32768, [T, I, F], [T], "GPT", 2, 8, "ts",
     "A general-purpose model with a one-million-token context window and strong instruction following."),
    ("openai/gpt-4.1-mini", "OpenAI: GPT-4.1 Mini", 1744651381, 1047576, 32768, [T, I, F], [T], "GPT", 0.4, 1.6,
     "ts", "A fast, affordable GPT-4.1 variant for everyday tasks with long inputs."),
    ("openai/o4-mini", "OpenAI: o4 Mini", 1744820942, 200000, 100000, [T, I, F], [T], "GPT", 1.1, 4.4, "tsr!",
     "A compact reasoning model tuned for fast, cost-efficient problem solving in maths and code."),
    ("openai/gpt-oss-120b", "OpenAI: gpt-oss-120b", 1754414231, 131072, 131072, [T], [T], "GPT", 0.05, 0.25,
     "tsr", "An open-weight mixture-of-experts model for reasoning and tool use, released under Apache 2.0."),
    ("openai/gpt-4o", "OpenAI: GPT-4o", 1715367049, 128000, 16384, [T, I, F], [T], "GPT", 2.5, 10, "ts",
     "OpenAI's omni model: text and image input, text output, with the intelligence of GPT-4 Turbo at lower cost."),
    ("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", 1721260800, 128000, 16384, [T, I, F], [T], "GPT", 0.15, 0.6,
     "ts", "OpenAI's small multimodal model: cheap, fast and good enough for most chat and extraction tasks."),
    ("openai/text-embedding-3-small", "OpenAI: Text Embedding 3 Small", 1705953600, 8192, None, [T],
     ["embeddings"], "GPT", 0.02, 0, "", "A small, efficient embedding model for search and clustering."),
    ("anthropic/claude-sonnet-4.5", "Anthropic: Claude Sonnet 4.5", 1759161676, 1000000, 64000, [T, I, F], [T],
     "Claude", 3, 15, "tsr", "Anthropic's most capable Sonnet, strong at coding, agents and long tasks."),
    ("anthropic/claude-haiku-4.5", "Anthropic: Claude Haiku 4.5", 1760547638, 200000, 64000, [T, I], [T],
     "Claude", 1, 5, "tsr", "Anthropic's fastest model, with near-frontier quality at a small price."),
    ("anthropic/claude-opus-4.1", "Anthropic: Claude Opus 4.1", 1754411591, 200000, 32000, [T, I, F], [T],
     "Claude", 15, 75, "tsr", "Anthropic's most intelligent model for demanding reasoning and writing."),
    ("google/gemini-2.5-pro", "Google: Gemini 2.5 Pro", 1750169544, 1048576, 65536, [T, I, F, A], [T], "Gemini",
     1.25, 10, "tsr!", "Google's state-of-the-art thinking model for reasoning over code, maths and long documents."),
    ("google/gemini-2.5-flash", "Google: Gemini 2.5 Flash", 1750172488, 1048576, 65535, [T, I, F, A], [T],
     "Gemini", 0.3, 2.5, "tsr", "Google's workhorse model with built-in thinking and a one-million-token context."),
    ("google/gemini-2.5-flash-image", "Google: Gemini 2.5 Flash Image (Nano Banana)", 1759870431, 32768, 8192,
     [T, I], [I, T], "Gemini", 0.3, 2.5, "s", "Image generation and editing with conversational, multi-turn control."),
    ("google/gemma-3-27b-it", "Google: Gemma 3 27B", 1741756359, 131072, 16384, [T, I], [T], "Gemini", 0.09,
     0.17, "sF", "Google's open model with vision input and a 128K context, in 140 languages."),
    ("meta-llama/llama-4-maverick", "Meta: Llama 4 Maverick", 1743881822, 1048576, 16384, [T, I], [T], "Llama4",
     0.15, 0.6, "ts", "A mixture-of-experts multimodal model from Meta with 17B active parameters."),
    ("meta-llama/llama-3.3-70b-instruct", "Meta: Llama 3.3 70B Instruct", 1733506137, 131072, 16384, [T], [T],
     "Llama3", 0.13, 0.39, "tsF", "Meta's multilingual 70B instruction-tuned model, strong for its size."),
    ("meta-llama/llama-3.1-70b-instruct", "Meta: Llama 3.1 70B Instruct", 1721692800, 131072, 16384, [T], [T],
     "Llama3", 0.4, 0.4, "ts", "Meta's 70B instruction-tuned Llama 3.1, for dialogue and general tasks."),
    ("meta-llama/llama-3.1-8b-instruct", "Meta: Llama 3.1 8B Instruct", 1721692800, 131072, 16384, [T], [T],
     "Llama3", 0.02, 0.03, "t", "A small, very fast and cheap Llama 3.1 for simple tasks."),
    ("mistralai/mistral-large-2411", "Mistral Large 2411", 1731978415, 131072, None, [T], [T], "Mistral", 2, 6,
     "ts", "Mistral's flagship model with improved long context, function calling and system prompts."),
    ("mistralai/mistral-small-3.2-24b-instruct", "Mistral: Mistral Small 3.2 24B", 1750443016, 131072, 131072,
     [T, I], [T], "Mistral", 0.1, 0.3, "tsF", "A 24B model with vision, tuned for instruction following and tools."),
    ("mistralai/mistral-nemo", "Mistral: Mistral Nemo", 1721347200, 131072, 16384, [T], [T], "Mistral", 0.02,
     0.04, "ts", "A 12B multilingual model built with NVIDIA, with a 128K context."),
    ("mistralai/codestral-2508", "Mistral: Codestral 2508", 1754079630, 256000, None, [T], [T], "Mistral", 0.3,
     0.9, "ts", "Mistral's coding model for fill-in-the-middle, code correction and test generation."),
    ("deepseek/deepseek-chat-v3.1", "DeepSeek: DeepSeek V3.1", 1755779628, 163840, 163840, [T], [T], "DeepSeek",
     0.27, 1.1, "tsrF", "A hybrid model that can think or answer directly, strong at tool use and code."),
    ("deepseek/deepseek-r1", "DeepSeek: R1", 1737381095, 163840, 163840, [T], [T], "DeepSeek", 0.7, 2.5, "sr!F",
     "An open reasoning model with performance on par with OpenAI o1, with fully open reasoning tokens."),
    ("qwen/qwen3-235b-a22b", "Qwen: Qwen3 235B A22B", 1745875757, 131072, 131072, [T], [T], "Qwen3", 0.13, 0.6,
     "tsr", "A mixture-of-experts model that switches between thinking and non-thinking modes."),
    ("qwen/qwen-2.5-72b-instruct", "Qwen2.5 72B Instruct", 1726704000, 32768, 16384, [T], [T], "Qwen", 0.12, 0.39,
     "ts", "Qwen's 72B model with stronger coding, maths and structured output than Qwen2."),
    ("qwen/qwen3-coder", "Qwen: Qwen3 Coder 480B A35B", 1753230546, 262144, 262144, [T], [T], "Qwen3", 0.22, 0.95,
     "tsF", "An agentic coding model for repository-scale tasks and function calling."),
    ("qwen/qwen2.5-vl-72b-instruct", "Qwen: Qwen2.5 VL 72B Instruct", 1738410311, 32768, 32768, [T, I], [T],
     "Qwen", 0.25, 0.75, "s", "A vision-language model that reads charts, documents and screenshots."),
    ("x-ai/grok-4", "xAI: Grok 4", 1752087689, 256000, None, [T, I], [T], "Grok", 3, 15, "tsr!",
     "xAI's reasoning model with parallel tool calling and structured outputs."),
    ("x-ai/grok-3-mini", "xAI: Grok 3 Mini", 1744240068, 131072, None, [T], [T], "Grok", 0.3, 0.5, "tsr",
     "A lightweight thinking model, fast and economical for logic-based tasks."),
    ("cohere/command-r-plus-08-2024", "Cohere: Command R+ (08-2024)", 1724976000, 128000, 4000, [T], [T], "Cohere",
     2.5, 10, "ts", "Cohere's model for retrieval-augmented generation and multi-step tool use."),
    ("amazon/nova-lite-v1", "Amazon: Nova Lite 1.0", 1733437363, 300000, 5120, [T, I], [T], "Nova", 0.06, 0.24,
     "t", "A very low-cost multimodal model from Amazon for fast image, video and text processing."),
    ("microsoft/phi-4", "Microsoft: Phi 4", 1736489872, 16384, None, [T], [T], "Other", 0.06, 0.14, "s",
     "A 14B model trained on synthetic data, strong at reasoning for its size."),
    ("moonshotai/kimi-k2", "MoonshotAI: Kimi K2", 1752263252, 131072, 131072, [T], [T], "Other", 0.5, 2.4, "tsF",
     "A one-trillion-parameter mixture-of-experts model tuned for agentic coding and tool use."),
    ("black-forest-labs/flux.2-pro", "Black Forest Labs: FLUX.2 Pro", 1763672000, 32768, None, [T, I], [I],
     "Other", 0, 0, "", "Text-to-image generation and editing with high prompt fidelity."),
]
# open-weight models name their Hugging Face repository
HUGGING_FACE = {
    "openai/gpt-oss-120b": "openai/gpt-oss-120b", "google/gemma-3-27b-it": "google/gemma-3-27b-it",
    "meta-llama/llama-4-maverick": "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
    "meta-llama/llama-3.3-70b-instruct": "meta-llama/Llama-3.3-70B-Instruct",
    "meta-llama/llama-3.1-70b-instruct": "meta-llama/Meta-Llama-3.1-70B-Instruct",
    "meta-llama/llama-3.1-8b-instruct": "meta-llama/Meta-Llama-3.1-8B-Instruct",
    "mistralai/mistral-small-3.2-24b-instruct": "mistralai/Mistral-Small-3.2-24B-Instruct-2506",
    "mistralai/mistral-nemo": "mistralai/Mistral-Nemo-Instruct-2407",
    "deepseek/deepseek-chat-v3.1": "deepseek-ai/DeepSeek-V3.1", "deepseek/deepseek-r1": "deepseek-ai/DeepSeek-R1",
    "qwen/qwen3-235b-a22b": "Qwen/Qwen3-235B-A22B", "qwen/qwen-2.5-72b-instruct": "Qwen/Qwen2.5-72B-Instruct",
    "qwen/qwen3-coder": "Qwen/Qwen3-Coder-480B-A35B-Instruct",
    "qwen/qwen2.5-vl-72b-instruct": "Qwen/Qwen2.5-VL-72B-Instruct", "microsoft/phi-4": "microsoft/phi-4",
    "moonshotai/kimi-k2": "moonshotai/Kimi-K2-Instruct",
}
ROUTER = ("openrouter/auto", "Auto Router", 1699401600, 2000000,
          "Your prompt is routed to one of many models, optimizing for the best possible output. "
          "The model that answered is reported in the response.")


def per_token(usd_per_million: float) -> str:
    """$/M → the per-token decimal string OpenRouter uses ("0.0000025")."""
    value = (Decimal(str(usd_per_million)) / Decimal(1_000_000)).normalize()
    return format(value, "f")


def model_entry(row: tuple) -> dict:
    """One 2026-shape model object."""
    model_id, name, created, context, max_out, inputs, outputs, tokenizer, p_in, p_out, features, text = row
    params = BASE + (TOOLS if "t" in features else []) + (STRUCTURED if "s" in features else [])
    params += REASONING if "r" in features else []
    pricing = {"prompt": per_token(p_in), "completion": per_token(p_out)}
    if model_id.split("/")[0] in ("openai", "anthropic", "google") and p_in:
        pricing["input_cache_read"] = per_token(p_in / (10 if model_id.startswith("anthropic") else 4))
    if I in outputs:
        pricing["image_output"] = "0.00003" if T in outputs else "0.04"
    entry = {
        "id": model_id, "canonical_slug": model_id, "hugging_face_id": HUGGING_FACE.get(model_id, ""), "name": name, "created": created,
        "description": text, "context_length": context,
        "architecture": {"modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}", "input_modalities": inputs,
                         "output_modalities": outputs, "tokenizer": tokenizer, "instruct_type": None},
        "pricing": pricing,
        "top_provider": {"context_length": context, "max_completion_tokens": max_out,
                         "is_moderated": model_id.startswith(("openai/", "anthropic/"))},
        "per_request_limits": None, "supported_parameters": sorted(params),
        "default_parameters": {}, "supported_voices": None, "knowledge_cutoff": None, "expiration_date": None,
        "links": {"details": f"/api/v1/models/{model_id}/endpoints"},
    }
    if "r" in features:
        entry["reasoning"] = {"mandatory": "!" in features, "default_enabled": "!" in features,
                              "supported_efforts": ["high", "medium", "low"], "default_effort": "medium"}
    return entry


def free_variant(entry: dict) -> dict:
    """The ``:free`` twin of a model: same entry, zero prices, smaller limits."""
    free = json.loads(json.dumps(entry))
    free["id"] += ":free"
    free["name"] += " (free)"
    free["pricing"] = {"prompt": "0", "completion": "0"}
    free["top_provider"]["max_completion_tokens"] = 4096
    free["links"]["details"] = f"/api/v1/models/{free['id']}/endpoints"
    return free


def router_entry() -> dict:
    """openrouter/auto, priced "-1" (dynamic)."""
    model_id, name, created, context, text = ROUTER
    row = (model_id, name, created, context, None, [T, I, F], [T, I], "Router", 0, 0, "tsr", text)
    entry = model_entry(row)
    entry.pop("reasoning")
    entry["pricing"] = {"prompt": "-1", "completion": "-1"}
    entry["top_provider"] = {"context_length": None, "max_completion_tokens": None, "is_moderated": False}
    return entry


def build() -> dict:
    """The whole /models envelope, newest first."""
    models = [router_entry()]
    for row in MODELS:
        models.append(model_entry(row))
        if "F" in row[10]:
            models.append(free_variant(models[-1]))
    models.sort(key=lambda m: (-m["created"], m["id"]))
    return {"data": models, "total_count": len(models), "links": {"next": None}}


if __name__ == "__main__":
    path = Path(__file__).with_name("demo_catalog.json")
    path.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(build()['data'])} models)")
