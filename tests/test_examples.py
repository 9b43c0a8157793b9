"""The example notebooks, executed top to bottom with nbclient against the sandbox, and their saved outputs.

The four notebooks run once per module, side by side in four kernels (they mostly wait on emulated
streams), with ``OPENROUTER_MAGIC_HEADLESS=1`` as ``make demo`` sets it and an isolated home, no key.
Every test then reads what a reader of the saved notebook would see: answers, footers with a cost,
DataFrames with rows, the widget state of the picker and of the comparison panes, the cost chart.
"""

from __future__ import annotations

import os
import re

import nbformat
import pytest
from _examples_run import execute_examples

pytestmark = pytest.mark.kernel

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """The four example notebooks after a run (a cell that raises fails the whole module)."""
    return execute_examples({"OPENROUTER_MAGIC_HOME": str(tmp_path_factory.mktemp("examples-home")),
                             "OPENROUTER_MAGIC_HEADLESS": "1"})


def outputs(nb: nbformat.NotebookNode, source_start: str) -> list[dict]:
    """The outputs of the one code cell whose source starts with ``source_start``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start)]
    assert len(cells) == 1, f"{len(cells)} cells start with {source_start!r}"
    return cells[0].outputs


def texts(outs: list[dict], mime: str = "text/plain") -> str:
    """Every stream text and every ``mime`` representation of these outputs, joined."""
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get(mime, "")) for o in outs)


def widget_states(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """model id → saved widget model (name and state)."""
    return nb.metadata["widgets"][WIDGET_STATE]["state"]


def html_values(nb: nbformat.NotebookNode) -> list[str]:
    """The ``value`` of every saved HTML widget."""
    return [m["state"].get("value") or "" for m in widget_states(nb).values() if m["model_name"] in ("HTMLModel", "HTMLMathModel")]


def table_rows(html: str) -> int:
    """Body rows of the HTML tables in ``html``."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S))
    return body.count("<tr")


def test_every_example_runs_top_to_bottom_without_an_error_output(executed):
    for name, nb in executed.items():
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert errors == [], name
        assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip()), name


def test_the_quickstart_streams_an_answer_with_a_footer_that_shows_its_cost(executed):
    outs = outputs(executed["01-quickstart"], "%%openrouter -m openai/gpt-4o-mini --max-tokens 120")
    answer, footer = texts(outs[:-1], "text/plain"), texts(outs[-1:], "text/plain")
    assert len(answer.split()) > 20
    assert re.search(r"openai/gpt-4o-mini via \w+ · \d+ in / \d+ out tokens .* · \$0\.\d+ · session \$", footer)


def test_the_quickstart_formats_schema_interpolation_and_output_variable_work(executed):
    nb = executed["01-quickstart"]
    assert "def " in texts(outputs(nb, "%%openrouter -m openai/gpt-4o-mini -f code"), "text/plain")
    assert texts(outputs(nb, "_")).lstrip().startswith("{")  # -f json: the parsed dict
    assert "Capital(city=" in texts(outputs(nb, "capital = _"))
    printed = texts(outputs(nb, "tokens = answer.usage"))
    assert re.match(r"openai/gpt-4o-mini via \w+: \d+ tokens, \$0\.\d{6}\n\S", printed)


def test_the_quickstart_chat_keeps_both_exchanges_in_the_history(executed):
    history = texts(outputs(executed["01-quickstart"], "%openrouter history"))
    assert "2 exchanges" in history
    assert "My name is Ada" in history and "What is my name" in history


def test_the_catalog_notebook_shows_dataframes_with_rows(executed):
    nb = executed["02-catalog"]
    vision = texts(outputs(nb, "%openrouter models --vision --tools"), "text/html")
    assert 1 < table_rows(vision) <= 8
    assert table_rows(texts(outputs(nb, "%openrouter models --author anthropic"), "text/html")) == 3
    assert table_rows(texts(outputs(nb, "from openrouter_magic import catalog"), "text/html")) >= 3
    found = re.search(r"(\d+) models in the catalog", texts(outputs(nb, "print(len(models)")))
    assert found and int(found.group(1)) >= 30


