"""Issue 17 in real Jupyter kernels (nbclient) against the emulator: ``%openrouter fix`` after a
``ZeroDivisionError`` cell sends the next-cell payload with the emulator's corrected code, and a ``2/day``-style
budget set in one kernel refuses a second kernel (another process, the same OPENROUTER_MAGIC_HOME) once the
first has spent it."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

MODEL = "openai/gpt-4o-mini"
PRICEY = "openai/gpt-4o"  # $10 per million completion tokens in the demo catalog
FIXED = "total = 10\ncount = 0\nratio = total / count if count else 0.0"
ANSWER = f"`count` is 0, so the division fails.\n\n```python\n{FIXED}\n```\n"


def _run(cells: list[tuple[str, str]], home, replies: dict[str, dict]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for name, source in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["name"] = name
        if name.startswith("fail"):
            cell.metadata["tags"] = ["raises-exception"]
        nb.cells.append(cell)

    def keep(cell, cell_index, execute_reply):
        replies[cell.metadata["name"]] = execute_reply

    client = NotebookClient(nb, timeout=60, kernel_name="python3", on_cell_executed=keep,
                            resources={"metadata": {"path": str(home)}})
    client.execute()
    return nb


def _text(nb, name: str) -> str:
    cell = next(c for c in nb.cells if c.metadata["name"] == name)
    parts = []
    for out in cell.outputs:
        parts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")) + out.get("evalue", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def two_kernels(tmp_path_factory):
    """Kernel A: a failing cell, fix, a day budget and a call that spends it; then kernel B in the same home."""
    from openrouter_magic.testing import FakeOpenRouter

    from conftest import SENTINEL_KEY

    home = tmp_path_factory.mktemp("shared-home")
    knobs = {MODEL: {"answer": ANSWER}, PRICEY: {"answer_tokens": 190}}
    with FakeOpenRouter(per_model=knobs) as fake, pytest.MonkeyPatch.context() as mp:
        for var, value in (("OPENROUTER_BASE_URL", fake.base_url), ("OPENROUTER_API_KEY", SENTINEL_KEY),
                           ("OPENROUTER_MAGIC_HOME", str(home))):
            mp.setenv(var, value)
        replies_a: dict[str, dict] = {}
        a = _run([("setup", "%load_ext openrouter_magic"),
                  ("fail", "total = 10\ncount = 0\nratio = total / count"),
                  ("fix", f"%openrouter fix -m {MODEL}"),
                  ("budget", "%openrouter budget 0.003/day"),
                  ("spend", f"%%openrouter -m {PRICEY} --max-tokens 200 -q\nWrite a paragraph.")], home, replies_a)
        sent_a = len(fake.chat_requests)
        replies_b: dict[str, dict] = {}
        b = _run([("setup", "%load_ext openrouter_magic"),
                  ("fail_refused", f"%%openrouter -m {PRICEY} --max-tokens 200 -q\nAnother one."),
                  ("show", "%openrouter budget")], home, replies_b)
        yield {"a": a, "b": b, "replies_a": replies_a, "fake": fake, "sent_a": sent_a,
               "sent_b": len(fake.chat_requests) - sent_a}


def test_fix_after_a_zero_division_puts_the_emulators_corrected_code_in_a_new_cell(two_kernels):
    reply = two_kernels["replies_a"]["fix"]["content"]
    assert reply["status"] == "ok"
    payloads = [p for p in reply.get("payload", []) if p.get("source") == "set_next_input"]
    assert payloads and payloads[0]["text"] == FIXED and payloads[0]["replace"] is False
    assert "the division fails" in _text(two_kernels["a"], "fix")
    sent = two_kernels["fake"].chat_requests[0].json["messages"][-1]["content"]
    assert "ratio = total / count" in sent and "ZeroDivisionError: division by zero" in sent


def test_a_day_budget_spent_in_one_kernel_refuses_the_next_kernel_before_sending(two_kernels):
    assert "budget per day: $0.00" in _text(two_kernels["a"], "budget")
    assert two_kernels["sent_a"] == 2  # fix + the call that spent the day
    refused = _text(two_kernels["b"], "fail_refused")
    assert "refused" in refused and "per day" in refused and "/day" in refused
    assert two_kernels["sent_b"] == 0
    shown = _text(two_kernels["b"], "show")
    assert "per day: budget $0.003" in shown and "spent" in shown and "left" in shown
