"""The Python API that works with or without IPython: ``catalog()``, ``ledger()``, ``compare()``.

    from openrouter_magic import catalog, ledger, compare
    df = catalog()                          # one row per model
    ledger(all=True)                        # one row per call, all history
    compare("Explain SSE", ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"], max_tokens=200)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._session import Session

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["catalog", "compare", "ledger"]


def catalog(refresh: bool = False, embeddings: bool = False) -> pandas.DataFrame:
    """The model catalog (cached on disk for an hour; ``refresh=True`` refetches); ``embeddings=True``: the
    embedding models (for ``embed()``)."""
    session = Session.get()
    if embeddings:
        from ._session import embedding_catalog

        return session.run(embedding_catalog(session, refresh=refresh)).frame.copy()
    # a copy: editing it must not change the prices the session charges with (pandas 2 has no copy on write)
    return session.run(session.catalog_frame(refresh=refresh)).copy()


def ledger(all: bool = False) -> pandas.DataFrame:
    """One row per call: this session's, or all history with ``all=True``."""
    return Session.get().ledger.frame(all=all)


def compare(prompt: str | list[dict[str, Any]], models: Sequence[str], **params: Any) -> Any:
    """Ask several models the same prompt: the CompareView in a kernel, a DataFrame elsewhere."""
    from ._widgets import compare_models as run_compare

    return run_compare(prompt, models, session=Session.get(), **params)
