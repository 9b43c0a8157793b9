"""Checking a model id for ``%openrouter use`` against the catalog (never blocks ``-m``)."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any, Protocol

__all__ = ["CatalogSource", "check_model_id", "did_you_mean"]


class CatalogSource(Protocol):
    """What the checks need of a session (the ``Session`` is one): run a coroutine, fetch the catalog."""

    def run(self, coro: Awaitable[Any]) -> Any: ...

    def catalog_frame(self, refresh: bool = False) -> Awaitable[Any]: ...


def _frame(session: CatalogSource) -> Any:
    """The catalog frame: from memory when the session has it (a widget callback must not wait), else fetched."""
    loaded = getattr(session, "loaded_catalog", None)
    frame = loaded() if loaded is not None else None
    return frame if frame is not None else session.run(session.catalog_frame())


# author/slug[:variant]; a leading "~" marks OpenRouter's moving aliases ("~anthropic/claude-sonnet-latest").
_ID = re.compile(r"^~?[A-Za-z0-9][\w.\-]*/[\w.\-:]+$")


def did_you_mean(session: CatalogSource, model: str, n: int = 3) -> list[str]:
    """Up to ``n`` catalog ids close to ``model`` (empty when the catalog is unavailable)."""
    from .._catalog import suggest_models as suggest

    try:
        frame = _frame(session)
    except Exception:  # suggestions are a help, never a reason to fail
        return []
    return [found for found in suggest(model, list(frame["id"]), n=n + 1) if found != model][:n]


def _hint(ids: list[str]) -> str:
    return f" — did you mean {', '.join(ids)}?" if ids else ""


def check_model_id(session: CatalogSource, model: str) -> str | None:
    """ValueError for a malformed id; a warning text for an id the catalog does not know; else None."""
    if not model:
        raise ValueError("give a model id, e.g. %openrouter use anthropic/claude-sonnet-4.5")
    if not _ID.match(model):
        raise ValueError(f"{model!r} is not a model id (author/slug){_hint(did_you_mean(session, model))}")
    try:
        ids = set(_frame(session)["id"])
    except Exception:  # offline: accept, and say it could not be checked
        return f"could not check {model} against the catalog (unavailable); using it anyway"
    if model in ids or model.split(":", 1)[0] in ids:
        return None
    return f"{model} is not in the catalog (new or private models still work){_hint(did_you_mean(session, model))}"
