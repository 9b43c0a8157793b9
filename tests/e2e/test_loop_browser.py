"""Issue 12 in the browser: widgets work on the session's private loop, not on the kernel's.

DESIGN §1 "The event loop": a comparison keeps streaming while another cell runs, even a CPU-bound one,
and a widget callback (the picker's *Use*) never blocks the comm handler. Real JupyterLab, real
Chromium, real kernels; only OpenRouter is emulated (in this process, slowed down). The lab's kernels
do not get ``OPENROUTER_MAGIC_HEADLESS`` (conftest drops every ``OPENROUTER_*`` variable it does not
set), so a comparison cell returns at once and its panes stream on afterwards.
"""

from __future__ import annotations

import re

from ._lab import CELLS, now_ms, record, recorded

LOAD = "%load_ext openrouter_magic"
MODELS = ("openai/gpt-4o-mini", "google/gemini-2.5-flash", "anthropic/claude-haiku-4.5", "openai/gpt-4.1-mini")
COMPARE = f"%%openrouter --compare {','.join(MODELS)}\nExplain what a vector database is."
BUSY_S = 5
BUSY = f"import time\nt = time.time()\nwhile time.time() - t < {BUSY_S}:\n    pass"
SLOW = {"answer_tokens": 100, "chunk_delay": 0.1}  # 100 chunks of 4 characters: ~10 s per answer
RUNNING = "[*]:"


def _expect():
    """Playwright's auto-waiting assertions (imported late: the fixtures skip or fail without it)."""
    from playwright.sync_api import expect

    return expect


def loop_snapshot(compare_cell: int, busy_cell: int) -> str:
    """JS: [characters shown by each pane of the comparison, the busy cell's input prompt]."""
    return f"""() => {{
        const cells = {CELLS};
        const panes = [...cells[{compare_cell}].querySelectorAll('.jupyter-widgets.orm-compare .orm-compare-pane')]
            .map(p => {{ const t = p.querySelector('.orm-compare-text').textContent.trim();
                         return t === '…' ? 0 : t.length; }});
        return [panes, cells[{busy_cell}].querySelector('.jp-InputPrompt').textContent.trim()];
    }}"""


def prompt(page, cell: int) -> str:
    """The input prompt of a cell now: ``[ ]:``, ``[*]:`` while queued or running, ``[n]:`` after."""
    return page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".jp-InputPrompt").inner_text().strip()


def busy_bounds(stamps: list) -> tuple[float, float]:
    """When (page ms) the busy cell started showing ``[*]`` and when it stopped."""
    start = next(i for i, (_, (_, shown)) in enumerate(stamps) if shown == RUNNING)
    end = next(i for i in range(start, len(stamps)) if stamps[i][1][1] != RUNNING)
    return stamps[start][0], stamps[end][0]


def lengths_at(stamps: list, ms: float) -> list[int]:
    """The pane lengths the page showed at ``ms``: the last snapshot taken at or before it."""
    return [value for stamp, value in stamps if stamp <= ms][-1][0]


