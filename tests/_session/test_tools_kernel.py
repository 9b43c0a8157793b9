"""examples/07-tools.ipynb in a real kernel (nbclient) against the embedded sandbox: two tools (one async) in
one step, then the answer; the trace, the summed footer, two ledger rows under one turn_id; a failing tool;
--max-steps; citations; an image answer; a file; ask(tools=…)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    home, work = tmp_path_factory.mktemp("tools-home"), tmp_path_factory.mktemp("tools-work")
    nb = nbformat.read(EXAMPLES / "07-tools.ipynb", as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        for var in ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL"):
            patch.delenv(var, raising=False)
        patch.setenv("OPENROUTER_MAGIC_HOME", str(home))
        NotebookClient(nb, timeout=90, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    return nb


def _cell(nb, starts: str):
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(starts))


def _outputs(cell) -> list[dict]:
    return [o.get("data", {}) for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result")]


def test_two_tools_run_with_the_models_arguments_and_the_answer_uses_their_results(executed):
    outputs = _outputs(_cell(executed, "%%openrouter -m openai/gpt-4o-mini --tools get_weather,population"))
    trace, answer, footer = outputs[0], outputs[1], outputs[-1]
    assert trace["text/html"].startswith('<details class="openrouter-tool-trace') and "<details open" not in trace["text/html"]
    assert "get_weather" in trace["text/plain"] and "population" in trace["text/plain"]
    assert '"temperature": 21' in answer["text/plain"] and "709000" in answer["text/plain"]
    assert "2 tool calls in 2 steps" in footer["text/plain"]
    calls = _outputs(_cell(executed, "[(c["))[0]["text/plain"]
    assert "'get_weather'" in calls and "'population'" in calls


def test_the_footer_cost_is_the_sum_of_the_two_ledger_rows_which_share_one_turn_id(executed):
    rows = _outputs(_cell(executed, "from openrouter_magic import ledger"))[0]["text/plain"].splitlines()[1:]
    assert len(rows) == 2
    turn_ids = {row.split()[-1] for row in rows}
    assert len(turn_ids) == 1 and next(iter(turn_ids)).startswith("turn-")
    costs = [float(row.split()[-2]) for row in rows]
    summed = _outputs(_cell(executed, "[(c["))[0]["text/plain"].rsplit(",", 1)[1].strip(" )\n")
    assert float(summed) == pytest.approx(sum(costs), rel=0.05)  # the ledger view rounds to 6 places


def test_a_failing_tool_is_marked_and_max_steps_ends_with_a_note(executed):
    failed = _outputs(_cell(executed, "%%openrouter -m openai/gpt-4o-mini --tools stock_price"))
    assert "(1 failed)" in failed[0]["text/plain"] and "ConnectionError" in failed[1]["text/plain"]
    stopped = "\n".join(o.get("text/plain", "") for o in _outputs(_cell(executed, "%%openrouter -m openai/gpt-4o-mini --tools get_weather --max-steps 1")))
    assert "stopped after 1 step (--max-steps 1)" in stopped


def test_citations_an_image_and_ask_with_tools(executed):
    web = _outputs(_cell(executed, "%%openrouter -m openai/gpt-4o-mini --web"))
    assert any('rel="noopener noreferrer"' in o.get("text/html", "") for o in web)
    image = _outputs(_cell(executed, "%%openrouter -m google/gemini-2.5-flash-image"))
    assert any('<img class="openrouter-image" src="data:image/png;base64,' in o.get("text/html", "") for o in image)
    assert "b'\\x89PNG" in _outputs(_cell(executed, "pic.images[0]"))[0]["text/plain"]
    assert "population said 709000" in _outputs(_cell(executed, "from openrouter_magic import ask"))[0]["text/plain"]
    errors = [c.source for c in executed.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    assert errors == []
