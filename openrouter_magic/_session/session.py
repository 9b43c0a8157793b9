"""One Session per kernel: the client, catalog, ledger, budget, conversations, sandbox and the loop.

Magics and widgets are thin shells over this object (``Session.get()``); heavy modules load on first use.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, ClassVar

from .._core import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MODEL,
    Setting,
    UsageEvent,
    api_key_setting,
    base_url_setting,
    magic_home,
    referer_setting,
    register_secret,
    resolve,
    title_setting,
)
from .aliases import Aliases
from .conversations import Conversations
from .extras import admit_periods, extra_settings, request_extras, resolve_model
from .runner import LoopRunner, PrivateLoopMixin
from .sandbox import Sandbox

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .._core import ChatResponse, StreamEvent

__all__ = ["Session"]

Request = tuple[str, Any, dict[str, Any]]  # (model, messages, params)
_PRICES_WAIT_S = 2.0


class Session(PrivateLoopMixin):
    """Per-kernel state; see ``docs/INTERNALS.md`` ("Session API")."""

    _by_shell: ClassVar[weakref.WeakKeyDictionary[Any, Session]] = weakref.WeakKeyDictionary()
    _plain: ClassVar[Session | None] = None

    def __init__(self, shell: Any = None) -> None:
        self.shell = shell
        self.id = os.urandom(6).hex()
        self.conversations = Conversations()
        self.sandbox = Sandbox()
        self.budget: Any = None  # a _budget.Budget when `%openrouter budget USD` is set
        self.cache: Any = None  # a cached.CacheSwitch (response cache on/off and its file), made on first use
        self.config_values: Callable[[], dict[str, Any]] = dict  # set by the magics (traitlets config)
        self._runner = LoopRunner()  # its thread starts on first use
        self._default_model: str | None = None
        self._api_key: str | None = None  # from `%openrouter key --set`: in this process only, never saved
        self._store: Any = None
        self._store_url: str | None = None
        self._catalog: Any = None  # the last CatalogResult
        self._ledgers: dict[str, Any] = {}
        self._disk_catalog: Any = None  # CatalogResult read from disk for prices, False when there is none
        self.aliases = Aliases()  # %openrouter alias NAME=MODEL, kept in OPENROUTER_MAGIC_HOME

    # -- the singleton ---------------------------------------------------------------------------
    @classmethod
    def get(cls, shell: Any = None) -> Session:
        """The session of this kernel (``shell=None``: the running IPython, else a plain one)."""
        if shell is None:
            shell = _current_shell()
        if shell is None:
            if cls._plain is None:
                cls._plain = cls()
            return cls._plain
        session = cls._by_shell.get(shell)
        if session is None:
            session = cls._by_shell[shell] = cls(shell)
        return session

    # -- settings --------------------------------------------------------------------------------
    def settings(self) -> dict[str, Setting]:
        """Every effective setting with its source (``api_key`` must be shown masked)."""
        config = self.config_values()
        found = {
            "api_key": api_key_setting(session=self._api_key),
            "base_url": base_url_setting(),
            "http_referer": referer_setting(),
            "x_title": title_setting(),
        }
        found.update(self.sandbox.overrides())
        found["default_model"] = self._model_setting(config)
        for name, default in (("max_retries", DEFAULT_MAX_RETRIES), ("timeout", None), ("retry_delay", 0.5),
                              ("refresh_interval", 0.25), ("show_footer", True)):
            found[name] = resolve(name, config=config.get(name), default=default)
        found["home"] = resolve("home", env=("OPENROUTER_MAGIC_HOME",), default=str(magic_home()))
        limit = getattr(self.budget, "limit_usd", None)
        found["budget"] = Setting("budget", limit, "session" if self.budget else "default")
        found.update(extra_settings(self, config))
        return found

    def _model_setting(self, config: dict[str, Any]) -> Setting:
        if self._default_model:
            return Setting("default_model", self._default_model, "session")
        return resolve("default_model", config=config.get("default_model") or None, default=DEFAULT_MODEL)

    def set_key(self, key: str | None) -> None:
        """Use ``key`` in this session only (``%openrouter key --set``): kept in memory, never written anywhere."""
        register_secret(key)  # masked in every error and log line from now on
        self._api_key = key or None

    @property
    def default_model(self) -> str:
        """Session default (``use``) > traitlets config > ``openrouter/auto``."""
        return str(self._model_setting(self.config_values()).value)

    @default_model.setter
    def default_model(self, model: str | None) -> None:
        self._default_model = model or None

    # -- client, catalog, ledger -----------------------------------------------------------------
    @property
    def catalog_store(self) -> Any:
        """The disk-cached catalog for the current base URL."""
        base_url = self.settings()["base_url"].value
        if self._store is None or self._store_url != base_url:
            from .._catalog import CatalogStore

            self._store, self._store_url = CatalogStore(base_url=base_url), base_url
            self._catalog = self._disk_catalog = None
        return self._store

    async def catalog_result(self, refresh: bool = False) -> Any:
        """The catalog with its note (stale, added/removed); cached in memory until ``refresh``."""
        store = self.catalog_store
        if self._catalog is None or refresh:
            self._catalog = await store.get(self.client, refresh=refresh)
        return self._catalog

    async def catalog_frame(self, refresh: bool = False) -> pandas.DataFrame:
        """The catalog as a DataFrame (one row per model)."""
        return (await self.catalog_result(refresh=refresh)).frame

    @property
    def ledger(self) -> Any:
        """The cost ledger (the sandbox has its own in-memory one, so fake costs never mix in)."""
        where = ":memory:" if self.sandbox.active else "disk"
        if where not in self._ledgers:
            from .._accounting import Ledger

            self._ledgers[where] = Ledger(path=None if where == "disk" else ":memory:", session_id=self.id)
        return self._ledgers[where]

    def known_prices(self, model: str | None) -> dict[str, Any] | None:
        """The catalog row of ``model`` from memory or the disk copy (never the network); None if unknown."""
        if not model:
            return None
        from .._catalog import catalog_row

        if self._catalog is None and self._disk_catalog is None:
            self._disk_catalog = self.catalog_store.cached(self.settings()["base_url"].value) or False
        source = self._catalog or self._disk_catalog
        return catalog_row(source.frame, model) if source else None

    async def prices_for(self, model: str | None) -> dict[str, Any] | None:
        """The catalog row of ``model``, loading the catalog (cache or network) when needed."""
        if not model:
            return None
        try:
            await self.catalog_result()
        except Exception:  # prices are a nicety: never fail a call because the catalog is away
            return None
        return self.known_prices(model)

    def loaded_catalog(self) -> pandas.DataFrame | None:
        """The catalog frame when it is in memory (no wait), else None."""
        return None if self._catalog is None else self._catalog.frame

    # -- models ----------------------------------------------------------------------------------
    def use(self, model: str) -> str | None:
        """Make ``model`` the session default; returns a warning (unknown id) or None.

        Raises ValueError (message with suggestions) when the id is not an ``author/slug`` id.
        """
        from .models import check_model_id

        model = resolve_model(self, (model or "").strip()) or ""
        warning = check_model_id(self, model)
        self._default_model = model
        return warning

    # -- streaming with the guard ----------------------------------------------------------------
    async def guarded_stream(self, messages: Any, model: str | None, **params: Any) -> AsyncIterator[StreamEvent]:
        """Budget check before sending, stream, exactly one ledger row (ok/error/interrupted/refused).

        Re-raises every error (``BudgetExceeded`` when refused or stopped at the budget). ``stream=False``
        sends one non-streamed request and tells its answer as the same events (``--no-stream`` tool steps).
        """
        from .engine import recorded_stream
        from .whole_answer import WholeAnswer

        client = self.client if params.pop("stream", True) else WholeAnswer(self.client)  # stream=False: one POST
        model, params = request_extras(self, model or self.default_model, params)
        # The catalog is fetched only for a budget (before sending) or a cost OpenRouter did not report.
        prices: Any = await self.prices_for(model) if self.budget is not None else _LazyPrices(self, model)
        holds = await admit_periods(self, model, messages, params)  # day/month budgets, before sending
        try:
            async with aclosing(recorded_stream(client, self.ledger, self.budget, messages, model, prices,
                                                claim=(model, id(messages)), **params)) as events:
                async for event in events:
                    if type(event) is UsageEvent and event.usage.cost is None and self._catalog is None:
                        await self._load_prices_briefly(model)  # the row is written at Done, just after this
                    yield event
        finally:
            for hold in holds:
                hold.release()

    async def ask(self, messages: Any, model: str | None, renderer: Any = None, *, live: bool = True,
                  answer: Any = None, **params: Any) -> ChatResponse:
        """Stream an answer into ``renderer`` (guarded: budget, one ledger row) and return the response.

        The renderer is started and fed; finishing it (with a footer) is the caller's. Pass your own
        ``answer`` (an ``_answer.Answer``) to keep the partial text if the call is interrupted.
        ``cache=True|False|None`` and ``server_cache=TTL`` pick the response caches (``cached.cached_call``).
        """
        from .answer import Answer
        from .cached import cached_call
        from .._render import NullRenderer

        answer = answer or Answer(renderer or NullRenderer(), model or self.default_model, live=live)
        return await cached_call(self, answer, messages, **params)  # cache → guarded stream → provenance

    async def _load_prices_briefly(self, model: str) -> None:
        import asyncio

        try:
            await asyncio.wait_for(self.prices_for(model), timeout=_PRICES_WAIT_S)
        except asyncio.TimeoutError:  # an unknown cost beats a stalled answer
            pass

    def check_budget(self, requests: list[Request]) -> float | None:
        """Reserve these requests together, or refuse them all (BudgetExceeded, ``refused`` rows)."""
        return self.run(self.check_budget_async(requests))

    async def check_budget_async(self, requests: list[Request]) -> float | None:
        """``check_budget`` in a coroutine → the summed worst case (None without a budget); the reservations
        wait for ``guarded_stream`` of the same model and messages object to claim them (or lapse in seconds)."""
        if self.budget is None:
            return None
        from .._core import BudgetExceeded

        requests = [(resolve_model(self, model), messages, params) for model, messages, params in requests]
        prices = {model: await self.prices_for(model) for model, _, _ in requests}
        keys = [(model, id(messages)) for model, messages, _ in requests]
        try:
            holds = self.budget.admit_many(self.ledger.book, requests, prices, replace=keys)
        except BudgetExceeded as refused:
            for model, _, _ in requests:
                self.ledger.record_refused(model, refused.message)
            raise
        for key, hold in zip(keys, holds):
            self.ledger.book.park(key, hold)
        return sum(hold.amount for hold in holds)

    def sandbox_on(self, **knobs: Any) -> str:
        """Start the embedded emulator and point the session at it; returns its base URL."""
        return self.sandbox.start(**knobs)

    def sandbox_off(self) -> bool:
        """Stop the emulator and restore the real settings; True when it was running."""
        return self.sandbox.stop()

    def close(self) -> None:
        """Stop the sandbox, then the private loop: background work, the client's connections, the thread."""
        self.sandbox.stop()
        if self.cache is not None:
            self.cache.close()
        self._runner.close()
        for ledger in self._ledgers.values():
            ledger.flush()  # the writer thread may still hold rows: on disk before the session is gone


def _current_shell() -> Any:
    from IPython import get_ipython  # a dependency; None outside a shell

    return get_ipython()


class _LazyPrices:
    """A catalog row looked up at the moment it is read (``.get`` like a dict)."""

    def __init__(self, session: Session, model: str) -> None:
        self._session, self._model = session, model

    def get(self, name: str, default: Any = None) -> Any:
        row = self._session.known_prices(self._model)
        return default if row is None else row.get(name, default)
