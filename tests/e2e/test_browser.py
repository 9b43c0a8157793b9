"""The four browser scenarios of issue 7: streaming, the picker, the comparison, interrupt.

Real JupyterLab, real Chromium, real kernels; the only fake is the OpenRouter emulator in this process
(slowed down so streaming can be watched). Each scenario opens its own notebook, saves a screenshot under
build/e2e/, and leaves its kernel to the ``page`` fixture to shut down. With ``E2E_UPDATE_SCREENSHOTS=1``
the cropped outputs are also written to docs/screenshots/ for the README tour.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ._lab import CELLS, now_ms, record, recorded

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LOAD = "%load_ext openrouter_magic"
COST = re.compile(r"\$\d")


def crop(lab, locator, name: str) -> Path:
    """A cropped screenshot for the README tour: build/e2e/NAME.png, copied to docs/ on request."""
    path = lab.shot(locator, name)
    if os.environ.get("E2E_UPDATE_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")
    return path


def answer_snapshot(cell: int) -> str:
    """JS: [characters of the rendered answer (safe HTML), whether a $ cost is shown] in one cell's output."""
    return f"""() => {{
        const out = {CELLS}[{cell}].querySelector('.jp-OutputArea');
        const md = [...out.querySelectorAll('.orm-answer')].map(e => e.textContent).join('');
        return [md.length, /\\$\\d/.test(out.textContent)];
    }}"""


def _expect():
    """Playwright's auto-waiting assertions (imported late: the fixtures skip or fail without it)."""
    from playwright.sync_api import expect

    return expect


def rest_mouse(page) -> None:
    """Move the pointer off the notebook so no hover highlight shows in a screenshot."""
    page.mouse.move(1275, 895)


def answer_chars(page, cell: int) -> int:
    """How many characters of rendered answer one cell shows now."""
    return page.evaluate(answer_snapshot(cell))[0]


# ── 1. streaming ────────────────────────────────────────────────────────────────────────────────
def test_an_answer_grows_in_the_page_then_shows_its_cost_and_the_kernel_answers_the_next_cell(page, lab):
    lab.fake.configure(chunk_delay=0.025, first_byte_delay=0.2)  # a 40–120 word answer: 1.5–3 s
    name = lab.write_notebook("stream.ipynb", [
        LOAD,
        "%%openrouter -m openai/gpt-4o-mini --max-tokens 500\nExplain server-sent events in one short paragraph.",
        "print(6*7)",
    ])
    lab.open(page, name)
    record(page, answer_snapshot(1))
    lab.run_all(page)
    answer = lab.output(page, 1)
    answer.get_by_text(COST).wait_for(timeout=30_000)

    seen = recorded(page)
    print("answer lengths seen:", seen)
    growing = sorted({chars for chars, cost in seen if chars and not cost})
    assert len(growing) >= 3, f"the answer did not visibly grow before its footer: {seen}"
    assert answer_chars(page, 1) >= max(growing)
    assert answer.locator(".jp-RenderedHTMLCommon .orm-answer p").count() >= 1  # rendered markdown, not a text repr
    lab.output(page, 2).get_by_text("42", exact=True).wait_for(timeout=15_000)
    rest_mouse(page)
    lab.shot(page, "1-stream")
    crop(lab, page.locator(".jp-Notebook .jp-Cell").nth(1), "answer")


# ── 2. picker ───────────────────────────────────────────────────────────────────────────────────
PICK = "openai/gpt-4.1-mini"


