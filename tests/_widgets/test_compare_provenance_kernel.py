"""Issue 14 / DESIGN §9 for comparisons, in a real kernel (nbclient, headless): the saved notebook's comparison
output says, per pane, which model and provider answered, with which generation id, parameters, usage, cost and
cache status; a repeated ``--compare --cache`` cell shows the cached footer in every pane; the key is nowhere."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from openrouter_magic.testing import FakeOpenRouter

pytestmark = pytest.mark.kernel

MODELS = ["openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"]
KEY = "sk-or-v1-SENTINEL-compare-provenance-000000000"
FIELDS = {"model", "requested_model", "provider", "generation_id", "params", "usage", "cost", "cost_source",
          "cache", "status", "version"}
COMPARE = f"%%openrouter --compare {','.join(MODELS)} --cache --max-tokens 30 -t 0\nName a colour."
VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"

CELLS = [
    "%load_ext openrouter_magic",
    COMPARE,  # sent: a miss per pane, stored
    COMPARE,  # answered from the cache: $0, no request
    "%%openrouter --compare openai/gpt-4.1-mini,mistralai/mistral-nemo --server-cache --max-tokens 20\nName a fruit.",
    *[COMPARE] * 20,  # instant runs: each may end on the private loop while the kernel's thread displays it
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(the notebook as saved and read back, its file's text, chat requests sent per cell)."""
    home = tmp_path_factory.mktemp("provenance-home")
    sent = []
    with FakeOpenRouter(chunk_delay=0.002) as fake, pytest.MonkeyPatch.context() as patch:
        for name, value in {"OPENROUTER_MAGIC_HOME": str(home), "OPENROUTER_API_KEY": KEY,
                            "OPENROUTER_BASE_URL": fake.base_url, "OPENROUTER_MAGIC_HEADLESS": "1"}.items():
            patch.setenv(name, value)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
        client = NotebookClient(nb, timeout=90, kernel_name="python3")
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                before = len(fake.chat_requests)
                client.execute_cell(cell, index)
                sent.append(len(fake.chat_requests) - before)
        client.set_widgets_metadata()
    path = tmp_path_factory.mktemp("saved") / "compare.ipynb"
    nbformat.write(nb, path)
    text = path.read_text()
    return nbformat.reads(text, as_version=4), text, sent


def comparison(nb, index: int):
    """The one display of cell ``index``: the widget view with its static HTML copy."""
    shown = [o for o in nb.cells[index].outputs if o.output_type == "display_data"]
    assert len(shown) == 1, nb.cells[index].outputs
    assert VIEW in shown[0].data and "orm-compare-pane" in shown[0].data["text/html"]
    return shown[0]


def test_the_saved_comparison_output_says_where_every_panes_answer_came_from(saved):
    nb, _, sent = saved
    assert sent[1] == len(MODELS)
    panes = comparison(nb, 1).metadata["openrouter_magic"]["panes"]
    assert [pane["requested_model"] for pane in panes] == MODELS
    for pane in panes:
        assert FIELDS <= set(pane), pane
        assert pane["model"] and pane["provider"] and pane["generation_id"].startswith("gen-")
        assert pane["params"]["max_tokens"] == 30 and pane["params"]["temperature"] == 0
        assert pane["usage"]["completion_tokens"] > 0 and pane["usage"]["prompt_tokens"] > 0
        assert pane["cost"] > 0 and pane["cost_source"] == "billed"
        assert (pane["status"], pane["cache"]) == ("ok", "miss")
    assert len({pane["generation_id"] for pane in panes}) == len(MODELS)


def test_a_repeated_cached_comparison_sends_nothing_and_every_pane_says_cached(saved):
    nb, _, sent = saved
    assert sent[2] == 0
    first, second = comparison(nb, 1), comparison(nb, 2)
    page = second.data["text/html"]
    assert page.count("cached · $0 (first run $") == len(MODELS)
    assert "cached · $0" not in first.data["text/html"]
    before, after = (out.metadata["openrouter_magic"]["panes"] for out in (first, second))
    for old, new in zip(before, after):
        assert (new["cache"], new["cost"]) == ("hit", 0.0)
        assert new["generation_id"] == old["generation_id"] and new["first_run"]["cost"] == old["cost"]


def test_the_live_widget_footers_of_a_cached_comparison_say_cached_too(saved):
    nb, _, _ = saved
    state = nb.metadata["widgets"][STATE]["state"]
    footers = [model["state"]["value"] for model in state.values()
               if "orm-compare-footer" in model["state"].get("_dom_classes", ())]
    cached_runs = CELLS.count(COMPARE) - 1  # the first one sent
    assert sum("cached · $0 (first run $" in footer for footer in footers) == len(MODELS) * cached_runs


def test_a_server_cache_comparison_records_and_shows_openrouters_cache_status(saved):
    nb, _, sent = saved
    assert sent[3] == 2
    shown = comparison(nb, 3)
    panes = shown.metadata["openrouter_magic"]["panes"]
    assert [pane["server_cache"] for pane in panes] == ["MISS", "MISS"]
    assert shown.data["text/html"].count("server cache MISS") == 2


def test_the_key_occurs_nowhere_in_the_saved_notebook(saved):
    _, text, _ = saved
    assert KEY not in text and KEY[-20:] not in text


def test_a_comparison_that_ends_while_it_is_being_displayed_still_saves_its_final_panes(saved):
    nb, _, sent = saved
    assert sent[4:] == [0] * 20
    for index in range(4, len(CELLS)):
        shown = comparison(nb, index)
        assert "3 of 3 answered" in shown.data["text/html"], index
        assert [pane["cache"] for pane in shown.metadata["openrouter_magic"]["panes"]] == ["hit"] * 3, index
