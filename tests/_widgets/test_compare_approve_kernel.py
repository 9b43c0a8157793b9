"""``%%openrouter --compare … --tools f --approve`` in a real kernel (nbclient): the panes wait for their
Run/Skip buttons (clicked in a later cell, on the kernel's thread as a comm message would be); in a
headless run, which has no buttons, the cell is refused with one line before anything is sent."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from openrouter_magic.testing import FakeOpenRouter

pytestmark = pytest.mark.kernel

A, B = "openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5"
PLAN = [[{"name": "get_weather", "arguments": {"city": "Oslo"}}]]
SETUP = ('%load_ext openrouter_magic\nseen = []\ndef get_weather(city: str) -> dict:\n'
         '    """The weather in a city."""\n    seen.append(city)\n    return {"city": city, "temp": 21}')
COMPARE = f"%%openrouter --compare {A},{B} --tools get_weather --approve -o table\nWeather in Oslo?"
CLICK = """import asyncio, json
from ipywidgets.widgets.widget import _instances
from openrouter_magic._widgets.compare.view import CompareView
view = next(w for w in list(_instances.values()) if isinstance(w, CompareView))
async def shown(index, yes=True):
    for _ in range(500):
        if (view.panes[index].ask.layout.display != "none") == yes:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the pane's question did not change")
await shown(0); await shown(1)
before = list(seen)
view.panes[0].ask.run_button.click()
await shown(0, False)
view.panes[1].ask.skip_button.click()
await view.wait()
print(json.dumps({"before": before, "seen": seen, "status": list(table["status"]), "text": list(table["text"])}))"""


def _execute(cells: list[str], home, headless: bool):
    with FakeOpenRouter(tool_plan=PLAN) as fake, pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENROUTER_BASE_URL", fake.base_url)
        mp.setenv("OPENROUTER_API_KEY", "sk-or-v1-kernel-test-0123456789")
        mp.setenv("OPENROUTER_MAGIC_HOME", str(home))
        if headless:
            mp.setenv("OPENROUTER_MAGIC_HEADLESS", "1")
        else:
            mp.delenv("OPENROUTER_MAGIC_HEADLESS", raising=False)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells])
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=headless).execute()
        return nb, [r.json for r in fake.chat_requests]


def test_each_pane_waits_for_its_buttons_run_runs_the_tool_and_skip_declines_it(tmp_path):
    nb, bodies = _execute([SETUP, COMPARE, CLICK], tmp_path, headless=False)
    assert not [o for o in nb.cells[1].outputs if o["output_type"] == "error"]
    found = json.loads(nb.cells[2].outputs[0]["text"])
    assert found["before"] == [] and found["seen"] == ["Oslo"] and found["status"] == ["ok", "ok"]
    assert '"temp": 21' in found["text"][0] and "declined" in found["text"][1]
    tools = {b["model"]: [m["content"] for m in b["messages"] if m["role"] == "tool"] for b in bodies}
    assert tools[B] == ["Error: the user declined this call"] and '"temp": 21' in tools[A][0]


def test_a_headless_run_refuses_approve_with_compare_in_one_line_before_sending(tmp_path):
    nb, bodies = _execute([SETUP, COMPARE], tmp_path, headless=True)
    [error] = [o["text"] for o in nb.cells[1].outputs if o.get("name") == "stderr"]  # how IPython shows UsageError
    assert error.startswith("UsageError: --approve does not work with --compare") and error.count("\n") == 1
    assert bodies == []
