"""Ledger benchmarks: what writing one row adds to a call, and that nothing is added before the first token.

Measured in the same run, against the emulator on loopback (zero delays, ~20-token answers):

1. median time to write one ledger row (file database, WAL) vs the median time of one small streamed
   emulator call — ratio target ≤ 0.5, and the absolute value must be ≤ 2 ms;
2. the same median against the 2 ms budget itself — ratio target ≤ 1.0;
3. median time to first text delta through ``recorded_stream`` (budget set, so the session total is read
   before sending) vs the bare ``client.stream`` — target ratio ≤ 1.25 (the row is written at the end).

    python benchmarks/bench_ledger.py [--quick]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from openrouter_magic import OpenRouter  # noqa: E402
from openrouter_magic._accounting.budget import Budget  # noqa: E402
from openrouter_magic._accounting.ledger import Ledger  # noqa: E402
from openrouter_magic._session.engine import recorded_stream  # noqa: E402
from openrouter_magic._core.types import ChatResponse, TextDelta, Usage  # noqa: E402
from openrouter_magic.testing import FakeOpenRouter  # noqa: E402

MODEL = {"id": "bench/model", "name": "bench", "created": 1760000000, "context_length": 8000,
         "architecture": {"input_modalities": ["text"], "output_modalities": ["text"], "tokenizer": "Other"},
         "pricing": {"prompt": "0.000001", "completion": "0.000002"},
         "top_provider": {"context_length": 8000, "max_completion_tokens": 1000, "is_moderated": False},
         "supported_parameters": ["max_tokens"]}
PRICES = {"prompt_usd_per_m": 1.0, "completion_usd_per_m": 2.0, "max_completion_tokens": 1000}
RESPONSE = ChatResponse(text="x" * 80, model="bench/model", requested_model="bench/model", provider="Bench",
                        generation_id="gen-1790000000-BENCHbenchBENCHbench", finish_reason="stop",
                        usage=Usage(prompt_tokens=12, completion_tokens=20, reasoning_tokens=0, cost=0.000052),
                        ttft_s=0.01, elapsed_s=0.05)


def row(name, value, baseline, target, unit, note, extra_ok=True) -> dict:
    ratio = value / baseline if baseline else float("inf")
    return {"name": name, "value": value, "baseline": baseline, "ratio": ratio, "target": target,
            "passed": bool(ratio <= target and extra_ok), "unit": unit, "note": note}


def median_write_ms(ledger: Ledger, n: int) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        ledger.record_response(RESPONSE, prices=PRICES)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def median_call_ms(client: OpenRouter, n: int) -> float:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        async for _ in client.stream(f"ping {i}", model="bench/model", max_tokens=20):
            pass
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def median_ttft_ms(client: OpenRouter, ledger: Ledger | None, n: int) -> float:
    samples = []
    for i in range(n):
        started = time.perf_counter()
        stream = (recorded_stream(client, ledger, Budget(100.0), f"ttft {i}", "bench/model", PRICES, max_tokens=20)
                  if ledger is not None else client.stream(f"ttft {i}", model="bench/model", max_tokens=20))
        first = None
        async for event in stream:
            if first is None and isinstance(event, TextDelta):
                first = (time.perf_counter() - started) * 1000
        samples.append(first)
    return statistics.median(samples)


async def measure(quick: bool, home: Path) -> list[dict]:
    writes, calls = (200, 20) if quick else (3000, 150)
    ledger = Ledger(home / "ledger.sqlite")
    for _ in range(20):  # warm the file and the statement cache
        ledger.record_response(RESPONSE, prices=PRICES)
    with FakeOpenRouter(catalog=[MODEL], answer_tokens=20, keepalives=0) as fake:
        async with OpenRouter(api_key="sk-or-v1-bench-0123456789", base_url=fake.base_url) as client:
            await median_call_ms(client, 5)  # warm the connection
            call_ms = await median_call_ms(client, calls)
            write_ms = median_write_ms(ledger, writes)
            bare, guarded = [], []
            for _ in range(3):  # interleave to share any drift between the two
                bare.append(await median_ttft_ms(client, None, calls // 3))
                guarded.append(await median_ttft_ms(client, ledger, calls // 3))
    ledger.close()
    within = write_ms <= 2.0
    return [
        row("ledger row write vs small emulator call (median)", write_ms, call_ms, 0.5, "ms",
            f"{writes} writes to a WAL file; baseline = one streamed 20-token emulator call; also ≤ 2 ms absolute",
            within),
        row("ledger row write vs the 2 ms budget (median)", write_ms, 2.0, 1.0, "ms", "absolute target ≤ 2 ms"),
        row("time to first token: recorded_stream + budget vs bare client.stream", statistics.median(guarded),
            statistics.median(bare), 1.25, "ms", "the row is written at the end; only the budget's session-total "
            "read happens before sending"),
    ]


def run(quick: bool = False) -> list[dict]:
    """The ledger benchmark rows (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        previous = os.environ.get("OPENROUTER_MAGIC_HOME")
        os.environ["OPENROUTER_MAGIC_HOME"] = tmp
        try:
            return asyncio.run(measure(quick, Path(tmp)))
        finally:
            if previous is None:
                os.environ.pop("OPENROUTER_MAGIC_HOME", None)
            else:
                os.environ["OPENROUTER_MAGIC_HOME"] = previous


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(f"{result['name']}: {result['value']:.4g} {result['unit']} vs {result['baseline']:.4g} "
              f"→ ratio {result['ratio']:.3g} (target {result['target']}) {'ok' if result['passed'] else 'FAIL'}")
