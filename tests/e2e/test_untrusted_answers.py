"""A model's answer is untrusted input (DESIGN §13), checked where it would hurt: JupyterLab in Chromium.

The emulator answers with every payload of render_helpers.PAYLOADS at once (an ``<img onerror>``, a
``<script>``, an ``<iframe srcdoc>``, an ``<svg onload>``, a ``javascript:`` link, an ``<a target=_blank
onclick>``); each sets ``window.__ormPwned`` if it ever runs. One notebook shows it in every format, in a
``--chat`` turn and in a comparison; a control cell displays a handler the same way any trusted output
would (``IPython.display.HTML``) and must set ``window.__ormControl`` — proof that an answer's handler,
had it reached the page, would have run too. Then the notebook is saved and reopened (JupyterLab signs
what it saves, so the reopened outputs are trusted again) and checked once more.
"""

from __future__ import annotations

import json
import re
import urllib.request
from contextlib import contextmanager

from render_helpers import HOSTILE_HTML, HOSTILE_JSON, HOSTILE_MARKDOWN, inert_problems

A, B, C = "openai/gpt-4o-mini", "google/gemini-2.5-flash", "anthropic/claude-haiku-4.5"
D = "meta-llama/llama-3.3-70b-instruct"
MARKDOWN, HTML, TEXT, JSON, CHAT, COMPARE, CONTROL, CODE = range(1, 9)
CONTROL_SOURCE = ("from IPython.display import HTML\n"
                  "HTML('<div class=\"orm-control\"><img src=\"x\" onerror=\"window.__ormControl=1\"></div>')")
CELLS = [
    "%load_ext openrouter_magic",
    f"%%openrouter -m {A}\nAnswer in markdown.",
    f"%%openrouter -m {C} -f html\nAnswer in HTML.",
    f"%%openrouter -m {A} -f text\nAnswer in text.",
    f"%%openrouter -m {B} -f json\nAnswer in JSON.",
    f"%%openrouter -m {A} --chat\nAnswer in a conversation.",
    f"%%openrouter --compare {A},{D}\nAnswer side by side.",
    CONTROL_SOURCE,
    f"%%openrouter -m {A} -f code\nAnswer with code.",  # last: it puts its code into a new cell below
]
WIDGETS_PLUGIN = "@jupyter-widgets/jupyterlab-manager:plugin"
PAYLOAD_TEXT = ["<img src=x onerror=", "<script>window.__ormPwned='script'</script>", "<iframe srcdoc=",
                "<svg onload=", "[click me](javascript:", 'target="_blank" onclick=']

# JS: what ran and what the outputs hold that could run (the control cell's own handler excepted).
INSPECT = """() => {
    const bad = [];
    for (const el of document.querySelectorAll('.jp-Notebook .jp-OutputArea *')) {
        if (el.closest('.orm-control')) continue;
        const tag = el.tagName.toLowerCase();
        if (['script', 'iframe', 'frame', 'object', 'embed'].includes(tag)) bad.push(tag);
        for (const a of el.attributes) if (/^on/i.test(a.name) || a.name === 'srcdoc') bad.push(`${tag}[${a.name}]`);
        if (tag === 'a' && !/^(https?|mailto):$/.test(el.protocol)) bad.push(`a ${el.protocol}`);
    }
    return {pwned: window.__ormPwned ?? null, control: window.__ormControl ?? null, bad};
}"""


def _expect():
    from playwright.sync_api import expect

    return expect


def test_no_payload_in_an_answer_runs_in_any_format_nor_after_saving_and_reopening(page, lab):
    lab.fake.configure(answer=HOSTILE_MARKDOWN, chunk_chars=24, chunk_delay=0.02,
                       per_model={B: {"answer": HOSTILE_JSON}, C: {"answer": HOSTILE_HTML}})
    name = lab.write_notebook("untrusted.ipynb", CELLS)
    with widget_state_saved(lab):  # so the reopened comparison is drawn from its saved panes
        lab.open(page, name)
        lab.run_all(page)
        _wait_for_every_answer(page, lab)
        _check_live(page, lab)
        lab.shot(page, "5-untrusted-live")

        _save(page, lab, name)
        lab.shutdown_kernels()
        lab.open(page, name)  # a fresh page: flags cleared, outputs rendered from the saved file
        _check_reopened(page, lab)
        lab.shot(page, "5-untrusted-reopened")


