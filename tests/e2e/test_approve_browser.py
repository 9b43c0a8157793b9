"""``--approve`` in comparison panes, in the browser: each pane shows the call (escaped) with Run and Skip;
clicking Run runs the tool, clicking Skip tells the model the call was declined. Real JupyterLab, real
Chromium, a real kernel; OpenRouter is emulated."""

from __future__ import annotations

A, B = "openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"
TOOLS = '''seen = []
def get_weather(city: str) -> dict:
    """The weather in a city."""
    seen.append(city)
    return {"city": city, "temperature": 21}'''
CELLS = ["%load_ext openrouter_magic", TOOLS,
         f"%%openrouter --compare {A},{B} --tools get_weather --approve -o table\nWeather in Oslo?"]
PLAN = [[{"name": "get_weather", "arguments": {"city": "<i>Oslo</i>"}}]]


def test_each_pane_asks_run_runs_the_tool_and_skip_declines_it(page, lab):
    from playwright.sync_api import expect

    lab.fake.configure(tool_plan=PLAN, answer="Done.")
    name = lab.write_notebook("approve.ipynb", CELLS)
    lab.open(page, name)
    lab.run_all(page)
    view = lab.output(page, 2).locator(".jupyter-widgets.orm-compare")
    asks = view.locator(".orm-compare-ask")
    expect(asks.nth(0)).to_be_visible(timeout=30_000)
    expect(asks.nth(1)).to_be_visible(timeout=30_000)
    expect(asks.nth(0)).to_contain_text("get_weather({\"city\": \"<i>Oslo</i>\"})")  # shown as text, not markup
    assert asks.nth(0).locator("i").count() == 0
    expect(view.locator(".orm-compare-footer").nth(1)).to_contain_text("waiting for Run or Skip")
    lab.shot(view, "compare-approve-asking")
    asks.nth(0).locator("button.orm-compare-run").click()
    asks.nth(1).locator("button.orm-compare-skip").click()
    expect(view.locator(".orm-compare-summary")).to_contain_text("2 of 2 answered", timeout=30_000)
    expect(asks.nth(0)).to_be_hidden()
    expect(asks.nth(1)).to_be_hidden()
    texts = view.locator(".orm-compare-text")
    expect(texts.nth(0)).to_contain_text("21")
    expect(texts.nth(1)).to_contain_text("declined")
    tool_messages = {r.json["model"]: [m["content"] for m in r.json["messages"] if m["role"] == "tool"]
                     for r in lab.fake.chat_requests}
    assert tool_messages[B] == ["Error: the user declined this call"] and "21" in tool_messages[A][0]
