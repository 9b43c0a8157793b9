"""Render benchmarks: what the streamed notebook display costs, in time and in bytes sent to the front end.

Measured in the same run:

1. in a real kernel (nbclient), cell wall time of a 20,000-chunk zero-delay answer streamed by
   ``OpenRouter.stream`` through the notebook renderer vs the same client consuming the same stream
   without display — target ratio ≤ 1.15 (best of several alternating runs). The SSE server is a tiny
   raw-asyncio server in a subprocess serving a realistic markdown answer in 4-character deltas;
2. display bytes (JSON of every display message: data + metadata + transient) ÷ final answer bytes for a
   20,000-token answer streamed over a simulated 60 s (a shell with a byte-counting display publisher,
   an injected clock) — target ≤ 10 (whole-text updates at 10 Hz would be ~300, per chunk ~10,000);
3. the same bytes ratio on the kernel's wire for run 1 (zero delay) — target ≤ 10.

    python benchmarks/bench_render.py [--quick]
    python benchmarks/bench_render.py --serve N     # just the SSE server (prints its port)
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEY = "sk-or-v1-bench-key-0000"


def markdown_answer(tokens: int, seed: int = 11) -> str:
    """About ``tokens`` 4-character tokens of answer-like markdown: paragraphs, lists, code fences."""
    rng = random.Random(seed)
    words = "the model streams tokens into cells while users read rendered markdown answers quickly".split()
    parts: list[str] = []
    size = 0
    while size < tokens * 4:
        kind = rng.random()
        if kind < 0.6:
            part = " ".join(rng.choice(words) for _ in range(rng.randint(40, 120))) + ".\n\n"
        elif kind < 0.8:
            part = "".join(f"- item {i}: {rng.choice(words)} {rng.choice(words)}\n" for i in range(6)) + "\n"
        else:
            body = "".join(f"    value_{i} = compute({i})\n" + ("\n" if i % 5 == 4 else "") for i in range(30))
            part = f"```python\ndef run():\n{body}```\n\n"
        parts.append(part)
        size += len(part)
    return "".join(parts)[: tokens * 4]


# -- the SSE server (subprocess) ------------------------------------------------------------------

def sse_body(tokens: int) -> bytes:
    """A chunked HTTP body: one SSE event per 4-character delta, then usage and [DONE]."""
    text = markdown_answer(tokens)
    head = '{"id":"gen-bench","object":"chat.completion.chunk","model":"bench/model","provider":"Bench","choices":'
    events = [b": OPENROUTER PROCESSING\n\n"]
    for i in range(0, len(text), 4):
        delta = json.dumps({"index": 0, "delta": {"role": "assistant", "content": text[i : i + 4]},
                            "finish_reason": None})
        events.append(f"data: {head}[{delta}]}}\n\n".encode())
    usage = '"usage":{"prompt_tokens":10,"completion_tokens":%d,"total_tokens":%d,"cost":0.001}' % (tokens, tokens)
    events.append(f'data: {head}[{{"index":0,"delta":{{}},"finish_reason":"stop"}}],{usage}}}\n\n'.encode())
    events.append(b"data: [DONE]\n\n")
    return b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in events) + b"0\r\n\r\n"


async def _serve(tokens: int) -> None:
    body = sse_body(tokens)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                             b"transfer-encoding: chunked\r\n\r\n" + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin


class Server:
    """The SSE server in its own process, so it never competes with the kernel for the GIL."""

    def __init__(self, tokens: int) -> None:
        self.tokens = tokens

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(self.tokens)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}/api/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


# -- 1 and 3: a real kernel ------------------------------------------------------------------------

KERNEL_CELL = """
import json, time
from openrouter_magic import OpenRouter
from openrouter_magic._render.select import make_renderer, footer_text
from openrouter_magic._core.types import Done, TextDelta

client = OpenRouter({key!r}, {url!r})

