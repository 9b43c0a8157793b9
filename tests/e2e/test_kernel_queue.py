"""What JupyterLab's Run All does to a kernel, without the browser: every request is sent at once.

nbclient waits for each reply before sending the next request, so it cannot see this; JupyterLab does
not. The answer streams on the session's private loop while the kernel's thread waits for it, so the
kernel's own loop is never re-entered and requests that arrive meanwhile simply queue. (With nest_asyncio
on the kernel's loop, ipykernel 7 stepped such a request inside the cell's own Context — "cannot enter
context" — and lost it: the next cell never ran.)
"""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.kernel


def test_cells_queued_while_an_answer_streams_all_run_afterwards_in_order(emulator, tmp_path):
    from jupyter_client.manager import start_new_kernel

    emulator.configure(chunk_delay=0.01, answer_tokens=60)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env.update(OPENROUTER_BASE_URL=emulator.base_url, OPENROUTER_API_KEY="sk-or-v1-queue-test",
               OPENROUTER_MAGIC_HOME=str(tmp_path / "home"))
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        client.execute_interactive("%load_ext openrouter_magic", timeout=30)
        cells = ["%%openrouter -m openai/gpt-4o-mini -q -o first\nHello there.",
                 "print(6*7)",  # sent at once, like Run All
                 "%%openrouter -m openai/gpt-4o-mini -q -o second\nHello there.",
                 "print(first.text == second.text, len(first.text))"]
        ids = [client.execute(cell) for cell in cells]
        replies: dict[str, str] = {}
        while len(replies) < len(ids):
            msg = client.get_shell_msg(timeout=20)
            replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
        assert [replies[i] for i in ids] == ["ok"] * 4
        printed = {i: "" for i in ids}
        while True:
            msg = client.get_iopub_msg(timeout=5)
            parent = msg["parent_header"].get("msg_id")
            if parent in printed and msg["msg_type"] == "stream":
                printed[parent] += msg["content"]["text"]
            if parent == ids[-1] and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        assert printed[ids[1]] == "42\n" and printed[ids[3]] == "True 240\n"
        assert len(emulator.chat_requests) == 2
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