# ── 1. a comparison streams on while another cell spins the CPU ────────────────────────────────
def test_a_four_model_comparison_keeps_streaming_in_the_page_while_another_cell_spins_the_cpu(page, lab):
    lab.fake.configure(**SLOW)
    name = lab.write_notebook("loop-compare.ipynb", [LOAD, COMPARE, BUSY])
    lab.open(page, name)
    lab.run_cell(page, 0)
    _expect()(page.locator(".jp-Notebook .jp-Cell").nth(0).locator(".jp-InputPrompt")).to_have_text("[1]:")
    record(page, loop_snapshot(1, 2))
    lab.run_cell(page, 1)
    page.wait_for_function(
        f"() => {{ const [p] = ({loop_snapshot(1, 2)})(); return p.length === 4 && p.every(n => n > 0); }}",
        timeout=30_000)
    assert prompt(page, 1) == "[2]:", "the comparison cell did not return while its panes stream (headless?)"

    lab.run_cell(page, 2)
    _expect()(page.locator(".jp-Notebook .jp-Cell").nth(2).locator(".jp-InputPrompt")).to_have_text(
        "[3]:", timeout=(BUSY_S + 25) * 1000)
    stamps = [stamp for stamp in recorded(page, stamped=True) if isinstance(stamp[1], list)]
    start, end = busy_bounds(stamps)  # (a snapshot is an error text while a cell was missing)
    assert end - start >= (BUSY_S - 0.5) * 1000, f"the busy cell ran only {end - start:.0f} ms"
    # Sampled once a second, from one second in: updates already on their way when the busy cell
    # started may still land in its first moments, even from a loop the busy cell freezes.
    panes = [lengths_at(stamps, ms) for ms in [start + 1000 * k for k in range(1, BUSY_S)] + [end]]
    print(f"busy cell shown running for {end - start:.0f} ms; pane lengths each second from 1 s: {panes}")
    totals = [sum(lengths) for lengths in panes]
    assert all(b > a for a, b in zip(totals, totals[1:])), \
        f"the panes did not keep growing while the other cell ran: {panes}"
    assert all(last > first for first, last in zip(panes[0], panes[-1])), \
        f"a pane stood still while the other cell ran: {panes[0]} -> {panes[-1]}"
    view = lab.output(page, 1).locator(".jupyter-widgets.orm-compare")
    _expect()(view.locator(".orm-compare-summary")).to_contain_text("4 of 4 answered", timeout=30_000)
    lab.shot(page.locator(".jp-Notebook .jp-Cell").nth(1), "12-loop-compare")


# ── 2. the picker's Use button returns at once ──────────────────────────────────────────────────
PICK = "openai/gpt-4.1-mini"
SHOW_DEFAULT = "from openrouter_magic._session import Session\nprint('default:', Session.get().default_model)"


def test_the_pickers_use_button_returns_at_once_and_the_next_cell_sees_the_new_default_model(page, lab):
    expect = _expect()
    name = lab.write_notebook("loop-picker.ipynb", [LOAD, "%openrouter picker", SHOW_DEFAULT])
    page.set_viewport_size({"width": 1280, "height": 1250})
    lab.open(page, name)
    lab.run_cell(page, 0)
    lab.run_cell(page, 1)
    picker = page.locator(".jupyter-widgets.orm-picker")
    count = picker.locator(".orm-picker-count")
    expect(count).to_have_text(re.compile(r"^(\d+) of \1 models"), timeout=20_000)
    picker.locator(".orm-picker-search input").fill(PICK)
    options = picker.locator(".orm-picker-table select option")
    expect(options.first).to_contain_text(PICK)
    picker.locator(".orm-picker-table select").select_option(
        index=next(i for i, label in enumerate(options.all_inner_texts()) if label.split()[0] == PICK))
    use = picker.locator("button.orm-picker-use")
    expect(use).to_be_enabled()
    lab.wait_idle(page, timeout=20)

    # JupyterLab hands widget comms to a kernel subshell (its own thread) when ipykernel offers one, so
    # a slow callback shows up as a next cell that runs on time but still sees the old default, not
    # (only) as a late cell: the test asks for both, a prompt cell and the new default.
    output = lab.output(page, 2)
    clicked = now_ms(page)
    use.click()
    lab.run_cell(page, 2)
    output.get_by_text("default:").wait_for(timeout=10_000)
    took = now_ms(page) - clicked
    print(f"Use clicked → the next cell printed its default {took:.0f} ms later")
    assert output.inner_text().strip() == f"default: {PICK}", "the next cell did not see the model chosen"
    expect(picker.locator(".orm-picker-status")).to_contain_text(f"default model: {PICK}")
    assert took < 1000, f"the next cell ran only {took:.0f} ms after Use was clicked"
    lab.wait_idle(page, timeout=5)
    check = "from openrouter_magic._session import Session; print(Session.get().default_model)"
    assert lab.execute(name, check).strip() == PICK
