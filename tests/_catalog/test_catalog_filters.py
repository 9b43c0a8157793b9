"""Filtering, sorting, searching the catalog and "did you mean" suggestions (table tests)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from openrouter_magic._catalog.frame import filter_models, models_to_frame, suggest
from tests.conftest import shared_path


def _model(model_id, prompt, completion, *, name=None, context=8000, params=(), inputs=("text",), created=1):
    return {"id": model_id, "name": name or model_id, "created": created, "context_length": context,
            "architecture": {"input_modalities": list(inputs), "output_modalities": ["text"]},
            "pricing": {"prompt": prompt, "completion": completion}, "supported_parameters": list(params),
            "top_provider": {"max_completion_tokens": 4096, "is_moderated": False}}


SMALL = [
    _model("openai/gpt-4o", "0.0000025", "0.00001", name="OpenAI: GPT-4o", context=128000,
           params=("tools", "response_format"), inputs=("text", "image"), created=50),
    _model("openai/gpt-4o-mini", "0.00000015", "0.0000006", name="OpenAI: GPT-4o-mini", context=128000,
           params=("tools", "structured_outputs"), inputs=("text", "image"), created=60),
    _model("anthropic/claude-sonnet-4.5", "0.000003", "0.000015", name="Anthropic: Claude Sonnet 4.5",
           context=1000000, params=("tools", "reasoning", "include_reasoning"), inputs=("text", "image"), created=90),
    _model("meta-llama/llama-3.3-70b-instruct:free", "0", "0", name="Meta: Llama 3.3 70B Instruct (free)",
           context=65536, created=40),
    _model("deepseek/deepseek-r1", "0.0000005", "0.00000218", name="DeepSeek: R1", context=163840,
           params=("include_reasoning",), created=70),
    _model("openrouter/auto", "-1", "-1", name="Auto Router", context=2000000, params=("tools",), created=10),
    _model("zeta/no-params", "0.000001", "0.000001", name="Zeta", context=None, created=80),
]


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    frame = models_to_frame(SMALL)
    frame.loc[frame["id"] == "zeta/no-params", "supported_parameters"] = None  # an older-schema row
    return frame


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    with open(shared_path("models", "models-2026-08-19.json"), encoding="utf-8") as fh:
        return models_to_frame(json.load(fh)["data"])


def _ids(df: pd.DataFrame) -> list[str]:
    return df["id"].tolist()


FILTERS = [
    ({}, ["openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5",
          "meta-llama/llama-3.3-70b-instruct:free", "deepseek/deepseek-r1", "openrouter/auto", "zeta/no-params"]),
    ({"free": True}, ["meta-llama/llama-3.3-70b-instruct:free"]),
    ({"vision": True}, ["openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5"]),
    ({"tools": True}, ["openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "openrouter/auto"]),
    ({"structured": True}, ["openai/gpt-4o", "openai/gpt-4o-mini"]),
    ({"reasoning": True}, ["anthropic/claude-sonnet-4.5", "deepseek/deepseek-r1"]),
    ({"min_context": 150000}, ["anthropic/claude-sonnet-4.5", "deepseek/deepseek-r1", "openrouter/auto"]),
    ({"max_price": 1.0}, ["openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct:free", "zeta/no-params"]),
    ({"max_price": 2.5}, ["openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct:free", "deepseek/deepseek-r1",
                          "zeta/no-params"]),
    ({"author": "OpenAI"}, ["openai/gpt-4o", "openai/gpt-4o-mini"]),
    ({"author": "deepseek, zeta"}, ["deepseek/deepseek-r1", "zeta/no-params"]),
    ({"author": ["anthropic"]}, ["anthropic/claude-sonnet-4.5"]),
    ({"tools": True, "vision": True, "max_price": 12}, ["openai/gpt-4o", "openai/gpt-4o-mini"]),
    ({"free": True, "tools": True}, []),
    ({"limit": 2}, ["openai/gpt-4o", "openai/gpt-4o-mini"]),
    ({"limit": 0}, []),
]


@pytest.mark.parametrize("kwargs, expected", FILTERS, ids=[str(k) for k, _ in FILTERS])
def test_filter_table(small, kwargs, expected):
    assert _ids(filter_models(small, **kwargs)) == expected


SORTS = [
    ("price", ["meta-llama/llama-3.3-70b-instruct:free", "openai/gpt-4o-mini", "zeta/no-params", "deepseek/deepseek-r1",
               "openai/gpt-4o", "anthropic/claude-sonnet-4.5", "openrouter/auto"]),
    ("context", ["openrouter/auto", "anthropic/claude-sonnet-4.5", "deepseek/deepseek-r1", "openai/gpt-4o",
                 "openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct:free", "zeta/no-params"]),
    ("newest", ["anthropic/claude-sonnet-4.5", "zeta/no-params", "deepseek/deepseek-r1", "openai/gpt-4o-mini",
                "openai/gpt-4o", "meta-llama/llama-3.3-70b-instruct:free", "openrouter/auto"]),
    ("name", ["anthropic/claude-sonnet-4.5", "openrouter/auto", "deepseek/deepseek-r1",
              "meta-llama/llama-3.3-70b-instruct:free", "openai/gpt-4o", "openai/gpt-4o-mini", "zeta/no-params"]),
]


@pytest.mark.parametrize("sort, expected", SORTS)
def test_sort_table_puts_unknown_values_last(small, sort, expected):
    assert _ids(filter_models(small, sort=sort)) == expected


def test_unknown_sort_is_a_value_error_naming_the_choices(small):
    with pytest.raises(ValueError, match="price, context, newest, name"):
        filter_models(small, sort="cheapest")


def test_sort_and_limit_apply_after_filtering(small):
    assert _ids(filter_models(small, tools=True, sort="price", limit=2)) == ["openai/gpt-4o-mini", "openai/gpt-4o"]


SEARCHES = [
    ("claude sonnet", ["anthropic/claude-sonnet-4.5"]),
    ("CLAUDE-SONNET", ["anthropic/claude-sonnet-4.5"]),
    ("gpt4o", ["openai/gpt-4o", "openai/gpt-4o-mini"]),
    ("gpt-4o mini", ["openai/gpt-4o-mini"]),
    ("sonnet 4.5", ["anthropic/claude-sonnet-4.5"]),
    ("llama 70b", ["meta-llama/llama-3.3-70b-instruct:free"]),
    ("Meta:", ["meta-llama/llama-3.3-70b-instruct:free"]),  # matches the name, punctuation ignored
    ("router", ["openrouter/auto"]),  # the name "Auto Router" and the id
    ("r1", ["deepseek/deepseek-r1"]),
    ("gpt sonnet", []),  # every word must match the same model
    ("  ", ["openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5",
            "meta-llama/llama-3.3-70b-instruct:free", "deepseek/deepseek-r1", "openrouter/auto", "zeta/no-params"]),
]


@pytest.mark.parametrize("text, expected", SEARCHES)
def test_search_table_is_case_and_punctuation_insensitive(small, text, expected):
    assert _ids(filter_models(small, search=text)) == expected


def test_search_does_not_match_across_the_end_of_the_id_and_the_name():
    df = models_to_frame([{"id": "a/abc", "name": "Def"}])
    assert _ids(filter_models(df, search="cdef")) == [] and _ids(filter_models(df, search="abc def")) == ["a/abc"]


def test_search_on_the_real_catalog_finds_every_claude_sonnet(real):
    found = _ids(filter_models(real, search="claude sonnet"))
    assert "anthropic/claude-sonnet-4.5" in found and all("sonnet" in i for i in found) and len(found) == 8


def test_real_catalog_combined_filter(real):
    found = filter_models(real, vision=True, tools=True, max_price=1.0, min_context=200000, sort="price")
    assert len(found) > 5
    assert (found["completion_usd_per_m"] <= 1.0).all() and (found["context_length"] >= 200000).all()
    assert found["completion_usd_per_m"].is_monotonic_increasing


SUGGESTIONS = [
    ("gpt4o", "openai/gpt-4o"),
    ("sonet 4.5", "anthropic/claude-sonnet-4.5"),
    ("anthropic/claude-sonet-4.5", "anthropic/claude-sonnet-4.5"),
    ("gpt-4o-mni", "openai/gpt-4o-mini"),
    ("deepseek r1", "deepseek/deepseek-r1"),
    ("mistral large", "mistralai/mistral-large"),
    ("o3 mini", "openai/o3-mini"),
    ("qwen3 coder", "qwen/qwen3-coder"),
    ("gemini 2.5 pro", "google/gemini-2.5-pro"),
    ("OPENAI/GPT-4O", "openai/gpt-4o"),
    ("claude-sonnet-4.5:batch", "anthropic/claude-sonnet-4.5:batch"),
    ("llama 3.3 70b", "meta-llama/llama-3.3-70b-instruct"),
]


@pytest.mark.parametrize("typed, best", SUGGESTIONS)
def test_suggestion_table_ranks_the_intended_model_first(real, typed, best):
    found = suggest(typed, _ids(real))
    assert found[0] == best and len(found) == 3


def test_llama_70b_suggests_only_llama_70b_models(real):
    found = suggest("llama 70b", _ids(real))
    assert len(found) == 3 and all("llama" in i and "70b" in i for i in found)


def test_suggestions_prefer_the_base_model_over_its_variant(real):
    assert suggest("gpt4o", _ids(real)) == ["openai/gpt-4o", "openai/gpt-4o:batch", "openai/gpt-4o-mini"]


@pytest.mark.parametrize("typed", ["xyzzy", "", "   ", "qqqq/zzzz"])
def test_nothing_alike_gives_no_suggestion(real, typed):
    assert suggest(typed, _ids(real)) == []


def test_suggest_honours_n_and_ignores_duplicates_and_non_strings():
    ids = ["openai/gpt-4o", "openai/gpt-4o", None, "openai/gpt-4o-mini"]
    assert suggest("gpt4o", ids, n=5) == ["openai/gpt-4o", "openai/gpt-4o-mini"]
    assert suggest("gpt4o", ids, n=1) == ["openai/gpt-4o"] and suggest("gpt4o", ids, n=0) == []


def test_changing_a_filter_result_never_changes_the_catalog_it_came_from(small):
    everything, some = filter_models(small), filter_models(small, free=True)
    everything.loc[everything.index[0], "name"] = "changed"
    some.loc[some.index[0], "name"] = "changed too"
    assert "changed" not in set(small["name"]) and "changed too" not in set(small["name"])
