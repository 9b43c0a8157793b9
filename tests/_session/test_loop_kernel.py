"""The session's private loop in real Jupyter kernels (jupyter_client), against the emulator over loopback.

DESIGN §1 "The event loop": nothing in asyncio, tornado or ipykernel is patched; Ctrl-C during a stream
cancels it on the private loop within 0.5 s and keeps the partial answer; a comparison streams on while
the kernel's thread is busy with another cell.
"""

from __future__ import annotations

import json
import os
import time

import pytest

pytestmark = pytest.mark.kernel

FAST, SLOW, OTHER = "openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "openai/gpt-4.1-mini"

FACTS = """
import asyncio, sys, tornado.concurrent

def _facts():  # what nest_asyncio (and its fork) replace: asyncio's Task/Future/run, the loop class, the policy, tornado
    loop_class = type(asyncio.get_running_loop())
    return {"asyncio.Task": asyncio.Task, "asyncio.Future": asyncio.Future, "asyncio.tasks.Task": asyncio.tasks.Task,
            "asyncio.futures.Future": asyncio.futures.Future, "asyncio.run": asyncio.run,
            "asyncio.get_event_loop": asyncio.get_event_loop, "policy": type(asyncio.get_event_loop_policy()),
            "loop class": loop_class, "run_until_complete": loop_class.run_until_complete,
            "run_forever": loop_class.run_forever, "_run_once": loop_class._run_once,
            "tornado.concurrent.Future": tornado.concurrent.Future}

await asyncio.sleep(0)
_before = _facts()
"""
CHECK = """
await asyncio.sleep(0)
_after = _facts()
print("changed:", sorted(name for name in _before if _after[name] is not _before[name]))
print("nest:", sorted(name for name in sys.modules if "nest_asyncio" in name))
"""


