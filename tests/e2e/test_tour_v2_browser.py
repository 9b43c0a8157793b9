"""The README tour's v2 screenshots, taken in real JupyterLab + Chromium against the emulator, each with a check
of what it shows: the response cache (a re-run answered for $0), the tool trace opened (two calls, the footer
counting them), ``%openrouter fix`` (the explanation, the corrected code in a new cell below) and an untrusted
answer (its ``<img onerror>`` and ``<script>`` shown as text next to a rendered table, nothing run).

One notebook, one run: cells are cropped into build/e2e/tour-*.png; with ``E2E_UPDATE_SCREENSHOTS=1`` they are
also copied to docs/screenshots/{cache,tools,context,untrusted}.png.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CACHED, TOOLS, FIX, HOSTILE = ("openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash",
                               "meta-llama/llama-3.3-70b-instruct")
SALES = ('import pandas as pd\nsales = pd.DataFrame({"region": ["north", "south", "east"], '
         '"units": [120, 80, 95], "price": [4.5, 3.9, 5.2]})')
ASK = f"%%openrouter -m {CACHED} --cache\nWhich column explains revenue best? {{sales}}"
FUNCTIONS = '''def get_weather(city: str) -> dict:
    """The weather in a city."""
    return {"city": city, "sky": "clear", "celsius": 21}

def population(city: str) -> int:
    """How many people live in a city."""
    return 709000'''
FAILING = 'prices = {"north": 4.5, "south": 3.9}\nrevenue = prices["north"] * 120 + prices["east"] * 95'
CELLS = ["%load_ext openrouter_magic", SALES, ASK, ASK, FUNCTIONS,
         f"%%openrouter -m {TOOLS} --tools get_weather,population\n"
         "What is the weather in Oslo, and how many people live there?",
         f"%%openrouter -m {HOSTILE}\nSummarise the sales table.",
         FAILING, f"%openrouter fix -m {FIX}"]
ASK_CELL, RERUN_CELL, TOOLS_CELL, HOSTILE_CELL, FAILING_CELL, FIX_CELL = 2, 3, 5, 6, 7, 8

# the tools model asks for both functions in one step, then answers from their results ("From the tools: …")
OSLO_PLAN = [[{"name": name, "arguments": {"city": "Oslo"}} for name in ("get_weather", "population")]]
ANSWERS = {
    CACHED: "**units** explains revenue best: north sells the most (120 units), south the least (80).",
    FIX: ("`prices` has no entry for `'east'`, so `prices[\"east\"]` raises `KeyError`. Add the missing price "
          "(or use `prices.get(\"east\", 0)` to count it as zero):\n\n```python\n"
          'prices = {"north": 4.5, "south": 3.9, "east": 5.2}\n'
          'revenue = prices["north"] * 120 + prices["east"] * 95\n```'),
    HOSTILE: ("| region | units |\n|---|---|\n| north | 120 |\n| south | 80 |\n\n"
              "The answer also said <img src=x onerror=\"window.__ormPwned='img'\"> and "
              "<script>window.__ormPwned='script'</script>: shown as text, never run."),
}


def _expect():
    from playwright.sync_api import expect

    return expect


def _cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def _wait_prompt(page, index: int, timeout: float = 60_000) -> None:
    """Wait until the cell shows its execution count (it ran), not "[*]:" or "[ ]:"."""
    _expect()(_cell(page, index).locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]:"), timeout=timeout)


def _shot_cells(page, lab, first: int, last: int, name: str) -> Path:
    """Crop the cells first..last (input and output) into build/e2e/tour-NAME.png; copy it to docs on request."""
    _cell(page, 0).locator(".jp-InputPrompt").click()  # select a cell outside the crop: no blue bar in it
    _cell(page, first).evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)  # let JupyterLab's windowed notebook draw the cells it scrolled to
    boxes = [_cell(page, i).bounding_box() for i in range(first, last + 1)]
    left, top = min(b["x"] for b in boxes), boxes[0]["y"]
    right, bottom = max(b["x"] + b["width"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
    path = lab.screenshots / f"tour-{name}.png"
    page.screenshot(path=str(path), clip={"x": left, "y": top, "width": right - left, "height": bottom - top})
    if os.environ.get("E2E_UPDATE_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")
    return path


def test_the_tour_shows_a_free_rerun_a_tool_trace_a_fix_and_an_inert_answer(page, lab):
    knobs = {model: {"answer": text} for model, text in ANSWERS.items()}
    lab.fake.configure(first_byte_delay=0.2, per_model={**knobs, TOOLS: {"tool_plan": OSLO_PLAN}})
    name = lab.write_notebook("tour-v2.ipynb", CELLS)
    lab.open(page, name)
    lab.run_all(page)  # stops at the failing cell, as Run All does after an error
    _expect()(_cell(page, FAILING_CELL).locator(".jp-OutputArea")).to_contain_text("KeyError", timeout=90_000)
    _check_cache(page, lab)
    _check_tools(page, lab)
    _check_untrusted(page, lab)
    _check_fix(page, lab)


def _check_cache(page, lab) -> None:
    first, again = (lab.output(page, i).inner_text() for i in (ASK_CELL, RERUN_CELL))
    assert "cached" not in first and "$" in first
    assert "cached · $0 (first run $" in again
    asked = [r for r in lab.fake.chat_requests if r.json.get("model") == CACHED]
    assert len(asked) == 1  # the re-run sent nothing
    assert "| region | units | price |" in asked[0].json["messages"][-1]["content"]  # {sales} went in as a table
    _shot_cells(page, lab, ASK_CELL, RERUN_CELL, "cache")


def _check_tools(page, lab) -> None:
    output = lab.output(page, TOOLS_CELL)
    trace = output.locator("details.openrouter-tool-trace")
    _expect()(trace.locator("summary")).to_have_text("🔧 2 tool calls")
    trace.locator("summary").click()
    calls = trace.locator("li.tool-call")
    _expect()(calls).to_have_count(2)
    _expect()(calls.nth(0)).to_contain_text('get_weather({"city": "Oslo"})')
    _expect()(calls.nth(1)).to_contain_text("709000")
    assert "2 tool calls" in output.inner_text().splitlines()[-1]  # the footer counts them
    assert len([r for r in lab.fake.chat_requests if r.json.get("model") == TOOLS]) == 2
    _shot_cells(page, lab, TOOLS_CELL, TOOLS_CELL, "tools")


def _check_untrusted(page, lab) -> None:
    output = lab.output(page, HOSTILE_CELL)
    _expect()(output.locator("table tbody tr")).to_have_count(2)
    shown = output.inner_text()
    assert "<img src=x onerror=" in shown and "<script>window.__ormPwned='script'</script>" in shown
    assert output.locator("img, script").count() == 0
    assert page.evaluate("() => window.__ormPwned ?? null") is None
    _shot_cells(page, lab, HOSTILE_CELL, HOSTILE_CELL, "untrusted")


def _check_fix(page, lab) -> None:
    cells = page.locator(".jp-Notebook .jp-Cell")
    assert cells.count() == len(CELLS)
    lab.run_cell(page, FIX_CELL)
    _expect()(cells).to_have_count(len(CELLS) + 1, timeout=60_000)
    _wait_prompt(page, FIX_CELL)
    _expect()(lab.output(page, FIX_CELL)).to_contain_text("raises KeyError")
    new_code = _cell(page, FIX_CELL + 1).locator(".jp-InputArea-editor").inner_text()
    assert '"east": 5.2}' in new_code and "```" not in new_code
    sent = [r for r in lab.fake.chat_requests if r.json.get("model") == FIX][0].json["messages"][-1]["content"]
    assert "KeyError" in sent and 'prices["east"] * 95' in sent  # the failing cell and its traceback were sent
    _shot_cells(page, lab, FAILING_CELL, FIX_CELL + 1, "context")
