"""A prompt over many rows (DESIGN §7): the run behind ``%%openrouter --map DF`` and ``map_rows()``.

    run = RowMap(session, df, "Classify: {review}", MapOptions(models=["openai/gpt-4o-mini"]))
    await run.prepare()                       # prices (for the estimate and the budget)
    run.preview()                             # first prompt, rows, estimated cost range
    await run.run()                           # on the session's loop; cancellable
    run.frame()                               # the result (partial after a cancel: unfinished rows `cancelled`)

Each row, per model: the response cache (a hit is ``cached``, $0, one ``cached`` ledger row), then the budget
(the row's worst case is reserved; when it does not fit, the run waits for rows in flight to settle and
tries once more — then this row and every later one is ``refused``, nothing sent), then the request
(non-streamed ``chat``) through the :class:`~.rowmap_rate.RateGate`. Every row sent or refused is one ledger
row tagged with the run's ``run_id``; a cancelled row in flight is recorded ``interrupted``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._accounting import RUN_ID, estimate_prompt_tokens, new_run_id, worst_case_cost
from .._core import BudgetExceeded, ChatResponse, OpenRouterError, usd
from .rowmap_cache import RowCache
from .rowmap_frame import MapColumns, RowSchema, result_frame
from .rowmap_rate import RateGate, row_clients, send_with_retries
from .rowmap_stats import MapStats, check_numbers, error_text
from .rowmap_template import RowTemplate, as_frame

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["MapOptions", "RowMap", "check_numbers"]

_ESTIMATE_SAMPLE = 200  # rows priced one by one for the estimate; the rest scaled from them


@dataclass
class MapOptions:
    """How to run a row map (the ``--map`` flags / ``map_rows`` keywords)."""

    models: list[str]
    params: dict[str, Any] = field(default_factory=dict)
    concurrency: int = 8
    rpm: float | None = None
    limit: int | None = None
    fail_fast: bool = False
    cache: bool = True
    out: str = "answer"
    schema: RowSchema | None = None
    system: str | None = None


class _Refused(Exception):
    pass


class RowMap:
    """One run over the rows of a frame (see the module docstring)."""

    def __init__(self, session: Any, data: Any, prompt: str, options: MapOptions, *, resolve: Any = None) -> None:
        check_numbers(options.concurrency, options.rpm, options.limit)
        frame = as_frame(data)
        if options.limit is not None:
            frame = frame.iloc[: options.limit]
        self.session, self.options, self.run_id = session, options, new_run_id()
        self.template = RowTemplate(prompt, frame, system=options.system, resolve=resolve)
        self.params = dict(options.params)
        if options.schema is not None:
            self.params["response_format"] = options.schema.response_format()
        self.columns = {model: MapColumns(len(frame)) for model in options.models}
        self.stats = MapStats(len(frame) * len(options.models), options.models)
        self.prices: dict[str, Any] = {}
        self.stopped: str | None = None  # why the run stopped early (--fail-fast, budget)
        self._in_flight = 0
        self._settled: asyncio.Event | None = None
        self.gate = RateGate(options.concurrency, options.rpm)

    # -- before sending ------------------------------------------------------------------------------
    async def prepare(self) -> None:
        """Load the catalog prices of the models (never fails: unknown prices stay None)."""
        for model in self.options.models:
            self.prices[model] = await self.session.prices_for(model)

    def estimate(self) -> tuple[float, float] | None:
        """(lowest, highest) USD for the whole run, or None when a model's price is unknown."""
        rows = len(self.template)
        sample = range(min(rows, _ESTIMATE_SAMPLE))
        low = high = 0.0
        for model in self.options.models:
            prices = self.prices.get(model)
            if prices is None:
                return None
            worst = [worst_case_cost(self.template.messages(i), None, prices, model=model, params=self.params)
                     for i in sample]
            if any(value is None for value in worst):
                return None
            tokens = sum(estimate_prompt_tokens(self.template.messages(i)) for i in sample)
            low += tokens * float(prices.get("prompt_usd_per_m") or 0) / 1e6 * rows / len(sample)
            high += sum(worst) * rows / len(sample)  # type: ignore[arg-type]
        return low, high

    def preview(self) -> str:
        """``12 rows × openai/gpt-4o-mini · estimated $0.0001–$0.012`` (the first prompt is shown apart)."""
        span = self.estimate()
        cost = f"estimated {usd(span[0])}–{usd(span[1])}" if span else "cost unknown (no catalog price)"
        return f"{len(self.template)} rows × {', '.join(self.options.models)} · {cost}"

    def first_prompt(self) -> str:
        """The first row's rendered prompt."""
        return self.template.prompt(0)

    # -- running -------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Send every row (cancellable: rows in flight are cancelled, recorded, and the rest stay ``cancelled``)."""
        token = RUN_ID.set(self.run_id)  # tasks made below copy it: their ledger rows carry the run id
        try:
            if not self.prices:
                await self.prepare()
            clients = row_clients(self.session.client, self.gate.ceiling)
            self.cache = RowCache(self.session, clients[0].base_url, enabled=self.options.cache)
            self._settled = asyncio.Event()
            jobs = itertools.product(range(len(self.template)), self.options.models)
            workers = [asyncio.create_task(self._work(jobs, clients[i % len(clients)]))
                       for i in range(min(self.gate.ceiling, self.stats.total))]
            try:
                await asyncio.gather(*workers)
            finally:  # cancelled (Ctrl-C) or failed: stop the others and let them record what they had
                for task in workers:
                    task.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)
        finally:
            RUN_ID.reset(token)
            self.stats.finish()

    async def _work(self, jobs: Any, client: Any) -> None:
        for row, model in jobs:
            if self.stopped is not None and self.options.fail_fast:
                return
            await self._row(row, model, client)

    async def _row(self, row: int, model: str, client: Any) -> None:
        messages = self.template.messages(row)
        key = self.cache.key(model, messages, self.params)
        hit = self.cache.get(key)
        if hit is not None:
            RowCache.record_hit(self.session.ledger, hit)
            self._fill(row, model, hit, "cached", 0.0)
            return
        try:
            hold = await self._admit_waiting(model, messages)
        except _Refused as refusal:
            self.session.ledger.record_refused(model, str(refusal))
            self._mark(row, model, "refused", str(refusal))
            return
        await self._send(row, model, messages, (key, hold, client))

    async def _send(self, row: int, model: str, messages: list[dict[str, Any]], call: tuple[Any, Any, Any]) -> None:
        key, hold, client = call
        self._in_flight += 1
        started = time.perf_counter()
        try:
            response = await send_with_retries(self.gate, lambda: client.chat(messages, model, **self.params))
        except asyncio.CancelledError:
            self._record_interrupted(model, messages)
            raise
        except OpenRouterError as failure:
            self._failed(row, model, failure)
            return
        finally:
            self._in_flight -= 1
            if hold is not None:
                hold.release()
            self._settled.set()  # type: ignore[union-attr]
        written = self.session.ledger.record_response(response, status="ok", prices=self.prices.get(model),
                                                      reservation=hold)
        self.cache.put(key, response, model)
        self.stats.latency(time.perf_counter() - started)
        self._fill(row, model, response, "ok", written["cost"])

    # -- the budget ----------------------------------------------------------------------------------
    def _admit(self, model: str, messages: Any) -> Any:
        budget = self.session.budget
        if budget is None:
            return None
        if self.stopped is not None:
            raise _Refused(self.stopped)
        try:
            return budget.admit(self.session.ledger.book, model, messages, self.prices.get(model), self.params)
        except BudgetExceeded as refusal:
            if self._in_flight == 0:  # nothing will come back to the budget: the run is over
                self.stopped = refusal.message
            raise _Refused(refusal.message) from None

    async def _admit_waiting(self, model: str, messages: Any) -> Any:
        """Admit, or wait for a row in flight to settle (its cost replaces its worst case) and try again."""
        while True:
            try:
                return self._admit(model, messages)
            except _Refused:
                if self.stopped is not None:
                    raise
            self._settled.clear()  # type: ignore[union-attr]
            await self._settled.wait()  # type: ignore[union-attr]

    # -- outcomes ------------------------------------------------------------------------------------
    def _fill(self, row: int, model: str, response: ChatResponse, status: str, cost: float | None) -> None:
        columns = self.columns[model]
        text = response.text
        columns.text[row], columns.model[row], columns.cost[row] = text, response.model or model, cost
        columns.latency[row] = response.elapsed_s
        schema = self.options.schema
        if schema is not None:
            columns.parsed[row], problem = schema.parse(text)
            if problem is not None:
                self._mark(row, model, "error", f"does not match {schema.name} ({problem}); the answer: {text}")
                self.stats.add_cost(cost)
                return
        columns.status[row] = status
        self.stats.row_done(status, cost)

    def _mark(self, row: int, model: str, status: str, error: str) -> None:
        columns = self.columns[model]
        columns.status[row], columns.error[row] = status, error
        self.stats.row_done(status, None)
        if status == "error" and self.options.fail_fast and self.stopped is None:
            self.stopped = f"row {self.template.frame.index[row]!r} failed: {error}"

    def _failed(self, row: int, model: str, failure: OpenRouterError) -> None:
        message = error_text(failure)
        self.session.ledger.record_response(ChatResponse(model=model, requested_model=model, error=message),
                                            status="error", error=message)
        self.columns[model].model[row] = model
        self._mark(row, model, "error", message)

    def _record_interrupted(self, model: str, messages: Any) -> None:
        partial = ChatResponse(model=model, requested_model=model, interrupted=True, error="interrupted")
        self.session.ledger.record_response(partial, status="interrupted", prices=self.prices.get(model),
                                            fallback_tokens=(estimate_prompt_tokens(messages), 0))

    # -- the result ----------------------------------------------------------------------------------
    def frame(self) -> pandas.DataFrame:
        """The result frame (input index and order; unfinished rows ``cancelled``)."""
        return result_frame(self.template.frame.index, self.columns, schema=self.options.schema,
                            out=self.options.out)

    def summary(self) -> pandas.DataFrame:
        """Per model: rows ok/cached/failed/refused/cancelled, cost and mean latency."""
        return self.stats.table(self.columns)
