"""Issue 14 in real kernels: examples/05-cache.ipynb executed twice by nbclient against the emulator (300 ms
to first byte) with one OPENROUTER_MAGIC_HOME — the second run sends no chat request, shows the same answers,
costs $0 (ledger rows ``cached``) and is at least 5x faster; the saved notebook says where every answer came
from and never holds the key."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROVENANCE_FIELDS = {"model", "provider", "generation_id", "params", "usage", "cost", "cost_source", "cache", "version"}


def _is_answer(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and (cell.source.startswith("%%openrouter") or "ask(" in cell.source)


def _answer_seconds(nb: nbformat.NotebookNode) -> float:
    """Kernel time spent in the answer cells (nbclient's busy → idle timestamps)."""
    total = 0.0
    for cell in filter(_is_answer, nb.cells):
        timing = cell.metadata["execution"]
        busy, idle = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                      for k in ("iopub.status.busy", "iopub.status.idle"))
        total += (idle - busy).total_seconds()
    return total


def _answers(nb: nbformat.NotebookNode) -> list[str]:
    """Per answer cell, the answer's text without the footer (its last display); a streamed answer may be
    cut into more displays than a cached one shown whole, so the pieces are joined."""
    found = []
    for cell in filter(_is_answer, nb.cells):
        shown = [o for o in cell.outputs if o.output_type == "display_data"]
        found.append("".join(o.data.get("text/plain", "") for o in shown[:-1]).strip())
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both runs: (notebook, answer seconds, chat requests sent, saved file text) each, and the ledger."""
    from openrouter_magic.testing import FakeOpenRouter

    home, key = tmp_path_factory.mktemp("cache-home"), "sk-or-v1-SENTINEL-cache-0000000000000000"
    results = []
    with FakeOpenRouter(first_byte_delay=0.3) as fake, pytest.MonkeyPatch.context() as patch:
        for name, value in {"OPENROUTER_MAGIC_HOME": str(home), "OPENROUTER_API_KEY": key,
                            "OPENROUTER_BASE_URL": fake.base_url, "OPENROUTER_MAGIC_HEADLESS": "1"}.items():
            patch.setenv(name, value)
        for _ in range(2):
            before = len(fake.chat_requests)
            nb = nbformat.read(EXAMPLES / "05-cache.ipynb", as_version=4)
            NotebookClient(nb, timeout=90, kernel_name="python3",
                           resources={"metadata": {"path": str(EXAMPLES)}}).execute()
            saved = tmp_path_factory.mktemp("saved") / "05-cache.ipynb"
            nbformat.write(nb, saved)
            results.append((nb, _answer_seconds(nb), len(fake.chat_requests) - before, saved.read_text()))
        from openrouter_magic._accounting import Ledger

        rows = None
        if (home / "ledger.sqlite").exists():
            book = Ledger(path=home / "ledger.sqlite")
            rows = book.frame(all=True)
            book.close()
    return results, rows, key


def test_the_second_run_sends_nothing_and_shows_the_same_answers(runs):
    (first, _, sent_first, _), (second, _, sent_second, _) = runs[0]
    assert sent_first == 3 and sent_second == 0  # run 1: the first ask, -t 0.7 and --server-cache; the rest hit
    assert _answers(second) == _answers(first)
    footers = "\n".join(o.data.get("text/plain", "") for c in filter(_is_answer, second.cells)
                        for o in c.outputs if o.output_type == "display_data")
    assert footers.count("cached · $0 (first run") == 5


def test_the_second_run_is_at_least_five_times_faster(runs):
    (_, first_s, _, _), (_, second_s, _, _) = runs[0]
    assert first_s >= 0.9  # three answers really waited for the emulator's 300 ms
    print(f"answer cells: first run {first_s:.3f} s, second run {second_s:.3f} s")
    assert second_s * 5 <= first_s, (first_s, second_s)


def test_the_second_run_costs_nothing_in_the_ledger(runs, isolated_home):
    _, frame, _ = runs
    assert frame is not None and len(frame) >= 6
    sessions = list(dict.fromkeys(frame["session"]))
    second = frame[frame["session"] == sessions[-1]]
    assert set(second["status"]) == {"cached"} and second["cost"].sum() == 0
    first = frame[frame["session"] == sessions[0]]
    assert "ok" in set(first["status"]) and first["cost"].sum() > 0


def test_every_saved_answer_output_says_where_it_came_from_and_never_holds_the_key(runs):
    results, _, key = runs
    for nb_run, _, _, text in results:
        assert key not in text
        saved = nbformat.reads(text, as_version=4)
        for cell in filter(_is_answer, saved.cells):
            shown = [o for o in cell.outputs if o.output_type == "display_data"]
            assert shown, cell.source
            for output in shown:
                found = output.metadata.get("openrouter_magic")
                assert found and PROVENANCE_FIELDS <= set(found), (cell.source, output.metadata)
                assert found["generation_id"] and found["provider"] and found["usage"]["completion_tokens"]


def test_the_server_cache_cell_shows_its_status(runs):
    (first, _, _, _), _ = runs[0]
    cell = next(c for c in first.cells if c.cell_type == "code" and "--server-cache" in c.source)
    assert "server cache MISS" in cell.outputs[-1].data["text/plain"]
