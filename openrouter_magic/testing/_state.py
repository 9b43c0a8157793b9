"""Mutable records the emulator keeps: received requests, billed generations, queued errors — and
:class:`EmulatorState`, the one object the routes work on."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ._catalog import Catalog
from ._chat import ErrorReply, queued_error_reply
from ._limits import Limits
from ._payloads import Answer
from ._records import generation_record
from ._response_cache import ServerCache


@dataclass
class RecordedRequest:
    """One request as the emulator received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    time: float = 0.0
    generation_id: str | None = None  # chat requests that got an answer
    cancelled: bool = False           # the client closed the connection before the response ended
    outcome: str | None = None        # "done" | "cancelled" | "dropped" once the response is over

    def __repr__(self) -> str:
        # the bearer key must not leak into test reports or logs
        headers = {k: ("Bearer ***" if k == "authorization" else v) for k, v in self.headers.items()}
        return (f"RecordedRequest(method={self.method!r}, path={self.path!r}, query={self.query!r}, "
                f"headers={headers!r}, json={self.json!r}, cancelled={self.cancelled!r}, outcome={self.outcome!r})")


@dataclass
class Generation:
    answer: Answer
    streamed: bool
    finished_at: float | None = None
    cancelled: bool = False
    latency_ms: int = 0
    user_agent: str | None = None
    referer: str | None = None


@dataclass
class QueuedError:
    status: int
    times: int
    model: str | None
    headers: dict[str, str] | None
    body: dict[str, Any] | None
    ids: list[str] = field(default_factory=list)


class EmulatorState:
    """What the routes read and change, behind one lock: catalog, key, knobs, queued errors, generations.

    The routes get this object, never the ``FakeOpenRouter`` around it (no import cycle, no private calls).
    """

    def __init__(self, catalog: Catalog, api_key: str | None, knobs: dict[str, Any]) -> None:
        self.catalog = catalog
        self.api_key = api_key
        self.lock = threading.RLock()
        self.knobs = knobs
        self.errors: list[QueuedError] = []
        self.generations: dict[str, Generation] = {}
        self.limits = Limits()  # rpm limit, scripted error rate, requests in flight
        self.server_cache = ServerCache()  # OpenRouter's response cache (X-OpenRouter-Cache)

    def knobs_snapshot(self) -> dict[str, Any]:
        """A copy of the current knobs (``per_model`` entries copied too)."""
        with self.lock:
            return {**self.knobs, "per_model": {m: dict(v) for m, v in self.knobs["per_model"].items()}}

    def take_error(self, model: str | None) -> ErrorReply | None:
        """Use up one queued error for ``model`` (None: for any model), if there is one."""
        with self.lock:
            for entry in self.errors:
                if entry.model == model and entry.times > 0:
                    entry.times -= 1
                    if entry.times == 0:
                        self.errors.remove(entry)
                    return queued_error_reply(entry.status, model=model, headers=entry.headers, body=entry.body)
        return None

    def bill(self, a: Answer, *, streamed: bool, user_agent: str | None, referer: str | None) -> None:
        """Record a generation (billed in full unless it is cut short later)."""
        with self.lock:
            self.generations[a.gen_id] = Generation(a, streamed, user_agent=user_agent, referer=referer)

    def finished(self, a: Answer, outcome: str, elapsed_ms: int, events_written: int) -> None:
        """A response ended: a stream cut short is billed for the delta chunks that went out."""
        with self.lock:
            gen = self.generations.get(a.gen_id)
            if gen is None:
                return
            gen.finished_at, gen.cancelled, gen.latency_ms = time.monotonic(), outcome != "done", elapsed_ms
            if gen.cancelled and gen.streamed:
                gen.answer = a.cut_short(events_written)

    def generation_record(self, gen_id: str) -> dict[str, Any] | None:
        """The /generation record, or None while it is unknown or younger than ``generation_delay``."""
        with self.lock:
            gen = self.generations.get(gen_id)
            if gen is None or gen.finished_at is None:
                return None
            if time.monotonic() - gen.finished_at < float(gen.answer.knobs.get("generation_delay") or 0):
                return None
            ttfb_ms = int(float(gen.answer.knobs.get("first_byte_delay") or 0) * 1000) + 20
            return generation_record(gen.answer, streamed=gen.streamed, cancelled=gen.cancelled,
                                     user_agent=gen.user_agent, referer=gen.referer,
                                     latency_ms=min(gen.latency_ms, ttfb_ms), generation_ms=gen.latency_ms)

    def usage(self) -> tuple[float, int]:
        """(USD billed so far, how many generations were of a ``:free`` model)."""
        with self.lock:
            gens = list(self.generations.values())
        free = sum(1 for g in gens if g.answer.model.endswith(":free"))
        return sum(g.answer.cost for g in gens), free
