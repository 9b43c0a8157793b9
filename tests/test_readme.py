"""The README starts with the two commands and its reference is generated from the magics' help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openrouter_magic

ROOT = Path(__file__).resolve().parents[1]


def _reference_module():
    spec = importlib.util.spec_from_file_location("reference", ROOT / "docs" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_starts_with_make_demo_and_make_test():
    head = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert head.index("make demo") < head.index("make test")


def test_readme_reference_matches_the_generated_manual():
    reference = _reference_module()
    current = (ROOT / "README.md").read_text()
    assert reference.updated_readme(current) == current, "run: python docs/reference.py"


def test_readme_documents_every_cell_magic_option():
    from openrouter_magic._magics.magics import OpenRouterMagics

    readme = (ROOT / "README.md").read_text()
    parser = OpenRouterMagics.openrouter_cell.parser
    options = [opt for action in parser._actions for opt in action.option_strings if opt.startswith("--")]
    assert len(options) > 20
    missing = [opt for opt in options if opt not in readme]
    assert not missing


def test_public_names_are_pinned_and_sorted():
    assert openrouter_magic.__all__ == sorted(openrouter_magic.__all__)
    assert set(openrouter_magic.__all__) == {
        "APIError", "AuthenticationError", "BadRequestError", "BudgetExceeded", "ChatResponse", "ConfigError", "Done",
        "InsufficientCreditsError", "ModerationError", "NotFoundError", "OpenRouter", "OpenRouterError",
        "ProviderError", "RateLimitError", "ReasoningDelta", "StreamError", "TextDelta", "ToolCall",
        "ToolCallDelta", "TransportError", "Usage", "UsageEvent", "ask", "catalog", "compare", "embed", "ledger",
        "load_ipython_extension", "map_rows", "unload_ipython_extension",
    }
    for name in openrouter_magic.__all__:
        assert getattr(openrouter_magic, name) is not None
