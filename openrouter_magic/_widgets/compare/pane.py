"""The state of one comparison pane, the result-table columns, and the end-of-run badges (pure data)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._core import ChatResponse

__all__ = ["BADGES", "FINISHED", "FRAME_COLUMNS", "PaneState", "assign_badges"]

FINISHED = frozenset({"ok", "error", "interrupted", "refused"})
FRAME_COLUMNS = ["model", "provider", "status", "text", "prompt_tokens", "completion_tokens", "cost",
                 "ttft_s", "elapsed_s", "tokens_per_s", "error", "generation_id"]
BADGES = ("fastest first token", "fastest total", "cheapest", "longest answer")


@dataclass
class PaneState:
    """What one pane shows: ``status`` is waiting → streaming → ok | error | interrupted | refused."""

    model: str
    status: str = "waiting"
    provider: str | None = None
    text: str = ""
    reasoning_chars: int = 0
    ttft_s: float | None = None
    elapsed_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    tokens_per_s: float | None = None
    generation_id: str | None = None
    error: str | None = None
    badges: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)  # the answer's DESIGN §9 record, once it has one
    asking: Any = field(default=None, repr=False, compare=False)  # a tool call waiting for Run/Skip (--approve)

    @property
    def finished(self) -> bool:
        """True once the pane will not change any more."""
        return self.status in FINISHED

    def row(self) -> dict[str, Any]:
        """One row of the result table."""
        return {name: getattr(self, name) for name in FRAME_COLUMNS}

    def absorb(self, response: ChatResponse) -> None:
        """Take the final (or partial) response's facts; the longer text wins (a partial may lag ours)."""
        if len(response.text) >= len(self.text):
            self.text = response.text
        self.provider = response.provider or self.provider
        self.generation_id = response.generation_id or self.generation_id
        self.ttft_s = response.ttft_s if response.ttft_s is not None else self.ttft_s
        self.elapsed_s = response.elapsed_s if response.elapsed_s is not None else self.elapsed_s
        self._usage(response)
        self.tokens_per_s = response.tokens_per_s
        if response.provenance:
            self.provenance = dict(response.provenance)

    def metadata(self) -> dict[str, Any]:
        """Where this pane's answer came from (DESIGN §9), for the saved notebook's output metadata.

        The answer's own provenance when it has one (every answer through the session's call path);
        else what the pane knows (a failed or stopped pane, a tool loop). Never the key or the messages.
        """
        found = dict(self.provenance) if "model" in self.provenance else {
            "requested_model": self.model, "model": None, "provider": self.provider,
            "generation_id": self.generation_id, "params": None, "cost": self.cost,
            "cache": self.provenance.get("cache"), "server_cache": self.provenance.get("server_cache"),
            "usage": {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}}
        found.setdefault("requested_model", self.model)
        found["status"] = self.status
        return found

    def _usage(self, response: ChatResponse) -> None:
        usage = response.usage
        self.prompt_tokens = usage.prompt_tokens if usage.prompt_tokens is not None else self.prompt_tokens
        if usage.completion_tokens is not None:
            self.completion_tokens = usage.completion_tokens
        self.cost = usage.cost if usage.cost is not None else self.cost


def assign_badges(panes: Sequence[PaneState]) -> None:
    """Mark the fastest first token, fastest total, cheapest and longest answer among finished answers."""
    for pane in panes:
        pane.badges = []
    done = [pane for pane in panes if pane.status == "ok"]
    picks = {
        "fastest first token": _best(done, lambda p: p.ttft_s, min),
        "fastest total": _best(done, lambda p: p.elapsed_s, min),
        "cheapest": _best(done, lambda p: p.cost, min),
        "longest answer": _best(done, lambda p: len(p.text) or None, max),
    }
    for badge, pane in picks.items():
        if pane is not None:
            pane.badges.append(badge)


def _best(panes: Sequence[PaneState], key: Callable[[PaneState], float | None], pick: Callable) -> PaneState | None:
    known = [pane for pane in panes if key(pane) is not None]
    return pick(known, key=key) if known else None
