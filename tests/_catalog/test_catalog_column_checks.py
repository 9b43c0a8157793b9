"""The conversion checks prices, counts and the 2026 columns a whole column at a time (for speed): every
value still gets what the one-value rules give it, also when one odd value sends a column down the slow path."""

from __future__ import annotations

import math
import warnings

import pytest

from openrouter_magic._catalog.frame import models_to_frame, parse_price

pd = pytest.importorskip("pandas")

PRICES = ["0.000003", "-1", "1e-6", " 0.000002 ", "nan", "inf", "garbage", None, True, 0.004, 7, "0", "1" + "0" * 400]


def _same(got: float, want: float) -> bool:
    return math.isnan(got) and math.isnan(want) or got == want


@pytest.mark.parametrize("mixed", [PRICES, ["0.000003", "-1", "0.00000015", None]], ids=["odd", "usual"])
def test_each_price_in_a_column_equals_the_one_value_parser(mixed):
    models = [{"id": f"a/m{i}", "pricing": {"prompt": v, "completion": v, "request": v, "input_cache_read": v,
                                             "image_output": v}} for i, v in enumerate(mixed)]
    df = models_to_frame(models)
    for name, scale, key in [("prompt_usd_per_m", 1e6, "prompt"), ("request_usd", 1.0, "request"),
                             ("cache_read_usd_per_m", 1e6, "input_cache_read"),
                             ("image_output_usd_per_m", 1e6, "image_output")]:
        got = df[name].tolist()
        want = [parse_price(m["pricing"][key], scale) for m in models]
        assert all(_same(g, w) for g, w in zip(got, want)), (name, got, want)
    assert df["prompt_usd_per_m"].iloc[0] == 3.0  # exact, not 2.9999…
    assert (df["prompt_usd_per_m"].dropna() >= 0).all()


def test_counts_keep_whole_non_negative_numbers_only():
    values = [5, -1, 2.0, 2.5, "8", None, True, 10**12]
    df = models_to_frame([{"id": f"a/m{i}", "context_length": v} for i, v in enumerate(values)])
    assert [None if pd.isna(v) else v for v in df["context_length"].tolist()] == [5, None, 2, None, None, None,
                                                                                   None, 10**12]


def test_days_that_do_not_exist_are_missing_and_the_others_parse_in_the_same_column():
    days = ["2025-01-31", "2025-02-30", "2025-01-31T12:00:00Z", "abcd-efghij", None, "2024-06-30", "2025"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas' "could not infer format" warning neither
        df = models_to_frame([{"id": f"a/m{i}", "knowledge_cutoff": d} for i, d in enumerate(days)])
    got = [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in df["knowledge_cutoff"]]
    assert got == ["2025-01-31", None, "2025-01-31", None, None, "2024-06-30", None]
    assert str(df["knowledge_cutoff"].dtype).endswith("UTC]")

