"""The notebook renderer in a real kernel (nbclient): intermediate updates on the wire, the answer once when saved."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parents[2]


class CountingClient(NotebookClient):
    """Records every IOPub message type per cell (the front end's view of the wire)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages: dict[int, list[dict]] = {}

    def process_message(self, msg, cell, cell_index):
        self.messages.setdefault(cell_index, []).append({"type": msg["msg_type"], "content": msg["content"]})
        return super().process_message(msg, cell, cell_index)


def make_answer(pieces: int) -> list[str]:
    """A markdown answer in ``pieces`` deltas: paragraphs and a code fence with blank lines inside."""
    words = [f"w{i % 97} " for i in range(pieces)]
    for i in range(40, pieces, 150):
        words[i] = "end.\n\n"
    words[700:704] = ["\n\n```python\n", "x = 1\n", "\n", "y = 2\n```\n\n"]
    return words


CELL = """
import time
from openrouter_magic._render.select import make_renderer
from openrouter_magic._core.types import ChatResponse
pieces = {pieces!r}
renderer = make_renderer("markdown", refresh_interval=0.25)
print(type(renderer).__name__)
renderer.start("demo/model")
time.sleep(0.3)
for piece in pieces:
    renderer.text(piece)
    time.sleep(0.005)
renderer.finish(ChatResponse(text="".join(pieces)), "demo/model · $0.000123")
"""


WAITING_CELL = """
import asyncio
from openrouter_magic._render.select import make_renderer
from openrouter_magic._session.session import Session

async def slow_first_token():
    renderer = make_renderer("markdown", refresh_interval=0.1)
    renderer.start("demo/slow")
    await asyncio.sleep(1.0)  # no token yet: the renderer ticks by itself on the kernel's loop
    renderer.text("Finally.")
    renderer.finish(None, None)

Session.get().run(slow_first_token())
"""

PIECES = make_answer(2000)


@pytest.fixture(scope="module")
def executed():
    """One kernel runs both cells; the notebook and the messages each cell produced."""
    cells = [nbformat.v4.new_code_cell(CELL.format(pieces=PIECES)), nbformat.v4.new_code_cell(WAITING_CELL)]
    nb = nbformat.v4.new_notebook(cells=cells)
    client = CountingClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return nb, client.messages


def test_a_streamed_answer_in_a_kernel_updates_the_display_and_is_saved_once(executed):
    nb, messages = executed
    answer = "".join(PIECES)
    outputs = nb.cells[0].outputs
    assert outputs[0].output_type == "stream" and outputs[0].text == "NotebookRenderer\n"
    # On the wire: the tail was updated in place many times while the answer arrived (>= 5 required).
    types = [m["type"] for m in messages[0]]
    updates = types.count("update_display_data")
    assert updates >= 5, types
    assert types.count("display_data") + updates < 200  # throttled, never one per piece
    # Saved: the final state of each display; the answer's markdown, concatenated, is the answer once.
    displays = [o for o in outputs if o.output_type == "display_data"]
    answer_displays = [o for o in displays if o.data["text/html"] == ""
                       or o.data["text/html"].startswith('<div class="orm-answer')]
    assert not any("text/markdown" in o.data for o in displays)  # answers are published as safe HTML (§13)
    assert "".join(o.data["text/plain"] for o in answer_displays) == answer
    plain = "".join(o.data["text/plain"] for o in displays)
    assert plain == answer + "demo/model · $0.000123"  # the answer once, then the footer; no indicator left
    nbformat.validate(nb)


def test_the_waiting_indicator_ticks_on_the_kernel_loop_until_the_first_token(executed):
    nb, messages = executed
    waiting = [m["content"]["data"]["text/plain"] for m in messages[1]
               if m["type"].endswith("display_data") and "waiting" in m["content"]["data"]["text/plain"]]
    assert len(waiting) >= 5, waiting  # 0.0s, 0.1s, … refreshed while nothing arrived
    assert waiting[-1].endswith(("0.9s", "1.0s", "1.1s"))
    assert [o.data["text/plain"] for o in nb.cells[1].outputs] == ["Finally."]
    assert "<p>Finally.</p>" in nb.cells[1].outputs[0].data["text/html"]
