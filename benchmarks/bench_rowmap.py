"""Row-map benchmarks (issue 15): how close ``map_rows`` gets to the ideal wall time, what it costs the kernel
per row, and what a big result weighs.

The emulator runs in a subprocess (``python -m openrouter_magic.testing``), so its work never competes with
the client's for the GIL; the client's CPU time is ``time.process_time()`` of this process (every thread:
the private loop, the ledger writer), so it is what one kernel pays per row.

1. 2,000 rows, 200 ms to first byte, concurrency 64: wall vs the ideal rows ÷ concurrency × latency —
   target ≤ 1.2;
2. the client's CPU time per row vs the 1 ms goal — target ≤ 1.0 (also: the rows/s one core can drive);
3. 20,000 rows (no latency): the memory the result frame holds vs the answers' text (UTF-8 bytes) —
   target ≤ 3.0.

    python benchmarks/bench_rowmap.py [--quick]
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MODEL = "openai/gpt-4o-mini"


def row(name, value, baseline, target, unit, note) -> dict:
    ratio = value / baseline if baseline else float("inf")
    return {"name": name, "value": value, "baseline": baseline, "ratio": ratio, "target": target,
            "passed": bool(ratio <= target), "unit": unit, "note": note}


def emulator(first_byte_delay: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "openrouter_magic.testing", "--first-byte-delay",
                             str(first_byte_delay)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    return proc, proc.stdout.readline().strip()


def frame(rows: int):
    import pandas as pd

    return pd.DataFrame({"review": [f"Review number {i}: the product arrived on time and works." for i in range(rows)]})


def timed_map(rows: int, concurrency: int) -> tuple[float, float, object]:
    from openrouter_magic import map_rows

    df = frame(rows)
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    out = map_rows(df, "Classify: {review}", model=MODEL, concurrency=concurrency, cache=False, progress=False)
    return time.perf_counter() - wall, time.process_time() - cpu, out


def fresh_session(base_url: str) -> None:
    from openrouter_magic._session import Session

    if Session._plain is not None:
        Session._plain.close()
    Session._plain = None
    os.environ.update(OPENROUTER_BASE_URL=base_url, OPENROUTER_API_KEY="sk-or-v1-bench-rowmap")


def speed_rows(quick: bool) -> list[dict]:
    rows, concurrency, latency = (640 if quick else 2000), 64, 0.2
    proc, base_url = emulator(latency)
    try:
        fresh_session(base_url)
        timed_map(64, concurrency)  # warm: connections, catalog, imports
        wall, cpu, out = timed_map(rows, concurrency)
        assert (out["_status"] == "ok").all()
    finally:
        proc.terminate()
        proc.wait()
    ideal = rows / concurrency * latency
    per_row_ms = cpu / rows * 1000
    return [
        row(f"wall time, {rows:,} rows, 200 ms latency, concurrency 64", wall, ideal, 1.2, "s",
            f"ideal = rows ÷ concurrency × latency = {ideal:.2f} s; emulator in a subprocess"),
        row(f"client CPU time per row ({rows:,} rows)", per_row_ms, 1.0, 1.0, "ms",
            f"process_time of the client (all threads) ÷ rows; one core drives ≈{1000 / per_row_ms:,.0f} rows/s"),
    ]


def memory_row(quick: bool) -> dict:
    import tracemalloc

    rows = 5000 if quick else 20000
    proc, base_url = emulator(0.0)
    try:
        fresh_session(base_url)
        timed_map(64, 64)
        tracemalloc.start()
        _, _, out = timed_map(rows, 64)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    finally:
        proc.terminate()
        proc.wait()
    text = sum(len(answer.encode()) for answer in out["answer"])
    return row(f"memory held after a {rows:,}-row map vs the answers' text", held, text, 3.0, "bytes",
               f"tracemalloc: what is still allocated after the run (the result frame and what the run kept), "
               f"answers {text / rows:.0f} B on average")


def run(quick: bool = False) -> list[dict]:
    home = tempfile.mkdtemp(prefix="bench-rowmap-")
    os.environ["OPENROUTER_MAGIC_HOME"] = home
    return [*speed_rows(quick), memory_row(quick)]


if __name__ == "__main__":
    for found in run(quick="--quick" in sys.argv):
        print(f"{found['name']}: {found['value']:.4g} {found['unit']} (baseline {found['baseline']:.4g}, "
              f"ratio {found['ratio']:.3g}, target ≤ {found['target']}) {'ok' if found['passed'] else 'MISSED'}"
              f" — {found['note']}")