def test_the_picker_filters_as_you_type_shows_providers_and_use_sets_the_kernels_default_model(page, lab):
    expect = _expect()
    name = lab.write_notebook("picker.ipynb", [LOAD, "%openrouter picker"])
    page.set_viewport_size({"width": 1280, "height": 1250})  # the whole picker on screen for its crop
    lab.open(page, name)
    lab.run_all(page)
    picker = page.locator(".jupyter-widgets.orm-picker")  # the live widget, not its text repr
    count = picker.locator(".orm-picker-count")
    expect(count).to_have_text(re.compile(r"^(\d+) of \1 models"), timeout=20_000)
    total = int(count.inner_text().split()[0])
    options = picker.locator(".orm-picker-table select option")

    picker.locator(".orm-picker-search input").fill("gpt")
    expect(count).not_to_have_text(re.compile(rf"^{total} of"))
    gpt = int(count.inner_text().split()[0])
    assert 1 < gpt < total and all("gpt" in text for text in options.all_inner_texts())
    picker.locator("button.orm-picker-vision").click()
    expect(count).not_to_have_text(re.compile(rf"^{gpt} of"))
    labels = options.all_inner_texts()
    assert 1 < len(labels) < gpt and all("gpt" in t and "👁" in t for t in labels), labels

    picker.locator(".orm-picker-table select").select_option(
        index=next(i for i, label in enumerate(labels) if label.split()[0] == PICK))
    expect(picker.locator(".orm-picker-details")).to_contain_text(PICK)
    providers = picker.locator(".orm-picker-providers")
    expect(providers).to_contain_text("Providers", timeout=10_000)
    assert providers.locator("tr").count() >= 2, "no provider row in the details pane"
    assert any("/endpoints" in r.path for r in lab.fake.requests), "the providers did not come from /endpoints"
    use = picker.locator("button.orm-picker-use")
    expect(use).to_be_enabled()
    use.click()
    expect(picker.locator(".orm-picker-status")).to_contain_text(f"default model: {PICK}")

    check = "from openrouter_magic._session.session import Session; print(Session.get().default_model)"
    assert lab.execute(name, check).strip() == PICK
    rest_mouse(page)
    lab.shot(page, "2-picker")
    crop(lab, picker, "picker")


# ── 3. comparison ───────────────────────────────────────────────────────────────────────────────
A, B, C = "openai/gpt-4o-mini", "google/gemini-2.5-flash", "anthropic/claude-haiku-4.5"
COMPARE = f"%%openrouter --compare {A},{B},{C} -o table\nExplain what a vector database is in three sentences."


def panes_snapshot(cell: int) -> str:
    """JS: per pane [answer characters, finished (total/notice shown), error shown] in one cell."""
    return f"""() => [...{CELLS}[{cell}].querySelectorAll('.jupyter-widgets.orm-compare .orm-compare-pane')]
        .map(p => {{
            const text = p.querySelector('.orm-compare-text').textContent.trim();
            const notice = p.querySelector('.orm-compare-notice').textContent.trim();
            const footer = p.querySelector('.orm-compare-footer').textContent;
            return [text === '…' ? 0 : text.length, footer.includes('total ') || notice.length > 0 ? 1 : 0,
                    p.querySelector('.orm-compare-error') ? 1 : 0];
        }})"""


def test_a_comparison_streams_three_panes_at_once_stops_on_demand_and_shows_one_models_error(page, lab):
    name = lab.write_notebook("compare.ipynb", [LOAD, COMPARE, COMPARE, COMPARE])
    lab.open(page, name)
    lab.run_cell(page, 0)
    _stop_while_two_still_stream(page, lab, cell=1)
    _one_error_while_the_others_finish(page, lab, cell=2)
    _all_answer_with_badges(page, lab, cell=3)


def _compare_view(lab, page, cell: int):
    return lab.output(page, cell).locator(".jupyter-widgets.orm-compare")  # the widget, not its text repr


def _stop_while_two_still_stream(page, lab, cell: int) -> None:
    """A finishes first; Stop then cancels B and C, which keep their partial text, marked."""
    expect = _expect()
    lab.fake.configure(answer_tokens=100, per_model={
        A: {"first_byte_delay": 0.1, "chunk_delay": 0.015},   # done after ~1.6 s
        B: {"first_byte_delay": 0.3, "chunk_delay": 0.06},    # ~6.3 s: still running at Stop
        C: {"first_byte_delay": 0.5, "chunk_delay": 0.05}})   # ~5.5 s: still running at Stop
    record(page, panes_snapshot(cell))
    lab.run_cell(page, cell)
    view = _compare_view(lab, page, cell)
    panes = view.locator(".orm-compare-pane")
    expect(panes.nth(0).locator(".orm-compare-footer")).to_contain_text("$", timeout=20_000)
    view.locator("button.orm-compare-stop").click()
    expect(view.locator(".orm-compare-summary")).to_contain_text("1 of 3 answered · 2 interrupted")

    seen = recorded(page)
    assert any(len(s) == 3 and all(chars > 0 for chars, _, _ in s) and not any(done for _, done, _ in s)
               for s in seen), f"the three panes never all showed text before one finished: {seen}"
    for index in (1, 2):
        expect(panes.nth(index).locator(".orm-compare-interrupted")).to_contain_text("stopped")
        assert len(panes.nth(index).locator(".orm-compare-text").inner_text()) > 10
    assert lab.fake.wait_for_disconnects(2, timeout=5), "the stopped streams were not cancelled"
    rest_mouse(page)
    lab.shot(page.locator(".jp-Notebook .jp-Cell").nth(cell), "3-compare-stopped")


