"""ModelPicker without a browser: set traits, click, read the list, details, providers and the default."""

from __future__ import annotations

import asyncio
import json

import pytest

from openrouter_magic._catalog.frame import models_to_frame, suggest
from openrouter_magic._catalog.store import CatalogStore
from openrouter_magic._client.client import OpenRouter
from openrouter_magic._widgets.picker.view import ModelPicker
from openrouter_magic._widgets.picker.html import providers_html, row_label
from openrouter_magic.testing._catalog import load_catalog
from tests.conftest import shared_path


class Adapter:
    """The part of the Session API the picker uses, over a real client talking to the emulator."""

    def __init__(self, client: OpenRouter) -> None:
        self.client, self.default_model, self.store = client, None, CatalogStore()

    async def catalog_frame(self, refresh: bool = False):
        return (await self.store.get(self.client, refresh=refresh)).frame

    def spawn(self, coro):
        return asyncio.get_running_loop().create_task(coro)

    def use(self, model: str) -> str | None:
        if "/" not in model:
            raise ValueError(f"{model!r} is not a model id (author/slug)")
        ids = set(self.store.cached(self.client.base_url).frame["id"])
        self.default_model = model
        return None if model in ids else f"{model} is not in the catalog — did you mean {suggest(model, ids)}?"


@pytest.fixture
async def session(fake):
    async with OpenRouter(base_url=fake.base_url, max_retries=0) as client:
        yield Adapter(client)


@pytest.fixture
async def picker(session):
    return ModelPicker(session, await session.catalog_frame())


def _listed(picker: ModelPicker) -> list[str]:
    return [value for _, value in picker.table.options]


async def test_the_whole_catalog_is_listed_at_first_with_its_count(picker):
    assert len(_listed(picker)) == 42 and picker.count.value == "42 of 42 models"
    assert picker.table.value is None and picker.use_button.disabled


async def test_typing_in_the_search_box_filters_the_list_at_once(picker):
    picker.search.value = "claude"
    assert _listed(picker) == ["anthropic/claude-haiku-4.5", "anthropic/claude-sonnet-4.5", "anthropic/claude-opus-4.1"]
    picker.search.value = "gpt4o"
    assert _listed(picker) == ["openai/gpt-4o-mini", "openai/gpt-4o"] and picker.count.value == "2 of 42 models"


@pytest.mark.parametrize("name, check", [
    ("free", lambda row: row["is_free"]),
    ("tools", lambda row: "tools" in row["supported_parameters"]),
    ("reasoning", lambda row: {"reasoning", "include_reasoning"} & set(row["supported_parameters"])),
    ("structured", lambda row: {"structured_outputs", "response_format"} & set(row["supported_parameters"])),
    ("vision", lambda row: "image" in row["input_modalities"]),
])
async def test_each_toggle_keeps_only_the_models_that_have_it(picker, name, check):
    picker.toggles[name].value = True
    rows = picker.frame.set_index("id", drop=False).loc[_listed(picker)].to_dict("records")
    assert 0 < len(rows) < 42 and all(check(r) for r in rows)


async def test_sliders_author_and_sort_combine(picker):
    picker.max_price.label = "$1"
    picker.min_context.label = "128K"
    picker.author.value = "openai"
    picker.sort.value = "price"
    assert _listed(picker) == ["openai/gpt-oss-120b", "openai/gpt-4o-mini"]  # gpt-4.1-mini: $1.60 out
    picker.max_price.label = "any"
    assert len(_listed(picker)) == 7 and _listed(picker)[-2:] == ["openai/gpt-5", "openai/gpt-4o"]  # $10 out each


async def test_at_most_fifty_rows_are_rendered_and_the_rest_is_counted():
    with open(shared_path("models", "models-2026-08-19.json"), encoding="utf-8") as fh:
        frame = models_to_frame(json.load(fh)["data"])
    picker = ModelPicker(session=None, frame=frame)
    assert len(picker.table.options) == 50 and "414 of 414 models" in picker.count.value
    assert "showing the first 50" in picker.count.value
    assert picker.table.options[0] == (row_label(frame.iloc[0].to_dict()), "qwen/qwen3.8-27b")


async def test_selecting_a_row_shows_details_then_providers_from_the_emulator(picker):
    picker.table.value = "meta-llama/llama-3.3-70b-instruct"
    details = picker.details.value
    assert "131K tokens" in details and "$0.13 per M tokens" in details and "$0.39 per M tokens" in details
    assert "loading providers" in picker.providers.value and not picker.use_button.disabled
    await picker.pending
    providers = picker.providers.value
    assert "DeepInfra" in providers and "Together" in providers and "tok/s" in providers and "ms" in providers


async def test_providers_are_fetched_once_per_model(fake, picker):
    picker.table.value = "openai/gpt-4o"
    await picker.pending
    picker.search.value = "claude"
    picker.table.value = "anthropic/claude-haiku-4.5"
    await picker.pending
    picker.search.value = ""
    picker.table.value = "openai/gpt-4o"
    assert "OpenAI" in picker.providers.value
    assert len([r for r in fake.requests if r.path.endswith("/endpoints")]) == 2


