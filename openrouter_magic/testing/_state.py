"""Mutable records the emulator keeps: received requests, billed generations, queued errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._payloads import Answer


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
