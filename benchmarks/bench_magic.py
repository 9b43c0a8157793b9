"""Magic benchmarks: how fast ``%load_ext`` is, and what streaming into a cell costs over the bare client.

Measured in the same run:

1. ``%load_ext openrouter_magic`` in a fresh subprocess shell against ``%load_ext jupyter_ai_magics`` in a
   fresh subprocess shell of ``build/bench-ai`` (a separate venv that ``make bench`` builds from
   ``benchmarks/baseline-constraints.txt``, so jupyter-ai never enters the project's own environment).
   Target ratio ≤ 0.1, and httpx, pandas and ipywidgets must not be imported by loading. Without that venv
   the baseline falls back to ``import IPython`` + ``InteractiveShell()`` (target ≤ 0.25).
2. Cell wall time in a real kernel (nbclient, from execute request to reply) for a 20,000-chunk zero-delay
   answer through ``%%openrouter`` against the same kernel consuming the same stream with the client and
   no display. Target ratio ≤ 1.15. The server is bench_stream's raw server in its own process.

    python benchmarks/bench_magic.py [--quick]
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOAD_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
t1 = time.perf_counter()
shell.run_line_magic("load_ext", "openrouter_magic")
t2 = time.perf_counter()
heavy = [name for name in ("httpx", "pandas", "ipywidgets") if name in sys.modules]
print(json.dumps({"shell": t1 - t0, "load": t2 - t1, "heavy": heavy}))
"""

BASELINE_CELL = """\
from openrouter_magic._session.session import Session
async def _consume(n):
    parts = []
    async for event in Session.get().client.stream("hi", model=f"bench/{n}"):
        if type(event).__name__ == "TextDelta":
            parts.append(event.text)
    return len("".join(parts))
Session.get().run(_consume(%d))"""

MAGIC_CELL = "%%%%openrouter -m bench/%d -q\nhi"


def _row(name, value, baseline, target, passed, unit, note) -> dict:
    ratio = value / baseline if baseline else None
    return {"name": name, "value": value, "baseline": baseline, "ratio": ratio, "target": target,
            "passed": passed, "unit": unit, "note": note}


AI_PYTHON = ROOT / "build" / "bench-ai" / "bin" / "python"


def _load_times(python: str, extension: str, repeats: int) -> list[dict]:
    script = LOAD_SCRIPT.replace('"openrouter_magic"', repr(extension))
    return [json.loads(subprocess.run([python, "-c", script], capture_output=True, text=True, check=True,
                                      cwd=ROOT).stdout.strip().splitlines()[-1]) for _ in range(repeats)]


def bench_load_vs_jupyter_ai(repeats: int) -> dict:
    """Median ``%load_ext`` time: ours vs jupyter_ai_magics, each in fresh subprocesses, alternating."""
    ours, theirs = [], []
    for _ in range(repeats):
        ours += _load_times(sys.executable, "openrouter_magic", 1)
        theirs += _load_times(str(AI_PYTHON), "jupyter_ai_magics", 1)
    load = statistics.median(r["load"] for r in ours)
    baseline = statistics.median(r["load"] for r in theirs)
    heavy = sorted({name for r in ours for name in r["heavy"]})
    return _row("%load_ext openrouter_magic vs jupyter_ai_magics", load, baseline, 0.1,
                load / baseline <= 0.1 and not heavy, "s",
                f"baseline: %load_ext jupyter_ai_magics in build/bench-ai; heavy modules imported: {heavy or 'none'}")


def bench_load(repeats: int) -> dict:
    """Median load and shell-creation times over fresh subprocesses."""
    runs = [json.loads(subprocess.run([sys.executable, "-c", LOAD_SCRIPT], capture_output=True, text=True,
                                      check=True, cwd=ROOT).stdout) for _ in range(repeats)]
    load = statistics.median(r["load"] for r in runs)
    shell = statistics.median(r["shell"] for r in runs)
    heavy = sorted({name for r in runs for name in r["heavy"]})
    ratio = load / shell
    return _row("%load_ext openrouter_magic (fresh shell)", load, shell, 0.25, ratio <= 0.25 and not heavy, "s",
                f"baseline: import IPython + InteractiveShell() in the same subprocess; absolute {load * 1000:.0f} ms "
                f"(goal ≤ 120 ms = 0.1× jupyter_ai_magics' ~1.2 s); heavy modules imported: {heavy or 'none'}")


def _bench_stream_server():
    spec = importlib.util.spec_from_file_location("bench_stream", Path(__file__).with_name("bench_stream.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Server()


def _timed(client, cell, index) -> float:
    started = time.perf_counter()
    client.execute_cell(cell, index)
    return time.perf_counter() - started


def bench_cell(chunks: int, repeats: int) -> dict:
    """Median cell wall time: %%openrouter vs the client alone, alternating, in one kernel."""
    import nbformat
    from nbclient import NotebookClient

    with _bench_stream_server() as server, tempfile.TemporaryDirectory() as home:
        env = {"OPENROUTER_BASE_URL": server.url, "OPENROUTER_API_KEY": "bench-key", "OPENROUTER_MAGIC_HOME": home}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)  # the kernel inherits them
        try:
            sources = ["%load_ext openrouter_magic", MAGIC_CELL % 200, BASELINE_CELL % chunks, MAGIC_CELL % chunks]
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
            client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": home}})
            with client.setup_kernel():
                client.execute_cell(nb.cells[0], 0)
                client.execute_cell(nb.cells[1], 1)  # warm up: imports, connection, ledger file
                base, magic = [], []
                for _ in range(repeats):
                    base.append(_timed(client, nb.cells[2], 2))
                    magic.append(_timed(client, nb.cells[3], 3))
                    nb.cells[3].outputs = []
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
    value, baseline = statistics.median(magic), statistics.median(base)
    return _row(f"%%openrouter cell, {chunks:,} chunks, zero delay (real kernel)", value, baseline, 1.15,
                value / baseline <= 1.15, "s",
                f"baseline: the same kernel consuming the same stream with OpenRouter.stream, no display; "
                f"median of {repeats}, alternating")


def run(quick: bool = False) -> list[dict]:
    """Both rows (quick: fewer repeats, 5,000 chunks)."""
    load = bench_load_vs_jupyter_ai(3 if quick else 7) if AI_PYTHON.exists() else bench_load(3 if quick else 7)
    return [load, bench_cell(5_000 if quick else 20_000, 2 if quick else 5)]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
