"""%%openrouter in a real Jupyter kernel (nbclient), against the emulator over loopback.

One kernel runs one notebook with several checks, to keep kernel starts few: a long streamed answer,
the value of ``_``, a chat re-run keyed by the front end's cell id, an interrupt in the middle of a stream,
the cell after it, failing calls — and then the saved notebook and every message are scanned for the key.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

LONG_MODEL = "openai/gpt-4o"  # 2,000 chunks at 5 ms
SLOW_MODEL = "anthropic/claude-haiku-4.5"  # slow enough to interrupt
FAILING_MODEL = "mistralai/mistral-nemo"  # answers 401
BROKEN_MODEL = "google/gemini-2.5-flash"  # breaks off mid-stream
MODEL = "openai/gpt-4o-mini"

CELLS = [
    ("setup", "%load_ext openrouter_magic\n%config OpenRouterMagics.refresh_interval = 0.1"),
    ("long", f"%%openrouter -m {LONG_MODEL} -o long -q\nTell me everything."),
    ("long_check", "print(len(long.text), type(_).__name__, _ is long)\nprint(long.text)"),
    ("chat", f"%%openrouter -m {MODEL} --chat -q\nMy name is Ann."),
    ("interrupt", f"%%openrouter -m {SLOW_MODEL} -o partial\nA very long story."),
    ("after", f"%%openrouter -m {MODEL} -o after\nStill there?"),
    ("after_check", "from openrouter_magic._session.session import Session\n"
                    "print(partial.interrupted, len(partial.text) > 0, after.interrupted, len(after.text) > 0)\n"
                    "print(Session.get().ledger.frame()['status'].tolist())\n"
                    "print(len(Session.get().conversations.exchanges()))"),
    ("fail", f"%%openrouter -m {FAILING_MODEL}\nhi"),
    ("broken", f"%%openrouter -m {BROKEN_MODEL} -o broken\nhi"),
    ("config", "%openrouter config"),
]
RAISES = {"interrupt", "fail", "broken"}


class RecordingClient(NotebookClient):
    """Keeps every iopub message, to count the display updates a front end would have seen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.messages: list[tuple[int, dict]] = []

    def process_message(self, msg, cell, cell_index):
        self.messages.append((cell_index, msg))
        return super().process_message(msg, cell, cell_index)


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for name, source in CELLS:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["name"] = name
        if name in RAISES:
            cell.metadata["tags"] = ["raises-exception"]
        nb.cells.append(cell)
    return nb


def _interrupt_when_streaming(client, fake, timings):
    """Interrupt the kernel 0.5 s after the slow model's request arrives; time the disconnect."""
    deadline = time.monotonic() + 60
    while not any(r.json and r.json.get("model") == SLOW_MODEL for r in fake.chat_requests):
        if time.monotonic() > deadline:
            return
        time.sleep(0.01)
    time.sleep(0.5)
    timings["interrupt"] = time.monotonic()
    asyncio.run(client.km.interrupt_kernel())  # the async manager's method, from this thread
    if fake.wait_for_disconnects(1, timeout=5):
        timings["disconnect"] = time.monotonic()


def _outputs(nb, name):
    return next(c for c in nb.cells if c.metadata.get("name") == name).outputs


def _stdout(nb, name) -> str:
    """All stdout of a cell (prints may arrive as several stream outputs)."""
    return "".join(o["text"] for o in _outputs(nb, name) if o["output_type"] == "stream" and o["name"] == "stdout")


