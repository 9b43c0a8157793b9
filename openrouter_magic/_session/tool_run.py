"""Running the calls one step of the tool loop asked for (DESIGN §10).

Async functions run on the private loop, side by side; plain functions run in the kernel's main thread
(they may touch notebook state), handed there through the Relay the magic is waiting on, one after the
other. A call that fails — unknown name, bad arguments, declined, or the function raised — becomes error
text for the model, never an exception out of the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .._core import ToolCall
from .tool_args import bind_arguments

__all__ = ["ToolRunner", "TraceEntry", "result_text"]


@dataclass
class TraceEntry:
    """One call as the trace shows it: name, arguments, result or error, seconds, step."""

    name: str
    arguments: str
    call_id: str | None = None
    step: int = 1
    result: str | None = None
    error: str | None = None
    duration_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """A plain dict (what ``ChatResponse.tool_trace`` keeps)."""
        return asdict(self)

    def message(self) -> dict[str, Any]:
        """The ``tool`` message that gives the model this call's outcome."""
        content = self.result if self.error is None else f"Error: {self.error}"
        return {"role": "tool", "tool_call_id": self.call_id or self.name, "name": self.name, "content": content or ""}


def result_text(value: Any) -> str:
    """What a tool returned, as the text sent back: strings as they are, the rest as JSON (else ``str``)."""
    if isinstance(value, str):
        return value
    dump = getattr(value, "model_dump_json", None)
    if callable(dump):
        return str(dump())
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _is_async(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, "__call__", None))


class ToolRunner:
    """Runs calls by name; ``main`` (a Relay) reaches the waiting thread, None runs plain functions here.

    ``approve`` True asks the waiting thread (``input()``); an async ``approve(name, arguments) -> bool``
    asks elsewhere (a comparison pane's Run/Skip buttons)."""

    def __init__(self, functions: dict[str, Callable[..., Any]], *, main: Any = None, approve: Any = False) -> None:
        self.functions, self.main, self.approve = functions, main, approve

    async def run_all(self, calls: tuple[ToolCall, ...], step: int) -> list[TraceEntry]:
        """Run every call of one step (async ones concurrently) → their entries, in the calls' order."""
        return list(await asyncio.gather(*(self.run_one(call, step) for call in calls)))

    async def run_one(self, call: ToolCall, step: int) -> TraceEntry:
        """Run one call; whatever goes wrong ends up in ``entry.error``."""
        entry = TraceEntry(call.name, call.arguments or "{}", call.id, step)
        func = self.functions.get(call.name)
        if func is None:
            known = ", ".join(self.functions) or "none"
            entry.error = f"there is no tool named {call.name!r} (the tools are: {known})"
            return entry
        if self.approve and not await self._approved(call.name, entry.arguments):
            entry.error = "the user declined this call"
            return entry
        started = time.perf_counter()
        try:
            kwargs = bind_arguments(func, call.arguments or "{}")
            value = await func(**kwargs) if _is_async(func) else await self._in_main("run_in_main", func, kwargs)
            if inspect.isawaitable(value):
                value = await value
            entry.result = result_text(value)
        except Exception as error:  # the model reads what went wrong and may try again
            entry.error = f"{type(error).__name__}: {error}"
        entry.duration_s = time.perf_counter() - started
        return entry

    async def _approved(self, name: str, arguments: str) -> bool:
        if callable(self.approve):
            return bool(await self.approve(name, arguments))
        return bool(await self._in_main("approve", name, arguments))

    async def _in_main(self, method: str, *args: Any) -> Any:
        """Call ``<view>.<method>(*args, done)`` in the waiting thread and await what ``done`` receives."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def done(value: Any, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, value, error)

        if self.main is None:  # no waiting thread (a script awaiting directly): run here
            from .tool_view import ToolView

            getattr(ToolView(None), method)(*args, lambda value, error: _settle(future, value, error))
        else:
            self.main.call(method, *args, done)
        return await future


def _settle(future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