async def consume(render):
    renderer = make_renderer("markdown") if render else None
    started = time.perf_counter()
    if renderer is not None:
        renderer.start("bench/model")
    final = None
    async for event in client.stream("hi", model="bench/model"):
        if type(event) is TextDelta:
            if renderer is not None:
                renderer.text(event.text)
        elif type(event) is Done:
            final = event.response
    if renderer is not None:
        renderer.finish(final, footer_text(final))
    return time.perf_counter() - started, len(final.text.encode())

await consume(False); await consume(True)  # warm up: connection, imports
times = {{"plain": [], "render": []}}
for i in range({repeats}):
    for kind in (("plain", "render") if i % 2 == 0 else ("render", "plain")):
        seconds, size = await consume(kind == "render")
        times[kind].append(seconds)
await client.aclose()
print("RESULT " + json.dumps({{"times": times, "answer_bytes": size}}))
"""


def _kernel_run(url: str, repeats: int) -> tuple[dict, list[int]]:
    """Execute the benchmark cell in a fresh kernel; return its result and the display bytes per render run."""
    import nbformat
    from nbclient import NotebookClient

    class ByteCounting(NotebookClient):
        display_bytes: list[int] = []

        def process_message(self, msg, cell, cell_index):
            if msg["msg_type"] in ("display_data", "update_display_data"):
                content = msg["content"]
                self.display_bytes.append(len(json.dumps(
                    {k: content.get(k) for k in ("data", "metadata", "transient")}).encode()))
            return super().process_message(msg, cell, cell_index)

    source = KERNEL_CELL.format(key=KEY, url=url, repeats=repeats)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    client = ByteCounting(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    result = json.loads(text.split("RESULT ", 1)[1])
    return result, client.display_bytes


# -- 2: simulated 60 s in a shell ------------------------------------------------------------------

def simulated_bytes(tokens: int, seconds: float) -> tuple[int, int]:
    """(display bytes, answer bytes) for ``tokens`` 4-char deltas over ``seconds`` of simulated time."""
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    from openrouter_magic._render.select import NotebookRenderer
    from openrouter_magic._core.types import ChatResponse

    class Counting(DisplayPublisher):
        sent = 0

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            Counting.sent += len(json.dumps({"data": data, "metadata": metadata, "transient": transient}).encode())

    shell = InteractiveShell.instance()
    saved, shell.display_pub = shell.display_pub, Counting()
    try:
        now = [0.0]
        renderer = NotebookRenderer(shell=shell, clock=lambda: now[0])
        text = markdown_answer(tokens)
        renderer.start("bench/model")
        for i in range(0, len(text), 4):
            now[0] += seconds * 4 / len(text)
            renderer.text(text[i : i + 4])
        renderer.finish(ChatResponse(text=text), "footer")
    finally:
        shell.display_pub = saved
    return Counting.sent, len(text.encode())


def _row(name, value, baseline, target, unit, note) -> dict:
    ratio = value / baseline if baseline else None
    return {"name": name, "value": value, "baseline": baseline, "ratio": ratio, "target": target,
            "passed": ratio is not None and ratio <= target, "unit": unit, "note": note}


def run(quick: bool = False) -> list[dict]:
    """The three rows described in the module docstring."""
    tokens, repeats = (5_000, 3) if quick else (20_000, 7)
    with Server(tokens) as server:
        result, display_bytes = _kernel_run(server.url, repeats)
    plain, render = min(result["times"]["plain"]), min(result["times"]["render"])
    per_run = sum(display_bytes) / (repeats + 1)  # the warm-up render run included
    sent, answer = simulated_bytes(20_000, 60.0)
    return [
        _row(f"kernel cell wall time, {tokens:,} zero-delay chunks, rendered vs not", render, plain, 1.15, "s",
             f"best of {repeats} alternating runs each; baseline = same client, no display"),
        _row("display bytes ÷ answer bytes, 20,000 tokens over a simulated 60 s", sent, answer, 10, "bytes",
             "byte-counting display publisher, injected clock, refresh 0.25 s"),
        _row(f"kernel wire display bytes ÷ answer bytes, {tokens:,} zero-delay chunks", per_run,
             result["answer_bytes"], 10, "bytes", "display_data + update_display_data content per render run"),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(_serve(int(sys.argv[2])))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
