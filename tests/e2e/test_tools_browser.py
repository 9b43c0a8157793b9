"""Issue 16 in the browser: the tool trace is collapsed and opens, an image answer is an <img> of the right
size, citations are safe links. Real JupyterLab, real Chromium, a real kernel; OpenRouter is emulated."""

from __future__ import annotations

from openrouter_magic.testing._media import tiny_png

MODEL = "openai/gpt-4o-mini"
TOOLS = '''import asyncio
def get_weather(city: str) -> dict:
    """The weather in a city."""
    return {"city": city, "temperature": 21}

async def population(city: str) -> int:
    """How many people live in a city."""
    await asyncio.sleep(0.05)
    return 709000'''
CELLS = ["%load_ext openrouter_magic", TOOLS,
         f"%%openrouter -m {MODEL} --tools get_weather,population\nWeather and size of Oslo?",
         "%%openrouter -m google/gemini-2.5-flash-image --image-out\nA small blue rectangle.",
         f"%%openrouter -m {MODEL} --web\nWhat is new?"]


def test_the_trace_opens_the_image_has_its_size_and_citations_are_safe_links(page, lab):
    from playwright.sync_api import expect

    lab.fake.configure(tool_plan="auto", image_png=None, answer="Done.")
    lab.fake.configure(per_model={"google/gemini-2.5-flash-image": {"image_png": tiny_png(120, 80)}})
    name = lab.write_notebook("tools.ipynb", CELLS)
    lab.open(page, name)
    lab.run_all(page)
    expect(page.locator(".jp-Notebook .jp-Cell").nth(4).locator(".jp-InputPrompt")).to_have_text("[5]:", timeout=60_000)

    trace = lab.output(page, 2).locator("details.openrouter-tool-trace")
    expect(trace).to_have_count(1)
    calls = trace.locator("li.tool-call")
    assert trace.evaluate("el => el.open") is False
    expect(calls.first).to_be_hidden()
    trace.locator("summary").click()
    assert trace.evaluate("el => el.open") is True
    expect(calls).to_have_count(2)
    expect(calls.nth(0)).to_be_visible()
    expect(calls.nth(1)).to_contain_text("709000")
    lab.shot(lab.output(page, 2), "tools-trace-open")

    image = lab.output(page, 3).locator("img.openrouter-image")
    expect(image).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [120, 80]
    assert image.get_attribute("src").startswith("data:image/png;base64,")

    links = lab.output(page, 4).locator(".openrouter-sources a")
    expect(links).to_have_count(2)
    for index in range(2):
        link = links.nth(index)
        assert link.get_attribute("href") == f"https://example.org/source-{index + 1}"
        # We send rel="noopener noreferrer" (tests/test_tool_loop.py); JupyterLab rewrites external links' rel
        # to its own "noopener" when it renders them.
        assert "noopener" in link.get_attribute("rel").split()
        expect(link).to_have_text(f"Source {index + 1} <emulated>")