class Kernel:
    """A real kernel pointed at the emulator, with a blocking client."""

    def __init__(self, fake, home) -> None:
        from jupyter_client.manager import start_new_kernel

        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
        env.update(OPENROUTER_BASE_URL=fake.base_url, OPENROUTER_API_KEY="sk-or-v1-loop-kernel-test",
                   OPENROUTER_MAGIC_HOME=str(home))
        self.manager, self.client = start_new_kernel(kernel_name="python3", env=env)

    def run(self, code: str, timeout: float = 30) -> tuple[str, dict, list[dict]]:
        """Execute one cell: (its stdout, the reply's content, its iopub messages)."""
        messages: list[dict] = []
        reply = self.client.execute_interactive(code, timeout=timeout, output_hook=messages.append)
        stdout = "".join(m["content"]["text"] for m in messages
                         if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        return stdout, reply["content"], messages

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernel(fake, tmp_path):
    k = Kernel(fake, tmp_path / "home")
    yield k
    k.close()


def _ok(kernel: Kernel, code: str, timeout: float = 30) -> str:
    stdout, reply, _ = kernel.run(code, timeout)
    assert reply["status"] == "ok", reply
    return stdout


def test_answers_comparisons_and_the_picker_leave_asyncio_and_tornado_unpatched(kernel, fake):
    _ok(kernel, FACTS)
    _ok(kernel, "%load_ext openrouter_magic")
    _ok(kernel, f"%%openrouter -m {FAST} -q\nHello.")
    _ok(kernel, f"%%openrouter --compare {FAST},{OTHER} -o table\nSay hi.")
    # the comparison streams on the private loop while this cell (the kernel's thread) just waits
    _ok(kernel, "import time\nfor _ in range(400):\n    if 'table' in globals(): break\n    time.sleep(0.05)\n"
                "print(list(table['status']))")
    _ok(kernel, "picker = get_ipython().run_line_magic('openrouter', 'picker')\n"
                "for _ in range(400):\n    if picker.frame is not None: break\n    time.sleep(0.05)\n"
                f"picker.table.value = {OTHER!r}\npicker.use_button.click()")
    used = _ok(kernel, "from openrouter_magic._session import Session\nprint(Session.get().default_model)")
    # a top-level await on the kernel's own loop still works, with the package's own client
    awaited = _ok(kernel, "from openrouter_magic import OpenRouter\nasync with OpenRouter() as c:\n"
                          f"    r = await c.chat('hi', model={FAST!r})\nprint(bool(r.text))")
    assert used.strip() == OTHER and awaited.strip() == "True"
    assert _ok(kernel, CHECK).splitlines() == ["changed: []", "nest: []"]
    assert len(fake.chat_requests) == 4


def _wait_until_streaming(fake, model: str) -> None:
    deadline = time.monotonic() + 30
    while not any(r.json and r.json.get("model") == model for r in fake.chat_requests):
        assert time.monotonic() < deadline, "the request never arrived"
        time.sleep(0.01)


def _until_idle(kernel: Kernel, msg_id: str) -> tuple[dict, list[dict]]:
    """The shell reply and every iopub message of one cell, read after the fact (queued by zmq meanwhile)."""
    messages = []
    while True:
        msg = kernel.client.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return kernel.client.get_shell_msg(timeout=10)["content"], messages


def test_ctrl_c_ends_the_cell_within_half_a_second_closes_the_connection_and_keeps_the_partial_answer(kernel, fake):
    fake.configure(per_model={SLOW: {"answer_tokens": 4000, "chunk_delay": 0.05}})
    _ok(kernel, "%load_ext openrouter_magic")
    msg_id = kernel.client.execute(f"%%openrouter -m {SLOW} -o partial\nA very long story.")
    _wait_until_streaming(fake, SLOW)
    time.sleep(0.6)  # some text has streamed by now
    interrupted_at = time.monotonic()
    kernel.manager.interrupt_kernel()  # from this thread: jupyter_client reuses its loop here
    assert fake.wait_for_disconnects(1, timeout=5)
    disconnected_at = time.monotonic()
    reply, messages = _until_idle(kernel, msg_id)  # timed when read: later than it arrived, never earlier
    ended_at = time.monotonic()
    assert reply["status"] == "error" and reply["ename"] == "UsageError"
    assert disconnected_at - interrupted_at < 0.5 and ended_at - interrupted_at < 0.5
    shown = " ".join(m["content"]["data"]["text/plain"] for m in messages if "data" in m["content"])
    facts = json.loads(_ok(kernel, "import json\nfrom openrouter_magic._session import Session\n"
                                   "print(json.dumps([partial.interrupted, partial.text, "
                                   "Session.get().ledger.frame()['status'].tolist()]))"))
    interrupted, text, statuses = facts
    assert interrupted and text and statuses == ["interrupted"]
    assert "[interrupted]" in shown and " ".join(text.split()[:5]) in " ".join(shown.split())  # partial text shown
    assert _ok(kernel, f"%%openrouter -m {FAST} -q -o after\nStill there?") == ""
    assert _ok(kernel, "print(after.interrupted, bool(after.text))").strip() == "False True"


def test_a_comparison_keeps_streaming_while_another_cell_spins_the_cpu(kernel, fake):
    fake.configure(answer_tokens=80, chunk_delay=0.05)  # each answer streams for about 4 s
    _ok(kernel, "%load_ext openrouter_magic")
    _ok(kernel, f"%%openrouter --compare {FAST},{OTHER}\nExplain vector databases.")
    busy = kernel.client.execute("import time\nt = time.time()\nwhile time.time() - t < 2:\n    pass")
    values, running = [], False
    while True:  # every iopub message, in order: widget updates are not parented on the busy cell
        msg = kernel.client.get_iopub_msg(timeout=30)
        mine = msg["parent_header"].get("msg_id") == busy
        if mine and msg["msg_type"] == "execute_input":
            running = True
        elif mine and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        elif running and msg["msg_type"] == "comm_msg":
            state = msg["content"]["data"].get("state", {})
            if "chars" in str(state.get("value", "")):  # a pane's footer: "… 123 chars · 1.2 s"
                values.append(state["value"])
    assert len(values) >= 10 and len(set(values)) >= 10, values  # the panes moved on while the CPU was busy
