"""Catalog conversion: the three real /models snapshots → DataFrame, prices, missing fields, display."""

from __future__ import annotations

import json
import math
import warnings
from decimal import Decimal

import pandas as pd
import pytest

from openrouter_magic._catalog.frame import COLUMNS, models_to_frame, parse_price
from openrouter_magic._catalog.view import (
    CatalogView,
    ModelFrame,
    display_frame,
    format_context,
    format_price,
)
from openrouter_magic._catalog.prices import catalog_row
from tests.conftest import shared_path

SNAPSHOTS = {"2024-12-08": 194, "2025-04-23": 302, "2026-08-19": 414}


def _raw(date: str) -> list[dict]:
    with open(shared_path("models", f"models-{date}.json"), encoding="utf-8") as fh:
        return json.load(fh)["data"]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {date: models_to_frame(_raw(date)) for date in SNAPSHOTS}


@pytest.mark.parametrize("date, rows", SNAPSHOTS.items())
def test_each_real_snapshot_loads_with_every_model_and_no_warning(date, rows):
    raw = _raw(date)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = models_to_frame(raw)
    assert len(df) == rows
    assert list(df.columns) == COLUMNS
    assert df["id"].tolist() == [m["id"] for m in raw]


# (snapshot, id, prompt $/M, completion $/M, context, max output) — written by hand from the raw files.
KNOWN = [
    ("2024-12-08", "openai/gpt-4o", 2.5, 10.0, 128000, 16384),
    ("2024-12-08", "anthropic/claude-3.5-sonnet", 3.0, 15.0, 200000, 8192),
    ("2024-12-08", "meta-llama/llama-3.1-70b-instruct", 0.34, 0.39, 32768, 32768),
    ("2024-12-08", "google/gemini-flash-1.5", 0.075, 0.3, 1000000, 8192),
    ("2024-12-08", "mistralai/mistral-large", 2.0, 6.0, 128000, None),
    ("2025-04-23", "openai/gpt-4o-mini", 0.15, 0.6, 128000, 16384),
    ("2025-04-23", "deepseek/deepseek-r1", 0.5, 2.18, 163840, 163840),
    ("2025-04-23", "microsoft/mai-ds-r1:free", 0.0, 0.0, 163840, None),
    ("2025-04-23", "google/gemini-2.5-pro-preview-03-25", 1.25, 10.0, 1048576, 65535),
    ("2026-08-19", "anthropic/claude-sonnet-4.5", 3.0, 15.0, 1000000, 64000),
    ("2026-08-19", "qwen/qwen3.8-27b", 0.45, 3.2, 262144, 131072),
    ("2026-08-19", "meta-llama/llama-3.3-70b-instruct", 0.1, 0.32, 131072, 16384),
    ("2026-08-19", "openai/gpt-4o:batch", 1.25, 5.0, 128000, 16384),
]


@pytest.mark.parametrize("date, model_id, prompt, completion, context, max_out", KNOWN)
def test_known_model_prices_match_the_raw_json(frames, date, model_id, prompt, completion, context, max_out):
    row = frames[date].set_index("id").loc[model_id]
    raw = next(m for m in _raw(date) if m["id"] == model_id)
    pairs = (("prompt_usd_per_m", "prompt", prompt), ("completion_usd_per_m", "completion", completion))
    for column, key, expected in pairs:
        assert row[column] == expected  # exact: "0.000003" must give 3.0, not 2.9999999999999996
        assert Decimal(raw["pricing"][key]) * 10**6 == Decimal(str(expected))
    assert row["context_length"] == context
    assert (pd.isna(row["max_completion_tokens"]) if max_out is None else row["max_completion_tokens"] == max_out)


@pytest.mark.parametrize("date", SNAPSHOTS)
def test_every_price_equals_the_raw_decimal_string_times_a_million(frames, date):
    df = frames[date].set_index("id")
    for m in _raw(date):
        value = Decimal(m["pricing"]["completion"]) * 10**6
        got = df.loc[m["id"], "completion_usd_per_m"]
        assert math.isnan(got) if value < 0 else got == float(value), m["id"]


@pytest.mark.parametrize("date", SNAPSHOTS)
def test_routers_priced_minus_one_are_missing_never_negative(frames, date):
    df = frames[date]
    router = df[df["id"] == "openrouter/auto"].iloc[0]
    assert math.isnan(router["prompt_usd_per_m"]) and math.isnan(router["completion_usd_per_m"])
    assert not router["is_free"]
    for column in ("prompt_usd_per_m", "completion_usd_per_m", "request_usd", "image_usd"):
        assert not (df[column] < 0).any()


def test_2026_snapshot_has_all_five_dynamic_routers_missing(frames):
    df = frames["2026-08-19"]
    missing = set(df.loc[df["prompt_usd_per_m"].isna(), "id"])
    assert missing == {"openrouter/auto", "openrouter/auto-beta", "openrouter/fusion", "openrouter/pareto-code",
                       "openrouter/bodybuilder"}


def test_older_schemas_without_supported_parameters_give_missing_values(frames):
    for date in ("2024-12-08", "2025-04-23"):
        assert frames[date]["supported_parameters"].isna().all()
    assert frames["2026-08-19"]["supported_parameters"].notna().all()


def test_2024_schema_derives_modalities_from_the_modality_string(frames):
    row = frames["2024-12-08"].set_index("id").loc["openai/gpt-4o"]
    assert row["input_modalities"] == ("text", "image") and row["output_modalities"] == ("text",)