def _one_error_while_the_others_finish(page, lab, cell: int) -> None:
    """B fails after five chunks; its pane shows the error while A and C go on to their costs."""
    expect = _expect()
    lab.fake.configure(per_model={m: None for m in (A, B, C)})
    lab.fake.configure(answer_tokens=80, chunk_delay=0.02, per_model={B: {"mid_stream_error": {
        "after_chunks": 5, "code": 502, "message": "Upstream provider overloaded"}}})
    record(page, panes_snapshot(cell))
    lab.run_cell(page, cell)
    view = _compare_view(lab, page, cell)
    expect(view.locator(".orm-compare-summary")).to_contain_text("2 of 3 answered · 1 error", timeout=20_000)
    seen = recorded(page)
    assert any(len(s) == 3 and s[1][2] and not (s[0][1] and s[2][1]) for s in seen), \
        f"the error was not shown while the others were still streaming: {seen}"
    panes = view.locator(".orm-compare-pane")
    expect(panes.nth(1).locator(".orm-compare-error")).to_contain_text("overloaded")
    for index in (0, 2):
        expect(panes.nth(index).locator(".orm-compare-footer")).to_contain_text("$")
    rest_mouse(page)
    lab.shot(page.locator(".jp-Notebook .jp-Cell").nth(cell), "3-compare-error")


def _all_answer_with_badges(page, lab, cell: int) -> None:
    """A quick clean run: every pane answers and the badges are handed out (the README's picture)."""
    lab.fake.configure(answer_tokens=None, chunk_delay=0.01, per_model={B: None})
    lab.run_cell(page, cell)
    view = _compare_view(lab, page, cell)
    _expect()(view.locator(".orm-compare-summary")).to_contain_text("3 of 3 answered", timeout=20_000)
    assert view.locator(".orm-compare-badge").count() >= 4
    rest_mouse(page)
    crop(lab, view, "compare")


# ── 4. interrupt ────────────────────────────────────────────────────────────────────────────────
def test_the_toolbar_stop_button_interrupts_a_long_answer_within_a_second_and_keeps_the_partial_text(page, lab):
    lab.fake.configure(answer_tokens=4000, chunk_delay=0.02)
    name = lab.write_notebook("interrupt.ipynb", [
        LOAD,
        "%%openrouter -m openai/gpt-4o-mini --max-tokens 5000\nWrite a very long essay about rivers.",
    ])
    lab.open(page, name)
    lab.run_all(page)
    page.wait_for_function(f"() => ({answer_snapshot(1)})()[0] > 200", timeout=30_000)

    before = answer_chars(page, 1)
    record(page, f"""() => [({answer_snapshot(1)})()[0],
                          /\\[interrupted\\]/.test({CELLS}[1].querySelector('.jp-OutputArea').textContent)]""")
    clicked = now_ms(page)
    page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="interrupt"]').click()
    lab.output(page, 1).get_by_text("[interrupted]", exact=True).wait_for(timeout=5_000)
    stamps = recorded(page, stamped=True)
    marked = min(t for t, (_, mark) in stamps if mark) - clicked
    grew = [t for (t, (chars, _)), (_, (prev, _)) in zip(stamps[1:], stamps) if chars != prev]
    last_growth = max(grew, default=stamps[0][0]) - clicked

    print(f"interrupt: text last grew {last_growth:.0f} ms, marked {marked:.0f} ms after the click")
    assert marked < 1000, f"the answer was marked [interrupted] only {marked:.0f} ms after the click"
    assert lab.fake.wait_for_disconnects(1, timeout=5), "the emulator never saw the stream cancelled"
    kept = answer_chars(page, 1)
    assert kept >= before > 200, f"partial text lost: {before} chars before the click, {kept} after"
    lab.wait_idle(page, timeout=10)
    page.wait_for_timeout(400)
    assert answer_chars(page, 1) == kept, "the answer kept growing after the interrupt"
    rest_mouse(page)
    lab.shot(page, "4-interrupt")
