"""The notebook renderer in a real kernel (nbclient): intermediate updates on the wire, the answer once when saved."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parents[1]


class CountingClient(NotebookClient):
    """Records the type of every IOPub message a cell produced (the front end's view of the wire)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.message_types: list[str] = []

    def process_message(self, msg, cell, cell_index):
        self.message_types.append(msg["msg_type"])
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
from openrouter_magic._render import make_renderer
from openrouter_magic._types import ChatResponse
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


def test_a_streamed_answer_in_a_kernel_updates_the_display_and_is_saved_once(tmp_path):
    pieces = make_answer(2000)
    answer = "".join(pieces)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL.format(pieces=pieces))])
    client = CountingClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    outputs = nb.cells[0].outputs
    assert outputs[0].output_type == "stream" and outputs[0].text == "NotebookRenderer\n"
    # On the wire: the tail was updated in place many times while the answer arrived (>= 5 required).
    updates = client.message_types.count("update_display_data")
    assert updates >= 5, client.message_types
    assert client.message_types.count("display_data") + updates < 200  # throttled, never one per piece
    # Saved: the final state of each display; the answer's markdown, concatenated, is the answer once.
    displays = [o for o in outputs if o.output_type == "display_data"]
    assert "".join(o.data.get("text/markdown", "") for o in displays) == answer
    plain = "".join(o.data["text/plain"] for o in displays)
    assert plain == answer + "demo/model · $0.000123"  # the answer once, then the footer; no indicator left
    nbformat.validate(nb)
