"""Comparison benchmark: N models streaming at once into a live CompareView vs each model alone.

The emulator runs in a subprocess (so it never competes with the client for the GIL) with every model
answering after 1 s to the first chunk, then 100 chunks 5 ms apart. Measured in the same run:

1. wall time of a 4-model comparison, live view updates on (a real ``CompareView``: markdown → HTML,
   widget traits set ~10×/s per pane) vs the slowest of the same models streamed alone — target ≤ 1.05;
2. the same for 8 models — target ≤ 1.10.

    python benchmarks/bench_compare.py            # prints the rows
    python benchmarks/bench_compare.py --serve    # just the emulator (prints its base URL)
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MODELS = ["openai/gpt-4.1-mini", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash", "mistralai/mistral-nemo",
          "openai/gpt-4.1", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-pro", "x-ai/grok-3-mini"]
KNOBS = {"first_byte_delay": 1.0, "chunk_delay": 0.005, "chunk_chars": 4, "answer": "abc " * 100}
KEY = "sk-or-v1-bench-key-0000"


def _serve() -> None:
    from openrouter_magic.testing import FakeOpenRouter

    with FakeOpenRouter(**KNOBS) as fake:
        print(fake.base_url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin


class Emulator:
    """The emulator in its own process."""

    def __enter__(self) -> Emulator:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


async def _solo(client, model: str) -> float:
    """One model alone, streamed to the end (the same work a pane does, minus the view)."""
    started = time.perf_counter()
    async for _event in client.stream("Compare these.", model=model):
        pass
    return time.perf_counter() - started


async def _compare(client, models: list[str]) -> tuple[float, list[str]]:
    """A live CompareView over ``models``; returns (wall time, statuses)."""
    from openrouter_magic._widgets.compare.view import CompareView

    view = CompareView(models)
    started = time.perf_counter()
    view.start(lambda model: client.stream("Compare these.", model=model))
    await view.wait()
    return time.perf_counter() - started, [pane.status for pane in view.run.panes]


async def _measure(url: str, counts: list[int], repeats: int) -> list[tuple[int, float, float, float]]:
    from openrouter_magic import OpenRouter

    rows = []
    async with OpenRouter(KEY, url, max_retries=0) as client:
        await _compare(client, MODELS[:2])  # warm up: connections, ipywidgets and pandas imports
        solos: dict[str, float] = {}
        for count in counts:
            models = MODELS[:count]
            for model in models:
                if model not in solos:
                    solos[model] = await _solo(client, model)
            solo = max(solos[m] for m in models)
            walls = []
            for _ in range(repeats):
                wall, statuses = await _compare(client, models)
                assert statuses == ["ok"] * count, statuses
                walls.append(wall)
            rows.append((count, statistics.median(walls), solo, max(walls)))
    return rows


def run(quick: bool = False) -> list[dict]:
    """Rows in the benchmarks/run.py format."""
    targets = {4: 1.05, 8: 1.10}
    repeats = 1 if quick else 3
    with Emulator() as emulator:
        measured = asyncio.run(_measure(emulator.url, [4, 8], repeats))
    rows = []
    for count, wall, solo, worst in measured:
        ratio = wall / solo
        rows.append({
            "name": f"{count}-model comparison wall time vs slowest model alone", "value": wall,
            "baseline": solo, "ratio": ratio, "target": targets[count], "passed": ratio <= targets[count],
            "unit": "s",
            "note": (f"1 s to first chunk + 100 chunks at 5 ms each, live CompareView updates, after one "
                     f"warm-up comparison; max ratio; median of {repeats} (worst {worst:.3f} s); the slowest model alone: each once"),
        })
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        _serve()
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
