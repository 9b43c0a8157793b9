"""Row maps in real kernels against the emulator over loopback (issue 15).

Ctrl-C after about half the rows: the cell ends within 0.5 s, the partial frame is stored (finished rows
filled, the rest ``cancelled``), the ledger's ok rows are the frame's ok rows, and running the cell again with
the cache sends only the rest. nbclient: the progress display of a 2,000-row run sends at most 10 display
messages per second of wall time (plus a constant).
"""

from __future__ import annotations

import json
import os
import threading
import time

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

MODEL = "openai/gpt-4o-mini"
FRAME = "import pandas as pd\ndf = pd.DataFrame({'review': [f'review {i:05d}' for i in range(%d)]})"


def echo(model: str, messages: list[dict]) -> str:
    return "answer to " + messages[-1]["content"].split(": ", 1)[1]


def kernel_env(fake, home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env.update(OPENROUTER_BASE_URL=fake.base_url, OPENROUTER_API_KEY="sk-or-v1-rowmap-kernel-test",
               OPENROUTER_MAGIC_HOME=str(home))
    return env


@pytest.fixture
def kernel(fake, tmp_path):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=kernel_env(fake, tmp_path / "home"))
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def execute(client, code: str, timeout: float = 60) -> tuple[str, dict]:
    messages: list[dict] = []
    reply = client.execute_interactive(code, timeout=timeout, output_hook=messages.append)
    stdout = "".join(m["content"]["text"] for m in messages
                     if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
    return stdout, reply["content"]


def facts(client, code: str) -> object:
    stdout, reply = execute(client, "import json\n" + code)
    assert reply["status"] == "ok", reply
    return json.loads(stdout)


def interrupt_at(manager, fake, rows: int, times: dict) -> None:
    deadline = time.monotonic() + 60
    while len(fake.chat_requests) < rows and time.monotonic() < deadline:
        time.sleep(0.005)
    times["interrupt"] = time.monotonic()
    manager.interrupt_kernel()


STATE = """from openrouter_magic._session import Session
led = Session.get().ledger.frame()
print(json.dumps({"frame": out["_status"].astype(str).value_counts().to_dict(),
                  "answers_ok": bool((out.loc[out["_status"] == "ok", "answer"]
                                      == "answer to " + df.loc[out["_status"] == "ok", "review"]).all()),
                  "ledger": led["status"].value_counts().to_dict(), "runs": int(led["run_id"].nunique())}))"""


def test_ctrl_c_keeps_the_finished_rows_and_a_rerun_sends_only_the_rest(kernel, fake):
    manager, client = kernel
    fake.configure(answer=echo, first_byte_delay=0.05)
    for code in ("%load_ext openrouter_magic", FRAME % 200):
        assert execute(client, code)[1]["status"] == "ok"
    cell = f"%%openrouter --map df -m {MODEL} -o out --concurrency 4\nClassify: {{review}}"
    times: dict[str, float] = {}
    interrupter = threading.Thread(target=interrupt_at, args=(manager, fake, 100, times))
    interrupter.start()
    _, reply = execute(client, cell)
    times["reply"] = time.monotonic()
    interrupter.join()
    assert reply["status"] == "error" and reply["ename"] == "UsageError" and "interrupted" in reply["evalue"]
    assert times["reply"] - times["interrupt"] < 0.5
    first = facts(client, STATE)
    ok, cancelled = first["frame"].get("ok", 0), first["frame"].get("cancelled", 0)
    assert 80 <= ok <= 120 and ok + cancelled == 200 and first["answers_ok"]
    assert first["ledger"]["ok"] == ok and first["ledger"].get("interrupted", 0) <= 4 and first["runs"] == 1
    sent = len(fake.chat_requests)
    _, reply = execute(client, cell)
    assert reply["status"] == "ok", reply
    second = facts(client, STATE)
    assert len(fake.chat_requests) - sent == cancelled  # only the rows that had not finished
    assert second["frame"] == {"cached": ok, "ok": cancelled}
    assert second["answers_ok"] and second["runs"] == 2


class CountingClient(NotebookClient):
    """nbclient, counting the display messages each cell sends."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.displays: dict[int, int] = {}

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] in ("display_data", "update_display_data"):
            self.displays[cell_index] = self.displays.get(cell_index, 0) + 1
        return super().process_message(msg, cell, cell_index)


def test_the_progress_of_2000_rows_sends_at_most_ten_display_messages_a_second(fake, tmp_path, monkeypatch):
    fake.configure(answer=echo, first_byte_delay=0.02)
    for name, value in kernel_env(fake, tmp_path / "home").items():
        monkeypatch.setenv(name, value)
    cells = ["%load_ext openrouter_magic", FRAME % 2000,
             "import time\nstarted = time.monotonic()",
             f"%%openrouter --map df -m {MODEL} -o out --concurrency 64\nClassify: {{review}}",
             "print(round(time.monotonic() - started, 3), (out['_status'] == 'ok').sum())"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    runner = CountingClient(nb, timeout=120, kernel_name="python3")
    runner.execute()
    wall, ok = nb.cells[4].outputs[0]["text"].split()
    assert int(ok) == 2000
    assert runner.displays[3] <= 10 * float(wall) + 4, (runner.displays[3], wall)
    shown = nb.cells[3].outputs
    html = " ".join(out.get("data", {}).get("text/html", "") for out in shown)
    assert "<progress" in html and "2000/2000 rows" in html and "2000 ok" in html
