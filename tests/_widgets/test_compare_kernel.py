"""A comparison executed in a real kernel (nbclient) leaves a notebook that shows the final panes without one."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from openrouter_magic._render.markdown import markdown_to_html
from openrouter_magic.testing import FakeOpenRouter

pytestmark = pytest.mark.kernel

MODELS = ["openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash"]
STATE = "application/vnd.jupyter.widget-state+json"
VIEW = "application/vnd.jupyter.widget-view+json"

CELLS = [
    "from openrouter_magic._widgets.compare.api import compare\n"
    f"view = compare('Explain server-sent events, with **one** bold word.', models={MODELS!r}, max_tokens=80)\n"
    "display(view)\n"
    "result = await view.wait()",
    "import json\nprint(json.dumps(dict(zip(result['model'], result['text']))))",
    "from openrouter_magic._widgets.compare.api import compare_from_magic\nfrom openrouter_magic._session.session import Session\n"
    "compare_from_magic(Session.get(), [{'role': 'user', 'content': 'Say hi'}], "
    "'openai/gpt-4.1-mini,mistralai/mistral-nemo', {'max_tokens': 20}, output_name='table')",
    "import asyncio\nfor _ in range(200):\n    if 'table' in globals():\n        break\n"
    "    await asyncio.sleep(0.05)\nprint(list(table['model']), list(table['status']))",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after a run against the emulator (streams with a little latency, so panes update live)."""
    home = tmp_path_factory.mktemp("kernel-home")
    with FakeOpenRouter(chunk_delay=0.005, first_byte_delay=0.05) as fake, pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENROUTER_BASE_URL", fake.base_url)
        mp.setenv("OPENROUTER_API_KEY", "sk-or-v1-kernel-test-0123456789")
        mp.setenv("OPENROUTER_MAGIC_HOME", str(home))
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
        NotebookClient(nb, timeout=60, kernel_name="python3").execute()
        assert len(fake.chat_requests) == len(MODELS) + 2
    texts = json.loads(nb.cells[1].outputs[0]["text"])
    return nb, texts


def saved_panes(nb) -> list[dict[str, str]]:
    """Render the panes from the saved widget state alone: follow children from the displayed view."""
    state = nb.metadata["widgets"][STATE]["state"]

    def model(ref: str) -> dict:
        return state[ref.removeprefix("IPY_MODEL_")]["state"]

    def find(node: dict, css: str) -> list[dict]:
        found = [node] if css in node.get("_dom_classes", ()) else []
        for child in node.get("children", ()):
            found += find(model(child), css)
        return found

    root = model(nb.cells[0].outputs[0]["data"][VIEW]["model_id"])
    panes = find(root, "orm-compare-pane")
    return [{css: find(p, f"orm-compare-{css}")[0]["value"] for css in ("header", "text", "footer", "badges")}
            for p in panes]


def test_the_saved_widget_state_holds_every_models_final_answer(executed):
    nb, texts = executed
    panes = saved_panes(nb)
    assert [p["header"].split("</b>")[0].removeprefix("<b>") for p in panes] == MODELS
    for pane, model in zip(panes, MODELS):
        assert texts[model] and pane["text"] == markdown_to_html(texts[model])
        assert "total" in pane["footer"] and "$" in pane["footer"]
    assert sum(p["badges"].count("orm-compare-badge") for p in panes) == 4


def test_the_static_html_fallback_in_the_output_shows_the_final_panes(executed):
    nb, texts = executed
    outputs = nb.cells[0].outputs
    assert len(outputs) == 1 and outputs[0]["output_type"] == "display_data"
    page = outputs[0]["data"]["text/html"]
    assert all(markdown_to_html(texts[model]) in page for model in MODELS)
    assert "3 of 3 answered" in page and 'class="orm-compare-badge"' in page


def test_an_html_export_without_widget_state_still_shows_the_answers(executed):
    nb, texts = executed
    bare = nbformat.from_dict(json.loads(json.dumps(nb)))
    bare.metadata.pop("widgets", None)
    body, _ = HTMLExporter().from_notebook_node(bare)
    assert all(markdown_to_html(texts[model]).split("\n")[0][:60] in body for model in MODELS)


def test_the_magic_path_shows_the_view_at_once_and_stores_the_table_when_done(executed):
    nb, _ = executed
    shown = nb.cells[2].outputs
    assert len(shown) == 1 and VIEW in shown[0]["data"] and "orm-compare-pane" in shown[0]["data"]["text/html"]
    assert nb.cells[3].outputs[0]["text"].strip() == (
        "['openai/gpt-4.1-mini', 'mistralai/mistral-nemo'] ['ok', 'ok']")