def test_the_saved_picker_holds_the_catalog_and_the_chosen_models_providers(executed):
    nb = executed["02-catalog"]
    view = outputs(nb, "%openrouter picker")[0]["data"]["application/vnd.jupyter.widget-view+json"]
    states = widget_states(nb)
    assert states[view["model_id"]]["model_name"] == "VBoxModel"
    lists = [m["state"] for m in states.values() if m["model_name"] == "SelectModel"]
    assert any(len(s.get("_options_labels", [])) >= 30 for s in lists)
    details = "\n".join(html_values(nb))
    assert "anthropic/claude-haiku-4.5" in details and "Providers" in details
    assert "loading" not in details


def test_the_default_model_set_by_use_answers_the_next_cell(executed):
    outs = outputs(executed["02-catalog"], "%%openrouter --max-tokens 60")
    assert "openai/gpt-4o-mini via" in texts(outs)


def test_the_saved_comparison_panes_hold_final_answers_and_stats(executed):
    nb = executed["03-compare"]
    view = outputs(nb, "%%openrouter --compare")[0]["data"]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] in widget_states(nb)
    values = "\n".join(html_values(nb))
    for model in ("openai/gpt-4o-mini", "google/gemini-2.5-flash", "anthropic/claude-haiku-4.5"):
        assert f"<b>{model}</b>" in values
    # 3 panes from the magic, 2 from compare(), 2 from the playground — each with its final stats line
    assert len(re.findall(r"tok/s · \$0\.\d+", values)) == 7
    assert "3 of 3 answered" in values and "waiting for first token" not in values
    fallback = outputs(nb, "%%openrouter --compare")[0]["data"]["text/html"]  # for viewers without widgets
    assert len(re.findall(r"tok/s · \$0\.\d+", fallback)) == 3


def test_the_comparison_tables_have_one_row_per_model(executed):
    nb = executed["03-compare"]
    assert table_rows(texts(outputs(nb, 'table[["model"'), "text/html")) == 3
    assert table_rows(texts(outputs(nb, 'result[["model"'), "text/html")) == 2
    assert table_rows(texts(outputs(nb, "playground = _"), "text/html")) == 2


def test_the_saved_panes_hold_whole_answers_not_the_first_words(executed):
    answers = [v for v in html_values(executed["03-compare"]) if v.startswith('<div class="orm-answer')]
    assert len(answers) == 7
    assert all(len(re.sub(r"<[^>]+>", " ", a).split()) >= 30 for a in answers)


def test_the_cost_notebook_shows_tallies_the_ledger_and_a_chart(executed):
    nb = executed["04-cost"]
    first_tally = next(c for c in nb.cells if c.source == "%openrouter cost")
    assert re.search(r"this session: \$0\.\d+ over 4 calls", texts(first_tally.outputs))
    assert any("image/png" in o.get("data", {}) for o in outputs(nb, "%openrouter cost --plot"))
    assert table_rows(texts(outputs(nb, "from openrouter_magic import ledger"), "text/html")) == 4


def test_the_budget_refusal_is_shown_as_one_line_and_the_next_cheap_call_goes_through(executed):
    nb = executed["04-cost"]
    refused = texts(outputs(nb, "from IPython.core.error import UsageError"))
    assert re.search(r"UsageError: refused: anthropic/claude-sonnet-4.5 could cost up to", refused)
    assert "openai/gpt-4o-mini via" in texts(outputs(nb, "%%openrouter -m openai/gpt-4o-mini --max-tokens 40"))


def test_the_key_report_never_shows_the_key(executed):
    report = texts(outputs(executed["04-cost"], "%openrouter key"))
    assert "limit remaining" in report
    for nb in executed.values():
        assert "sandbox-key-not-a-secret" not in nbformat.writes(nb)
    assert not os.environ.get("OPENROUTER_MAGIC_HEADLESS")  # the module fixture left the environment as it was
