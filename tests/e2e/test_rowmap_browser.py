"""Issue 15 in the browser: a row map's progress bar moves while the rows run, and the summary line
replaces it at the end — one display in JupyterLab, no flood of outputs. Screenshot: build/e2e/rowmap.png
(docs/screenshots/rowmap.png with ``E2E_UPDATE_SCREENSHOTS=1``)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CELLS = ["%load_ext openrouter_magic",
         "import pandas as pd\nreviews = pd.DataFrame({'review': [f'review number {i}' for i in range(120)]})",
         "%%openrouter --map reviews -m openai/gpt-4o-mini -o labels --concurrency 8 --max-tokens 20\n"
         "Classify the sentiment of this review as positive, negative or mixed: {review}"]


def _expect():
    from playwright.sync_api import expect

    return expect


def test_the_progress_bar_moves_and_the_summary_renders_in_jupyterlab(lab, page):
    lab.fake.configure(first_byte_delay=0.1, answer="positive")
    lab.open(page, lab.write_notebook("rowmap.ipynb", CELLS))
    lab.run_all(page)
    output = lab.output(page, 2)
    progress = output.locator(".openrouter-progress progress")
    _expect()(progress).to_be_visible(timeout=30_000)
    seen = int(progress.get_attribute("value") or 0)
    _expect()(output.locator(".openrouter-progress-summary")).to_contain_text("120 ok", timeout=60_000)
    assert seen < 120  # the bar was shown while rows were still running
    assert progress.get_attribute("value") == "120" and progress.get_attribute("max") == "120"
    assert output.locator(".openrouter-progress").count() == 1  # one display, updated in place
    assert output.locator("mjx-container").count() == 0  # "$0.0005 … $0.002" is not typeset as TeX
    preview = output.locator(".openrouter-map-preview")
    _expect()(preview).to_contain_text("120 rows × openai/gpt-4o-mini")
    _expect()(preview.locator("pre")).to_have_text(re.compile(r"Classify the sentiment .*: review number 0$"))
    path = lab.shot(output, "rowmap")
    if os.environ.get("E2E_UPDATE_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / "rowmap.png")