def test_columns_have_useful_types(frames):
    df = frames["2026-08-19"]
    assert str(df["context_length"].dtype) == "Int64"
    assert df["prompt_usd_per_m"].dtype == "float64"
    assert df["is_free"].dtype == bool
    assert isinstance(df["created"].dtype, pd.DatetimeTZDtype)
    first = df.iloc[0]
    assert first["created"] == pd.Timestamp(1786722910, unit="s", tz="UTC")
    assert first["author"] == "qwen" and first["tokenizer"] == "Qwen"


def test_is_free_comes_from_the_variant_or_zero_prices():
    df = models_to_frame([
        {"id": "a/x:free", "pricing": {"prompt": "0.000001", "completion": "0.000001"}},
        {"id": "a/zero", "pricing": {"prompt": "0", "completion": "0"}},
        {"id": "a/paid", "pricing": {"prompt": "0", "completion": "0.000002"}},
        {"id": "a/unknown", "pricing": {}},
    ])
    assert df["is_free"].tolist() == [True, True, False, False]


def test_malformed_and_missing_fields_become_missing_values_without_crashing():
    models = [
        {"id": "odd/one", "name": 5, "created": "yesterday", "context_length": "big", "architecture": "x",
         "pricing": {"prompt": "abc", "completion": None, "request": "-0.5", "image": [1]},
         "top_provider": None, "supported_parameters": "tools"},
        {"id": "bare/two"}, "not a model", {"name": "no id"},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = models_to_frame(models)
    assert df["id"].tolist() == ["odd/one", "bare/two"]
    for column in ("name", "context_length", "prompt_usd_per_m", "completion_usd_per_m", "request_usd",
                   "image_usd", "supported_parameters", "input_modalities", "created", "is_moderated"):
        assert df[column].isna().all(), column


@pytest.mark.parametrize("text, scale, expected", [
    ("0.000003", 1e6, 3.0), ("0.00000015", 1e6, 0.15), ("0", 1e6, 0.0), ("-1", 1e6, None),
    ("1e-6", 1e6, 1.0), (" 0.000002 ", 1e6, 2.0), ("nan", 1e6, None), ("inf", 1e6, None),
    ("garbage", 1e6, None), (None, 1e6, None), (True, 1.0, None), (0.004, 1.0, 0.004), ("0.0048", 1.0, 0.0048),
])
def test_parse_price_table(text, scale, expected):
    got = parse_price(text, scale)
    assert math.isnan(got) if expected is None else got == expected


def test_author_comes_from_the_id_without_the_alias_tilde():
    df = models_to_frame([{"id": "~anthropic/claude-sonnet-latest"}, {"id": "meta-llama/x"}, {"id": "solo"}])
    assert df["author"].tolist()[:2] == ["anthropic", "meta-llama"] and pd.isna(df["author"].iloc[2])


@pytest.mark.parametrize("value, text", [(3, "$3.00"), (0, "$0.00"), (0.075, "$0.075"), (0.5, "$0.50"),
                                         (float("nan"), "—"), (1234.5, "$1,234.50")])
def test_prices_are_shown_in_dollars(value, text):
    assert format_price(value) == text


@pytest.mark.parametrize("value, text", [(128000, "128K"), (1048576, "1M"), (2000000, "2M"), (200000, "200K"),
                                         (512, "512"), (pd.NA, "—")])
def test_contexts_are_shown_in_k_and_m(value, text):
    assert format_context(value) == text


def test_display_shows_at_most_limit_rows_with_a_more_note(frames):
    df = frames["2026-08-19"]
    shown = display_frame(df, limit=3)
    text = repr(shown)
    assert isinstance(shown, ModelFrame) and len(shown) == 414
    assert len(text.splitlines()) == 1 + 3 + 1
    assert text.endswith("411 more (of 414): narrow the filters or raise --limit")
    assert "qwen/qwen3.8-27b" in text and "$0.45" in text and "262K" in text and "👁 🛠 {} 🧠" in text
    html = shown._repr_html_()
    assert html.count("<tr>") == 1 + 3 and "411 more" in html


def test_display_frame_still_chains_as_a_plain_dataframe(frames):
    shown = display_frame(frames["2026-08-19"])
    cheap = shown[shown["is_free"]]
    assert type(cheap) is pd.DataFrame and cheap["is_free"].all() and len(cheap) == 20  # 17 :free + 3 priced 0
    assert "more (of 414)" in repr(shown) and "more (of" not in repr(cheap)


def test_html_view_escapes_model_text():
    df = models_to_frame([{"id": "x/<b>", "name": "<script>alert(1)</script>"}])
    html = CatalogView(df)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_catalog_row_gives_the_four_numbers_as_plain_python_and_none_when_unknown(frames):
    df = frames["2026-08-19"]
    expected = {"prompt_usd_per_m": 2.5, "completion_usd_per_m": 10.0, "max_completion_tokens": 16384,
                "context_length": 128000}

    def four(model):
        row = catalog_row(df, model)
        return None if row is None else {name: row[name] for name in expected}

    assert four("openai/gpt-4o") == expected
    assert all(type(value) in (int, float) for value in four("openai/gpt-4o").values())  # not numpy scalars
    assert four("openai/gpt-4o:nitro") == expected  # a variant the catalog lacks → its base
    assert four("openai/gpt-4o:free") is None  # but never price a :free id from the paid base
    assert four("openrouter/auto")["prompt_usd_per_m"] is None  # a dynamic price is missing, not NaN
    assert four("nobody/nothing") is None


def test_an_empty_model_list_gives_an_empty_frame_with_every_column():
    df = models_to_frame([])
    assert list(df.columns) == COLUMNS and len(df) == 0 and isinstance(df["created"].dtype, pd.DatetimeTZDtype)
