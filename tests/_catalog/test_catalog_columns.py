"""The 2026 catalog columns (issue 17, DESIGN §12) on every real snapshot in ../shared/openrouter/models:
typed, missing where a snapshot lacks the field, sortable by intelligence/coding; "retiring" badges; the
disk cache keeps them; ``--reasoning`` checked against the model's efforts before sending."""

from __future__ import annotations

import json

import pytest

from conftest import shared_path
from _magic_shell import run, shell  # noqa: F401  (the shell fixture)

pd = pytest.importorskip("pandas")

NEW = ["cache_read_usd_per_m", "cache_write_usd_per_m", "reasoning_efforts", "knowledge_cutoff", "expires",
       "intelligence", "coding", "alias_target"]


def _snapshots():
    return sorted(shared_path("models").glob("models-*.json"))


def _frame(path):
    from openrouter_magic._catalog.frame import models_to_frame

    data = json.loads(path.read_text())
    return data.get("data", data), models_to_frame(data.get("data", data))


def test_every_real_snapshot_loads_with_the_new_columns_typed():
    paths = _snapshots()
    assert len(paths) >= 3
    for path in paths:
        models, df = _frame(path)
        assert len(df) == len(models) and all(name in df.columns for name in NEW)
        for name in ("cache_read_usd_per_m", "cache_write_usd_per_m", "intelligence", "coding"):
            assert df[name].dtype == "float64"
        for name in ("knowledge_cutoff", "expires"):
            assert str(df[name].dtype).startswith("datetime64") and "UTC" in str(df[name].dtype)
        efforts = [v for v in df["reasoning_efforts"] if v is not None]
        assert all(isinstance(v, tuple) for v in efforts)


def test_old_snapshots_have_the_new_fields_missing_and_the_newest_has_them():
    frames = {path.name: _frame(path)[1] for path in _snapshots()}
    oldest, newest = frames[min(frames)], frames[max(frames)]
    assert oldest["intelligence"].isna().all() and oldest["knowledge_cutoff"].isna().all()
    assert oldest["alias_target"].isna().all() and oldest["reasoning_efforts"].isna().all()
    assert newest["intelligence"].notna().sum() > 50 and newest["knowledge_cutoff"].notna().sum() > 50
    assert newest["alias_target"].notna().sum() > 0 and newest["expires"].notna().sum() > 0


def test_values_match_the_raw_fields():
    models, df = _frame(_snapshots()[-1])
    raw = next(m for m in models if (m.get("benchmarks") or {}).get("artificial_analysis")
               and m.get("pricing", {}).get("input_cache_read") and m.get("knowledge_cutoff"))
    row = df[df["id"] == raw["id"]].iloc[0]
    analysis = raw["benchmarks"]["artificial_analysis"]
    assert row["intelligence"] == analysis["intelligence_index"]
    assert row["cache_read_usd_per_m"] == pytest.approx(float(raw["pricing"]["input_cache_read"]) * 1e6)
    assert row["knowledge_cutoff"] == pd.Timestamp(raw["knowledge_cutoff"][:10], tz="UTC")
    aliased = next(m for m in models if isinstance(m.get("alias_target"), dict))
    assert df[df["id"] == aliased["id"]].iloc[0]["alias_target"] == aliased["alias_target"]["slug"]


def test_sort_by_intelligence_puts_the_highest_first_and_unknown_last():
    from openrouter_magic._catalog import filter_models

    _, df = _frame(_snapshots()[-1])
    ranked = filter_models(df, sort="intelligence")
    known = ranked["intelligence"].dropna().tolist()
    assert known == sorted(known, reverse=True)
    assert ranked["intelligence"].iloc[: len(known)].notna().all()
    assert ranked["intelligence"].iloc[len(known):].isna().all()
    assert filter_models(df, sort="coding")["coding"].iloc[0] == df["coding"].max()


def test_a_model_expiring_within_90_days_is_badged_retiring():
    from openrouter_magic._catalog import badges

    _, df = _frame(_snapshots()[-1])
    row = df.iloc[0].copy()
    row["expires"] = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=30)
    assert "retiring" in badges(row)
    row["expires"] = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=400)
    assert "retiring" not in badges(row)
    row["expires"] = pd.NaT
    assert "retiring" not in badges(row)


