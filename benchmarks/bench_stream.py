"""Stream benchmarks: ``OpenRouter.stream`` against raw httpx ``aiter_lines`` + ``json.loads``.

A plain ``asyncio.start_server`` HTTP server, written below and run in a subprocess (so it never competes
with the client for the GIL), serves N chunks of 4 characters with zero delay and a keep-alive comment
(``: OPENROUTER PROCESSING``) after every 8 data events. It writes B SSE events per write, each write one
HTTP chunk: B = 1 is what OpenRouter does, 16 and 256 are what proxies and busy servers produce.
Measured in the same run, rounds interleaved (raw, ours, raw, … for every B), best of the rounds:

1. throughput (chunks/s) of ``OpenRouter.stream`` vs raw httpx at B = 1, 16, 256 — target ratio ≥ 1.0;
2. per-chunk cost at 200k chunks vs 20k chunks — flat, target ratio ≤ 1.25 — at B = 16: at B = 1 the
   server's 225,000 writes (one send each) are slower than either client on a 2-core machine, so both
   converge to the server's rate and the row would measure the server;
3. time to first text delta, median of 50 warm requests — target ≤ raw + 1 ms;
4. peak RSS growth of a 200,000-chunk stream (each side in a fresh subprocess) — target ≤ 1.2× raw.

Both consumers do the same work: read every chunk and keep the answer text.

    python benchmarks/bench_stream.py [--quick]  # prints the rows
    python benchmarks/bench_stream.py --serve    # just the server (prints its port)
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEY = "sk-or-v1-bench-key-0000"
BATCHES = (1, 16, 256)
FLAT_BATCH = 16
KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
CHUNK = (b'{"id":"gen-1790000000-BENCHbenchBENCHbench","object":"chat.completion.chunk","created":1790000000,'
         b'"model":"openai/gpt-4o-mini","provider":"OpenAI","choices":[{"index":0,"delta":{"role":"assistant",'
         b'"content":"%s"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}')
TAIL = (b'{"id":"gen-1790000000-BENCHbenchBENCHbench","object":"chat.completion.chunk","created":1790000000,'
        b'"model":"openai/gpt-4o-mini","provider":"OpenAI","choices":[{"index":0,"delta":{"role":"assistant",'
        b'"content":""},"finish_reason":"stop","native_finish_reason":"stop"}],"usage":{"prompt_tokens":10,'
        b'"completion_tokens":%d,"total_tokens":%d,"cost":0.001}}')
WORDS = [b"abcd", b"efgh", b"ijkl", b"mnop", b" qrs", b"tuv ", b"wxyz", b"0123"]


def model_for(n: int, batch: int = 1) -> str:
    """The model id that asks the server for ``n`` chunks written ``batch`` events at a time."""
    return f"bench/{n}" if batch == 1 else f"bench/{n}x{batch}"


def sse_writes(n: int, batch: int) -> list[bytes]:
    """The chunked HTTP body of ``n`` 4-char deltas, as one HTTP chunk per ``batch`` SSE events."""
    events = [KEEPALIVE]
    for i in range(n):
        events.append(b"data: " + CHUNK % WORDS[i % 8] + b"\n\n")
        if i % 8 == 7:
            events.append(KEEPALIVE)
    events += [b"data: " + TAIL % (n, n + 10) + b"\n\n", b"data: [DONE]\n\n"]
    groups = (b"".join(events[i:i + batch]) for i in range(0, len(events), batch))
    return [b"%x\r\n%s\r\n" % (len(g), g) for g in groups] + [b"0\r\n\r\n"]


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, cache: dict) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = json.loads(await reader.readexactly(length)) if length else {}
            n, _, batch = str(body.get("model", "bench/20000")).rsplit("/", 1)[-1].partition("x")
            key = (int(n), int(batch or 1))
            if key not in cache:
                cache[key] = sse_writes(*key)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                         b"transfer-encoding: chunked\r\n\r\n")
            for piece in cache[key]:  # one write per batch of events (asyncio sets TCP_NODELAY)
                writer.write(piece)
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def _serve_forever() -> None:
    cache: dict = {}
    server = await asyncio.start_server(lambda r, w: _handle(r, w, cache), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # serve until the parent closes our stdin


class Server:
    """The benchmark server in its own process (``.url`` is the API base URL)."""

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}/api/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


# -- the two consumers ----------------------------------------------------------------------------

async def raw_stream(client, url: str, model: str) -> tuple[str, float | None]:
    """Raw httpx: aiter_lines + json.loads, keeping the text. Returns (text, time to first delta)."""
    started, first, parts = time.perf_counter(), None, []
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    async with client.stream("POST", url + "/chat/completions", json=body) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                choices = json.loads(line[6:]).get("choices")
                content = choices[0]["delta"].get("content") if choices else None
                if content:
                    if first is None:
                        first = time.perf_counter() - started
                    parts.append(content)
    return "".join(parts), first


async def our_stream(client, model: str) -> tuple[str, float | None]:
    """``OpenRouter.stream`` to the end; the text and ttft come from the final response."""
    from openrouter_magic._core import Done

    final = None
    async for event in client.stream("hi", model=model):
        if type(event) is Done:
            final = event.response
    return final.text, final.ttft_s


async def _timed(make) -> float:
    started = time.perf_counter()
    text, _ = await make()
    elapsed = time.perf_counter() - started
    assert text, "the stream delivered no text"
    return elapsed


async def _throughputs(url: str, plan: list[tuple[int, int]], rounds: int) -> dict:
    """Best wall time per (consumer, n, batch); each round runs raw and ours back to back for every case,
    alternating which goes first, so that load changes hit both."""
    import httpx

    from openrouter_magic import OpenRouter

    best: dict = {}
    async with httpx.AsyncClient(timeout=60) as raw, OpenRouter(KEY, url) as ours:
        await raw_stream(raw, url, model_for(100)), await our_stream(ours, model_for(100))  # warm connections
        for r in range(rounds):
            for n, batch in plan:
                model = model_for(n, batch)
                pair = [("raw", lambda: raw_stream(raw, url, model)), ("ours", lambda: our_stream(ours, model))]
                for kind, make in pair[::-1] if r % 2 else pair:
                    elapsed = await _timed(make)
                    best[(kind, n, batch)] = min(best.get((kind, n, batch), float("inf")), elapsed)
    return best


async def _ttfts(url: str, count: int) -> tuple[float, float]:
    import httpx

    from openrouter_magic import OpenRouter

    raw_t, our_t = [], []
    async with httpx.AsyncClient(timeout=60) as raw, OpenRouter(KEY, url) as ours:
        for _ in range(5):
            await raw_stream(raw, url, model_for(20)), await our_stream(ours, model_for(20))
        for _ in range(count):
            raw_t.append((await raw_stream(raw, url, model_for(20)))[1])
            our_t.append((await our_stream(ours, model_for(20)))[1])
    return statistics.median(raw_t), statistics.median(our_t)


def _rss_child(kind: str, url: str, n: int) -> None:
    """In a fresh process: peak RSS growth (KiB) of one n-chunk stream after a warm-up request."""
    import httpx

    from openrouter_magic import OpenRouter

    def hwm() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM")

    async def main() -> int:
        async with httpx.AsyncClient(timeout=120) as raw, OpenRouter(KEY, url) as ours:
            consume = (lambda m: raw_stream(raw, url, m)) if kind == "raw" else (lambda m: our_stream(ours, m))
            await consume(model_for(100))
            before = hwm()
            text, _ = await consume(model_for(n))
        assert len(text) == 4 * n
        return hwm() - before

    print(asyncio.run(main()))


def _rss(kind: str, url: str, n: int) -> int:
    out = subprocess.run([sys.executable, __file__, "--rss", kind, url, str(n)], capture_output=True, text=True,
                         check=True, timeout=600)
    return int(out.stdout.strip().splitlines()[-1])


def _row(name, value, baseline, target, passed, unit, note) -> dict:
    ratio = value / baseline if baseline else None
    return {"name": name, "value": value, "baseline": baseline, "ratio": ratio, "target": target,
            "passed": passed, "unit": unit, "note": note}


def _throughput_rows(times: dict, small: int, rounds: int) -> list[dict]:
    rows = []
    for batch in BATCHES:
        raw_rate, our_rate = small / times[("raw", small, batch)], small / times[("ours", small, batch)]
        rows.append(_row(f"stream throughput, {small:,} chunks, {batch} event{'s' * (batch > 1)} per write",
                         our_rate, raw_rate, 1.0, our_rate >= raw_rate, "chunks/s",
                         f"minimum ratio; baseline = raw httpx aiter_lines + json.loads; keep-alive comment every "
                         f"8 events; best of {rounds} interleaved rounds"))
    return rows


def run(quick: bool = False) -> list[dict]:
    """All measurements (``quick``: smaller sizes, for a smoke run)."""
    small, large, rounds = (2_000, 20_000, 3) if quick else (20_000, 200_000, 7)
    plan = [(small, b) for b in BATCHES] + [(large, FLAT_BATCH)]
    with Server() as server:
        times = asyncio.run(_throughputs(server.url, plan, rounds))
        raw_ttft, our_ttft = asyncio.run(_ttfts(server.url, 10 if quick else 50))
        raw_rss, our_rss = _rss("raw", server.url, large), _rss("ours", server.url, large)
    flat_raw = (times[("raw", large, FLAT_BATCH)] / large) / (times[("raw", small, FLAT_BATCH)] / small)
    flat = (times[("ours", large, FLAT_BATCH)] / large) / (times[("ours", small, FLAT_BATCH)] / small)
    return _throughput_rows(times, small, rounds) + [
        _row(f"per-chunk cost {large:,} vs {small:,} chunks, {FLAT_BATCH} events per write", flat, 1.0, 1.25,
             flat <= 1.25, "ratio", f"maximum; 1.0 = perfectly flat (raw httpx: {flat_raw:.3f})"),
        _row("time to first text delta (median of warm requests)", our_ttft * 1000, raw_ttft * 1000,
             round((raw_ttft + 0.001) / raw_ttft, 3), our_ttft <= raw_ttft + 0.001, "ms",
             "maximum ratio = (raw + 1 ms) / raw: at most 1 ms slower than raw httpx"),
        _row(f"peak RSS growth, {large:,}-chunk stream", our_rss / 1024, raw_rss / 1024, 1.2,
             our_rss <= 1.2 * max(raw_rss, 1), "MiB", "maximum ratio; each side in a fresh subprocess"),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(_serve_forever())
    elif sys.argv[1:2] == ["--rss"]:
        _rss_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
