"""The catalog's disk cache against the emulator: freshness, refresh diff, stale copy, no copy at all."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from openrouter_magic._catalog.store import CatalogStore
from openrouter_magic._client.client import OpenRouter
from openrouter_magic._core.errors import OpenRouterError, TransportError
from openrouter_magic.testing import FakeOpenRouter
from openrouter_magic.testing._catalog import load_catalog


def _models_requests(fake) -> list:
    return [r for r in fake.requests if r.path.endswith("/models")]


@pytest.fixture
async def client(fake):
    async with OpenRouter(base_url=fake.base_url, max_retries=0) as c:
        yield c


async def test_first_call_fetches_and_writes_a_cache_file_with_its_time_and_base_url(fake, client, isolated_home):
    result = await CatalogStore().get(client)
    assert len(_models_requests(fake)) == 1 and not result.from_cache and not result.stale
    assert "openai/gpt-4o" in set(result.frame["id"]) and len(result.frame) == 42  # text models only
    files = list(isolated_home.glob("catalog-*.json"))
    assert len(files) == 1 and not list(isolated_home.glob(".catalog-*"))  # no temporary file left behind
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    assert doc["base_url"] == fake.base_url and doc["fetched_at"] == result.fetched_at and doc["count"] == 42


async def test_a_fresh_cache_is_served_without_asking_the_network_again(fake, client):
    first = await CatalogStore().get(client)
    again = await CatalogStore().get(client)  # a new store: proves it is read from disk
    assert len(_models_requests(fake)) == 1
    assert again.from_cache and not again.stale and again.note is None
    pd.testing.assert_frame_equal(again.frame, first.frame)


async def test_an_expired_cache_is_fetched_again(fake, client):
    await CatalogStore(max_age_s=0).get(client)
    await CatalogStore(max_age_s=0).get(client)
    assert len(_models_requests(fake)) == 2


async def test_refresh_refetches_and_reports_added_and_removed_models(isolated_home):
    models = load_catalog(None)
    old, new = models[:-3], models[2:] + [{**models[5], "id": "newco/brand-new", "name": "Brand New"}]
    with FakeOpenRouter(catalog=old) as before:
        port = before.port
        async with OpenRouter(base_url=before.base_url, max_retries=0) as c:
            await CatalogStore().get(c)
    with FakeOpenRouter(catalog=new, port=port) as after:  # same URL, the catalog changed meanwhile
        async with OpenRouter(base_url=after.base_url, max_retries=0) as c:
            result = await CatalogStore().get(c, refresh=True)
        assert len(_models_requests(after)) == 1
    text_ids = [m["id"] for m in models if "text" in m["architecture"]["output_modalities"]]
    assert set(result.removed) == set(text_ids[:2]) - {m["id"] for m in new}
    assert "newco/brand-new" in result.added and len(result.added) == len(
        {m["id"] for m in new if "text" in m["architecture"]["output_modalities"]} - {m["id"] for m in old})
    assert result.note.startswith("model catalog refreshed:") and "newco/brand-new" in result.note


async def test_network_failure_serves_the_stale_copy_with_a_one_line_note(fake, client):
    first = await CatalogStore().get(client)
    fake.stop()
    result = await CatalogStore().get(client, refresh=True)
    assert result.stale and result.from_cache
    assert "\n" not in result.note and "could not refresh" in result.note
    assert "showing the copy fetched just now" in result.note
    pd.testing.assert_frame_equal(result.frame, first.frame)


async def test_an_expired_copy_is_still_served_when_offline(fake, client):
    await CatalogStore().get(client)
    fake.stop()
    result = await CatalogStore(max_age_s=0).get(client)
    assert result.stale and len(result.frame) == 42


async def test_server_errors_also_fall_back_to_the_stale_copy(fake, client):
    await CatalogStore().get(client)
    fake.stop()
    with FakeOpenRouter(port=fake.port) as other:
        # The cache of fake.base_url, fetched from a URL where the server answers 404.
        async with OpenRouter(base_url=other.base_url + "/nowhere", max_retries=0) as wrong:
            result = await CatalogStore(base_url=fake.base_url).get(wrong, refresh=True)
    assert result.stale and "404" in result.note


async def test_no_cache_and_no_network_raises_a_clear_error(fake, client):
    fake.stop()
    with pytest.raises(TransportError) as caught:
        await CatalogStore().get(client)
    message = str(caught.value)
    assert isinstance(caught.value, OpenRouterError)
    assert "no cached copy" in message and fake.base_url in message and "%openrouter sandbox on" in message


async def test_a_damaged_cache_file_is_ignored_and_replaced(fake, client, isolated_home):
    store = CatalogStore()
    await store.get(client)
    store.path(fake.base_url).write_text("{not json", encoding="utf-8")
    result = await CatalogStore().get(client)
    assert not result.from_cache and len(_models_requests(fake)) == 2
    assert CatalogStore().cached(fake.base_url) is not None


async def test_output_modalities_all_asks_for_every_model_and_is_cached_apart(fake, client):
    text = await CatalogStore().get(client)
    everything = await CatalogStore().get(client, output_modalities="all")
    assert [r.query.get("output_modalities") for r in _models_requests(fake)] == [None, "all"]
    assert len(everything.frame) == 44 and len(text.frame) == 42
    assert "openai/text-embedding-3-small" in set(everything.frame["id"])
    assert CatalogStore().path(fake.base_url) != CatalogStore().path(fake.base_url, "all")


async def test_the_cache_round_trips_every_column_exactly(fake, client):
    fetched = await CatalogStore().get(client)
    loaded = CatalogStore().cached(fake.base_url)
    pd.testing.assert_frame_equal(loaded.frame, fetched.frame)
    kinds = [frame["supported_parameters"].map(type).tolist() for frame in (loaded.frame, fetched.frame)]
    assert kinds[0] == kinds[1]
    assert loaded.frame["prompt_usd_per_m"].isna().sum() == 1  # the router's "-1" stays missing, not null→0


async def test_a_copy_saved_for_another_base_url_is_never_served(fake, client):
    store = CatalogStore()
    await store.get(client)
    other = "http://elsewhere.invalid/api/v1"
    store.path(fake.base_url).replace(store.path(other))  # e.g. a hash clash or a hand-copied file
    assert store.cached(other) is None and store.cached(fake.base_url) is None