@contextmanager
def widget_state_saved(lab):
    """Turn on "Save Jupyter widget state in notebooks" on the (shared) server, and off again after."""
    def put(raw: str) -> None:
        body = json.dumps({"raw": raw}).encode()
        request = urllib.request.Request(f"{lab.base}/lab/api/settings/{WIDGETS_PLUGIN}", data=body, method="PUT",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()

    put('{"saveState": true}')
    try:
        yield
    finally:
        put("{}")


def cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def _wait_for_every_answer(page, lab) -> None:
    expect = _expect()
    expect(lab.output(page, CODE)).to_contain_text("tok/s", timeout=60_000)  # its footer: the final rendering
    panes = lab.output(page, COMPARE).locator(".jupyter-widgets.orm-compare .orm-compare-pane")
    expect(lab.output(page, COMPARE).locator(".orm-compare-summary")).to_contain_text("2 of 2 answered",
                                                                                     timeout=30_000)
    for index in (MARKDOWN, CHAT):
        expect(lab.output(page, index).locator("mjx-container").first).to_be_visible(timeout=20_000)
    expect(panes.nth(1).locator("mjx-container").first).to_be_visible(timeout=20_000)
    page.wait_for_function("() => window.__ormControl === 1", timeout=10_000)


def _renders_markdown(area, where: str) -> None:
    """A table, a fenced code block and typeset math, with every payload shown as text."""
    assert area.locator("table td").count() >= 1, f"no table in {where}"
    assert "__ormPwned='code'" in area.locator("pre code").first.inner_text(), f"no code block in {where}"
    assert area.locator("mjx-container").count() >= 2, f"$x^2$ and $$…$$ not typeset in {where}"
    text = area.inner_text()
    missing = [p for p in PAYLOAD_TEXT if p not in text]
    assert not missing, f"payloads not visible as text in {where}: {missing}"


def _check_live(page, lab) -> None:
    found = page.evaluate(INSPECT)
    assert found["control"] == 1, "the control handler did not run: the check below would prove nothing"
    assert found["pwned"] is None and found["bad"] == [], found
    _renders_markdown(lab.output(page, MARKDOWN), "-f markdown")
    _renders_markdown(lab.output(page, CHAT), "--chat")
    for index in (0, 1):
        pane = lab.output(page, COMPARE).locator(".orm-compare-pane").nth(index)
        _renders_markdown(pane.locator(".orm-compare-text"), f"comparison pane {index}")
    html = lab.output(page, HTML)
    assert html.locator("table td", has_text="kept cell").count() == 1 and html.locator("b").count() >= 1
    assert html.locator(".orm-answer :is(img, svg, iframe)").count() == 0, html.inner_html()[:2000]
    assert "<script>window.__ormPwned='script'</script>" in lab.output(page, TEXT).inner_text()
    assert lab.output(page, JSON).locator(".jp-RenderedJSON").count() == 1
    code = lab.output(page, CODE).locator("pre code").first.inner_text().strip()
    assert code == "print(\"<script>window.__ormPwned='code'</script>\")"


def _save(page, lab, name: str) -> None:
    """Ctrl+S, then wait until the file on disk holds the outputs."""
    cell(page, 0).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel .jp-mod-dirty, .lm-TabBar-tab.jp-mod-dirty')",
                           timeout=15_000)
    saved = json.loads((lab.root / name).read_text())
    outputs = [o for c in saved["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert outputs and not any("text/markdown" in o.get("data", {}) for o in outputs)
    for output in outputs:
        markup = "".join(output.get("data", {}).get("text/html", ""))  # nbformat may store lines as a list
        if "orm-control" not in markup:
            assert inert_problems(re.sub(r"<style>.*?</style>", "", markup, flags=re.S)) == [], markup[:300]


def _check_reopened(page, lab) -> None:
    expect = _expect()
    expect(lab.output(page, MARKDOWN).locator("mjx-container").first).to_be_visible(timeout=20_000)
    page.wait_for_function("() => window.__ormControl === 1", timeout=10_000)  # trusted: handlers would run
    found = page.evaluate(INSPECT)
    assert found["pwned"] is None and found["bad"] == [], found
    _renders_markdown(lab.output(page, MARKDOWN), "the reopened -f markdown answer")
    _renders_markdown(lab.output(page, CHAT), "the reopened --chat answer")
    compare = lab.output(page, COMPARE)
    expect(compare.locator(".orm-compare-pane mjx-container").first).to_be_visible(timeout=20_000)
    assert compare.locator(".orm-compare-pane").count() == 2, "the reopened comparison shows no panes"
    for index in (0, 1):
        _renders_markdown(compare.locator(".orm-compare-pane").nth(index).locator(".orm-compare-text"),
                          f"reopened comparison pane {index}")
