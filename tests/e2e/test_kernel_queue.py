"""What JupyterLab's Run All does to a kernel, without the browser: every request is sent at once.

nbclient waits for each reply before sending the next request, so it cannot see this; JupyterLab does
not. With ipykernel 7 a request that arrives while a cell streams used to be stepped re-entrantly in the
cell's own Context by nest_asyncio ("cannot enter context"), and was lost: the next cell never ran.
"""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.kernel


def test_cells_queued_while_an_answer_streams_still_run_afterwards(emulator, tmp_path):
    from jupyter_client.manager import start_new_kernel

    emulator.configure(chunk_delay=0.01, answer_tokens=60)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENROUTER_")}
    env.update(OPENROUTER_BASE_URL=emulator.base_url, OPENROUTER_API_KEY="sk-or-v1-queue-test",
               OPENROUTER_MAGIC_HOME=str(tmp_path / "home"))
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        client.execute_interactive("%load_ext openrouter_magic", timeout=30)
        streaming = client.execute("%%openrouter -m openai/gpt-4o-mini\nHello there.")
        queued = client.execute("print(6*7)")  # sent at once, like Run All
        replies = {}
        while len(replies) < 2:
            msg = client.get_shell_msg(timeout=20)
            replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
        assert replies == {streaming: "ok", queued: "ok"}
        printed = []
        while True:
            msg = client.get_iopub_msg(timeout=5)
            if msg["parent_header"].get("msg_id") == queued and msg["msg_type"] == "stream":
                printed.append(msg["content"]["text"])
            if (msg["parent_header"].get("msg_id") == queued and msg["msg_type"] == "status"
                    and msg["content"]["execution_state"] == "idle"):
                break
        assert "".join(printed) == "42\n"
        assert len(emulator.chat_requests) == 1
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
