"""FakeOpenRouter: the emulator's public object — a server thread, its state and its knobs."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import _scenario as sc
from ._catalog import Catalog, load_catalog
from ._state import EmulatorState, QueuedError, RecordedRequest
from ._routes import route
from ._server import HttpServer, Request, Response


class FakeOpenRouter:
    """A local OpenRouter on 127.0.0.1 over real HTTP, with deterministic answers and scenario knobs.

    It starts serving when created (``with`` is optional; ``stop()``/``start()`` cut and restore it)::

        with FakeOpenRouter(chunk_delay=0.01, per_model={"openai/gpt-4o": {"first_byte_delay": 1}}) as fake:
            fake.queue_error(429, headers={"Retry-After": "1"})
            client = OpenRouter(api_key="sk-or-v1-any", base_url=fake.base_url)

    ``catalog``: None (the demo catalog), a path to a /models JSON, an envelope or a list of model dicts.
    ``api_key``: None accepts any non-empty bearer; a string accepts only that one. Knobs: see
    ``DEFAULT_KNOBS`` in ``_scenario.py`` — each may be overridden per model with ``per_model``.
    A request with ``X-OpenRouter-Cache: true`` goes through OpenRouter's response cache as the real service
    plays it (MISS billed, then HIT free within ``X-OpenRouter-Cache-TTL``; see ``_response_cache.py``).
    """

    def __init__(self, catalog: None | str | Path | list[dict] | dict = None, api_key: str | None = None, *,
                 host: str = "127.0.0.1", port: int = 0, **knobs: Any):
        sc.check_knobs(knobs)
        self.state = EmulatorState(Catalog(load_catalog(catalog)), api_key, {**sc.DEFAULT_KNOBS, "per_model": {}})
        self.host, self.port = host, port
        self._lock = self.state.lock
        self.configure(**knobs)
        self._requests: list[RecordedRequest] = []
        self._disconnects = 0
        self._disconnect_event = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: HttpServer | None = None
        self.start()

    # ------------------------------------------------------------------------------------- lifecycle
    def start(self) -> "FakeOpenRouter":
        """Serve (again) — on the same port as before when possible. No-op if already running."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(ready, failure), name="FakeOpenRouter",
                                        daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = HttpServer(self._handle)
        try:
            self.port = loop.run_until_complete(self._server.start(self.host, self.port))
        except BaseException as exc:  # e.g. the old port is taken: report it to start()
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._server.close())
            loop.close()

    def stop(self) -> None:
        """Stop serving and cut every open connection (simulates the network going away)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if thread is not threading.current_thread():  # stop() from inside a handler must not wait for itself
            thread.join(timeout=10)
        self._thread = self._loop = None

    close = stop

    def __enter__(self) -> "FakeOpenRouter":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._thread else "stopped"
        return f"<FakeOpenRouter {state} {self.base_url} models={len(self.catalog.models)}>"

    @property
    def catalog(self) -> Catalog:
        """The models this emulator serves."""
        return self.state.catalog

    @property
    def api_key(self) -> str | None:
        """The only bearer key accepted (None: any non-empty one)."""
        return self.state.api_key

    @api_key.setter
    def api_key(self, value: str | None) -> None:
        self.state.api_key = value

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v1``."""
        return f"http://{self.host}:{self.port}/api/v1"

    # ------------------------------------------------------------------------------------------ knobs
    def configure(self, **knobs: Any) -> "FakeOpenRouter":
        """Change knobs (see ``DEFAULT_KNOBS``); ``per_model`` entries are merged. Thread-safe."""
        sc.check_knobs(knobs)
        with self._lock:
            per_model = knobs.pop("per_model", None)
            self.state.knobs.update(knobs)
            if per_model is not None:
                merged = {m: dict(v) for m, v in self.state.knobs["per_model"].items()}
                for model, overrides in per_model.items():
                    if overrides is None:  # per_model={"id": None} drops that model's overrides
                        merged.pop(model, None)
                    else:
                        merged.setdefault(model, {}).update(overrides)
                self.state.knobs["per_model"] = merged
        return self

    def knobs_snapshot(self) -> dict[str, Any]:
        """A copy of the current knobs."""
        return self.state.knobs_snapshot()

    def queue_error(self, status: int, *, times: int = 1, model: str | None = None,
                    headers: dict[str, str] | None = None, body: dict[str, Any] | None = None) -> None:
        """Make the next ``times`` chat calls (for ``model``, or any) fail with ``status`` and its real body."""
        with self._lock:
            self.state.errors.append(QueuedError(int(status), int(times), model, headers, body))

    def clear_errors(self) -> None:
        """Forget queued errors that were not used."""
        with self._lock:
            self.state.errors.clear()

    # -------------------------------------------------------------------------------------- observing
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Only the POST /chat/completions requests."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/chat/completions")]

    @property
    def disconnects(self) -> int:
        """How many responses the client closed before their end."""
        with self._lock:
            return self._disconnects

    def wait_for_disconnects(self, n: int = 1, timeout: float = 5.0) -> bool:
        """Block until at least ``n`` disconnects were seen; False on timeout."""
        with self._disconnect_event:
            return self._disconnect_event.wait_for(lambda: self._disconnects >= n, timeout)

    def cost_of(self, generation_id: str) -> float:
        """The USD the emulator billed for a generation (KeyError if unknown)."""
        with self._lock:
            return self.state.generations[generation_id].answer.cost

    @property
    def total_billed(self) -> float:
        """The USD billed so far."""
        return self.state.usage()[0]

    def reset(self) -> None:
        """Forget requests, generations, queued errors and disconnects (knobs are kept)."""
        with self._lock:
            self._requests.clear()
            self.state.errors.clear()
            self.state.generations.clear()
            self._disconnects = 0
        self.state.limits.reset()

    @property
    def max_in_flight(self) -> int:
        """The most requests this emulator had in flight at once (since start or ``reset``)."""
        return self.state.limits.max_in_flight

    @property
    def max_connections(self) -> int:
        """The most TCP connections open at once since the server started (idle keep-alive ones included)."""
        return self._server.most_connections if self._server is not None else 0

    @property
    def rate_limited(self) -> int:
        """How many 429s the ``rpm_limit`` knob sent."""
        return self.state.limits.limited

    # ---------------------------------------------------------------------------- serving a request
    async def _handle(self, req: Request) -> Response:
        try:
            parsed = json.loads(req.body) if req.body else None
        except ValueError:
            parsed = None
        record = RecordedRequest(req.method, req.path, req.query, req.headers, parsed, time.time())
        with self._lock:
            self._requests.append(record)
        self.state.limits.enter()
        response = await route(self.state, req)
        if response.status == 200:
            record.generation_id = response.headers.get("X-Generation-Id")
        inner = response.on_done

        def on_done(outcome: str, written: int) -> None:
            self.state.limits.leave()
            with self._lock:
                record.outcome = outcome
                record.cancelled = outcome == "cancelled"
                if record.cancelled:
                    self._disconnects += 1
                    self._disconnect_event.notify_all()
            if inner is not None:
                inner(outcome, written)
        return replace(response, on_done=on_done)
