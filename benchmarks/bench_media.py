"""Image answers: one 1.9 MB ``data:`` line (an image-generation chunk, API-FACTS §1.3) through the client.

Measured in the same run, on a chunk in the real shape (``delta.images[0].image_url.url`` = a base64 PNG data
URL, 1.9 MB on one line), fed as the bytes of one network read:

1. SSE framing + ``StreamRun.meaning`` (template check, parse, accumulate) vs ``json.loads`` of the same
   payload — target ratio ≤ 2.0 (best of 15 each, interleaved);
2. peak memory allocated while doing it (tracemalloc) vs the line's size — target ≤ 3.0. The image is kept
   as its data URL; the bytes are decoded only when ``Image.data`` is read (not part of parsing).

    python benchmarks/bench_media.py [--quick]
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from openrouter_magic._client.sse import SSEDecoder  # noqa: E402
from openrouter_magic._client.stream import StreamRun  # noqa: E402
from openrouter_magic.testing._media import tiny_png  # noqa: E402


def image_line(size: int = 1_400_000) -> bytes:
    """``data: {chunk}\\n\\n`` whose image is a PNG header + incompressible bytes (1.9 MB of base64)."""
    png = tiny_png(1, 1)[:33] + os.urandom(size)
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    chunk = {"id": "gen-1-img", "object": "chat.completion.chunk", "created": 1, "model": "google/gemini-2.5-flash-image",
             "provider": "Google", "choices": [{"index": 0, "delta": {
                 "role": "assistant", "content": "", "images": [{"type": "image_url", "image_url": {"url": url}}]},
                 "finish_reason": None, "native_finish_reason": None}]}
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


def ours(line: bytes) -> None:
    """What the client does with one read holding the line."""
    run = StreamRun("google/gemini-2.5-flash-image")
    payloads = SSEDecoder(32 * 1024 * 1024).feed(line)
    events, failure = run.meaning(payloads)
    assert failure is None and len(run.acc._images) == 1


def best(func, *args, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def run(quick: bool = False) -> list[dict]:
    line = image_line()
    payload = line[6:-2]
    rounds = 5 if quick else 15
    mine = base = float("inf")
    for _ in range(3):  # interleaved: both see the same machine state
        mine = min(mine, best(ours, line, rounds=rounds))
        base = min(base, best(json.loads, payload, rounds=rounds))
    tracemalloc.start()
    ours(line)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    mb = len(line) / 1e6
    return [
        {"name": f"{mb:.1f} MB image chunk: framing + parse vs json.loads", "value": mine * 1000, "unit": "ms",
         "baseline": base * 1000, "ratio": mine / base, "target": 2.0, "passed": mine / base <= 2.0,
         "note": f"best of {rounds * 3}; the data URL is kept, decoded on first read of Image.data"},
        {"name": f"{mb:.1f} MB image chunk: peak memory vs the line", "value": peak / 1e6, "unit": "MB",
         "baseline": mb, "ratio": peak / len(line), "target": 3.0, "passed": peak / len(line) <= 3.0,
         "note": "tracemalloc peak while framing, parsing and accumulating one read"},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.3g} {row['unit']} (baseline {row['baseline']:.3g}, "
              f"ratio {row['ratio']:.3g}, target {row['target']}, {'met' if row['passed'] else 'MISSED'})")