async def test_an_answer_for_a_model_no_longer_selected_is_not_shown(picker):
    picker.table.value = "openai/gpt-4o"
    first = picker.pending
    picker.table.value = "anthropic/claude-opus-4.1"
    await asyncio.gather(first, picker.pending)
    assert "Anthropic" in picker.providers.value and "OpenAI" not in picker.providers.value


async def test_an_endpoints_error_is_shown_inline(session):
    frame = models_to_frame(load_catalog(None) + [{"id": "ghost/unlisted", "name": "Ghost"}])
    picker = ModelPicker(session, frame)
    picker.table.value = "ghost/unlisted"
    await picker.pending
    assert "could not load the providers of ghost/unlisted" in picker.providers.value
    assert "404" in picker.providers.value and "orm-picker-error" in picker.providers.value
    assert "Ghost" in picker.details.value  # the rest of the pane still works


async def test_a_network_failure_while_loading_providers_is_shown_inline(fake, picker):
    fake.stop()
    picker.table.value = "openai/gpt-4o"
    await picker.pending
    assert "could not load the providers of openai/gpt-4o" in picker.providers.value


async def test_use_makes_the_selected_model_the_session_default(session, picker):
    picker.search.value = "sonnet"
    picker.table.value = "anthropic/claude-sonnet-4.5"
    picker.use_button.click()
    assert session.default_model == "anthropic/claude-sonnet-4.5"
    assert "default model" in picker.status.value and "anthropic/claude-sonnet-4.5" in picker.status.value
    await picker.pending


async def test_a_refused_use_is_shown_inline_and_changes_nothing(session):
    picker = ModelPicker(session, models_to_frame([{"id": "no-slash-id"}]))
    picker.table.value = "no-slash-id"
    picker.use_button.click()
    assert session.default_model is None and "is not a model id" in picker.status.value
    await picker.pending


async def test_the_selection_survives_filtering(picker):
    picker.table.value = "openai/gpt-4o"
    picker.search.value = "openai"
    assert picker.table.value == "openai/gpt-4o"
    picker.search.value = "claude"  # filtered out of the list: the details stay, Use still means it
    assert picker.table.value is None and picker.selected == "openai/gpt-4o" and "GPT-4o" in picker.details.value
    await picker.pending


async def test_without_a_frame_the_picker_loads_the_catalog_in_the_background(fake, session):
    picker = ModelPicker(session)
    assert "loading the model catalog" in picker.count.value
    await picker.pending
    assert len(_listed(picker)) == 42 and "openai" in dict(picker.author.options).values()


async def test_a_catalog_that_cannot_load_is_reported_inside_the_widget(fake, session):
    fake.stop()
    picker = ModelPicker(session)
    await picker.pending
    assert "could not load the model catalog" in picker.count.value and picker.table.options == ()


async def test_controls_carry_stable_css_classes_for_browser_tests(picker):
    for widget, name in ((picker.search, "orm-picker-search"), (picker.table, "orm-picker-table"),
                         (picker.details, "orm-picker-details"), (picker.use_button, "orm-picker-use"),
                         (picker.toggles["free"], "orm-picker-free"), (picker, "orm-picker")):
        assert name in widget._dom_classes
    assert picker.search.continuous_update


def test_providers_table_shows_dashes_for_unknown_statistics():
    data = {"endpoints": [{"provider_name": "Acme", "pricing": {"prompt": "0.000001", "completion": "-1"},
                           "latency_last_30m": None, "throughput_last_30m": {"p50": 42.4}, "uptime_last_30m": 99.5}]}
    html = providers_html(data)
    assert "<td>Acme</td><td>$1.00</td><td>—</td><td>—</td><td>42 tok/s</td><td>99.5%</td>" in html
    assert "no provider listed" in providers_html({"endpoints": []}) and "no provider" in providers_html(None)


def test_the_picker_drives_the_real_session(fake, monkeypatch):
    from openrouter_magic._session.session import Session

    monkeypatch.setenv("OPENROUTER_BASE_URL", fake.base_url)
    session = Session()
    try:
        picker = ModelPicker(session)  # loads the catalog through the session, in the background
        session.run(picker.pending)
        picker.search.value = "haiku"
        picker.table.value = "anthropic/claude-haiku-4.5"
        session.run(picker.pending)
        assert "Anthropic" in picker.providers.value
        picker.use_button.click()
        assert session.default_model == "anthropic/claude-haiku-4.5" and "default model" in picker.status.value
    finally:
        session.close()


def test_a_row_label_shows_id_prices_context_and_badges_on_one_line(picker):
    row = picker.frame.set_index("id", drop=False).loc["openai/gpt-4o"].to_dict()
    label = row_label(row)
    assert label.startswith("openai/gpt-4o ") and "$2.50 / $10.00" in label and " 128K " in label
    assert label.endswith("🛠 {}") and "\n" not in label


async def test_the_text_representation_is_one_short_line(picker):
    picker.table.value = "openai/gpt-4o"
    assert repr(picker) == "<ModelPicker: 42 models, selected='openai/gpt-4o'>"
    assert picker._repr_mimebundle_()["text/plain"] == repr(picker)
    await picker.pending
