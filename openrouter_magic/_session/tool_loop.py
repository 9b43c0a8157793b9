"""The tool loop of DESIGN §10: send, run the calls the model asked for, send their results back, until
the model answers or ``max_steps`` HTTP calls were made.

    loop = ToolLoop(session, build_toolbox([get_weather]), view=relay, main=relay, max_steps=8)
    response = await loop.run(messages, model)     # its text is the answer; .tool_trace the calls

Each step is one recorded call (budget, one ledger row), all of them under one ``turn_id``. Answer text
of every step streams into ``view`` (a renderer, or a Relay in front of one) as it arrives; the trace is
sent to ``view.trace`` after each batch of calls. The response returned sums tokens and cost over steps.
"""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from .._accounting import turn
from .._client import PartialAnswer
from .._core import ChatResponse, StreamError, TextDelta, Usage
from .relay import Relay
from .tool_record import step_body, with_provenance
from .tool_run import ToolRunner, TraceEntry
from .toolbox import ToolBox

__all__ = ["DEFAULT_MAX_STEPS", "ToolLoop", "sum_usage"]

DEFAULT_MAX_STEPS = 8
_SUMMED = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_tokens", "total_tokens", "cost")


class ToolLoop:
    """One tool-using answer; ``partial()`` is what arrived when it was cut short."""

    def __init__(self, session: Any, box: ToolBox, *, view: Any, main: Any = None,
                 max_steps: int = DEFAULT_MAX_STEPS, approve: Any = False, stream: bool = True) -> None:
        self.session, self.box, self.view, self.max_steps = session, box, view, max(1, int(max_steps))
        self.stream = stream  # False (--no-stream): each step is one non-streamed request
        self.runner = ToolRunner(box.functions, main=main, approve=approve)
        self.steps: list[ChatResponse] = []
        self.bodies: list[dict[str, Any]] = []  # the body of every step, as sent (provenance)
        self.entries: list[TraceEntry] = []
        self.turns: list[dict[str, Any]] = []  # the assistant tool-call and tool messages (kept by --chat)
        self.turn_id: str | None = None
        self._shown: list[str] = []  # answer text streamed so far, all steps
        self._progress: PartialAnswer | None = None

    async def run(self, messages: list[dict[str, Any]], model: str, **params: Any) -> ChatResponse:
        """Run the loop; returns the combined response (``error`` holds the max-steps note, if reached)."""
        with turn() as self.turn_id:
            self.view.start(model)
            history = list(messages)
            for step in range(1, self.max_steps + 1):
                response = await self._step(history, model, params)
                self.steps.append(response)
                if not response.tool_calls:
                    return self.combined()
                if step == self.max_steps:
                    break
                history += self._answer_calls(response, await self.runner.run_all(response.tool_calls, step))
            names = ", ".join(sorted({call.name for call in self.steps[-1].tool_calls}))
            steps = f"{self.max_steps} step{'s' * (self.max_steps != 1)}"
            return self.combined(note=f"stopped after {steps} (--max-steps {self.max_steps}): the "
                                      f"model still asked for {names}; raise --max-steps to let it go on")

    def _answer_calls(self, response: ChatResponse, batch: list[TraceEntry]) -> list[dict[str, Any]]:
        """The assistant's call message and one tool message per call; the trace is updated."""
        self.entries += batch
        _tell(self.view, "trace", [entry.as_dict() for entry in self.entries])
        calls = [{"id": c.id or c.name, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                 for c in response.tool_calls]
        added = [{"role": "assistant", "content": response.text or None, "tool_calls": calls}]
        added += [entry.message() for entry in batch]
        self.turns += added
        return added

    async def _step(self, history: list[dict[str, Any]], model: str, params: dict[str, Any]) -> ChatResponse:
        progress = self._progress = PartialAnswer(model)
        first = True
        params = {**params, "tools": self.box.specs}
        self.bodies.append(step_body(self.session, history, model, params, stream=self.stream))
        if not self.stream:
            params["stream"] = False
        stream = self.session.guarded_stream(history, model, **params)
        async with aclosing(stream) as events:
            async for event in events:
                text = progress.feed(event)
                if not text:
                    continue
                if type(event) is TextDelta:
                    if first and self._shown:  # a new step's text starts a new paragraph
                        self._emit("\n\n")
                    first = False
                    self._emit(text)
                else:
                    self.view.reasoning(text)
        if progress.final is None:
            raise StreamError("the stream ended without a final response", self.partial(interrupted=False))
        self._progress = None
        return progress.final

    def _emit(self, text: str) -> None:
        self._shown.append(text)
        self.view.text(text)

    def combined(self, *, note: str | None = None) -> ChatResponse:
        """All steps as one response: the streamed text, summed usage, every call in ``tool_trace``."""
        last = self.steps[-1]
        combined = last.with_(
            text="".join(self._shown), reasoning="".join(step.reasoning for step in self.steps),
            usage=sum_usage([step.usage for step in self.steps]),
            elapsed_s=sum(step.elapsed_s or 0.0 for step in self.steps), ttft_s=self.steps[0].ttft_s,
            annotations=tuple(a for step in self.steps for a in step.annotations),
            images=tuple(i for step in self.steps for i in step.images),
            tool_trace=tuple(entry.as_dict() for entry in self.entries), error=note)
        return with_provenance(self.session, combined, self.steps, self.bodies[:len(self.steps)])

    def partial(self, *, interrupted: bool = True) -> ChatResponse:
        """What arrived so far (the steps done and the one streaming), marked interrupted."""
        steps = self.steps + ([self._progress.response()] if self._progress is not None else [])
        if not steps:
            return ChatResponse(text="".join(self._shown), interrupted=interrupted)
        done, self.steps = self.steps, steps
        try:
            return self.combined().with_(interrupted=interrupted)
        finally:
            self.steps = done


def _tell(view: Any, name: str, *args: Any) -> None:
    """``view.<name>(*args)``: through a Relay's ``call`` (the waiting thread), else directly when it has it."""
    if isinstance(view, Relay):
        view.call(name, *args)
    elif callable(getattr(view, name, None)):
        getattr(view, name)(*args)


def sum_usage(usages: list[Usage]) -> Usage:
    """Token counts and cost added over steps (a field stays None only when no step knew it)."""
    totals: dict[str, Any] = {}
    for name in _SUMMED:
        known = [value for value in (getattr(u, name) for u in usages) if value is not None]
        totals[name] = sum(known) if known else None
    if len(usages) == 1:
        return usages[0]
    raw: dict[str, Any] = {"steps": [u.raw for u in usages]}
    for name in ("server_tool_use_details", "completion_tokens_details"):  # the footer reads these
        added = _sum_details([u.raw.get(name) if isinstance(u.raw, dict) else None for u in usages])
        if added:
            raw[name] = added
    return Usage(**totals, is_byok=usages[-1].is_byok, raw=raw)


def _sum_details(details: list[Any]) -> dict[str, int]:
    """Integer fields of one usage details object (e.g. ``image_tokens``) added over steps."""
    total: dict[str, int] = {}
    for found in details:
        for key, value in (found if isinstance(found, dict) else {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total