def test_the_disk_cache_keeps_the_new_columns(fake, isolated_home):
    import asyncio

    from openrouter_magic._catalog import CatalogStore
    from openrouter_magic._client import OpenRouter

    models, _ = _frame(_snapshots()[-1])
    fake.state.catalog.__init__(models)  # serve the real 2026 snapshot

    async def fetch():
        async with OpenRouter(api_key="sk-or-v1-x", base_url=fake.base_url) as client:
            return await CatalogStore(base_url=fake.base_url).get(client)

    fresh = asyncio.run(fetch()).frame
    cached = CatalogStore(base_url=fake.base_url).cached(fake.base_url).frame
    for name in NEW:
        assert cached[name].dtype == fresh[name].dtype
        left, right = cached[name].tolist(), fresh[name].tolist()
        assert [None if pd.isna(v) else v for v in left] == [None if pd.isna(v) else v for v in right]


def test_reasoning_effort_is_checked_against_the_models_efforts_before_sending(shell, fake):
    run(shell, "%openrouter models")  # the catalog in memory
    ran = run(shell, "%%openrouter -m anthropic/claude-haiku-4.5 --reasoning xhigh\nhi")
    assert type(ran.error).__name__ == "UsageError"
    assert str(ran.error) == "--reasoning xhigh: anthropic/claude-haiku-4.5 takes high, medium, low (or none)"
    assert fake.chat_requests == []
    assert run(shell, "%%openrouter -m anthropic/claude-haiku-4.5 --reasoning low -q\nhi").error is None


def test_models_zdr_keeps_only_models_with_a_zero_retention_endpoint(shell, fake):
    table = run(shell, "%openrouter models --zdr").result.result
    ids = set(table.frame["id"]) if hasattr(table, "frame") else set(table["id"])
    assert ids and not any(i.endswith(":free") for i in ids)
    assert any(r.path.endswith("/models") and r.query.get("zdr") == "true" for r in fake.requests)


def test_models_sort_speed_orders_by_endpoint_throughput(shell, fake):
    shown = run(shell, "%openrouter models --author meta-llama,openai,google --sort speed")
    assert shown.error is None, shown.everything()
    result = shown.result.result
    frame = result.frame if hasattr(result, "frame") else result
    speeds = frame["tokens_per_s"].dropna().tolist()
    assert len(speeds) >= 3 and speeds == sorted(speeds, reverse=True)
    asked = {r.path.split("/models/")[1].rsplit("/endpoints", 1)[0] for r in fake.requests
             if r.path.endswith("/endpoints")}
    assert asked == set(frame["id"])


@pytest.mark.parametrize("odd", [None, 3, "x", [], {}, [1, None], {"artificial_analysis": [1]}, True])
def test_odd_values_in_the_new_fields_are_missing_values_never_an_error(odd):
    from openrouter_magic._catalog.frame import models_to_frame

    model = {"id": "a/b", "pricing": {"prompt": "0.000001", "completion": "0.000002", "input_cache_read": odd},
             "reasoning": odd, "benchmarks": odd, "knowledge_cutoff": odd, "expiration_date": odd,
             "alias_target": odd}
    row = models_to_frame([model]).iloc[0]
    assert pd.isna(row["intelligence"])
    assert pd.isna(row["cache_read_usd_per_m"]) or odd == 3  # a number is a price, as for the other prices
    assert pd.isna(row["knowledge_cutoff"]) and pd.isna(row["expires"])
    assert row["alias_target"] in (None, "x") or pd.isna(row["alias_target"])


def test_the_pickers_row_and_details_show_retiring_and_the_new_fields():
    from openrouter_magic._widgets.picker.html import details_html, row_label

    _, df = _frame(_snapshots()[-1])
    rich = df[df["intelligence"].notna() & df["knowledge_cutoff"].notna() & df["cache_read_usd_per_m"].notna()]
    row = rich.iloc[0].to_dict()
    row["expires"] = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=10)
    assert row_label(row).endswith("retiring")
    shown = details_html(row)
    assert "knowledge cutoff" in shown and "retires" in shown and "cache read" in shown
    assert f"intelligence {row['intelligence']:g}" in shown
    aliased = df[df["alias_target"].notna()].iloc[0].to_dict()
    assert f"<th>alias of</th><td>{aliased['alias_target']}</td>" in details_html(aliased)