def _index(name):
    return [n for n, _ in CELLS].index(name)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Run the notebook once; share the results among the tests of this module."""
    from openrouter_magic.testing import FakeOpenRouter

    from conftest import SENTINEL_KEY

    home = tmp_path_factory.mktemp("kernel-home")
    knobs = {LONG_MODEL: {"answer_tokens": 2000, "chunk_chars": 4, "chunk_delay": 0.005},
             SLOW_MODEL: {"answer_tokens": 4000, "chunk_delay": 0.05},
             BROKEN_MODEL: {"mid_stream_error": {"after_chunks": 5, "code": 502, "message": "Provider died"}}}
    with FakeOpenRouter(per_model=knobs) as fake, pytest.MonkeyPatch.context() as mp:
        for var, value in (("OPENROUTER_BASE_URL", fake.base_url), ("OPENROUTER_API_KEY", SENTINEL_KEY),
                           ("OPENROUTER_MAGIC_HOME", str(home))):
            mp.setenv(var, value)  # the kernel inherits them: no key in the notebook's source
        fake.queue_error(401, model=FAILING_MODEL, times=5)
        nb = _notebook()
        client = RecordingClient(nb, timeout=60, kernel_name="python3",
                                 resources={"metadata": {"path": str(home)}})
        timings: dict[str, float] = {}
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                thread = None
                if cell.metadata["name"] == "interrupt":
                    thread = threading.Thread(target=_interrupt_when_streaming, args=(client, fake, timings))
                    thread.start()
                client.execute_cell(cell, index)
                if thread is not None:
                    thread.join()
                if cell.metadata["name"] == "chat":  # re-run the same cell: same cell id from the front end
                    client.execute_cell(cell, index)
        path = home / "saved.ipynb"
        nbformat.write(nb, path)
        yield {"nb": nb, "client": client, "fake": fake, "timings": timings, "saved": path.read_text()}


def test_a_2000_chunk_answer_shows_intermediate_updates_and_saves_exactly_the_answer(executed):
    nb, client = executed["nb"], executed["client"]
    updates = [m for i, m in client.messages if i == _index("long") and m["msg_type"] == "update_display_data"]
    assert len(updates) >= 5
    check = _stdout(nb, "long_check")
    first_line, full_text = check.split("\n", 1)
    assert first_line == "8000 ChatResponse True"
    shown = "".join(out["data"]["text/plain"] for out in _outputs(nb, "long") if out["output_type"] == "display_data")
    assert " ".join(shown.split()) == " ".join(full_text.split())
    assert not any(out["output_type"] == "execute_result" for out in _outputs(nb, "long"))


def test_an_interrupt_cancels_within_half_a_second_and_keeps_the_partial_text(executed):
    timings, nb = executed["timings"], executed["nb"]
    assert timings["disconnect"] - timings["interrupt"] < 0.5
    outputs = _outputs(nb, "interrupt")
    text = json.dumps(outputs, ensure_ascii=False)
    assert "[interrupted]" in text and "UsageError" in text and "Traceback" not in text
    assert "True True False True" in _stdout(nb, "after_check")


def test_the_ledger_has_one_row_per_call_with_the_right_status(executed):
    statuses = _stdout(executed["nb"], "after_check").splitlines()[1]
    assert statuses == str(["ok", "ok", "ok", "interrupted", "ok"])


def test_rerunning_a_chat_cell_replaces_its_exchange_by_cell_id(executed):
    assert _stdout(executed["nb"], "after_check").splitlines()[2] == "1"


def test_failures_in_a_kernel_are_one_line_and_keep_the_partial_answer(executed):
    nb = executed["nb"]
    shown, line = _outputs(nb, "fail")  # the indicator becomes "no answer"; the error is one stderr line
    assert shown["data"]["text/plain"] == "⚠ no answer"
    assert line["name"] == "stderr" and line["text"].startswith("UsageError: OpenRouter rejected the API key")
    assert line["text"].count("\n") == 1
    broken = json.dumps(_outputs(nb, "broken"), ensure_ascii=False)
    assert "Provider died" in broken and "the answer broke off" in broken


def test_the_key_appears_nowhere_in_the_saved_notebook_or_any_message(executed):
    from conftest import SENTINEL_KEY

    assert "sk-or-…CRET" in json.dumps(_outputs(executed["nb"], "config"), ensure_ascii=False)
    assert SENTINEL_KEY not in executed["saved"]
    assert not [m for _, m in executed["client"].messages if SENTINEL_KEY in json.dumps(m, default=str)]
